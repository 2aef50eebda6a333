"""Triggers: decorators that describe a handler function. They register nothing.

    @on_message
    async def echo(event: MessageEvent, ctx: Context) -> Reply | None:
        ...

    @on_message(retries=5, concurrency=4)
    async def slow(event: MessageEvent, ctx: Context) -> None:
        ...

Each decorator returns a frozen ``Handler``: the function's name (its file's stem), the topic
it listens on, the event model and a few options. ``discover`` collects them from a folder.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from pydantic import BaseModel, ConfigDict, model_validator

from runtime.events import (
    Event,
    JoinEvent,
    LeaveEvent,
    MessageEvent,
    PrivateEvent,
    Room,
    Text,
    Username,
)

if TYPE_CHECKING:
    from runtime.context import Context


class Reply(BaseModel):
    """What a handler returns to speak: a message to ``room``, or a private message ``to`` a user.

    The runtime turns it into a new chat event authored by the function (and never feeds it
    back to the same function).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: Text
    room: Room | None = None
    to: Username | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Reply:
        if (self.room is None) == (self.to is None):
            raise ValueError("a Reply needs exactly one of room= or to=")
        return self


class Retry(Exception):
    """Raise it from a handler to try the event again after ``defer`` seconds.

    It counts as an attempt: after the handler's ``retries`` the event goes to the dead-letter
    topic like any failure.
    """

    def __init__(self, defer: float = 1.0, reason: str = "retry requested") -> None:
        self.defer = defer
        self.reason = reason
        super().__init__(f"{reason} (again in {defer}s)")


Output = Reply | Event
Result = Output | Sequence[Output] | None
HandlerFn = Callable[[Any, "Context"], Awaitable[Result]]
Start = Literal["latest", "earliest"]


@dataclass(frozen=True)
class Options:
    """Per-handler knobs. ``concurrency``: events in flight at once (one key at a time each).

    ``min_replicas`` and ``max_replicas`` bound the autoscaler (``parley up --autoscale``,
    ``parley autoscale``, KEDA); None means the ``PARLEY_AUTOSCALE__*`` default (1 and 6).
    ``min_replicas=0`` lets the function sleep: no process while it has nothing to do, woken
    by the first event that arrives (docs/FUNCTIONS.md, Scaling).
    """

    retries: int = 3
    timeout: float = 30.0
    concurrency: int = 16
    start: Start = "latest"
    min_replicas: int | None = None
    max_replicas: int | None = None

    def __post_init__(self) -> None:
        if self.retries < 0 or self.timeout <= 0 or self.concurrency < 1:
            raise ValueError("retries must be >= 0, timeout > 0 and concurrency >= 1")
        if self.start not in ("latest", "earliest"):
            raise ValueError('start must be "latest" or "earliest"')
        low, high = self.min_replicas, self.max_replicas
        if low is not None and (isinstance(low, bool) or not isinstance(low, int) or low < 0):
            raise ValueError(f"min_replicas must be an integer >= 0 (0 lets it sleep); got {low!r}")
        if high is not None and (isinstance(high, bool) or not isinstance(high, int) or high < 1):
            raise ValueError(f"max_replicas must be an integer >= 1; got {high!r}")
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_replicas ({low}) must not exceed max_replicas ({high})")


@dataclass(frozen=True)
class Handler:
    """One function: what runs, on which topics, with which options. Call it like the function.

    ``models`` are the event models it accepts, one per topic in ``topics``.
    """

    name: str
    trigger: str
    topics: tuple[str, ...]
    models: tuple[type[Event], ...]
    fn: HandlerFn = field(repr=False)
    options: Options = Options()

    @property
    def topic(self) -> str:
        return ",".join(self.topics)

    async def __call__(self, event: Any, ctx: Context) -> Result:
        return await self.fn(event, ctx)


Decorator = Callable[[HandlerFn], Handler]


def on(
    topic: str,
    model: type[Event],
    *,
    retries: int = 3,
    timeout: float = 30.0,
    concurrency: int = 16,
    start: Start = "latest",
    min_replicas: int | None = None,
    max_replicas: int | None = None,
) -> Decorator:
    """Bind an async function to any topic whose events are ``model``.

    @on("chat.message", MessageEvent, start="earliest")
    async def archive(event: MessageEvent, ctx: Context) -> None: ...
    """
    options = Options(
        retries=retries,
        timeout=timeout,
        concurrency=concurrency,
        start=start,
        min_replicas=min_replicas,
        max_replicas=max_replicas,
    )
    return describe_handler(f"on({topic})", (topic,), (model,), options)


class Trigger:
    """A decorator for one kind of event; use it bare or with options.

    @on_message
    async def echo(event: MessageEvent, ctx: Context) -> Reply | None: ...

    @on_private(retries=5, timeout=10, min_replicas=0)
    async def notify(event: PrivateEvent, ctx: Context) -> None: ...
    """

    def __init__(self, trigger: str, *models: type[Event]) -> None:
        self.trigger = trigger
        self.models = models
        names = " or ".join(f"``{m.__name__}``" for m in models)
        self.__doc__ = f"Run the decorated async function on every {names}."

    @overload
    def __call__(self, fn: HandlerFn) -> Handler: ...
    @overload
    def __call__(
        self,
        *,
        retries: int = ...,
        timeout: float = ...,
        concurrency: int = ...,
        start: Start = ...,
        min_replicas: int | None = ...,
        max_replicas: int | None = ...,
    ) -> Decorator: ...
    def __call__(
        self,
        fn: HandlerFn | None = None,
        *,
        retries: int = 3,
        timeout: float = 30.0,
        concurrency: int = 16,
        start: Start = "latest",
        min_replicas: int | None = None,
        max_replicas: int | None = None,
    ) -> Handler | Decorator:
        options = Options(
            retries=retries,
            timeout=timeout,
            concurrency=concurrency,
            start=start,
            min_replicas=min_replicas,
            max_replicas=max_replicas,
        )
        topics = tuple(m.topic for m in self.models)
        describe = describe_handler(self.trigger, topics, self.models, options)
        return describe if fn is None else describe(fn)


def describe_handler(
    trigger: str, topics: tuple[str, ...], models: tuple[type[Event], ...], options: Options
) -> Decorator:
    """The decorator every trigger builds on: checks the function, returns its ``Handler``."""

    def wrap(fn: HandlerFn) -> Handler:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(
                f"{getattr(fn, '__qualname__', fn)} must be `async def` to be a handler"
            )
        name = Path(fn.__code__.co_filename).stem
        return Handler(name, trigger, topics, models, fn, options)

    return wrap


on_message = Trigger("on_message", MessageEvent)
on_join = Trigger("on_join", JoinEvent)
on_leave = Trigger("on_leave", LeaveEvent)
on_private = Trigger("on_private", PrivateEvent)
on_presence = Trigger("on_presence", JoinEvent, LeaveEvent)
