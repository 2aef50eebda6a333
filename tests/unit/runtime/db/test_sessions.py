"""Login sessions and socket tickets on SQLite (the integration tests run PostgreSQL too):
open while the row, its time and its user last; ended by logout or by ending all; tickets
once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from runtime.db.sessions import Active, Sessions
from runtime.db.store import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store(f"sqlite+aiosqlite:///{tmp_path / 'sessions.db'}") as store:
        await store.migrate()
        await store.people().add("ada", "hash-a")
        await store.people().add("bob", "hash-b")
        yield store


@pytest.fixture
def sessions(store: Store) -> Sessions:
    return store.sessions()


async def test_a_session_is_open_until_it_ends(sessions: Sessions) -> None:
    opened = await sessions.open("ada", ttl=60)
    assert await sessions.owner(opened.id) == "ada"
    assert await sessions.refresh(opened.cookie, 60) == Active("ada", opened.id)
    assert await sessions.end(opened.id) is True
    assert await sessions.owner(opened.id) is None
    assert await sessions.refresh(opened.cookie, 60) is None
    assert await sessions.end(opened.id) is False


async def test_a_forged_or_malformed_cookie_finds_nothing(sessions: Sessions) -> None:
    opened = await sessions.open("ada", ttl=60)
    sid = opened.id
    for cookie in (f"{sid}.wrong", sid, f"{sid}.", ".secret", "", "nope.nope"):
        assert await sessions.refresh(cookie, 60) is None, cookie
    assert await sessions.owner(sid) == "ada"


async def test_an_expired_session_is_closed_and_cleared_out(sessions: Sessions) -> None:
    old = await sessions.open("ada", ttl=-1)
    assert await sessions.owner(old.id) is None
    assert await sessions.refresh(old.cookie, 60) is None
    await sessions.open("ada", ttl=60)  # clears expired rows on the way
    assert await sessions.end(old.id) is False


async def test_refresh_extends_a_session(sessions: Sessions) -> None:
    opened = await sessions.open("ada", ttl=60)
    assert await sessions.refresh(opened.cookie, -1) is not None  # now it ends in the past
    assert await sessions.owner(opened.id) is None


async def test_a_session_of_a_user_that_does_not_exist_is_not_open(sessions: Sessions) -> None:
    ghost = await sessions.open("ghost", ttl=60)
    assert await sessions.owner(ghost.id) is None
    assert await sessions.refresh(ghost.cookie, 60) is None
    ticket = await sessions.ticket(ghost.id, ttl=30)
    assert await sessions.redeem(ticket) is None


async def test_ending_all_ends_only_that_users_sessions(sessions: Sessions) -> None:
    phone, laptop = await sessions.open("ada", 60), await sessions.open("ada", 60)
    bobs = await sessions.open("bob", 60)
    ended = await sessions.end_all("ada")
    assert sorted(ended) == sorted([phone.id, laptop.id])
    assert await sessions.open_among([phone.id, laptop.id, bobs.id, "nope"]) == {bobs.id}
    assert await sessions.end_all("ada") == []


async def test_a_ticket_opens_one_socket_once(sessions: Sessions) -> None:
    opened = await sessions.open("ada", 60)
    ticket = await sessions.ticket(opened.id, ttl=30)
    assert await sessions.redeem(ticket) == Active("ada", opened.id)
    assert await sessions.redeem(ticket) is None
    assert await sessions.redeem("made-up") is None


async def test_two_sockets_racing_for_one_ticket_get_it_once(sessions: Sessions) -> None:
    opened = await sessions.open("ada", 60)
    ticket = await sessions.ticket(opened.id, ttl=30)
    results = await asyncio.gather(*(sessions.redeem(ticket) for _ in range(5)))
    assert results.count(Active("ada", opened.id)) == 1
    assert results.count(None) == 4


async def test_expired_tickets_and_tickets_of_ended_sessions_open_nothing(
    sessions: Sessions,
) -> None:
    opened = await sessions.open("ada", 60)
    assert await sessions.redeem(await sessions.ticket(opened.id, ttl=-1)) is None
    ticket = await sessions.ticket(opened.id, ttl=30)
    await sessions.end(opened.id)
    assert await sessions.redeem(ticket) is None


async def test_a_new_password_replaces_the_hash(store: Store) -> None:
    await store.people().set_password("ada", "new-hash")
    found = await store.people().login("ADA")
    assert found is not None
    assert found.password_hash == "new-hash"
