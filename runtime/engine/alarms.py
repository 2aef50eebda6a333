"""Alarms: each worker fires its function's due timers (``ctx.later``, ``runtime.timers``).

    alarms = Alarms(handler, settings, store.timers(), bus)
    await alarms.run()          # forever; cancel it to stop

Every ``POLL`` seconds it asks the database (a read) whether a timer of this function is due;
if so it claims the due ones (one atomic UPDATE: each timer goes to one replica), produces each
to its topic with the time it fired as the event's ``ts``, and deletes the ones Kafka
acknowledged. A refused one is released at once for the next round; one whose worker died
before the delete is claimed again once its lease (``LEASE`` seconds) ran out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Protocol

from runtime.bus import Bus, sent
from runtime.events import rfc3339
from runtime.kafka.headers import ORIGIN
from runtime.settings import Settings
from runtime.timers import NO_TIMERS, NoTimers, Pending, Timers, TimerStore
from runtime.triggers import Handler

POLL = 0.2  # seconds between two looks for due timers
LEASE = 30.0  # seconds a claimed timer is this worker's before another may fire it
log = logging.getLogger("parley.worker")


class DueTimers(Protocol):
    """What firing needs from the timer store (``runtime.db.timers.SqlTimers``)."""

    async def any_due(self, function: str, now: datetime) -> bool: ...
    async def claim(
        self, function: str, now: datetime, lease: float, limit: int = ...
    ) -> list[Pending]: ...
    async def fired(self, ids: list[str]) -> None: ...
    async def release(self, ids: list[str]) -> None: ...


class Alarms:
    """Fires ``handler``'s function's due timers, from this replica."""

    def __init__(self, handler: Handler, settings: Settings, timers: DueTimers, bus: Bus) -> None:
        self.function = handler.name
        self.settings = settings
        self.timers = timers
        self.bus = bus
        self.own_topics = frozenset(handler.topics)
        self.fired = 0

    async def run(self) -> None:
        delay = self.settings.worker.backoff_base
        while True:
            try:
                while await self.round():
                    pass  # a full batch: there may be more due right now
                delay = self.settings.worker.backoff_base
                await asyncio.sleep(POLL)
            except Exception as exc:  # noqa: BLE001 - database or broker away: try again
                log.warning("timers of %s: %s; again in %.1fs", self.function, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.worker.backoff_max)

    async def round(self, limit: int = 500) -> bool:
        """Fire what is due now; whether a full batch was claimed (more may be waiting)."""
        now = datetime.now(UTC)
        if not await self.timers.any_due(self.function, now):
            return False
        due = await self.timers.claim(self.function, now, LEASE, limit)
        if not due:
            return False
        stamp = rfc3339(datetime.now(UTC))
        futures = [self._produce(timer, stamp) for timer in due]
        results = await asyncio.gather(*futures, return_exceptions=True)
        done = [t.id for t, r in zip(due, results, strict=True) if r is None]
        failed = [t.id for t, r in zip(due, results, strict=True) if r is not None]
        await self.timers.fired(done)
        if failed:
            log.warning("timers of %s: %d not acknowledged, again soon", self.function, len(failed))
            await self.timers.release(failed)
        self.fired += len(done)
        return len(due) >= limit

    def _produce(self, timer: Pending, stamp: str) -> asyncio.Future[None]:
        envelope = json.loads(timer.value)
        envelope["ts"] = stamp  # the event happens when the timer fires
        value = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
        # A timer aimed at the function's own topic is a deliberate wake-up; anything else
        # carries the function as its origin, like its handler's outputs (the loop guard).
        headers = [] if timer.topic in self.own_topics else [(ORIGIN, self.function.encode())]
        return sent(self.bus, self.settings.topic(timer.topic), value, timer.key, headers)


class Timing(DueTimers, TimerStore, Protocol):
    """A timer store that both keeps timers and fires them (``runtime.db.timers``)."""


def timing(
    handler: Handler, settings: Settings, store: Timing | None, bus: Bus
) -> tuple[Timers | NoTimers, Alarms | None]:
    """A worker's timers: what its handler's ``ctx.later`` uses, and the alarms that fire the
    function's due timers from this replica (none without a store)."""
    if store is None:
        return NO_TIMERS, None
    return Timers(store, handler.name), Alarms(handler, settings, store, bus)
