"""Pages of a room's or a conversation's history, in storage order, each message as it is now.

    await page(connection, Message.room == "lobby", Marks(before="01958f3a-…"), 50, None)

``Marks`` say where a page is: before a message (scrolling back), after one (a replay after
a reconnect), or around one (a search hit in its context). Ids only count as marks within
``where`` (one room, one conversation).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection

from runtime.db.messages import load
from runtime.db.models import Message
from runtime.history import StoredMessage


@dataclass(frozen=True)
class Marks:
    """Where a page is; none: the newest messages."""

    before: str | None = None
    after: str | None = None
    around: str | None = None


async def page(
    connection: AsyncConnection,
    where: ColumnElement[bool],
    marks: Marks,
    limit: int,
    thread: str | None = None,
) -> list[StoredMessage]:
    """Up to ``limit`` messages of ``where`` (``thread``: only the answers to that message),
    oldest first: with ``around``, that message with up to ``limit // 2`` older ones before
    it and newer ones after (unknown: ``[]``); else the oldest ones newer than ``after`` when
    it is known, else the newest ones older than ``before`` (unknown: ``[]``), else the newest.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    query = select(Message.__table__).where(where)
    if thread is not None:
        query = query.where(Message.reply_to == thread)
    if marks.around is not None:
        if (mark := await seq_of(connection, where, marks.around)) is None:
            return []
        older_query = query.where(Message.seq < mark).order_by(Message.seq.desc())
        older = await load(connection, older_query.limit(limit // 2))
        newer_query = query.where(Message.seq >= mark).order_by(Message.seq.asc())
        newer = await load(connection, newer_query.limit(limit - len(older)))
        return [*reversed(older), *newer]
    newest = True
    if (
        marks.after is not None
        and (mark := await seq_of(connection, where, marks.after)) is not None
    ):
        query, newest = query.where(Message.seq > mark), False
    if marks.before is not None:
        if (mark := await seq_of(connection, where, marks.before)) is None:
            return []
        query = query.where(Message.seq < mark)
    order = Message.seq.desc() if newest else Message.seq.asc()
    rows = await load(connection, query.order_by(order).limit(limit))
    if newest:
        rows.reverse()
    return rows


async def seq_of(
    connection: AsyncConnection, where: ColumnElement[bool], message_id: str
) -> int | None:
    """The storage position of message ``message_id`` within ``where``; None when not there."""
    return await connection.scalar(select(Message.seq).where(where, Message.id == message_id))
