"""Read markers: how far each member has read each room, and each user each conversation;
the unread and mention counts of the sidebar (``GET /api/me``) built on them.

    reads = store.reads()
    await reads.mark_read("ada", room="lobby", message_id=id)   # never moves back
    rooms, conversations = await reads.sidebar("ada")
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runtime.db.models import ConversationRead, Member, Message
from runtime.db.models import Room as RoomRow
from runtime.db.rooms import Visibility, escape_like, role_of, visibility_of
from runtime.events import pair_key
from runtime.history import Role

MENTION_SCAN = 1000  # unread messages naming the caller looked at, in all rooms together


@dataclass(frozen=True)
class MyRoom:
    """A room in the caller's sidebar."""

    name: str
    role: Role
    topic: str
    visibility: Visibility
    unread: int
    mentions: int


@dataclass(frozen=True)
class Conversation:
    user: str
    unread: int
    seen: str | None = None  # the message ``user`` has read up to


class Reads:
    """The members' ``read_seq`` and the ``conversation_reads`` table."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def mark_read(
        self, user: str, *, room: str | None = None, other: str | None = None, message_id: str
    ) -> bool:
        """``user`` has read up to ``message_id`` in ``room`` or the conversation with
        ``other``; a marker never moves back. False when the id is not a message there."""
        where = (
            Message.room == room
            if room is not None
            else Message.pair == pair_key(user, other or "")
        )
        async with self._sessions.begin() as session:
            seq = await session.scalar(select(Message.seq).where(where, Message.id == message_id))
            if seq is None:
                return False
            if room is not None:
                await session.execute(
                    update(Member)
                    .where(Member.room == room, Member.username == user, Member.read_seq < seq)
                    .values(read_seq=seq)
                )
                return True
            pair = pair_key(user, other or "")
            row = await session.get(ConversationRead, (user, pair))
            if row is None:
                session.add(ConversationRead(username=user, pair=pair, read_seq=seq))
            elif row.read_seq < seq:
                row.read_seq = seq
        return True

    async def sidebar(self, user: str) -> tuple[list[MyRoom], list[Conversation]]:
        """``user``'s rooms (with unread messages and unread mentions of ``user``) and
        conversations (with unread messages), for ``GET /api/me``."""
        after_mark = and_(
            Message.room == Member.room, Message.seq > Member.read_seq, Message.author != user
        )
        unread = (
            select(Member.room, func.count(Message.seq))
            .join(Message, after_mark)
            .where(Member.username == user)
            .group_by(Member.room)
        )
        # The names the server found in each message (runtime.mentions, matched to members).
        mentioned = (
            select(Member.room, Message.mentions)
            .join(Message, after_mark)
            .where(Member.username == user)
            .where(Message.mentions.like(f"%{escape_like(user)}%", escape="\\"))
            .limit(MENTION_SCAN)
        )
        mine = (
            select(Member.room, Member.role, RoomRow.topic, RoomRow.visibility)
            .outerjoin(RoomRow, RoomRow.name == Member.room)
            .where(Member.username == user)
            .order_by(Member.room)
        )
        async with self._sessions() as session:
            counts: dict[str, int] = {row[0]: row[1] for row in await session.execute(unread)}
            mentions: dict[str, int] = {}
            for room, names in await session.execute(mentioned):
                if user in names.split():
                    mentions[room] = mentions.get(room, 0) + 1
            rooms = [
                MyRoom(
                    name,
                    role_of(role),
                    topic or "",
                    visibility_of(visibility or "public"),
                    counts.get(name, 0),
                    mentions.get(name, 0),
                )
                for name, role, topic, visibility in await session.execute(mine)
            ]
            conversations = await self._conversations(session, user)
        return rooms, conversations

    async def _conversations(self, session: AsyncSession, user: str) -> list[Conversation]:
        read = ConversationRead
        fresh = and_(Message.seq > func.coalesce(read.read_seq, 0), Message.author != user)
        query = (
            select(Message.pair, func.sum(case((fresh, 1), else_=0)), func.max(Message.seq))
            .outerjoin(read, and_(read.pair == Message.pair, read.username == user))
            .where(
                Message.pair.is_not(None),
                or_(Message.recipient == user, Message.author == user),
            )
            .group_by(Message.pair)
        )
        rows = sorted((await session.execute(query)).all(), key=lambda row: -row[2])
        theirs = (
            select(read.pair, Message.id)
            .join(Message, Message.seq == read.read_seq)
            .where(read.pair.in_([row[0] for row in rows]), read.username != user)
        )
        seen: dict[str, str] = dict((await session.execute(theirs)).all()) if rows else {}
        out = []
        for pair, count, _ in rows:
            first, _, second = (pair or "").partition("|")
            other = second if first == user else first
            out.append(Conversation(other, int(count or 0), seen.get(pair)))
        return out
