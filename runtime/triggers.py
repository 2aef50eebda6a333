"""Triggers: decorators that describe a handler function. They register nothing.

    @on_message
    async def echo(event: MessageEvent, ctx: Context) -> Reply | None:
        ...

    @on_message(retries=5, concurrency=4)
    async def slow(event: MessageEvent, ctx: Context) -> None:
        ...

    @on_message(batch=100, window=0.5, match={"text": {"prefix": "/"}}, max_age=60)
    async def commands(events: list[MessageEvent], ctx: Context) -> BatchFailures | None:
        ...

Each decorator returns a frozen ``Handler``: the function's name (its file's stem), the topic
it listens on, the event model and a few options. ``discover`` collects them from a folder.
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack, overload

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
from runtime.filters import Pattern, check_pattern

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


@dataclass(frozen=True)
class BatchFailures:
    """Return it from a batch handler (``batch=N``) to report which events of the batch failed
    (Lambda's "partial batch response"): ``ids`` are their ``event.id``. Only those are tried
    again (after a backoff, as a smaller batch) and, after ``retries``, dead-lettered; the
    others are done once ``outputs`` (the batch's outputs, as a handler would return them) are
    acknowledged by Kafka.

        @on_message(batch=50)
        async def store(events: list[MessageEvent], ctx: Context) -> BatchFailures | None:
            failed = [e.id for e in events if not await save(e)]
            return BatchFailures(ids=failed, reason="database refused") if failed else None

    Within a batch a key's events come in order. Report a failed event's later events of the
    same key too when they must not be handled before it (as Lambda asks of FIFO handlers):
    the batches after this one wait for the failed events' keys.
    """

    ids: Sequence[str]
    outputs: Output | Sequence[Output] | None = None
    reason: str = "reported failed by the handler"

    def __post_init__(self) -> None:
        if isinstance(self.ids, str):
            raise TypeError("BatchFailures(ids=...) takes a list of event ids, not one string")
        object.__setattr__(self, "ids", tuple(self.ids))


HandlerFn = Callable[[Any, "Context"], Awaitable[Result | BatchFailures]]
Start = Literal["latest", "earliest"]
MAX_BATCH = 10_000
MAX_WINDOW = 300.0


# A share group's broker gives up on a record after ``share.delivery.count.limit`` deliveries
# (at most 10, a broker bound); an unordered handler sets it to ``retries + 2``, one delivery
# spare for a replica killed while holding the record.
MAX_UNORDERED_RETRIES = 8
MAX_REPLICAS = 24


@dataclass(frozen=True)
class Options:
    """Per-handler knobs. ``concurrency``: events in flight at once (one key at a time each);
    with ``batch``, batches in flight at once.

    ``ordered`` (default True): a consumer group, in order per key, at most one replica per
    partition. ``ordered=False``: a Kafka share group; any number of replicas (up to
    ``max_replicas``) share the partitions and each record is acknowledged on its own, in no
    particular order.

    ``min_replicas`` bounds the autoscaler from below (``parley up --autoscale``, ``parley
    autoscale``, KEDA); None means ``PARLEY_AUTOSCALE__MIN_REPLICAS`` (1). ``min_replicas=0``
    lets the function sleep: no process while it has nothing to do, woken by the first event
    it wants (its ``match``) that arrives (docs/FUNCTIONS.md, Scaling). ``max_replicas`` bounds
    it from above (an ordered function also by the partition count).
    """

    retries: int = 3
    timeout: float = 30.0
    concurrency: int = 16
    start: Start = "latest"
    ordered: bool = True
    max_replicas: int = MAX_REPLICAS
    min_replicas: int | None = None
    # --- trigger options (docs/FUNCTIONS.md, "Trigger options") ---------------------------
    # batch: up to N events per call, as a list, gathered for at most ``window`` seconds;
    # match: a filter pattern (runtime.filters) applied before the function is invoked;
    # max_age: seconds after the event's ``ts`` past which it is dead-lettered as expired.
    batch: int | None = None
    window: float = 0.0
    match: Pattern | None = field(default=None, hash=False)
    max_age: float | None = None
    # --- end of trigger options ------------------------------------------------------------

    @classmethod
    def of(cls, options: TriggerOptions) -> Options:
        """The options a decorator was given by keyword; an unknown one is named."""
        unknown = sorted(set(options) - set(TriggerOptions.__annotations__))
        if unknown:
            known = ", ".join(TriggerOptions.__annotations__)
            raise TypeError(f"unknown trigger option {', '.join(unknown)}; the options: {known}")
        return cls(**options)

    def __post_init__(self) -> None:
        if self.retries < 0 or self.timeout <= 0 or self.concurrency < 1:
            raise ValueError("retries must be >= 0, timeout > 0 and concurrency >= 1")
        if self.start not in ("latest", "earliest"):
            raise ValueError('start must be "latest" or "earliest"')
        if not isinstance(self.ordered, bool):
            raise ValueError("ordered must be True or False")
        if isinstance(self.max_replicas, bool) or self.max_replicas < 1:
            raise ValueError("max_replicas must be >= 1")
        if not self.ordered and self.retries > MAX_UNORDERED_RETRIES:
            raise ValueError(
                f"retries must be <= {MAX_UNORDERED_RETRIES} with ordered=False: the broker "
                "delivers a record at most 10 times; lower retries or keep ordered=True"
            )
        self._check_replicas()
        self._check_trigger_options()

    def _check_replicas(self) -> None:
        low, high = self.min_replicas, self.max_replicas
        if low is not None and (isinstance(low, bool) or not isinstance(low, int) or low < 0):
            raise ValueError(f"min_replicas must be an integer >= 0 (0 lets it sleep); got {low!r}")
        if low is not None and low > high:
            raise ValueError(f"min_replicas ({low}) must not exceed max_replicas ({high})")
        # A sleeper's wake and its settled offsets are a consumer group's; a share group
        # commits none (runtime.ops.positions): refused together until that is designed.
        if low == 0 and not self.ordered:
            raise ValueError(
                "min_replicas=0 needs ordered=True (share groups cannot sleep yet); "
                "give min_replicas >= 1 or keep ordered=True"
            )

    def _check_trigger_options(self) -> None:
        if self.batch is not None and not (1 <= self.batch <= MAX_BATCH):
            raise ValueError(f"batch must be between 1 and {MAX_BATCH} events, got {self.batch}")
        if not (0 <= self.window <= MAX_WINDOW):
            raise ValueError(f"window must be between 0 and {MAX_WINDOW:g} seconds")
        if self.window and self.batch is None:
            raise ValueError("window= gathers a batch: give batch=N with it")
        if self.max_age is not None and self.max_age <= 0:
            raise ValueError(f"max_age must be > 0 seconds, got {self.max_age}")
        if self.match is not None:
            object.__setattr__(self, "match", check_pattern(self.match))
        # Share groups (``ordered=False``) hand records out one by one, with no partition
        # order to gather batches in: refused together until that is designed.
        if self.batch is not None and not self.ordered:
            raise ValueError("batch= needs ordered=True (share groups do not batch yet)")


class TriggerOptions(TypedDict, total=False):
    """The keyword options every trigger takes; each one's default and meaning is on
    ``Options`` (docs/FUNCTIONS.md lists them)."""

    retries: int
    timeout: float
    concurrency: int
    start: Start
    ordered: bool
    max_replicas: int
    min_replicas: int | None
    batch: int | None
    window: float
    match: Pattern | None
    max_age: float | None


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

    async def __call__(self, event: Any, ctx: Context) -> Result | BatchFailures:
        return await self.fn(event, ctx)


Decorator = Callable[[HandlerFn], Handler]


def on(topic: str, model: type[Event], **options: Unpack[TriggerOptions]) -> Decorator:
    """Bind an async function to any topic whose events are ``model``.

    @on("chat.message", MessageEvent, start="earliest")
    async def archive(event: MessageEvent, ctx: Context) -> None: ...
    """
    return describe_handler(f"on({topic})", (topic,), (model,), Options.of(options))


class Trigger:
    """A decorator for one kind of event; use it bare or with options.

    @on_message
    async def echo(event: MessageEvent, ctx: Context) -> Reply | None: ...

    @on_private(retries=5, timeout=10, min_replicas=0)
    async def notify(event: PrivateEvent, ctx: Context) -> None: ...

    @on_message(ordered=False, max_replicas=12)   # a share group: past the partition count
    async def index(event: MessageEvent, ctx: Context) -> None: ...
    """

    def __init__(self, trigger: str, *models: type[Event]) -> None:
        self.trigger = trigger
        self.models = models
        names = " or ".join(f"``{m.__name__}``" for m in models)
        self.__doc__ = f"Run the decorated async function on every {names}."

    @overload
    def __call__(self, fn: HandlerFn) -> Handler: ...
    @overload
    def __call__(self, **options: Unpack[TriggerOptions]) -> Decorator: ...
    def __call__(
        self, fn: HandlerFn | None = None, **options: Unpack[TriggerOptions]
    ) -> Handler | Decorator:
        topics = tuple(m.topic for m in self.models)
        describe = describe_handler(self.trigger, topics, self.models, Options.of(options))
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
        _check_batch_signature(fn, options)
        name = Path(fn.__code__.co_filename).stem
        return Handler(name, trigger, topics, models, fn, options)

    return wrap


def _check_batch_signature(fn: HandlerFn, options: Options) -> None:
    """A batch handler takes ``list[Event]``, any other one event: say so now, not on the
    first call. (An annotation that cannot be resolved here is not checked.)"""
    name = getattr(fn, "__qualname__", repr(fn))
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError):
        return
    first = next((hints[p] for p in inspect.signature(fn).parameters if p in hints), None)
    if first is None:
        return
    takes_list = typing.get_origin(first) in (list, collections.abc.Sequence)
    if options.batch is not None and not takes_list:
        raise TypeError(
            f"{name} has batch={options.batch}: it receives a list of events; annotate its "
            "first parameter `events: list[MessageEvent]` (or your event type)"
        )
    if options.batch is None and takes_list:
        raise TypeError(
            f"{name} takes a list of events: give its trigger batch=N (e.g. batch=100) to "
            "receive batches, or annotate one event"
        )


on_message = Trigger("on_message", MessageEvent)
on_join = Trigger("on_join", JoinEvent)
on_leave = Trigger("on_leave", LeaveEvent)
on_private = Trigger("on_private", PrivateEvent)
on_presence = Trigger("on_presence", JoinEvent, LeaveEvent)
