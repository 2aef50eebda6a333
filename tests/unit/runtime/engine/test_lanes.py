"""Lanes alone: order per key, concurrency across keys, the timeout watchdog."""

from __future__ import annotations

import asyncio
import time

import pytest

from runtime.engine.lanes import Gate, Lane, Lanes


async def test_a_keys_items_run_in_order_and_keys_run_side_by_side() -> None:
    log: list[str] = []
    gates = {b"a": asyncio.Event(), b"b": asyncio.Event()}

    async def work(item: str, lane: Lane[str]) -> None:
        log.append(f"start {item}")
        await gates[lane.key].wait()
        log.append(f"end {item}")

    lanes: Lanes[str] = Lanes(work)
    for key, item in [(b"a", "a1"), (b"b", "b1"), (b"a", "a2")]:
        lanes.add(key, item)
    await asyncio.sleep(0)  # let both lanes start
    assert log == ["start a1", "start b1"]  # b1 did not wait for a1; a2 waits for a1
    gates[b"b"].set()
    gates[b"a"].set()
    await asyncio.gather(*lanes.tasks())
    assert log.index("end a1") < log.index("start a2")
    assert len(lanes) == 0  # an emptied lane goes away


async def test_the_watchdog_turns_an_overdue_call_into_a_timeout_error() -> None:
    outcomes: list[str] = []

    async def work(item: str, lane: Lane[str]) -> None:
        try:
            await lane.within(time.monotonic() + 0.05, asyncio.Event().wait())
        except TimeoutError:
            outcomes.append(f"{item} timed out")
        outcomes.append(f"{item} went on")

    lanes: Lanes[str] = Lanes(work)
    watchdog = asyncio.create_task(lanes.watch(tick=0.01))
    lanes.add(b"k", "first")
    lanes.add(b"k", "second")
    await asyncio.wait_for(asyncio.gather(*lanes.tasks()), 5)
    watchdog.cancel()
    assert outcomes == ["first timed out", "first went on", "second timed out", "second went on"]


async def test_a_shutdown_cancel_is_not_mistaken_for_a_timeout() -> None:
    started = asyncio.Event()

    async def work(item: str, lane: Lane[str]) -> None:
        started.set()
        await lane.within(time.monotonic() + 60, asyncio.Event().wait())

    lanes: Lanes[str] = Lanes(work)
    lanes.add(b"k", "item")
    await started.wait()
    (task,) = lanes.tasks()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_gate_admits_size_holders_in_arrival_order_and_survives_cancels() -> None:
    gate = Gate(2)
    await gate.enter()
    await gate.enter()
    order: list[str] = []

    async def wait(name: str) -> None:
        await gate.enter()
        order.append(name)

    first = asyncio.create_task(wait("first"))
    cancelled = asyncio.create_task(wait("cancelled"))
    last = asyncio.create_task(wait("last"))
    await asyncio.sleep(0)  # all three are queued now
    cancelled.cancel()
    gate.leave()  # one place: to the first waiter
    await first
    gate.leave()  # the cancelled waiter is skipped: to the last one
    await last
    assert order == ["first", "last"]
    assert gate.free == 0
    gate.leave()
    gate.leave()
    assert gate.free == 2
