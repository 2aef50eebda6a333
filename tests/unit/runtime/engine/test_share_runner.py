"""The runner in share-group mode (``ordered=False``) over the in-memory bus: a failed attempt
is released to the broker after its backoff instead of retried in place; the attempt number is
the delivery count; the last delivery's failure is dead-lettered with that count."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from runtime import Context, MessageEvent, on_message
from runtime.engine.offsets import Slot
from runtime.engine.runner import Runner
from runtime.engine.stats import WorkerStats
from runtime.events import encode
from runtime.history import History
from runtime.kafka.dlq import DELIVERY_COUNT
from runtime.kafka.headers import DLQ_PREFIX
from runtime.names import dlq_topic
from runtime.settings import Settings, WorkerSettings
from runtime.testing import InMemoryBus, MemoryRecord, MemoryState, message, test_store
from runtime.triggers import Handler

FAST = Settings(worker=WorkerSettings(backoff_base=0.001, backoff_max=0.005))


class ShareRig:
    """A runner with ``release``: records each verdict (accepted or released) per slot."""

    def __init__(self, handler: Handler, store: History) -> None:
        self.bus = InMemoryBus()
        self.verdicts: list[tuple[str, Slot]] = []
        self.changed = asyncio.Event()
        self.runner = Runner(
            handler,
            FAST,
            store,
            MemoryState(),
            self.bus,
            WorkerStats(),
            lambda slot: self._verdict("accept", slot),
            lambda slot: self._verdict("release", slot),
        )
        self.topic = FAST.topic("chat.message")

    def _verdict(self, kind: str, slot: Slot) -> None:
        self.verdicts.append((kind, slot))
        self.changed.set()

    def deliver(self, record: MemoryRecord, delivery: int) -> None:
        slot = Slot((self.topic, 0), record.offset())
        lane = f"{self.topic}/0/{record.offset()}".encode()
        self.runner.submit(record, slot, None, lane, delivery)

    async def verdict(self, count: int) -> str:
        while len(self.verdicts) < count:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 5)
        return self.verdicts[count - 1][0]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[History]:
    async with test_store(tmp_path) as store:
        yield store


async def test_a_failure_is_released_then_dead_lettered_on_the_last_delivery(
    store: History,
) -> None:
    seen: list[tuple[int, int]] = []

    @on_message(ordered=False, retries=2)
    async def flaky(event: MessageEvent, ctx: Context) -> None:
        seen.append((ctx.attempt, ctx.delivery_count))
        raise RuntimeError("nope")

    rig = ShareRig(flaky, store)
    event = message("x")
    record = rig.bus.record(rig.topic, encode(event), event.key())
    for delivery in (1, 2):  # the broker delivers it again after each release
        rig.deliver(record, delivery)
        assert await rig.verdict(delivery) == "release"
        assert rig.bus.on(dlq_topic(FAST, "test_share_runner")) == []
    rig.deliver(record, 3)
    assert await rig.verdict(3) == "accept"  # dead-lettered, then accepted
    assert seen == [(1, 1), (2, 2), (3, 3)]
    (letter,) = rig.bus.on(dlq_topic(FAST, "test_share_runner"))
    headers = dict(letter.headers() or [])
    assert headers[DELIVERY_COUNT] == b"3"
    assert headers[DLQ_PREFIX + "attempts"] == b"3"
    assert headers[DLQ_PREFIX + "error"] == b"RuntimeError: nope"


async def test_a_success_is_accepted_and_same_key_records_do_not_wait_for_each_other(
    store: History,
) -> None:
    both = asyncio.Event()
    running = 0

    @on_message(ordered=False)
    async def together(event: MessageEvent, ctx: Context) -> None:
        nonlocal running
        running += 1
        if running == 2:
            both.set()
        await asyncio.wait_for(both.wait(), 5)  # only returns if the two run at once

    rig = ShareRig(together, store)
    for text in ("a", "b"):  # one room: one key
        event = message(text, room="lobby")
        rig.deliver(rig.bus.record(rig.topic, encode(event), event.key()), 1)
    assert await rig.verdict(2) == "accept"
    assert [kind for kind, _ in rig.verdicts] == ["accept", "accept"]
