"""Login sessions and socket tickets in the store (runtime.db.sessions) on SQLite and
PostgreSQL: a ticket opens one socket once even when sockets race for it, and ending sessions
ends only the ones it names. The unit tests (tests/unit/runtime/db) cover the rest on SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from runtime.db.sessions import Active
from runtime.db.store import Store
from tests.support.net import unique


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store(database_url) as store:
        await store.migrate()
        yield store


async def account(store: Store) -> str:
    name = unique("u")[:32]
    await store.people().add(name, "hash")
    return name


async def test_racing_sockets_get_a_ticket_once(store: Store) -> None:
    sessions = store.sessions()
    name = await account(store)
    opened = await sessions.open(name, ttl=60)
    ticket = await sessions.ticket(opened.id, ttl=30)
    results = await asyncio.gather(*(sessions.redeem(ticket) for _ in range(8)))
    assert results.count(Active(name, opened.id)) == 1
    assert results.count(None) == 7


async def test_sessions_end_one_at_a_time_or_all_together(store: Store) -> None:
    sessions = store.sessions()
    ada, bob = await account(store), await account(store)
    phone, laptop, bobs = (
        await sessions.open(ada, 60),
        await sessions.open(ada, 60),
        await sessions.open(bob, 60),
    )
    assert await sessions.refresh(phone.cookie, 60) == Active(ada, phone.id)
    assert await sessions.end(phone.id) is True
    assert await sessions.open_among([phone.id, laptop.id, bobs.id]) == {laptop.id, bobs.id}
    assert await sessions.end_all(ada) == [laptop.id]
    assert await sessions.owner(laptop.id) is None
    assert await sessions.owner(bobs.id) == bob
    assert await sessions.refresh(f"{bobs.id}.forged", 60) is None


async def test_a_session_expires(store: Store) -> None:
    sessions = store.sessions()
    name = await account(store)
    opened = await sessions.open(name, ttl=-1)
    assert await sessions.owner(opened.id) is None
    assert await sessions.redeem(await sessions.ticket(opened.id, ttl=30)) is None
