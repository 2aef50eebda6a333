"""Timers: ``ctx.later`` sends one output at a future time, durably; ``ctx.cancel`` takes it back.

    timer = await ctx.later(timedelta(minutes=10), Reply(to=event.user, text="stand up"))
    timer = await ctx.later(at, event.model_copy(update={"text": "again"}))  # its own action
    await ctx.cancel(timer)                                                   # True if pending

The output (a ``Reply``, or any event: a ``Delivery``, another message, an action of this
very function, which is how a function wakes itself later) is encoded when the timer is set
and stored in the database (table ``function_timers``), so it survives restarts and ``kill
-9`` of every process. Each worker of the function claims its due timers (an atomic UPDATE:
one claimer per timer), produces each to its topic, and deletes it once Kafka acknowledged it
(``runtime.engine.alarms``). A timer fires at least once: a worker dying between the produce
and the delete leaves the timer claimed for ``LEASE`` seconds, then another one fires it
again, with the same event id (the timer's id) so the consumer can tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from runtime.events import Event, MessageEvent, PrivateEvent, encode, new_id
from runtime.triggers import Reply

When = datetime | timedelta | float  # an aware time, or a delay (seconds when a number)


@dataclass(frozen=True)
class Pending:
    """A timer as stored: when it is due and the record it will produce."""

    id: str
    function: str
    due: datetime
    topic: str  # logical (without the settings' prefix)
    key: str
    value: bytes


class TimerStore(Protocol):
    """Where timers are kept (``runtime.db.timers.SqlTimers`` in the database)."""

    async def add(self, timer: Pending) -> None:
        """Keep ``timer`` until it fired or was cancelled."""
        ...

    async def cancel(self, function: str, id: str) -> bool:
        """Forget ``function``'s timer ``id``; whether it was still pending."""
        ...


class Timers:
    """``ctx.later`` and ``ctx.cancel`` of one function, on a ``TimerStore``."""

    def __init__(self, store: TimerStore, function: str) -> None:
        self.store = store
        self.function = function

    async def later(self, when: When, output: Reply | Event) -> str:
        """Send ``output`` at ``when`` (an aware datetime, or a delay); the timer's id."""
        due = due_time(when)
        id = new_id()
        event = as_event(output, self.function, id)
        pending = Pending(id, self.function, due, event.topic, event.key(), encode(event))
        await self.store.add(pending)
        return id

    async def cancel(self, id: str) -> bool:
        """Cancel the pending timer ``id``; False when it already fired or never was."""
        return await self.store.cancel(self.function, id)


def due_time(when: When) -> datetime:
    """``when`` as an aware UTC time; ValueError for a naive datetime or a bad delay."""
    now = datetime.now(UTC)
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise ValueError("ctx.later: pass an aware datetime (with tzinfo), or a delay")
        return when.astimezone(UTC)
    seconds = when.total_seconds() if isinstance(when, timedelta) else float(when)
    if not 0 <= seconds < 10 * 365 * 86400:
        raise ValueError(f"ctx.later: a delay is 0 to 10 years in seconds; got {seconds}")
    return now + timedelta(seconds=seconds)


def as_event(output: Reply | Event, function: str, id: str) -> Event:
    """The event ``output`` stands for, with ``id``: a ``Reply`` is a message authored by
    ``function``, as when a handler returns it."""
    if isinstance(output, Reply):
        if output.room is not None:
            return MessageEvent(id=id, room=output.room, user=function, text=output.text, bot=True)
        assert output.to is not None  # a Reply validates that it has one target
        return PrivateEvent(id=id, sender=function, to=output.to, text=output.text, bot=True)
    if not isinstance(output, Event) or not output.topic:
        raise TypeError(
            f"ctx.later: send a Reply or an event with a topic, not {type(output).__name__} "
            "(for your own action, copy the event you got: event.model_copy(update={...}))"
        )
    return output.model_copy(update={"id": id})


class NoTimers:
    """The timers of a context made without a store: every call says what to do."""

    async def later(self, when: When, output: Reply | Event) -> str:
        raise RuntimeError("this context has no timers: build it with timers= (runtime.testing)")

    async def cancel(self, id: str) -> bool:
        raise RuntimeError("this context has no timers: build it with timers= (runtime.testing)")


NO_TIMERS = NoTimers()
