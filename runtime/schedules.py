"""Schedules: a function that runs on a clock, once per tick across every replica.

    @every(seconds=30)
    async def sweep(tick: Tick, ctx: Context) -> None: ...

    @cron("0 9 * * mon-fri", tz="Europe/Paris")
    async def standup(tick: Tick, ctx: Context) -> Reply:
        return Reply(room="team", text="stand-up time")

A tick is an event (``Tick``: ``id``, ``name``, ``scheduled``) on the function's own topic
``chat.tick.<name>``, keyed by the function's name: every tick of one function lands on one
partition and runs in order, never two at once. Every replica of the function produces each
tick (``runtime.engine.ticker``), so ticks keep coming while any replica lives; the copies
share the tick's id (the function's name and the scheduled time) and only the first one runs:
the handler is wrapped so that a tick not after the function's last handled tick (kept in its
``ctx.state`` under ``WATERMARK``) is skipped, and the watermark moves once the handler
returned. A tick is handled at least once: a crash after the handler and before the watermark
moved runs it again, and so does a retry of the record whose outputs Kafka refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from runtime.cron import Cron, CronError
from runtime.events import Event, rfc3339
from runtime.triggers import (
    BatchFailures,
    Decorator,
    Handler,
    HandlerFn,
    Options,
    Result,
    describe_handler,
)

if TYPE_CHECKING:
    from runtime.context import Context

WATERMARK = "parley:schedule:last"  # the ctx.state key of the last handled tick's time
NAME_IN_ID = 39  # characters of the function's name in a tick id (the id is at most 64)
SHORTEST = 0.1  # seconds: the shortest period of @every


def tick_topic(function: str) -> str:
    """The topic a scheduled function's ticks travel on."""
    return f"chat.tick.{function}"


def tick_id(function: str, scheduled: datetime) -> str:
    """The id of ``function``'s tick at ``scheduled``: the same in every process."""
    return f"{function[:NAME_IN_ID]}@{rfc3339(scheduled)}"


@dataclass(frozen=True)
class Every:
    """Every ``seconds``, at the multiples of the period since the epoch (UTC), so every
    process computes the same times."""

    seconds: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.seconds) or self.seconds < SHORTEST:
            raise ValueError(f"every: the period is at least {SHORTEST} seconds")

    @property
    def text(self) -> str:
        return f"every {self.seconds:g}s"

    def next_after(self, moment: datetime) -> datetime:
        period = round(self.seconds * 1000)
        ms = math.floor(moment.timestamp() * 1000)
        return _from_ms((ms // period + 1) * period)

    def last_at_or_before(self, moment: datetime) -> datetime:
        period = round(self.seconds * 1000)
        ms = math.floor(moment.timestamp() * 1000)
        return _from_ms(ms // period * period)


@dataclass(frozen=True)
class CronSchedule:
    """At the minutes a cron line matches, in its time zone (``runtime.cron``)."""

    line: Cron

    @property
    def text(self) -> str:
        return f"cron {self.line.text} {self.line.tz}"

    def next_after(self, moment: datetime) -> datetime:
        found = self.line.next_after(moment)
        if found is None:  # parse() refused lines that never match
            raise CronError(f"cron {self.line.text!r} has no next run")
        return found

    def last_at_or_before(self, moment: datetime) -> datetime | None:
        return self.line.last_at_or_before(moment)


Schedule = Every | CronSchedule


def parse_schedule(text: str) -> Schedule:
    """A schedule from its ``text`` (what the registry shows: ``every 5s`` or
    ``cron */5 * * * * Europe/Paris``); ValueError when it is neither."""
    kind, _, rest = text.partition(" ")
    if kind == "every" and rest.endswith("s"):
        return Every(float(rest[:-1]))
    if kind == "cron":
        *fields, tz = rest.split()
        return CronSchedule(Cron.parse(" ".join(fields), tz))
    raise ValueError(f"not a schedule: {text!r}")


class Tick(Event):
    """One run of a scheduled function: ``scheduled`` is when it was due (UTC), ``name`` the
    function; ``id`` is the same for this tick in every process."""

    type: ClassVar[str] = "tick"
    topic: ClassVar[str] = ""
    schedule: ClassVar[Schedule | None] = None

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    scheduled: datetime

    def key(self) -> str:
        return self.name


def make_tick(handler: Handler, scheduled: datetime) -> Tick:
    """The tick of ``handler`` (a scheduled one) at ``scheduled``."""
    model = handler.models[0]
    if not issubclass(model, Tick):
        raise TypeError(f"{handler.name} is not a scheduled function")
    return model(id=tick_id(handler.name, scheduled), name=handler.name, scheduled=scheduled)


def schedule_of(handler: Handler) -> Schedule | None:
    """The schedule of a function made with ``@every`` or ``@cron``; None for the others."""
    model = handler.models[0] if handler.models else None
    if model is not None and issubclass(model, Tick):
        return model.schedule
    return None


def every(
    seconds: float = 0,
    *,
    minutes: float = 0,
    hours: float = 0,
    retries: int = 3,
    timeout: float = 30.0,
) -> Decorator:
    """Run the decorated function every ``seconds`` (plus ``minutes`` and ``hours``), on the
    multiples of that period since the epoch: ``@every(minutes=5)`` runs at :00, :05, ...
    The shortest period is a tenth of a second."""
    schedule = Every(seconds + 60 * minutes + 3600 * hours)
    return _scheduled(f"every({schedule.seconds:g}s)", schedule, retries, timeout)


def cron(expression: str, *, tz: str = "UTC", retries: int = 3, timeout: float = 30.0) -> Decorator:
    """Run the decorated function at the minutes the cron line ``expression`` matches, in the
    time zone ``tz`` (an IANA name): ``@cron("*/5 * * * *")``, ``@cron("0 9 * * mon-fri",
    tz="Europe/Paris")``. See ``runtime.cron`` for the fields."""
    schedule = CronSchedule(Cron.parse(expression, tz))
    return _scheduled(f"cron({schedule.line.text}, {tz})", schedule, retries, timeout)


def _scheduled(trigger: str, schedule: Schedule, retries: int, timeout: float) -> Decorator:
    options = Options(retries=retries, timeout=timeout, concurrency=1, start="latest")

    def wrap(fn: HandlerFn) -> Handler:
        name = Path(fn.__code__.co_filename).stem
        model: type[Tick] = type(
            "Tick",
            (Tick,),
            {
                "topic": tick_topic(name),
                "schedule": schedule,
                "__module__": Tick.__module__,
                "__qualname__": Tick.__qualname__,
            },
        )
        handler = describe_handler(trigger, (model.topic,), (model,), options)(fn)
        guarded = _once_per_tick(handler.fn)
        return Handler(handler.name, trigger, handler.topics, handler.models, guarded, options)

    return wrap


def _once_per_tick(fn: HandlerFn) -> HandlerFn:
    """``fn`` run only for a tick later than the last one handled, which it then records."""

    async def run(tick: Tick, ctx: Context) -> Result | BatchFailures:
        last = await ctx.state.get(WATERMARK)
        scheduled = rfc3339(tick.scheduled)
        # Handled already: an older tick, or a copy of the last one. The same record on a
        # later attempt whose tick is the last one ran, but Kafka refused its outputs: again.
        again = ctx.attempt > 1 and scheduled == last
        if isinstance(last, str) and scheduled <= last and not again:
            ctx.log.debug("tick %s: already handled (last %s)", tick.id, last)
            return None
        result = await fn(tick, ctx)
        # RFC 3339 strings of one format sort as times do.
        await ctx.state.update(
            WATERMARK, lambda known: max(known, scheduled) if isinstance(known, str) else scheduled
        )
        return result

    run.__qualname__ = getattr(fn, "__qualname__", "run")
    run.__wrapped__ = fn  # type: ignore[attr-defined]
    return run


def _from_ms(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
