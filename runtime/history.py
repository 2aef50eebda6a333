"""What a handler may do with the database: ``ctx.store`` is a ``History``.

History, presence and room users; not accounts, passwords or gateway liveness, which belong
to the gateway. The SQLAlchemy store (``runtime.db.store.Store``) implements it; importing
this module loads no database code.

    stored, new = await ctx.store.save_message(StoredMessage(id=event.id, ...))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from runtime.events import rfc3339
from runtime.frames import MessageFrame, PrivateFrame


@dataclass(frozen=True)
class StoredMessage:
    """A room message (``room`` set) or a private one (``recipient`` set), as history keeps it."""

    id: str
    author: str
    text: str
    ts: datetime
    room: str | None = None
    recipient: str | None = None
    client_id: str | None = None
    bot: bool = False
    seq: int | None = None

    def frame(self) -> MessageFrame | PrivateFrame:
        """This message as a server frame (docs/PROTOCOL.md), for sockets and history alike:
        ``message`` for a room, ``private`` for a conversation; ``bot`` when a function wrote it.
        """
        ts = rfc3339(self.ts)
        if self.room is not None:
            room: MessageFrame = {
                "type": "message",
                "id": self.id,
                "room": self.room,
                "user": self.author,
                "text": self.text,
                "ts": ts,
            }
            if self.bot:
                room["bot"] = True
            return room
        private: PrivateFrame = {
            "type": "private",
            "id": self.id,
            "from": self.author,
            "to": self.recipient or "",
            "text": self.text,
            "ts": ts,
        }
        if self.bot:
            private["bot"] = True
        return private


class History(Protocol):
    """The store as handlers see it (``ctx.store``)."""

    async def save_message(self, message: StoredMessage) -> tuple[StoredMessage, bool]:
        """Store ``message`` once (idempotent by id, and by author + client_id); return the
        stored row and whether it was new."""
        ...

    async def room_messages(
        self, room: str, *, before: str | None = None, after: str | None = None, limit: int = 50
    ) -> list[StoredMessage]:
        """A page of ``room``'s history, oldest first."""
        ...

    async def private_messages(
        self,
        user: str,
        other: str,
        *,
        before: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> list[StoredMessage]:
        """A page of the conversation between ``user`` and ``other``, oldest first."""
        ...

    async def presence_join(self, room: str, user: str, conn: str) -> bool:
        """Mark ``user`` present in ``room`` on connection ``conn``; True when that made
        ``user`` present (their first connection in the room)."""
        ...

    async def presence_leave(self, room: str, user: str, conn: str) -> bool:
        """Drop ``user``'s connection ``conn`` from ``room``; True when that made ``user``
        absent (their last connection there)."""
        ...

    async def room_users(self, room: str) -> list[str]:
        """The distinct users present in ``room``, sorted."""
        ...
