"""Saving messages: concurrent saves share one transaction, and a duplicate (by ``id`` or by
``author`` + ``client_id``) is found instead of stored twice. ``Store.save_message`` and
``Store.find_by_client_id`` are this.

    saving = Saving(engine, insert)
    stored, new = await saving.save(message)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from typing import Any

from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from runtime.db.batch import Batch
from runtime.db.messages import load, stored, values
from runtime.db.models import Message, Upload
from runtime.events import pair_key
from runtime.history import StoredMessage


class Saving:
    """Batched saves and client-id lookups over ``engine`` (``insert``: the dialect's)."""

    def __init__(self, engine: AsyncEngine, insert: Any) -> None:
        self._engine = engine
        self._insert = insert
        self._saves = Batch(self._save_many)
        self._client_ids = Batch(self._find_many)

    async def save(self, message: StoredMessage) -> tuple[StoredMessage, bool]:
        """The stored row and whether it was new (see ``Store.save_message``)."""
        return await self._saves.submit(message)

    async def find(self, author: str, client_id: str) -> StoredMessage | None:
        """The message ``author`` sent with ``client_id``, if it is stored."""
        return await self._client_ids.submit((author, client_id))

    async def _save_many(self, messages: list[StoredMessage]) -> list[tuple[StoredMessage, bool]]:
        """Save concurrent calls' messages in one transaction (see runtime.db.batch): one
        multi-row INSERT .. ON CONFLICT DO NOTHING; a conflict on either key means a message
        is stored already. Messages of one room come from one lane, one at a time, so a batch
        never holds two of a room and storage order is the order they were sent in."""
        insert = (
            self._insert(Message)
            .values([values(m) for m in messages])
            .on_conflict_do_nothing()
            .returning(Message.id, Message.seq, Message.reply_to)
        )
        sent = {m.id: m for m in messages}
        async with self._engine.begin() as connection:
            rows = (await connection.execute(insert)).all()
            for row in rows:
                # A new answer counts on its parent (the gateway checked it is a message there).
                if row.reply_to is not None:
                    await connection.execute(
                        update(Message)
                        .where(Message.id == row.reply_to)
                        .values(replies=Message.replies + 1)
                    )
                if attached := [a.id for a in sent[row.id].attachments]:
                    await connection.execute(_shown(sent[row.id], attached))
        seqs: dict[str, int] = {row.id: row.seq for row in rows}
        saved = []
        for message in messages:
            seq = seqs.pop(message.id, None)  # popped: an id twice in a batch is stored once
            if seq is not None:
                saved.append((replace(message, ts=message.ts.astimezone(UTC), seq=seq), True))
                continue
            existing = await self._duplicate_of(message)
            if existing is None:
                raise RuntimeError(f"message {message.id} conflicted on insert but is not stored")
            saved.append((existing, False))
        return saved

    async def _find_many(self, keys: list[tuple[str, str]]) -> list[StoredMessage | None]:
        table = Message.__table__
        query = select(table).where(tuple_(table.c.author, table.c.client_id).in_(keys))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        found = {(row.author, row.client_id): stored(row) for row in rows}
        return [found.get(key) for key in keys]

    async def _duplicate_of(self, message: StoredMessage) -> StoredMessage | None:
        same = Message.id == message.id
        if message.client_id is not None:
            same = or_(
                same, (Message.author == message.author) & (Message.client_id == message.client_id)
            )
        async with self._engine.connect() as connection:
            rows = await load(connection, select(Message.__table__).where(same))
        # An id match wins over a (author, client_id) match with another id.
        rows = sorted(rows, key=lambda row: row.id != message.id)
        return rows[0] if rows else None


def _shown(message: StoredMessage, uploads: list[str]) -> Any:
    """Uploads attached first by ``message`` become visible where it is (docs/PROTOCOL.md 1.9);
    one attached before stays where it was first shown."""
    pair = None if message.recipient is None else pair_key(message.author, message.recipient)
    return (
        update(Upload)
        .where(Upload.id.in_(uploads), Upload.message.is_(None))
        .values(message=message.id, room=message.room, pair=pair)
    )
