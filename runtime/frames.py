"""Server-to-client frames: their shapes in one place (docs/PROTOCOL.md, "Server to client").

The store, the functions and the gateway build frames with these helpers, so every copy of a
``message`` or an ``error`` frame has one shape; ``json_schema()`` exports them for the
frontend's generated types (``frontend/src/lib/frames.gen.ts``).

    error_frame("forbidden", "you are not a member of #ops", client_id="c1")
    presence_frame("lobby", ["ada", "grace"])
"""

from __future__ import annotations

from typing import (
    Any,
    Literal,
    NotRequired,  # pydantic reads these on Python 3.11
)

from pydantic import TypeAdapter
from typing_extensions import TypedDict


class AckFrame(TypedDict):
    """The event with ``client_id`` is durably in Kafka: it will be stored and delivered."""

    type: Literal["ack"]
    client_id: str
    id: str


class AttachmentFrame(TypedDict):
    """A file a message carries (its URLs come from ``GET /api/uploads/{id}``); ``width`` and
    ``height`` for an image."""

    id: str
    name: str
    size: int
    type: str
    width: NotRequired[int]
    height: NotRequired[int]


class MessageFrame(TypedDict):
    """A room message, in the room's order; ``bot`` when a function wrote it."""

    type: Literal["message"]
    id: str
    room: str
    user: str
    text: str
    ts: str
    bot: NotRequired[bool]
    reply_to: NotRequired[str]
    replies: NotRequired[int]
    mentions: NotRequired[list[str]]
    reactions: NotRequired[dict[str, list[str]]]
    edited_at: NotRequired[str]
    deleted: NotRequired[bool]
    rev: NotRequired[int]
    attachments: NotRequired[list[AttachmentFrame]]


# "from" is a Python keyword: the functional form names the field as the wire does.
PrivateFrame = TypedDict(
    "PrivateFrame",
    {
        "type": Literal["private"],
        "id": str,
        "from": str,
        "to": str,
        "text": str,
        "ts": str,
        "bot": NotRequired[bool],
        "reply_to": NotRequired[str],
        "replies": NotRequired[int],
        "mentions": NotRequired[list[str]],
        "reactions": NotRequired[dict[str, list[str]]],
        "edited_at": NotRequired[str],
        "deleted": NotRequired[bool],
        "rev": NotRequired[int],
        "attachments": NotRequired[list[AttachmentFrame]],
    },
)
PrivateFrame.__doc__ = "A direct message, sent only to its two parties."

# A change to a message names where it is: ``room``, or the conversation ``from`` its author
# ``to`` its recipient. ``rev`` is the message's revision after the change: a client applies a
# change only when ``rev`` is past the one it holds (changes may arrive twice, or late).
EditFrame = TypedDict(
    "EditFrame",
    {
        "type": Literal["edit"],
        "id": str,
        "room": NotRequired[str],
        "from": NotRequired[str],
        "to": NotRequired[str],
        "text": str,
        "edited_at": str,
        "mentions": NotRequired[list[str]],
        "rev": int,
    },
)
EditFrame.__doc__ = "Message ``id`` has a new text."
DeleteFrame = TypedDict(
    "DeleteFrame",
    {
        "type": Literal["delete"],
        "id": str,
        "room": NotRequired[str],
        "from": NotRequired[str],
        "to": NotRequired[str],
        "rev": int,
    },
)
DeleteFrame.__doc__ = "Message ``id`` was deleted: its text and reactions are gone."
ReactionsFrame = TypedDict(
    "ReactionsFrame",
    {
        "type": Literal["reactions"],
        "id": str,
        "room": NotRequired[str],
        "from": NotRequired[str],
        "to": NotRequired[str],
        "reactions": dict[str, list[str]],
        "rev": int,
    },
)
ReactionsFrame.__doc__ = "Message ``id``'s reactions now: emoji -> who reacted, in order."
ChangeFrame = EditFrame | DeleteFrame | ReactionsFrame

MentionFrame = TypedDict(
    "MentionFrame",
    {"type": Literal["mention"], "id": str, "room": str, "from": str, "text": str},
)
MentionFrame.__doc__ = (
    "``from`` named this socket's user in message ``id`` of ``room`` (sent to every socket of "
    "theirs, joined to the room or not)."
)
SeenFrame = TypedDict("SeenFrame", {"type": Literal["seen"], "with": str, "id": str})
SeenFrame.__doc__ = "In the conversation with ``with``: they have read up to message ``id``."


class PresenceFrame(TypedDict):
    """Who is in ``room`` now: sent to a socket right after its ``join``."""

    type: Literal["presence"]
    room: str
    users: list[str]


class PresenceChangeFrame(TypedDict):
    """Who came into ``room`` and who left since the last presence frame (coalesced: at most
    one per room per second)."""

    type: Literal["presence"]
    room: str
    joined: list[str]
    left: list[str]


class MemberFrame(TypedDict):
    """A change to ``room``'s members: ``user`` was added, removed or banned, or has a new
    ``role``."""

    type: Literal["member"]
    room: str
    user: str
    event: Literal["added", "removed", "banned", "role"]
    role: NotRequired[str]


class RemovedFrame(TypedDict):
    """This socket's user left ``room`` for good, or was removed or banned from it: nothing
    more comes from it."""

    type: Literal["removed"]
    room: str
    reason: Literal["left", "removed", "banned"]


# "with" is a Python keyword too.
ReadFrame = TypedDict(
    "ReadFrame",
    {"type": Literal["read"], "id": str, "room": NotRequired[str], "with": NotRequired[str]},
)
ReadFrame.__doc__ = "The user read ``room`` (or the conversation ``with``) up to ``id``."


class TypingFrame(TypedDict):
    """``user`` is typing in ``room``."""

    type: Literal["typing"]
    room: str
    user: str


class ErrorFrame(TypedDict):
    """A refused frame; ``client_id`` when the refused frame carried a usable one."""

    type: Literal["error"]
    error: str
    detail: str
    client_id: NotRequired[str]


class PongFrame(TypedDict):
    """The answer to ``ping``."""

    type: Literal["pong"]


ServerFrame = (
    AckFrame
    | MessageFrame
    | PrivateFrame
    | PresenceFrame
    | PresenceChangeFrame
    | MemberFrame
    | RemovedFrame
    | ReadFrame
    | EditFrame
    | DeleteFrame
    | ReactionsFrame
    | MentionFrame
    | SeenFrame
    | TypingFrame
    | ErrorFrame
    | PongFrame
)
FRAMES: tuple[type, ...] = (
    AckFrame,
    MessageFrame,
    PrivateFrame,
    PresenceFrame,
    PresenceChangeFrame,
    MemberFrame,
    RemovedFrame,
    ReadFrame,
    EditFrame,
    DeleteFrame,
    ReactionsFrame,
    MentionFrame,
    SeenFrame,
    TypingFrame,
    ErrorFrame,
    PongFrame,
)


def ack_frame(client_id: str, id: str) -> AckFrame:
    return {"type": "ack", "client_id": client_id, "id": id}


def error_frame(error: str, detail: str, client_id: str | None = None) -> ErrorFrame:
    frame: ErrorFrame = {"type": "error", "error": error, "detail": detail}
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


def presence_frame(room: str, users: list[str]) -> PresenceFrame:
    return {"type": "presence", "room": room, "users": users}


def presence_change_frame(room: str, joined: list[str], left: list[str]) -> PresenceChangeFrame:
    return {"type": "presence", "room": room, "joined": joined, "left": left}


def member_frame(
    room: str, user: str, event: Literal["added", "removed", "banned", "role"], role: str = ""
) -> MemberFrame:
    frame: MemberFrame = {"type": "member", "room": room, "user": user, "event": event}
    if role:
        frame["role"] = role
    return frame


def removed_frame(room: str, reason: Literal["left", "removed", "banned"]) -> RemovedFrame:
    return {"type": "removed", "room": room, "reason": reason}


def read_frame(id: str, *, room: str | None = None, other: str | None = None) -> ReadFrame:
    frame: ReadFrame = {"type": "read", "id": id}
    if room is not None:
        frame["room"] = room
    if other is not None:
        frame["with"] = other
    return frame


def seen_frame(other: str, id: str) -> SeenFrame:
    return {"type": "seen", "with": other, "id": id}


def mention_frame(id: str, room: str, author: str, text: str) -> MentionFrame:
    return {"type": "mention", "id": id, "room": room, "from": author, "text": text}


def typing_frame(room: str, user: str) -> TypingFrame:
    return {"type": "typing", "room": room, "user": user}


PONG: PongFrame = {"type": "pong"}


def json_schema() -> dict[str, Any]:
    """JSON Schema of every server frame, keyed by its TypedDict's name (for the frontend)."""
    return {frame.__name__: TypeAdapter(frame).json_schema() for frame in FRAMES}
