"""``ctx.state`` on SQLite and PostgreSQL: the same rules, atomic with replicas racing on
separate engines (as separate worker processes have)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from runtime.db.store import Store
from runtime.state import State
from tests.support.net import unique


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores (two engines, two pools) on one database, like two replicas."""
    async with Store(database_url) as one, Store(database_url) as two:
        await one.migrate()
        yield one, two


async def test_values_incr_update_once_and_bad_input(stores: tuple[Store, Store]) -> None:
    one, other = stores[0].state(unique("fn")), stores[0].state(unique("fn"))
    await one.set("k", {"list": [1, "two", None], "ok": True})
    assert await one.get("k") == {"list": [1, "two", None], "ok": True}
    assert await other.get("k") is None  # another function's keys are its own
    assert await one.incr("n") == 1
    assert await one.incr("n", by=-5) == -4
    await one.set("word", "x")
    with pytest.raises(TypeError, match="not an integer"):
        await one.incr("word")
    assert await one.get("word") == "x"
    with pytest.raises(ValueError, match="not JSON"):
        await one.set("word", float("inf"))
    assert await one.update("word", lambda v: f"{v}y") == "xy"
    assert await one.once("e1") is True
    assert await one.once("e1") is False
    assert await one.delete("word") is True
    assert await one.get("word", default="gone") == "gone"


async def test_racing_replicas_lose_no_update(stores: tuple[Store, Store]) -> None:
    name = unique("fn")
    replicas: list[State] = [stores[0].state(name), stores[1].state(name)]

    async def bump(state: State, times: int) -> None:
        for _ in range(times):
            await state.update("total", lambda v: int(v or 0) + 1)  # type: ignore[arg-type]
            await state.incr("incr")

    await asyncio.gather(*(bump(s, 30) for s in replicas for _ in range(3)))
    assert await replicas[0].get("total") == 180
    assert await replicas[1].get("incr") == 180
