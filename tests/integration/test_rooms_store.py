"""Rooms, members, roles, bans and read markers in the store (runtime.db.rooms), on SQLite and
PostgreSQL; and migration 0005 run on a database made by the revision before it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from runtime.db.schema import alembic_config
from runtime.db.store import Store
from runtime.errors import UserError
from runtime.history import StoredMessage
from tests.support.harness import sqlite_url
from tests.support.net import unique

LIMIT = 50


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store(database_url) as store:
        await store.migrate()
        yield store


def names(*prefixes: str) -> list[str]:
    return [unique(p) for p in prefixes]


async def refused(code: str, call: object) -> UserError:
    with pytest.raises(UserError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code == code, caught.value.detail
    return caught.value


async def post(
    store: Store, room: str, author: str, text_: str, mentions: tuple[str, ...] = ()
) -> StoredMessage:
    """Store a room message naming ``mentions`` (as the chat function would have found them)."""
    message = StoredMessage(
        id=unique("m"),
        author=author,
        text=text_,
        ts=datetime.now(UTC),
        room=room,
        mentions=mentions,
    )
    return (await store.save_message(message))[0]


async def test_a_private_room_admits_members_only(store: Store) -> None:
    rooms = store.rooms()
    room, owner, guest, stranger = names("r", "own", "guest", "str")
    made = await rooms.create(room, owner, topic="plans", visibility="private", limit=LIMIT)
    assert (made.visibility, made.created_by) == ("private", owner)
    await refused("exists", rooms.create(room, guest, limit=LIMIT))

    detail = (await refused("forbidden", rooms.enter(room, stranger, limit=LIMIT))).detail
    assert "invite" in detail
    assert not await rooms.visible(room, stranger)
    assert await rooms.add_member(room, owner, guest) == "member"
    assert await rooms.enter(room, guest, limit=LIMIT) == "member"
    assert await rooms.visible(room, guest)
    listed, _ = await rooms.directory(stranger, room)
    assert listed == []
    listed, _ = await rooms.directory(guest, room)
    assert [(r.name, r.members, r.joined) for r in listed] == [(room, 2, True)]


async def test_joining_makes_public_rooms_and_members(store: Store) -> None:
    rooms = store.rooms()
    room, ann, bob = names("r", "ann", "bob")
    assert await rooms.visible(room, bob)  # no room yet: public
    assert await rooms.enter(room, ann, limit=LIMIT) == "owner"  # made by its first joiner
    assert await rooms.enter(room, bob, limit=LIMIT) == "member"
    assert await rooms.enter(room, bob, limit=LIMIT) == "member"  # durable, not doubled
    assert [(u, r) for u, r, _ in await rooms.members(room)] == [(ann, "owner"), (bob, "member")]


async def test_a_person_may_make_only_so_many_rooms(store: Store) -> None:
    rooms, maker = store.rooms(), unique("maker")
    first, second, third = names("r", "r", "r")
    await rooms.create(first, maker, limit=2)
    assert await rooms.enter(second, maker, limit=2) == "owner"
    detail = (await refused("room_limit", rooms.create(third, maker, limit=2))).detail
    assert "2 rooms" in detail
    await refused("room_limit", rooms.enter(third, maker, limit=2))
    assert await rooms.info(third) is None
    heir = unique("heir")  # handing a room over frees a place
    await rooms.add_member(first, maker, heir)
    await rooms.set_role(first, maker, heir, "owner")
    assert await rooms.enter(third, maker, limit=2) == "owner"


async def test_roles_rank_owner_over_admin_over_member(store: Store) -> None:
    rooms = store.rooms()
    room, owner, admin, ann, bob = names("r", "own", "adm", "ann", "bob")
    await rooms.create(room, owner, limit=LIMIT)
    for user in (admin, ann, bob):
        await rooms.add_member(room, owner, user)
    await refused("forbidden", rooms.set_role(room, admin, ann, "admin"))  # owner only
    assert await rooms.set_role(room, owner, admin, "admin") == "admin"
    await refused("forbidden", rooms.add_member(room, ann, unique("x")))  # members do not invite
    await refused("forbidden", rooms.remove_member(room, admin, owner))  # admin < owner
    await rooms.set_role(room, owner, bob, "admin")
    await refused("forbidden", rooms.remove_member(room, admin, bob))  # admin = admin
    await rooms.remove_member(room, admin, ann)  # admin > member
    await refused("not_found", rooms.remove_member(room, admin, ann))
    await refused("forbidden", rooms.remove_member(room, owner, owner))  # others remain: hand over
    await rooms.set_role(room, owner, admin, "owner")
    assert await rooms.role(room, owner) == "admin"
    assert await rooms.role(room, admin) == "owner"
    await rooms.remove_member(room, owner, owner)  # leaving
    assert await rooms.role(room, owner) is None


async def test_a_banned_user_is_out_and_stays_out_until_unbanned(store: Store) -> None:
    rooms = store.rooms()
    room, owner, troll, never = names("r", "own", "troll", "never")
    await rooms.create(room, owner, limit=LIMIT)
    await rooms.enter(room, troll, limit=LIMIT)
    assert await rooms.ban(room, owner, troll) is True
    assert await rooms.ban(room, owner, never) is False  # pre-emptive: was no member
    assert await rooms.role(room, troll) is None
    await refused("forbidden", rooms.enter(room, troll, limit=LIMIT))
    await refused("forbidden", rooms.add_member(room, owner, troll))
    await refused("forbidden", rooms.ban(room, troll, owner))
    assert [u for u, _, _ in await rooms.bans(room)] == [troll, never]
    await rooms.unban(room, owner, troll)
    await refused("not_found", rooms.unban(room, owner, troll))
    assert await rooms.enter(room, troll, limit=LIMIT) == "member"


async def test_the_directory_pages_and_searches(store: Store) -> None:
    rooms, tag = store.rooms(), unique("dir").replace("-", "")
    viewer = unique("viewer")
    made = sorted(f"{tag}-{i}" for i in range(5))
    for name in made:
        await rooms.create(name, unique("own"), topic=f"about {name}", limit=LIMIT)
    await rooms.create(unique("other"), viewer, topic=f"mentions {tag} in its topic", limit=LIMIT)
    first, cursor = await rooms.directory(viewer, tag, limit=3)
    rest, end = await rooms.directory(viewer, tag, cursor=cursor, limit=3)
    assert [r.name for r in first] == made[:3]
    assert cursor == made[2]
    assert len(rest) == 3  # two more by name, one by topic
    assert end is None
    assert [r.name for r in rest][:2] == made[3:]
    assert await rooms.directory(viewer, "%_") == ([], None)


async def test_unread_and_mentions_follow_the_read_marker(store: Store) -> None:
    rooms = store.rooms()
    room, ann, bob = names("r", "ann", "bob")
    await rooms.enter(room, ann, limit=LIMIT)
    await rooms.enter(room, bob, limit=LIMIT)
    first = await post(store, room, bob, f"hi @{ann.upper()}", (ann,))
    await post(store, room, bob, f"names someone else: @{bob}", (bob,))
    await post(store, room, ann, "my own message is not unread")
    last = await post(store, room, bob, f"@{ann}: lunch?", (ann,))
    (mine,), _ = await store.reads().sidebar(ann)
    assert (mine.name, mine.role, mine.unread, mine.mentions) == (room, "owner", 3, 2)

    assert await store.reads().mark_read(ann, room=room, message_id=first.id)
    (mine,), _ = await store.reads().sidebar(ann)
    assert (mine.unread, mine.mentions) == (2, 1)
    assert await store.reads().mark_read(ann, room=room, message_id=last.id)
    assert await store.reads().mark_read(ann, room=room, message_id=first.id)  # never moves back
    (mine,), _ = await store.reads().sidebar(ann)
    assert (mine.unread, mine.mentions) == (0, 0)
    assert not await store.reads().mark_read(ann, room=room, message_id="no-such-message")
    late = unique("late")
    await rooms.enter(room, late, limit=LIMIT)  # a newcomer has nothing unread
    (theirs,), _ = await store.reads().sidebar(late)
    assert (theirs.unread, theirs.mentions) == (0, 0)
    await post(store, room, bob, f"welcome @{late}", (late,))
    (theirs,), _ = await store.reads().sidebar(late)
    assert (theirs.unread, theirs.mentions) == (1, 1)


async def test_conversations_count_what_the_other_wrote_since_the_marker(store: Store) -> None:
    ann, bob, cy = names("ann", "bob", "cy")
    sent = []
    for author, to in ((bob, ann), (bob, ann), (ann, bob), (ann, cy)):
        message = StoredMessage(
            id=unique("p"), author=author, text="x", ts=datetime.now(UTC), recipient=to
        )
        sent.append((await store.save_message(message))[0])
    _, conversations = await store.reads().sidebar(ann)
    assert [(c.user, c.unread) for c in conversations] == [(cy, 0), (bob, 2)]  # newest first
    assert await store.reads().mark_read(ann, other=bob, message_id=sent[0].id)
    _, conversations = await store.reads().sidebar(ann)
    assert [(c.user, c.unread) for c in conversations] == [(cy, 0), (bob, 1)]
    _, theirs = await store.reads().sidebar(bob)
    assert [(c.user, c.unread) for c in theirs] == [(ann, 1)]


async def test_migration_0005_keys_names_reports_clashes_and_makes_rooms(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = sqlite_url(tmp_path / "old.db")
    engine = create_async_engine(url)

    def to_0004(connection: object) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")

    rows = [
        ("Alice", "2025-01-01 00:00:00"),
        ("alice", "2025-01-02 00:00:00"),
        ("bob", "2025-01-03 00:00:00"),
        ("_old", "2025-01-03 00:00:01"),
    ]
    async with engine.begin() as connection:
        await connection.run_sync(to_0004)
        for username, created in rows:
            await connection.execute(
                text("INSERT INTO users VALUES (:u, 'hash-' || :u, :c)"),
                {"u": username, "c": created},
            )
        for seq, (room, author) in enumerate([("lobby", "bob"), ("lobby", "Alice")], 1):
            await connection.execute(
                text(
                    "INSERT INTO messages (seq, id, room, author, text, ts, bot) "
                    "VALUES (:s, :i, :r, :a, 'x', '2025-01-04 00:00:00', 0)"
                ),
                {"s": seq, "i": f"m{seq}", "r": room, "a": author},
            )
    await engine.dispose()

    with caplog.at_level(logging.WARNING, logger="parley.db"):
        async with Store(url) as store:
            await store.migrate()
            people, rooms = store.people(), store.rooms()
            clash = [r.getMessage() for r in caplog.records if "clash" in r.getMessage()]
            assert len(clash) == 1
            odd = [r.getMessage() for r in caplog.records if "letter or digit" in r.getMessage()]
            assert len(odd) == 1
            assert "'_old'" in odd[0]
            assert await people.find("_OLD") == "_old"
            assert "'alice'" in clash[0]
            assert "'Alice'" in clash[0]
            assert await people.find("ALICE") == "Alice"  # the oldest keeps the name
            assert await people.find("alice") == "alice"  # the younger logs in exactly
            await refused("taken", people.add("ALICE", "h"))
            assert await people.admins() == ["Alice"]
            assert [(u, r) for u, r, _ in await rooms.members("lobby")] == [
                ("bob", "owner"),
                ("Alice", "member"),
            ]
            (lobby,), _ = await store.reads().sidebar("Alice")
            assert (lobby.name, lobby.unread) == ("lobby", 0)  # history before is not news
