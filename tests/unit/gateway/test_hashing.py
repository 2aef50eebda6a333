"""The hashing pool: at most ``workers`` calls run at once, ``queue`` more wait, the rest are
refused at once without running."""

from __future__ import annotations

import asyncio
import threading

import pytest

from gateway.guard.hashing import Busy, HashPool


async def test_excess_calls_are_refused_and_the_pool_recovers() -> None:
    pool = HashPool(workers=2, queue=1)
    release = threading.Event()
    started: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> int:
        with lock:
            started.append(n)
        release.wait(30)
        return n * 10

    try:
        admitted = [asyncio.create_task(pool.run(work, n)) for n in range(3)]
        await asyncio.sleep(0)  # let the three tasks submit their calls
        assert pool.admitted == 3
        with pytest.raises(Busy):
            await pool.run(work, 99)
        assert pool.refused == 1
        assert 99 not in started
        release.set()
        assert await asyncio.gather(*admitted) == [0, 10, 20]
        assert pool.admitted == 0
        assert await pool.run(work, 4) == 40
    finally:
        release.set()
        pool.close()


async def test_at_most_workers_calls_run_at_once() -> None:
    pool = HashPool(workers=2, queue=10)
    running, most = 0, 0
    lock = threading.Lock()
    two_in = threading.Barrier(2, timeout=30)

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        two_in.wait()  # calls meet in pairs: two run at once, and never a third
        with lock:
            running -= 1

    try:
        await asyncio.gather(*(pool.run(work) for _ in range(8)))
    finally:
        pool.close()
    assert most == 2


async def test_a_cancelled_caller_keeps_its_place_until_its_call_ends() -> None:
    pool = HashPool(workers=1, queue=1)
    release = threading.Event()
    try:
        waiting = asyncio.create_task(pool.run(release.wait, 30))
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert pool.admitted == 1  # its thread is still hashing
        queued = asyncio.create_task(pool.run(lambda: 5))
        await asyncio.sleep(0)
        with pytest.raises(Busy):
            await pool.run(lambda: 6)
        release.set()
        assert await queued == 5  # one worker: the cancelled call ended before this one
        assert pool.admitted == 0
    finally:
        release.set()
        pool.close()


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="workers must be at least 1"):
        HashPool(workers=0, queue=1)
