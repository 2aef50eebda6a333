"""Message rows and ``StoredMessage``: one conversion each way, reactions loaded alongside.

rows = await load(connection, select(Message.__table__).where(Message.room == "lobby"))
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from runtime.db.models import Change
from runtime.events import Attachment, pair_key
from runtime.history import Reactions, StoredMessage


async def load(connection: AsyncConnection, query: Select[Any]) -> list[StoredMessage]:
    """The messages ``query`` selects (rows of the ``messages`` table), with their reactions."""
    rows = (await connection.execute(query)).all()
    # A message never changed (rev 0) has no reactions: most of history needs no second query.
    reactions = await reactions_of(connection, [row.id for row in rows if row.rev > 0])
    return [stored(row, None if row.deleted else reactions.get(row.id)) for row in rows]


async def reactions_of(connection: AsyncConnection, ids: Sequence[str]) -> dict[str, Reactions]:
    """Message id -> its reactions (emoji in the order first used, users in the order they
    reacted), for the messages among ``ids`` that have any: from the ``react`` changes, where
    an odd number of toggles by a user means they reacted. A deleted message has none."""
    if not ids:
        return {}
    found: dict[str, Reactions] = {}
    for message, emoji, user in await connection.execute(REACTIONS, {"ids": list(set(ids))}):
        found.setdefault(message, {}).setdefault(emoji, []).append(user)
    return found


def _reactions() -> Select[Any]:
    toggles = (
        select(Change.message, Change.emoji, Change.author, func.max(Change.seq).label("last"))
        .where(Change.message.in_(bindparam("ids", expanding=True)), Change.kind == "react")
        .group_by(Change.message, Change.emoji, Change.author)
        .having(func.count() % 2 == 1)  # toggled on more often than off
        .subquery()
    )
    first = func.min(toggles.c.last).over(partition_by=(toggles.c.message, toggles.c.emoji))
    return select(toggles.c.message, toggles.c.emoji, toggles.c.author).order_by(
        toggles.c.message, first, toggles.c.emoji, toggles.c.last
    )


REACTIONS = _reactions()  # built once: it runs for every page of history and every change
ATTACHMENTS: TypeAdapter[tuple[Attachment, ...]] = TypeAdapter(tuple[Attachment, ...])


def stored(row: Row[Any], reactions: Reactions | None = None) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        author=row.author,
        text=row.text,
        ts=row.ts,
        room=row.room,
        recipient=row.recipient,
        client_id=row.client_id,
        bot=row.bot,
        seq=row.seq,
        reply_to=row.reply_to,
        mentions=tuple(row.mentions.split()),
        replies=row.replies,
        reactions=reactions or {},
        edited_at=row.edited_at,
        deleted=row.deleted,
        rev=row.rev,
        attachments=ATTACHMENTS.validate_json(row.attachments) if row.attachments else (),
    )


def values(message: StoredMessage) -> dict[str, object]:
    """The row a new message is inserted as (``seq`` and the living fields take defaults)."""
    pair = None if message.recipient is None else pair_key(message.author, message.recipient)
    return {
        "id": message.id,
        "room": message.room,
        "recipient": message.recipient,
        "pair": pair,
        "author": message.author,
        "text": message.text,
        "ts": message.ts.astimezone(UTC),
        "client_id": message.client_id,
        "bot": message.bot,
        "reply_to": message.reply_to,
        "mentions": " ".join(message.mentions),
        "replies": 0,
        "deleted": False,
        "rev": 0,
        "attachments": ATTACHMENTS.dump_json(message.attachments).decode()
        if message.attachments
        else None,
    }


def check(message: StoredMessage) -> None:
    """``ValueError`` unless ``message`` can be stored as it is."""
    if (message.room is None) == (message.recipient is None):
        raise ValueError(
            f"message {message.id}: set exactly one of room (a room message) "
            "or recipient (a private message)"
        )
    if message.ts.tzinfo is None:
        raise ValueError(f"message {message.id}: ts is naive; pass a timezone-aware datetime")
    if any(not name or " " in name for name in message.mentions):
        raise ValueError(
            f"message {message.id}: mentions must be usernames, got {message.mentions}"
        )
