"""Schedules and timers against the real broker, with ``parley worker`` processes: each tick
of a fast schedule runs exactly once while two replicas both produce every tick and one of
them is restarted; a timer set before ``kill -9`` of every process fires after the restart."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from runtime.actions import from_client
from runtime.events import envelope, new_id
from runtime.kafka.client import Consumer
from runtime.kafka.topics import ensure_topics
from runtime.names import action_topic
from runtime.settings import Settings
from tests.support.harness import eventually, produce_raw
from tests.support.net import unique
from tests.support.system import REPO, Workers

TEST_FUNCTIONS = REPO / "tests" / "integration" / "functions"
TICKS = 30
PERIOD = timedelta(seconds=0.25)  # metronome.py's


class Deliveries:
    """Reads ``chat.deliver`` from its start, keeping every frame."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.frames: list[dict[str, Any]] = []
        self._consumer: Consumer | None = None

    async def __aenter__(self) -> Deliveries:
        topic = self.settings.topic("chat.deliver")
        await asyncio.to_thread(ensure_topics, self.settings.kafka.client_config(), [topic], 6)
        self._consumer = Consumer(
            self.settings.kafka.client_config(), unique("r"), start="earliest"
        )
        await self._consumer.subscribe([topic])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._consumer is not None:
            await self._consumer.close()

    async def read(self) -> None:
        assert self._consumer is not None
        for message in await self._consumer.consume(500, 0.2):
            if message.error() is None:
                self.frames.append(json.loads(message.value() or b"")["data"]["frame"])

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == kind]


async def test_each_tick_runs_once_with_two_producing_replicas_and_a_restart(
    settings: Settings, workers: Workers
) -> None:
    first, second = await workers.start_many(["metronome", "metronome"], TEST_FUNCTIONS)
    async with Deliveries(settings) as deliveries:

        async def ticked(count: int) -> bool:
            await deliveries.read()
            return len({f["id"] for f in deliveries.of("ticked")}) >= count

        await eventually(lambda: ticked(TICKS // 3), timeout=60, what="the first ticks")
        # Restart one replica (as a supervisor does for a changed file): the group rebalances,
        # and the new replica catches up on the tick it finds due.
        second.send_signal(signal.SIGTERM)
        await asyncio.to_thread(second.wait, 30)
        await workers.start("metronome", TEST_FUNCTIONS)
        await eventually(lambda: ticked(TICKS + 2), timeout=90, what=f"{TICKS} more ticks")
        assert first.poll() is None
    ticks = [f["id"] for f in deliveries.of("ticked")]
    times = sorted({datetime.fromisoformat(f["scheduled"]) for f in deliveries.of("ticked")})
    # Exactly once: no tick ran twice, and none is missing between the first and the last.
    assert len(ticks) == len(set(ticks)), [t for t in set(ticks) if ticks.count(t) > 1]
    expected = [times[0] + n * PERIOD for n in range(len(times))]
    assert times == expected, sorted(set(expected) - set(times))


async def test_a_timer_set_before_kill_9_of_every_process_fires_after_the_restart(
    settings: Settings, workers: Workers
) -> None:
    (worker,) = [await workers.start("alarm", TEST_FUNCTIONS)]
    delay = 4.0
    event_id = new_id()
    data = from_client({"type": "alarm", "delay": delay, "client_id": "c1"}, "ada")
    record = envelope("alarm", event_id, datetime.now(UTC), data)
    async with Deliveries(settings) as deliveries:
        await produce_raw(settings, action_topic("alarm"), [record], key=b"ada")

        async def was(kind: str) -> bool:
            await deliveries.read()
            return bool(deliveries.of(kind))

        await eventually(lambda: was("alarm_set"), timeout=30, what="the timer set")
        set_at = time.monotonic()
        (answer,) = deliveries.of("alarm_set")
        worker.send_signal(signal.SIGKILL)  # every process of the function, mid-wait
        await asyncio.to_thread(worker.wait, 10)
        # Stay down past the timer's time: nothing may fire it meanwhile.
        while time.monotonic() - set_at < delay + 1:
            await deliveries.read()
        assert deliveries.of("rang") == []
        await workers.start("alarm", TEST_FUNCTIONS)
        await eventually(lambda: was("rang"), timeout=30, what="the timer fired after restart")
    rang = deliveries.of("rang")
    assert [f["set_by"] for f in rang] == [event_id]
    assert answer["timer"]
