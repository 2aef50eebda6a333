"""What a handler may do with the database: ``ctx.store`` is a ``History``.

History, presence and room users; not accounts, passwords or gateway liveness, which belong
to the gateway. The SQLAlchemy store (``runtime.db.store.Store``) implements it; importing
this module loads no database code.

    stored, new = await ctx.store.save_message(StoredMessage(id=event.id, ...))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from pydantic import JsonValue

from runtime.events import Attachment, Delivery, rfc3339
from runtime.frames import (
    DeleteFrame,
    EditFrame,
    MessageFrame,
    PrivateFrame,
    ReactionsFrame,
)

Role = Literal["owner", "admin", "member"]
Reactions = dict[str, list[str]]  # emoji -> who reacted, in the order they did
F = TypeVar("F", EditFrame, DeleteFrame, ReactionsFrame)


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
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # As it is now (set by the store; ignored by save_message):
    replies: int = 0
    reactions: Reactions = field(default_factory=dict, hash=False)
    edited_at: datetime | None = None
    deleted: bool = False
    rev: int = 0

    def frame(self) -> MessageFrame | PrivateFrame:
        """This message as a server frame (docs/PROTOCOL.md), for sockets and history alike:
        ``message`` for a room, ``private`` for a conversation; ``bot`` when a function wrote
        it; the fields of a living message (reply_to, replies, mentions, reactions, edited_at,
        deleted, rev) only when they say something.
        """
        ts = rfc3339(self.ts)
        frame: MessageFrame | PrivateFrame
        if self.room is not None:
            frame = {
                "type": "message",
                "id": self.id,
                "room": self.room,
                "user": self.author,
                "text": self.text,
                "ts": ts,
            }
        else:
            frame = {
                "type": "private",
                "id": self.id,
                "from": self.author,
                "to": self.recipient or "",
                "text": self.text,
                "ts": ts,
            }
        if self.bot:
            frame["bot"] = True
        if self.reply_to is not None:
            frame["reply_to"] = self.reply_to
        if self.replies:
            frame["replies"] = self.replies
        if self.mentions:
            frame["mentions"] = list(self.mentions)
        if self.reactions:
            frame["reactions"] = {emoji: list(users) for emoji, users in self.reactions.items()}
        if self.edited_at is not None:
            frame["edited_at"] = rfc3339(self.edited_at)
        if self.deleted:
            frame["deleted"] = True
        if self.rev:
            frame["rev"] = self.rev
        if self.attachments and not self.deleted:
            frame["attachments"] = [a.frame() for a in self.attachments]  # type: ignore[misc]
        return frame

    def edit_frame(self) -> EditFrame:
        """Its text now, as an ``edit`` frame."""
        frame: EditFrame = {
            "type": "edit",
            "id": self.id,
            "text": self.text,
            "edited_at": rfc3339(self.edited_at or self.ts),
            "rev": self.rev,
        }
        if self.mentions:
            frame["mentions"] = list(self.mentions)
        return self._placed(frame)

    def delete_frame(self) -> DeleteFrame:
        """Its tombstone, as a ``delete`` frame."""
        frame: DeleteFrame = {"type": "delete", "id": self.id, "rev": self.rev}
        return self._placed(frame)

    def reactions_frame(self) -> ReactionsFrame:
        """Its reactions now, as a ``reactions`` frame."""
        reactions = {emoji: list(users) for emoji, users in self.reactions.items()}
        frame: ReactionsFrame = {
            "type": "reactions",
            "id": self.id,
            "reactions": reactions,
            "rev": self.rev,
        }
        return self._placed(frame)

    def deliver(self, frame: Mapping[str, object]) -> Delivery:
        """``frame`` for whoever sees this message: its room, or the conversation's two."""
        fields: dict[str, JsonValue] = dict(frame)  # type: ignore[arg-type]
        if self.room is not None:
            return Delivery(room=self.room, frame=fields)
        return Delivery(users=(self.author, self.recipient or self.author), frame=fields)

    def _placed(self, frame: F) -> F:
        if self.room is not None:
            frame["room"] = self.room
        else:
            frame["from"] = self.author
            frame["to"] = self.recipient or ""
        return frame


@dataclass(frozen=True)
class Change:
    """An edit, a delete or a reaction toggle of message ``message`` by ``actor``.

    ``id`` is the event's id and ``client_id`` the client's: a change redelivered, or retried
    through another gateway, is applied once.
    """

    id: str
    message: str
    actor: str
    kind: Literal["edit", "delete", "react"]
    ts: datetime
    client_id: str | None = None
    text: str = ""  # edit: the new text
    mentions: tuple[str, ...] = ()  # edit: the members the new text names
    emoji: str = ""  # react: the emoji to toggle


class History(Protocol):
    """The store as handlers see it (``ctx.store``)."""

    async def save_message(self, message: StoredMessage) -> tuple[StoredMessage, bool]:
        """Store ``message`` once (idempotent by id, and by author + client_id); return the
        stored row and whether it was new."""
        ...

    async def message(self, id: str, *, seen_by: str | None = None) -> StoredMessage | None:
        """Message ``id`` as it is now (room or conversation); None when there is none, or
        when ``seen_by`` is given and that user may not see it (``may_see``)."""
        ...

    async def change_message(self, change: Change) -> tuple[StoredMessage, bool]:
        """Apply ``change`` once to a message that is not deleted; return the message as it is
        now and whether this call applied it (False: applied before, or the message is
        deleted). ``LookupError`` when there is no such message. Who may change what is the
        caller's to check."""
        ...

    async def room_role(self, room: str, user: str) -> Role | None:
        """``user``'s role in ``room`` (owner, admin, member), or None for a non-member."""
        ...

    async def may_see(self, message: StoredMessage, user: str) -> bool:
        """Whether ``user`` may see ``message``: a party of its conversation, or someone who
        may see its room (public, or a member) and is not banned from it."""
        ...

    async def members_named(self, room: str, names: Iterable[str]) -> list[str]:
        """The members of ``room`` among ``names`` (any case), as they are registered."""
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
