"""Edits, deletes and reaction toggles: applied once, logged in their room's order, replayed.

A change is one transaction. It bumps the message's ``rev`` first (in PostgreSQL that locks the
row, so changes of one message take turns; SQLite has one writer anyway), then logs the change
in ``changes`` unless its event id or its author + client_id is there already (then it rolls
back: applied before), then changes the message. A deleted message takes no change.

A ``join`` with ``since`` replays the messages after ``since`` and, from ``changed_after``, the
changes of any message that followed it, each once, as the message's state now. A change's
delivery can trail a later message's (they come from different functions), so the changes of
the ``GRACE`` before ``since`` are sent too: a client may get a change twice, never miss one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from runtime.db.messages import load
from runtime.db.models import Change as ChangeRow
from runtime.db.models import Message, Reaction
from runtime.history import Change, StoredMessage

GRACE = timedelta(seconds=60)
REPLAYED = 1000  # at most this many changed messages in one replay (the latest changed)
Insert = Callable[[Any], Any]  # the dialect's insert (it has on_conflict_do_nothing)


@dataclass(frozen=True)
class Changed:
    """A message that changed after a replay's mark: where its last change falls in the room's
    order (``after``: the newest message then), what changed, and the message now."""

    after: int
    kinds: frozenset[str]
    message: StoredMessage

    def frames(self) -> list[dict[str, object]]:
        """The frames that bring a client's copy of the message to its state now."""
        message = self.message
        if message.deleted:
            return [dict(message.delete_frame())]
        frames: list[dict[str, object]] = []
        if "edit" in self.kinds:
            frames.append(dict(message.edit_frame()))
        if "react" in self.kinds:
            frames.append(dict(message.reactions_frame()))
        return frames


async def apply(connection: AsyncConnection, change: Change, dialect_insert: Insert) -> bool:
    """Apply ``change`` in the open transaction of ``connection``; False when it must not be
    (the message is deleted or missing, or the change was applied before): roll back then."""
    bumped = await connection.execute(
        update(Message)
        .where(Message.id == change.message, Message.deleted.is_(False))
        .values(rev=Message.rev + 1)
        .returning(Message.room, Message.pair)
    )
    target = bumped.first()
    if target is None:
        return False
    place = Message.room == target.room if target.room is not None else Message.pair == target.pair
    newest = await connection.scalar(select(func.max(Message.seq)).where(place))
    logged = await connection.execute(
        dialect_insert(ChangeRow)
        .values(
            id=change.id,
            kind=change.kind,
            message=change.message,
            room=target.room,
            pair=target.pair,
            after=newest or 0,
            author=change.actor,
            client_id=change.client_id,
            ts=change.ts,
        )
        .on_conflict_do_nothing()
        .returning(ChangeRow.seq)
    )
    if logged.first() is None:
        return False
    mine = Message.id == change.message
    match change.kind:
        case "edit":
            edited = {"text": change.text, "mentions": " ".join(change.mentions)}
            await connection.execute(
                update(Message).where(mine).values(edited_at=change.ts, **edited)
            )
        case "delete":
            await connection.execute(
                update(Message).where(mine).values(text="", mentions="", deleted=True)
            )
            await connection.execute(delete(Reaction).where(Reaction.message == change.message))
        case "react":
            own = (
                Reaction.message == change.message,
                Reaction.emoji == change.emoji,
                Reaction.username == change.actor,
            )
            removed = await connection.execute(delete(Reaction).where(*own))
            if not getattr(removed, "rowcount", 0):
                row = {"message": change.message, "emoji": change.emoji, "at": change.ts}
                await connection.execute(insert(Reaction).values(username=change.actor, **row))
    return True


async def changed_after(connection: AsyncConnection, room: str, since: str) -> list[Changed]:
    """The messages of ``room`` changed after message ``since`` (or in the ``GRACE`` before
    it), in the room's order of their last change; [] when ``since`` is not in the room."""
    mark = (
        await connection.execute(
            select(Message.seq, Message.ts).where(Message.room == room, Message.id == since)
        )
    ).first()
    if mark is None:
        return []
    recent = or_(ChangeRow.after >= mark.seq, ChangeRow.ts >= mark.ts - GRACE)
    rows = (
        await connection.execute(
            select(
                ChangeRow.message,
                ChangeRow.kind,
                func.max(ChangeRow.seq),
                func.max(ChangeRow.after),
            )
            .where(ChangeRow.room == room, recent)
            .group_by(ChangeRow.message, ChangeRow.kind)
        )
    ).all()
    last: dict[str, tuple[int, int]] = {}  # message -> (newest change seq, its position)
    kinds: dict[str, set[str]] = {}
    for message, kind, seq, after in rows:
        kinds.setdefault(message, set()).add(kind)
        last[message] = max(last.get(message, (0, 0)), (seq, after))
    latest = sorted(last, key=lambda m: last[m])[-REPLAYED:]
    messages = await load(connection, select(Message.__table__).where(Message.id.in_(latest)))
    changed = [Changed(last[m.id][1], frozenset(kinds[m.id]), m) for m in messages]
    return sorted(changed, key=lambda c: last[c.message.id])
