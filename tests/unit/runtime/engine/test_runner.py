"""The runner over the in-memory bus: retries, backoff, timeouts, refused outputs and dead
letters in milliseconds. The same behaviours have real-broker tests in
tests/integration/test_worker.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from runtime import Context, Delivery, MessageEvent, Reply, Retry, on_message
from runtime.engine.offsets import OffsetTracker, Slot
from runtime.engine.runner import Runner
from runtime.engine.stats import WorkerStats
from runtime.events import encode
from runtime.history import History
from runtime.kafka.headers import DLQ_PREFIX, ROUTE
from runtime.names import dlq_topic
from runtime.settings import Settings, WorkerSettings
from runtime.testing import InMemoryBus, MemoryRecord, MemoryState, message, test_store
from runtime.triggers import Handler

FAST = Settings(worker=WorkerSettings(backoff_base=0.001, backoff_max=0.005))


class Rig:
    """A runner on an in-memory bus, and a way to wait until a record is finished."""

    def __init__(self, handler: Handler, store: History) -> None:
        self.bus = InMemoryBus()
        self.stats = WorkerStats()
        self.finished: list[Slot] = []
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self.offsets = OffsetTracker()
        self.runner = Runner(
            handler, FAST, store, MemoryState(), self.bus, self.stats, self._finish
        )
        self.topic = FAST.topic("chat.message")

    def _finish(self, slot: Slot) -> None:
        self.finished.append(slot)
        for count, future in self._waiters:
            if len(self.finished) >= count and not future.done():
                future.set_result(None)

    def submit(self, event: MessageEvent) -> MemoryRecord:
        record = self.bus.record(self.topic, encode(event), event.key())
        self.runner.submit(record, self.offsets.track(self.topic, 0, record.offset()), None)
        return record

    def submit_raw(self, value: bytes, key: str) -> MemoryRecord:
        record = self.bus.record(self.topic, value, key)
        self.runner.submit(record, self.offsets.track(self.topic, 0, record.offset()), None)
        return record

    async def until_finished(self, count: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((count, future))
        self._finish_check(count, future)
        await asyncio.wait_for(future, 5)

    def _finish_check(self, count: int, future: asyncio.Future[None]) -> None:
        if len(self.finished) >= count:
            future.set_result(None)

    def dead_letters(self) -> list[MemoryRecord]:
        return self.bus.on(dlq_topic(FAST, self.runner.name))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[History]:
    async with test_store(tmp_path) as store:
        yield store


def rig_for(fn: Callable[..., object], store: History, **options: float) -> Rig:
    handler = on_message(**options)(fn)  # type: ignore[call-overload]
    return Rig(handler, store)


async def test_an_output_is_produced_and_the_record_finished_once_kafka_acks(
    store: History,
) -> None:
    async def shout(event: MessageEvent, ctx: Context) -> Delivery:
        return Delivery(room=event.room, frame={"type": "shout", "text": event.text.upper()})

    rig = rig_for(shout, store)
    rig.submit(message("hi", room="lobby"))
    await rig.until_finished(1)
    [out] = rig.bus.on(FAST.topic("chat.deliver"))
    assert json.loads(out.value() or b"")["data"]["frame"] == {"type": "shout", "text": "HI"}
    assert (ROUTE, b"room:lobby") in out.header_pairs
    assert rig.stats.processed == 1


async def test_a_failing_handler_is_retried_with_backoff_until_it_succeeds(
    store: History,
) -> None:
    calls: list[int] = []

    async def flaky(event: MessageEvent, ctx: Context) -> Reply:
        calls.append(ctx.attempt)
        if ctx.attempt < 3:
            raise RuntimeError("not yet")
        return Reply(room=event.room, text="ok")

    rig = rig_for(flaky, store, retries=3)
    rig.submit(message("hi"))
    await rig.until_finished(1)
    assert calls == [1, 2, 3]
    assert (rig.stats.failed, rig.stats.retried, rig.stats.processed) == (2, 2, 1)
    assert rig.dead_letters() == []
    [reply] = rig.bus.on(FAST.topic("chat.message"))[1:]  # the first is the submitted record
    assert json.loads(reply.value() or b"")["data"]["text"] == "ok"


async def test_retry_defer_sets_the_delay_and_counts_as_an_attempt(store: History) -> None:
    attempts: list[int] = []

    async def later(event: MessageEvent, ctx: Context) -> None:
        attempts.append(ctx.attempt)
        raise Retry(defer=0.001, reason="busy")

    rig = rig_for(later, store, retries=2)
    rig.submit(message("hi"))
    await rig.until_finished(1)
    assert attempts == [1, 2, 3]
    [letter] = rig.dead_letters()
    headers = dict(letter.header_pairs)
    assert headers[DLQ_PREFIX + "attempts"] == b"3"
    assert b"busy" in headers[DLQ_PREFIX + "error"]


async def test_a_handler_past_its_timeout_is_retried_then_dead_lettered(store: History) -> None:
    async def hangs(event: MessageEvent, ctx: Context) -> None:
        await asyncio.Event().wait()

    rig = rig_for(hangs, store, retries=1, timeout=0.05)
    watchdog = asyncio.create_task(rig.runner.watch())
    try:
        record = rig.submit(message("hi"))
        await rig.until_finished(1)
    finally:
        watchdog.cancel()
    [letter] = rig.dead_letters()
    headers = dict(letter.header_pairs)
    assert b"TimeoutError" in headers[DLQ_PREFIX + "error"]
    assert headers[DLQ_PREFIX + "attempts"] == b"2"
    assert letter.value() == record.value()  # the original record, unchanged
    assert rig.stats.failed == 2


async def test_a_refused_output_sends_the_record_round_again(store: History) -> None:
    calls: list[int] = []

    async def answer(event: MessageEvent, ctx: Context) -> Delivery:
        calls.append(ctx.attempt)
        return Delivery(room=event.room, frame={"type": "answer"})

    rig = rig_for(answer, store, retries=3)
    rig.bus.refuse(FAST.topic("chat.deliver"), times=1)
    rig.submit(message("hi"))
    await rig.until_finished(1)
    assert calls == [1, 2]  # refused once, produced on the second attempt
    assert len(rig.bus.on(FAST.topic("chat.deliver"))) == 1
    assert rig.finished == [rig.finished[0]]  # finished exactly once


async def test_several_outputs_finish_the_record_only_when_all_are_acknowledged(
    store: History,
) -> None:
    async def fan(event: MessageEvent, ctx: Context) -> list[Delivery]:
        return [Delivery(room=event.room, frame={"type": "n", "n": n}) for n in range(3)]

    rig = rig_for(fan, store, retries=0)
    rig.bus.refuse(FAST.topic("chat.deliver"), times=1)  # the first of three is refused
    rig.submit(message("hi"))
    await rig.until_finished(1)
    # With no retries left the refused record is dead-lettered, not half-finished.
    assert len(rig.dead_letters()) == 1
    assert rig.stats.processed == 0


async def test_an_undecodable_record_is_dead_lettered_without_calling_the_handler(
    store: History,
) -> None:
    called = False

    async def never(event: MessageEvent, ctx: Context) -> None:
        nonlocal called
        called = True

    rig = rig_for(never, store)
    rig.submit_raw(b"{not json", key="lobby")
    await rig.until_finished(1)
    assert not called
    [letter] = rig.dead_letters()
    headers = dict(letter.header_pairs)
    assert headers[DLQ_PREFIX + "error"].startswith(b"undecodable")
    assert headers[DLQ_PREFIX + "attempts"] == b"0"


async def test_a_keys_records_run_in_order_and_other_keys_do_not_wait(store: History) -> None:
    order: list[str] = []
    release = asyncio.Event()

    async def record(event: MessageEvent, ctx: Context) -> None:
        if event.text == "a1":
            await release.wait()
        order.append(event.text)

    rig = rig_for(record, store)
    rig.submit(message("a1", room="a"))
    rig.submit(message("a2", room="a"))
    rig.submit(message("b1", room="b"))
    await rig.until_finished(1)
    assert order == ["b1"]  # b did not wait for a's slow first record
    release.set()
    await rig.until_finished(3)
    assert order == ["b1", "a1", "a2"]
