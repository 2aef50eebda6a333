"""``ctx.state`` on SQLite: values, atomic updates across two engines, once; and the
in-memory state of runtime.testing keeps the same rules. PostgreSQL: tests/integration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import JsonValue

from runtime.db.store import Store
from runtime.state import State
from runtime.testing import MemoryState


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store(f"sqlite+aiosqlite:///{tmp_path / 'state.db'}") as store:
        await store.migrate()
        yield store


@pytest.fixture(params=["sql", "memory"])
def state(request: pytest.FixtureRequest, store: Store) -> State:
    return store.state("fn") if request.param == "sql" else MemoryState()


async def test_values_are_json_and_keys_are_the_functions_own(state: State, store: Store) -> None:
    assert await state.get("missing") is None
    assert await state.get("missing", default=7) == 7
    value: JsonValue = {"a": [1, 2.5, "three", None, True], "é": "ü"}
    await state.set("k", value)
    assert await state.get("k") == value
    await state.set("k", "replaced")
    assert await state.get("k") == "replaced"
    assert await state.delete("k") is True
    assert await state.delete("k") is False
    assert await state.get("k") is None
    if not isinstance(state, MemoryState):
        await store.state("other").set("k", "theirs")
        assert await state.get("k") is None  # another function's key of the same name


async def test_bad_values_and_keys_are_refused_and_change_nothing(state: State) -> None:
    await state.set("k", 1)
    with pytest.raises(ValueError, match="not JSON"):
        await state.set("k", {"x": object()})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="not JSON"):
        await state.set("k", float("nan"))
    with pytest.raises(ValueError, match="1-255 characters"):
        await state.set("", 1)
    await state.set("text", "x")
    with pytest.raises(TypeError, match="not an integer"):
        await state.incr("text")
    assert await state.get("k") == 1
    assert await state.get("text") == "x"


async def test_incr_update_and_once(state: State) -> None:
    assert await state.incr("n") == 1
    assert await state.incr("n", by=5) == 6
    assert await state.update("list", lambda v: [*(v or []), "a"]) == ["a"]  # type: ignore[misc]
    assert await state.update("list", lambda v: [*(v or []), "b"]) == ["a", "b"]  # type: ignore[misc]
    assert await state.once("event-1") is True
    assert await state.once("event-1") is False
    assert await state.once("event-2") is True


async def test_replicas_racing_update_on_two_engines_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'race.db'}"
    async with Store(url) as one, Store(url) as two:
        await one.migrate()
        replicas = [one.state("counter"), two.state("counter")]

        async def bump(state: State, n: int) -> None:
            for _ in range(n):
                await state.update("total", lambda v: int(v or 0) + 1)  # type: ignore[arg-type]
                await state.incr("incr")

        await asyncio.gather(*(bump(s, 40) for s in replicas for _ in range(2)))
        assert await replicas[0].get("total") == 160
        assert await replicas[1].get("incr") == 160
