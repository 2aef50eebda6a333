"""Changes to messages in the store (runtime.db.changes), on SQLite and PostgreSQL: concurrent
changes of one message take turns and count once; a replay finds them; migration 0006 keeps
history as it was."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from runtime.db.schema import alembic_config
from runtime.db.store import Store
from runtime.history import Change, StoredMessage
from tests.support.harness import sqlite_url
from tests.support.net import unique


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store(database_url) as store:
        await store.migrate()
        yield store


async def post(store: Store, room: str, author: str = "ann") -> StoredMessage:
    message = StoredMessage(
        id=unique("m"), author=author, text="hello", ts=datetime.now(UTC), room=room
    )
    return (await store.save_message(message))[0]


def change(
    message: str, actor: str, kind: Literal["edit", "delete", "react"], **fields: object
) -> Change:
    return Change(
        id=unique("c"),
        message=message,
        actor=actor,
        kind=kind,
        ts=datetime.now(UTC),
        **fields,  # type: ignore[arg-type]
    )


async def test_concurrent_reactions_each_count_once_and_revisions_never_repeat(
    store: Store,
) -> None:
    room = unique("r")
    message = await post(store, room)
    users = [unique("u") for _ in range(12)]
    # Everyone reacts at once; half of them toggle twice (on, then off), and every change is
    # also sent a second time with the same client id, as a retry through another gateway.
    changes = []
    for n, user in enumerate(users):
        for toggle in range(2 if n % 2 else 1):
            once = change(message.id, user, "react", emoji="🎉", client_id=f"{user}-{toggle}")
            changes += [once, Change(**{**once.__dict__, "id": unique("retry")})]
    results = await asyncio.gather(*(store.change_message(c) for c in changes))
    applied = [changed for changed, ok in results if ok]
    assert len(applied) == len(changes) // 2  # each retry was a no-op
    assert sorted(c.rev for c in applied) == list(range(1, len(applied) + 1))  # took turns
    now = await store.message(message.id)
    assert now is not None
    assert sorted(now.reactions["🎉"]) == sorted(users[::2])  # the odd ones toggled off
    assert now.rev == len(applied)


async def test_an_edit_racing_a_delete_never_brings_the_text_back(store: Store) -> None:
    room = unique("r")
    for _ in range(5):
        message = await post(store, room)
        edits = [change(message.id, "ann", "edit", text=f"v{n}") for n in range(4)]
        gone = change(message.id, "ann", "delete")
        await asyncio.gather(*(store.change_message(c) for c in [*edits[:2], gone, *edits[2:]]))
        now = await store.message(message.id)
        assert now is not None
        assert (now.deleted, now.text, now.reactions) == (True, "", {})
    missing = change("no-such-message", "ann", "edit", text="x")
    with pytest.raises(LookupError):
        await store.change_message(missing)


async def test_threads_and_the_replay_of_changes(store: Store) -> None:
    room = unique("r")
    parent = await post(store, room)
    answers = []
    for author in ("bob", "cy"):
        reply = StoredMessage(
            id=unique("m"),
            author=author,
            text="answer",
            ts=datetime.now(UTC),
            room=room,
            reply_to=parent.id,
        )
        answers.append((await store.save_message(reply))[0].id)
    mark = await post(store, room)
    await store.change_message(change(parent.id, "ann", "edit", text="edited"))
    assert [m.id for m in await store.room_messages(room, thread=parent.id)] == answers
    assert (await store.message(parent.id)).replies == 2  # type: ignore[union-attr]
    [changed] = await store.changed_after(room, mark.id)
    assert changed.message.text == "edited"
    assert [f["type"] for f in changed.frames()] == ["edit"]


async def test_migration_0006_keeps_history_and_adds_nothing_to_it(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "old.db")
    config = alembic_config(url)
    await asyncio.to_thread(command.upgrade, config, "0005")
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO messages (id, room, author, text, ts, bot) "
                "VALUES ('m1', 'lobby', 'ann', 'hi @bob', '2026-01-01 00:00:00', 0)"
            )
        )
    await engine.dispose()
    async with Store(url) as store:
        await store.migrate()
        [old] = await store.room_messages("lobby")
        assert (old.text, old.mentions, old.replies, old.rev, old.deleted) == (
            "hi @bob",
            (),
            0,
            0,
            False,
        )
        changed, applied = await store.change_message(change("m1", "bob", "react", emoji="👋"))
        assert applied
        assert changed.reactions == {"👋": ["bob"]}
