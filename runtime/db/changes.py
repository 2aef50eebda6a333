"""Edits, deletes and reaction toggles: applied once, logged in their room's order, replayed.

A change is one transaction: it logs the change in ``changes`` unless its event id or its author
+ client_id is there already (then nothing happens: applied before), then bumps the message's
``rev`` and changes its text (in PostgreSQL that update locks the row, so changes of one message
take turns; SQLite has one writer anyway). A deleted message takes no change. A reaction is
its toggles: a user reacted with an emoji when the log holds an odd number of their toggles of
it (``runtime.db.messages.reactions_of``).

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

from sqlalchemy import String, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from runtime.db.messages import load, stored
from runtime.db.models import Change as ChangeRow
from runtime.db.models import Message, UTCDateTime
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


async def apply(
    connection: AsyncConnection, change: Change, dialect_insert: Insert
) -> StoredMessage | None:
    """Apply ``change`` in the open transaction of ``connection`` and return the message row
    as this change left it (reactions not read); None when it must not be (the message is
    deleted or missing, or the change was applied before): roll back then.

    Two statements, and SQLite's write lock is held for no more: the change's row (where it
    falls is read from the message in the same statement), then the message's revision and
    text, which returns the row.
    """
    values = {
        "change": change.id,
        "kind": change.kind,
        "target": change.message,
        "actor": change.actor,
        "client_id": change.client_id,
        "ts": change.ts,
        "emoji": change.emoji or None,
    }
    logged = await connection.execute(_insert_change(dialect_insert), values)
    if logged.first() is None:
        return None
    fields: dict[str, object] = {"target": change.message}
    if change.kind == "edit":
        fields |= {"new_text": change.text, "names": " ".join(change.mentions), "at": change.ts}
    bumped = await connection.execute(UPDATES[change.kind], fields)
    message = bumped.first()
    return None if message is None else stored(message)  # None: deleted meanwhile


def _insert_change(dialect_insert: Insert) -> Any:
    """The change's row, inserted from its message (where it falls: the newest ``seq`` of the
    message's room or conversation), unless the message is deleted or missing; nothing when
    the change is logged already. Built once per dialect."""
    built = _INSERTS.get(dialect_insert)
    if built is not None:
        return built
    target = Message.__table__.alias("target")
    # Two index lookups (room, seq) and (pair, seq), not one OR: an OR scans the whole table,
    # and this statement holds SQLite's write lock while it runs.
    in_room = select(func.max(Message.seq)).where(Message.room == target.c.room)
    in_pair = select(func.max(Message.seq)).where(Message.pair == target.c.pair)
    newest = func.coalesce(in_room.scalar_subquery(), in_pair.scalar_subquery(), 0)
    row = select(
        bindparam("change", type_=String()),
        bindparam("kind", type_=String()),
        target.c.id,
        target.c.room,
        target.c.pair,
        newest,
        bindparam("actor", type_=String()),
        bindparam("client_id", type_=String()),
        bindparam("ts", type_=UTCDateTime()),
        bindparam("emoji", type_=String()),
    ).where(target.c.id == bindparam("target"), target.c.deleted.is_(False))
    columns = ["id", "kind", "message", "room", "pair", "after", "author", "client_id", "ts"]
    built = _INSERTS[dialect_insert] = (
        dialect_insert(ChangeRow)
        .from_select([*columns, "emoji"], row)
        .on_conflict_do_nothing()
        .returning(ChangeRow.seq)
    )
    return built


def _update(**fields: Any) -> Any:
    """The message's next revision (with ``fields``), unless it is deleted; returns the row."""
    return (
        update(Message)
        .where(Message.id == bindparam("target"), Message.deleted.is_(False))
        .values(rev=Message.rev + 1, **fields)
        .returning(*Message.__table__.c)
    )


_INSERTS: dict[Insert, Any] = {}
UPDATES = {
    "edit": _update(
        text=bindparam("new_text"), mentions=bindparam("names"), edited_at=bindparam("at")
    ),
    "delete": _update(text="", mentions="", attachments=None, deleted=True),
    "react": _update(),
}


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
