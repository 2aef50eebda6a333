"""Parley's handler SDK: everything a file in ``functions/`` imports, and nothing more.

    from runtime import Context, MessageEvent, Reply, on_message

    @on_message
    async def echo(event: MessageEvent, ctx: Context) -> Reply | None:
        if event.text.startswith("!echo "):
            return Reply(room=event.room, text=event.text.removeprefix("!echo "))
        return None

A file can also declare a new client frame type (``Action`` + ``@on_action``), run on a clock
(``@every``, ``@cron``: its event is a ``Tick``), keep durable state in ``ctx.state`` and send
something later with ``ctx.later``: see docs/FUNCTIONS.md. Importing it loads no database or Kafka
code: the engine (``runtime.engine``), the Kafka adapter (``runtime.kafka``), the store
(``runtime.db``) and the process layer (``runtime.ops``) live below it. ``runtime.testing``
calls handlers in unit tests.

A file in ``functions/`` imports only the names in ``__all__`` (``from runtime import ...``),
pydantic and the standard library (tests/unit/functions/test_sdk_imports.py checks every file);
a name a function needs from elsewhere in ``runtime`` is exported here first.
"""

from __future__ import annotations

from runtime.actions import Action, on_action
from runtime.context import Context
from runtime.events import (
    Delivery,
    Event,
    JoinEvent,
    LeaveEvent,
    MessageEvent,
    MessageId,
    PrivateEvent,
    Room,
    Text,
    Username,
)
from runtime.frames import mention_frame, presence_change_frame
from runtime.history import Change, StoredMessage
from runtime.mentions import mentions_in
from runtime.schedules import Tick, cron, every
from runtime.triggers import (
    BatchFailures,
    Reply,
    Retry,
    on,
    on_join,
    on_leave,
    on_message,
    on_presence,
    on_private,
)

__all__ = [  # noqa: RUF022 - grouped by what callers look for
    # triggers
    "on_message",
    "on_join",
    "on_leave",
    "on_presence",
    "on_private",
    "on_action",
    "on",
    "every",
    "cron",
    # what a handler receives
    "Context",
    "Event",
    "MessageEvent",
    "JoinEvent",
    "LeaveEvent",
    "PrivateEvent",
    "Action",
    "Tick",
    "StoredMessage",
    "Change",
    # field types for an Action's model
    "MessageId",
    "Room",
    "Text",
    "Username",
    # frames of the protocol it may deliver, built as docs/PROTOCOL.md says
    "mention_frame",
    "presence_change_frame",
    # helpers
    "mentions_in",
    # what it returns
    "Delivery",
    "Reply",
    "Retry",
    "BatchFailures",
]
