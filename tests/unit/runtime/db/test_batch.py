"""Group commit alone: who shares a flush, and who a failure reaches."""

from __future__ import annotations

import asyncio

from runtime.db.batch import Batch


async def test_calls_made_during_a_flush_share_the_next_one() -> None:
    flushed: list[list[int]] = []
    release = asyncio.Event()

    async def flush(items: list[int]) -> list[int]:
        flushed.append(items)
        await release.wait()
        return [item * 10 for item in items]

    batch: Batch[int, int] = Batch(flush)
    first = asyncio.create_task(batch.submit(1))
    await asyncio.sleep(0)  # the first call is flushing, alone
    rest = [asyncio.create_task(batch.submit(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(first, *rest) == [10, 20, 30, 40]
    assert flushed == [[1], [2, 3, 4]]


async def test_a_failing_item_fails_only_its_own_call() -> None:
    flushed: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        flushed.append(items)
        if 13 in items:
            raise ValueError("13 is refused")
        return items

    batch: Batch[int, int] = Batch(flush)
    results = await asyncio.gather(*(batch.submit(n) for n in (12, 13, 14)), return_exceptions=True)
    assert results[0] == 12
    assert results[2] == 14
    assert isinstance(results[1], ValueError)
    assert flushed == [[12, 13, 14], [12], [13], [14]]  # the failed batch, then one by one


async def test_the_limit_caps_a_flush() -> None:
    sizes: list[int] = []

    async def flush(items: list[int]) -> list[int]:
        sizes.append(len(items))
        await asyncio.sleep(0)
        return items

    batch: Batch[int, int] = Batch(flush, limit=3)
    assert await asyncio.gather(*(batch.submit(n) for n in range(8))) == list(range(8))
    assert sizes == [3, 3, 2]  # all eight were waiting when the first flush began
