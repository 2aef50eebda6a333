"""The store against real databases: a SQLite file, and PostgreSQL when one is configured.

PostgreSQL runs when ``PARLEY_TEST_POSTGRES_URL`` is set, for example from::

    export PARLEY_TEST_POSTGRES_URL=$(infra/postgres.sh /tmp/parley-pg)   # as root
    infra/postgres.sh stop /tmp/parley-pg

Every test uses its own room, user and id names, so a shared PostgreSQL database is fine.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from runtime.db.models import Base
from runtime.db.people import Login
from runtime.db.schema import alembic_config, tracked
from runtime.db.store import Store
from runtime.errors import UserError
from runtime.history import StoredMessage
from tests.support.harness import sqlite_url
from tests.support.net import unique

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store(database_url) as store:
        await store.migrate()
        yield store


def message(
    id: str, *, room: str | None = None, to: str | None = None, author: str = "ann", **extra: Any
) -> StoredMessage:
    return StoredMessage(
        id=id, author=author, text=f"text of {id}", ts=T0, room=room, recipient=to, **extra
    )


async def fill(store: Store, room: str, count: int) -> list[str]:
    """Store ``count`` messages in ``room``, one after another; return their ids in order."""
    ids = [unique(f"m{i:03d}") for i in range(count)]
    for id in ids:
        await store.save_message(message(id, room=room))
    return ids


def ids(messages: list[StoredMessage]) -> list[str]:
    return [m.id for m in messages]


# schema


async def test_migrate_is_idempotent_and_matches_the_models(store: Store) -> None:
    await store.migrate()
    await store.migrate()

    def inspect(connection: Connection) -> tuple[str | None, list[Any]]:
        context = MigrationContext.configure(connection, opts={"include_name": tracked})
        return context.get_current_revision(), compare_metadata(context, Base.metadata)

    engine = create_async_engine(store.url)
    try:
        async with engine.connect() as connection:
            revision, differences = await connection.run_sync(inspect)
    finally:
        await engine.dispose()
    assert revision == ScriptDirectory.from_config(alembic_config(store.url)).get_current_head()
    assert differences == []
    assert await store.ping()


async def test_processes_migrating_one_sqlite_file_at_once_take_turns(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "nested" / "parley.db")
    script = "import asyncio, sys\nfrom runtime.db.store import Store\n" + (
        "async def main() -> None:\n"
        "    async with Store(sys.argv[1]) as store:\n"
        "        await store.migrate()\n"
        "asyncio.run(main())\n"
    )
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, url, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(4)
    ]
    results = await asyncio.gather(*(p.communicate() for p in processes))
    for process, (_, stderr) in zip(processes, results, strict=True):
        assert process.returncode == 0, stderr.decode()
    async with Store(url) as store:
        await store.migrate()
        room = unique("r")
        assert (await store.save_message(message("m1", room=room)))[1]


async def test_ping_is_false_when_the_database_is_unreachable(tmp_path: Path) -> None:
    async with Store(sqlite_url(tmp_path / "missing" / "dir" / "parley.db")) as store:
        assert not await store.ping()


# users


async def test_names_are_one_account_regardless_of_case(store: Store) -> None:
    people = store.people()
    name = unique("Ann")
    assert await people.find(name) is None
    assert await people.login(name) is None

    await people.add(name, "hash-1")
    for typed in (name, name.lower(), name.upper()):
        found = await people.login(typed)
        assert found is not None
        assert (found.username, found.password_hash) == (name, "hash-1")
        assert await people.find(typed) == name

    with pytest.raises(UserError) as refused:
        await people.add(name.upper(), "hash-2")
    assert refused.value.code == "taken"
    assert "case" in refused.value.detail
    assert (await people.login(name)) == Login(name, "hash-1")


async def test_the_first_account_is_the_server_admin(tmp_path: Path) -> None:
    async with Store(sqlite_url(tmp_path / "fresh.db")) as store:
        await store.migrate()
        people = store.people()
        assert await people.add("first", "h") is True
        assert await people.add("second", "h") is False
        assert await people.admins() == ["first"]
        assert await people.set_admin("SECOND", True) == "second"
        assert await people.admins() == ["first", "second"]
        await people.set_admin("first", False)
        assert await people.admins() == ["second"]
        with pytest.raises(UserError, match="no user"):
            await people.set_admin("nobody", True)


async def test_user_search_puts_prefixes_first_and_knows_who_is_online(store: Store) -> None:
    people, tag = store.people(), unique("s").replace("-", "")
    inside, prefixed, other = f"x{tag}", f"{tag.upper()}y", unique("zz")
    for name in (inside, prefixed, other):
        await people.add(name, "h")
    await store.presence_join(unique("r"), inside, "gw:1")
    assert await people.search(tag) == [(prefixed, False), (inside, True)]
    assert await people.search(tag, limit=1) == [(prefixed, False)]
    assert await people.search("%") == []  # LIKE wildcards are plain characters


# saving messages


async def test_save_is_idempotent_by_id(store: Store) -> None:
    room = unique("r")
    first, created = await store.save_message(message(unique("m"), room=room))
    assert created
    assert first.seq is not None

    again, created = await store.save_message(first)
    assert not created
    assert again == first

    changed = StoredMessage(id=first.id, author="bob", text="other", ts=T0, room=room)
    existing, created = await store.save_message(changed)
    assert not created
    assert existing == first
    assert ids(await store.room_messages(room)) == [first.id]


async def test_save_is_idempotent_by_author_and_client_id(store: Store) -> None:
    room, client_id = unique("r"), unique("c")
    first, created = await store.save_message(message(unique("m"), room=room, client_id=client_id))
    assert created

    retry, created = await store.save_message(message(unique("m"), room=room, client_id=client_id))
    assert not created
    assert retry == first
    assert await store.find_by_client_id("ann", client_id) == first
    assert await store.find_by_client_id("bob", client_id) is None

    other_author, created = await store.save_message(
        message(unique("m"), room=room, client_id=client_id, author="bob")
    )
    assert created
    assert other_author.seq != first.seq
    assert ids(await store.room_messages(room)) == [first.id, other_author.id]


async def test_concurrent_duplicate_saves_insert_exactly_one_row(store: Store) -> None:
    """Within one process the saves share a batch; a second Store (another process's engine)
    races it through the database itself."""
    room = unique("r")
    async with Store(store.url) as other:
        stores = [store, other] * 5
        same = message(unique("m"), room=room, client_id=unique("c"))
        results = await asyncio.gather(*(s.save_message(same) for s in stores))
        assert sum(created for _, created in results) == 1
        assert {stored for stored, _ in results} == {results[0][0]}

        # A client retrying with new event ids but the same client_id, all at once.
        client_id = unique("c")
        retries = [message(unique("m"), room=room, client_id=client_id) for _ in range(10)]
        saves = (s.save_message(m) for s, m in zip(stores, retries, strict=True))
        results = await asyncio.gather(*saves)
        assert sum(created for _, created in results) == 1
        assert len({stored.id for stored, _ in results}) == 1

    assert len(await store.room_messages(room)) == 2


async def test_concurrent_saves_to_many_rooms_keep_each_rooms_order(store: Store) -> None:
    rooms = [unique("r") for _ in range(8)]
    sent: dict[str, list[str]] = {room: [] for room in rooms}

    async def lane(room: str) -> None:  # as the chat function: one room's saves in turn
        for _ in range(25):
            stored, created = await store.save_message(message(unique("m"), room=room))
            assert created
            sent[room].append(stored.id)

    await asyncio.gather(*(lane(room) for room in rooms))
    for room in rooms:
        assert ids(await store.room_messages(room, limit=100)) == sent[room]


async def test_save_keeps_timestamps_as_utc(store: Store) -> None:
    local = datetime(2025, 6, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    saved = message(unique("m"), room=unique("r"))
    stored, _ = await store.save_message(
        StoredMessage(id=saved.id, author="ann", text="hi", ts=local, room=saved.room, bot=True)
    )
    [read] = await store.room_messages(saved.room or "")
    assert read == stored
    assert read.ts == local
    assert read.ts.tzinfo == UTC
    assert read.bot


async def test_stored_messages_become_protocol_frames(store: Store) -> None:
    room, ann, bob = unique("r"), unique("ann"), unique("bob")
    to_room, to_bob = unique("m"), unique("m")
    await store.save_message(message(to_room, room=room, author=ann, bot=True))
    await store.save_message(message(to_bob, author=ann, to=bob))
    [in_room] = await store.room_messages(room)
    [private] = await store.private_messages(bob, ann)
    ts = "2025-01-01T00:00:00.000Z"
    assert in_room.frame() == {
        "type": "message",
        "id": to_room,
        "room": room,
        "user": ann,
        "text": f"text of {to_room}",
        "ts": ts,
        "bot": True,
    }
    assert private.frame() == {
        "type": "private",
        "id": to_bob,
        "from": ann,
        "to": bob,
        "text": f"text of {to_bob}",
        "ts": ts,
    }


async def test_save_refuses_a_message_it_cannot_place(store: Store) -> None:
    with pytest.raises(ValueError, match="exactly one of room"):
        await store.save_message(message(unique("m")))
    with pytest.raises(ValueError, match="exactly one of room"):
        await store.save_message(message(unique("m"), room="r", to="bob"))
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.save_message(
            StoredMessage(id=unique("m"), author="ann", text="x", ts=datetime(2025, 1, 1), room="r")
        )


# reading history


async def test_room_order_is_storage_order_not_id_order(store: Store) -> None:
    room = unique("r")
    for id in (f"{room}-c", f"{room}-a", f"{room}-b"):
        await store.save_message(message(id, room=room))
    await store.save_message(message(unique("m"), room=unique("r")))  # another room

    history = await store.room_messages(room)
    assert ids(history) == [f"{room}-c", f"{room}-a", f"{room}-b"]
    seqs = [m.seq or 0 for m in history]
    assert seqs == sorted(seqs)


async def test_paging_before_walks_the_whole_history(store: Store) -> None:
    room = unique("r")
    stored = await fill(store, room, 23)

    newest = await store.room_messages(room, limit=5)
    assert ids(newest) == stored[-5:]

    walked: list[str] = []
    page = newest
    while page:
        walked = ids(page) + walked
        page = await store.room_messages(room, before=page[0].id, limit=5)
    assert walked == stored

    assert ids(await store.room_messages(room, before=stored[1])) == stored[:1]
    assert await store.room_messages(room, before=stored[0]) == []
    assert await store.room_messages(room, before="no-such-id") == []
    with pytest.raises(ValueError, match="limit"):
        await store.room_messages(room, limit=0)


async def test_after_replays_the_oldest_missed_messages(store: Store) -> None:
    room = unique("r")
    stored = await fill(store, room, 12)

    assert ids(await store.room_messages(room, after=stored[4], limit=3)) == stored[5:8]
    assert ids(await store.room_messages(room, after=stored[4])) == stored[5:]
    assert await store.room_messages(room, after=stored[-1]) == []
    # The client's marker is gone (or never was): it gets the recent history instead.
    assert ids(await store.room_messages(room, after="no-such-id", limit=4)) == stored[-4:]
    # A marker from another room does not count as a position in this one.
    elsewhere = await fill(store, unique("r"), 1)
    assert ids(await store.room_messages(room, after=elsewhere[0], limit=2)) == stored[-2:]


async def test_room_mark_is_the_storage_position_of_a_message_in_its_room(store: Store) -> None:
    room = unique("r")
    stored = await fill(store, room, 3)
    page = await store.room_messages(room)
    marks = [await store.room_mark(room, message_id) for message_id in stored]
    assert marks == [m.seq for m in page]
    assert marks == sorted(marks)
    assert marks[0] > 0
    elsewhere = await fill(store, unique("r"), 1)
    assert await store.room_mark(room, elsewhere[0]) == 0
    assert await store.room_mark(room, "no-such-id") == 0


async def test_private_messages_never_leak_to_another_pair(store: Store) -> None:
    ann, bob, cid = unique("ann"), unique("bob"), unique("cid")
    sent = [
        message(unique("m"), author=ann, to=bob),
        message(unique("m"), author=bob, to=ann),
        message(unique("m"), author=ann, to=cid),
        message(unique("m"), author=cid, to=bob),
        message(unique("m"), author=bob, to=cid),
        message(unique("m"), author=ann, to=bob),
    ]
    for m in sent:
        await store.save_message(m)
    await store.save_message(message(unique("m"), author=ann, room=unique("r")))

    ann_bob = [sent[0].id, sent[1].id, sent[5].id]
    assert ids(await store.private_messages(ann, bob)) == ann_bob
    assert ids(await store.private_messages(bob, ann)) == ann_bob
    assert ids(await store.private_messages(ann, cid)) == [sent[2].id]
    assert ids(await store.private_messages(bob, cid)) == [sent[3].id, sent[4].id]
    assert ids(await store.private_messages(ann, bob, before=sent[5].id, limit=1)) == [sent[1].id]
    assert ids(await store.private_messages(ann, bob, after=sent[0].id)) == ann_bob[1:]
    # Another pair's message id is no marker here: nothing older than it "in" ann-bob.
    assert await store.private_messages(ann, bob, before=sent[4].id) == []
    assert await store.private_messages(ann, unique("nobody")) == []


# presence


async def test_a_user_stays_present_while_any_connection_remains(store: Store) -> None:
    room, ann, bob = unique("r"), unique("ann"), unique("bob")
    assert await store.presence_join(room, ann, "gw:1") is True  # ann arrives
    assert await store.presence_join(room, ann, "gw:2") is False  # a second tab
    assert await store.presence_join(room, ann, "gw:2") is False  # joining twice is harmless
    assert await store.presence_join(room, bob, "gw:3") is True
    assert await store.room_users(room) == sorted([ann, bob])

    assert await store.presence_leave(room, ann, "gw:1") is False  # gw:2 keeps her here
    assert await store.presence_leave(room, ann, "gw:2") is True  # ann is gone
    assert await store.presence_leave(room, ann, "gw:2") is False  # a repeated leave
    assert await store.room_users(room) == [bob]


async def test_a_gateways_connections_by_prefix(store: Store) -> None:
    gateway, other = unique("gw"), unique("gw")
    lobby, help_ = sorted([unique("r"), unique("r")])
    ann, bob = sorted([unique("ann"), unique("bob")])
    await store.presence_join(lobby, ann, f"{gateway}_1:a")
    await store.presence_join(help_, ann, f"{gateway}_1:b")
    await store.presence_join(lobby, bob, f"{other}:c")
    await store.presence_join(help_, bob, f"{gateway}X1:d")  # "_" in the prefix is no wildcard

    assert await store.connections(f"{gateway}_1:") == [
        (lobby, ann, f"{gateway}_1:a"),
        (help_, ann, f"{gateway}_1:b"),
    ]
    assert await store.connections(f"{unique('gw')}:") == []
    with pytest.raises(ValueError, match="empty"):
        await store.connections("")


async def test_gateways_that_stop_heartbeating_are_found(store: Store) -> None:
    alive, silent = unique("gw"), unique("gw")
    await store.gateway_seen(silent)
    cutoff = datetime.now(UTC)
    await store.gateway_seen(alive)
    await store.gateway_seen(alive)  # an upsert, not a second row
    found = await store.gateways_silent_since(cutoff)
    assert silent in found
    assert alive not in found
    await store.gateway_gone(silent)
    assert silent not in await store.gateways_silent_since(datetime.now(UTC))


async def test_room_counts_list_history_and_presence_with_online_counts(store: Store) -> None:
    quiet, busy, empty = unique("r"), unique("r"), unique("r")
    ann, bob = unique("ann"), unique("bob")
    await fill(store, quiet, 2)
    await fill(store, busy, 1)
    await store.presence_join(busy, ann, "gw:1")
    await store.presence_join(busy, ann, "gw:2")
    await store.presence_join(busy, bob, "gw:3")
    await store.presence_join(empty, ann, "gw:4")
    await store.presence_leave(empty, ann, "gw:4")
    await store.save_message(message(unique("m"), author=ann, to=bob))  # private: no room

    rooms = await store.room_counts()
    assert rooms == sorted(rooms)
    mine = {name: online for name, online in rooms if name in {quiet, busy, empty}}
    assert mine == {quiet: 0, busy: 2}
