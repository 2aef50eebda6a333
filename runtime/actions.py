"""Declared actions: a function file adds a client frame type, with no change anywhere else.

    class Shout(Action):            # what a client sends; `user`, `id`, `ts` are set for it
        room: Room
        text: Text

    @on_action("shout")             # {"type": "shout", "room": ..., "text": ..., "client_id": ...}
    async def shout(event: Shout, ctx: Context) -> Delivery: ...

The gateway learns the action from the function registry (``runtime.registry``) while the
function runs: it validates a client's frame against the model's JSON Schema, stamps the
authenticated sender into ``user``, publishes it to ``chat.action.<type>`` (keyed by ``room``
when the model has one, else by the sender) and acks once Kafka has it.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar, Unpack

from pydantic import Field

from runtime.events import Delivery, Event, Username, minted_at, utcnow
from runtime.frames import error_frame
from runtime.names import action_topic
from runtime.triggers import (
    Decorator,
    Handler,
    HandlerFn,
    Options,
    Retry,
    TriggerOptions,
    describe_handler,
)

# Frame types the gateway itself answers: no function may declare them.
BUILTIN_TYPES = frozenset(
    {"join", "leave", "message", "private", "typing", "ping", "read", "ack", "error", "pong"}
)
ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# Fields the gateway fills in; a client frame may not carry them.
SERVER_FIELDS = ("id", "ts", "user")
# A model field that takes the client frame's "id" (what the action is about, such as a
# message): "id" on the wire, since the event's own id is the gateway's to set.
TARGET = "target"
# A message is acked once Kafka has it, and stored a moment later by the chat function: a change
# that names a message this young, not found yet, is tried again (a few times) before "not_found".
ON_ITS_WAY = timedelta(seconds=5)
ON_ITS_WAY_ATTEMPTS = 4


class Action(Event):
    """Base of a declared action's model: subclass it with the fields a client sends.

    ``user`` (the authenticated sender), ``id``, ``ts`` and ``client_id`` come with it.
    An action whose model has a ``room`` field is keyed (and ordered) by that room, and the
    gateway accepts it only from a sender who may post in that room. A ``target`` field is
    sent by clients as ``id`` (``{"type": "edit", "id": <message>}``): the event's own ``id``
    is set by the gateway.
    """

    type: ClassVar[str] = ""
    topic: ClassVar[str] = ""

    user: Username
    client_id: str | None = Field(default=None, min_length=1, max_length=64)

    def key(self) -> str:
        room = getattr(self, "room", None)
        return room if isinstance(room, str) else self.user

    def refuse(self, error: str, detail: str) -> Delivery:
        """An ``error`` frame (docs/PROTOCOL.md: ``forbidden``, ``not_found``, ``invalid``...)
        for the sender's sockets only, with this action's ``client_id``; the gateway acked the
        action when Kafka had it, so this is how a function says no."""
        frame = error_frame(error, f"{self.type}: {detail}", self.client_id)
        return Delivery(users=(self.user,), frame=dict(frame))

    def no_message(self, message: str, attempt: int) -> Delivery:
        """The answer when ``message`` is not found (pass ``ctx.attempt``). A client may act on
        its message as soon as it is acked, which is before the chat function stored it: a
        message id minted in the last few seconds makes this a ``Retry`` for the first few
        attempts; otherwise (or then) the sender is refused with ``not_found``."""
        minted = minted_at(message)
        if minted is not None and utcnow() - minted < ON_ITS_WAY and attempt < ON_ITS_WAY_ATTEMPTS:
            raise Retry(defer=0.1 * 2**attempt, reason=f"message {message} is not stored yet")
        return self.refuse("not_found", f"there is no message {message!r}")


def on_action(
    action: str, *, model: type[Action] | None = None, **options: Unpack[TriggerOptions]
) -> Decorator:
    """Declare the client action ``action`` and run the decorated function on each one.

    @on_action("shout")
    async def shout(event: Shout, ctx: Context) -> Delivery: ...

    The action's model is the type of the function's first parameter (a subclass of
    ``Action``), or ``model=`` when that annotation cannot be resolved. ``start`` is
    "earliest": an action acked before the function's first worker owned its partitions is
    still handled. ``ordered=False`` consumes through a share group (see ``Options``).
    ``min_replicas=0`` lets it sleep: the gateway still accepts the action while it
    sleeps, and the first one wakes it (docs/FUNCTIONS.md, Scaling).
    """
    if not ACTION_NAME.match(action):
        raise ValueError(
            f"action {action!r}: use 1-32 lowercase letters, digits or _, starting with a letter"
        )
    if action in BUILTIN_TYPES:
        raise ValueError(
            f"action {action!r} is a built-in frame type; name your action something else"
        )
    options.setdefault("start", "earliest")  # an action acked before a worker ran is handled
    chosen = Options.of(options)

    def wrap(fn: HandlerFn) -> Handler:
        base = model or _first_parameter_model(fn)
        # Resolve the model's annotations now, in the function's module (discovery loads
        # function files without keeping them in sys.modules, where pydantic would look later).
        namespace = dict(getattr(fn, "__globals__", {}))
        base.model_rebuild(_types_namespace=namespace)
        bound: type[Action] = type(
            base.__name__,
            (base,),
            {
                "type": action,
                "topic": action_topic(action),
                "__module__": base.__module__,
                "__qualname__": base.__qualname__,
            },
        )
        bound.model_rebuild(_types_namespace=namespace)
        return describe_handler(f"on_action({action})", (bound.topic,), (bound,), chosen)(fn)

    return wrap


def from_client(fields: Mapping[str, Any], user: str) -> dict[str, Any]:
    """A client's action frame as its event's data: without ``type``, its ``id`` as
    ``target``, and ``user`` the authenticated sender."""
    data = {TARGET if k == "id" else k: v for k, v in fields.items() if k != "type"}
    data["user"] = user
    return data


def client_schema(model: type[Action]) -> dict[str, Any]:
    """The JSON Schema of the frame a client sends for ``model``'s action: the model's
    fields less those the server sets (``target`` named ``id``), plus ``type`` and a required
    ``client_id``; nothing else is allowed."""
    schema = model.model_json_schema()
    properties = {
        name: field
        for name, field in schema.get("properties", {}).items()
        if name not in SERVER_FIELDS
    }
    required = {r for r in schema.get("required", []) if r not in SERVER_FIELDS}
    if TARGET in properties:  # the client names it "id"
        properties["id"] = properties.pop(TARGET)
        required = {"id" if r == TARGET else r for r in required}
    properties["type"] = {"const": model.type}
    properties["client_id"] = {"type": "string", "minLength": 1, "maxLength": 64}
    described = {k: v for k, v in schema.items() if k not in ("properties", "required")}
    return {
        **described,
        "type": "object",
        "properties": properties,
        "required": sorted(required | {"type", "client_id"}),
        "additionalProperties": False,
    }


def _first_parameter_model(fn: HandlerFn) -> type[Action]:
    name = getattr(fn, "__qualname__", repr(fn))
    try:
        hints = typing.get_type_hints(fn)
    except NameError as exc:
        raise TypeError(
            f"{name}: cannot resolve its event annotation ({exc}); define the Action model at "
            "module level or pass on_action(..., model=YourAction)"
        ) from None
    parameters = [p for p in hints if p != "return"]
    found = hints.get(parameters[0]) if parameters else None
    if typing.get_origin(found) in (list, Sequence) and typing.get_args(found):
        found = typing.get_args(found)[0]  # a batch handler: list[Shout]
    if not (isinstance(found, type) and issubclass(found, Action) and found is not Action):
        raise TypeError(
            f"{name}: annotate its first parameter with your Action subclass "
            "(`async def fn(event: Shout, ctx: Context)`)"
        )
    return found
