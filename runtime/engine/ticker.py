"""The ticker: each worker of a scheduled function produces its ticks (``runtime.schedules``).

    ticker = Ticker(handler, schedule, settings, state, bus)
    await ticker.run()          # forever; cancel it to stop

Every replica produces every tick, on time, to the function's tick topic, keyed by the
function: the copies of one tick share an id and land on one partition, where the handler's
watermark lets the first one through. After a restart the ticker produces the latest tick
that was due while nothing ran (only when the function ran before: its watermark is set), and
then goes on from now: never a burst of missed ticks. A ticker that falls behind (a blocked
loop) jumps to the latest due tick the same way.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from runtime.bus import Bus
from runtime.engine.clock import sleep_until
from runtime.events import encode, rfc3339
from runtime.schedules import WATERMARK, Schedule, make_tick
from runtime.settings import Settings
from runtime.state import State
from runtime.triggers import Handler

log = logging.getLogger("parley.worker")


class Ticker:
    """Produces ``handler``'s ticks from this replica."""

    def __init__(
        self, handler: Handler, schedule: Schedule, settings: Settings, state: State, bus: Bus
    ) -> None:
        self.handler = handler
        self.schedule = schedule
        self.settings = settings
        self.state = state
        self.bus = bus
        self.topic = settings.topic(handler.topics[0])
        self.produced = 0

    async def run(self) -> None:
        now = datetime.now(UTC)
        last = await self.state.get(WATERMARK)
        missed = self.schedule.last_at_or_before(now)
        if isinstance(last, str) and missed is not None and rfc3339(missed) > last:
            log.info("%s: catching up on the tick due at %s", self.handler.name, rfc3339(missed))
            self.produce(missed)
        due = self.schedule.next_after(now)
        while True:
            await sleep_until(due)
            latest = self.schedule.last_at_or_before(datetime.now(UTC)) or due
            if latest > due:
                log.warning("%s: ticker fell behind; skipping to %s", self.handler.name, latest)
            self.produce(max(latest, due))
            due = self.schedule.next_after(max(latest, due))

    def produce(self, scheduled: datetime) -> None:
        tick = make_tick(self.handler, scheduled)
        self.produced += 1

        def done(error: Exception | None) -> None:
            if error is not None:  # the other replicas produce it too
                log.warning("tick %s not produced: %s", tick.id, error)

        self.bus.produce(self.topic, encode(tick), tick.key(), [], done)
