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


class MessageFrame(TypedDict):
    """A room message, in the room's order; ``bot`` when a function wrote it."""

    type: Literal["message"]
    id: str
    room: str
    user: str
    text: str
    ts: str
    bot: NotRequired[bool]


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
    },
)
PrivateFrame.__doc__ = "A direct message, sent only to its two parties."


class PresenceFrame(TypedDict):
    """Who is in ``room`` now."""

    type: Literal["presence"]
    room: str
    users: list[str]


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
    AckFrame | MessageFrame | PrivateFrame | PresenceFrame | TypingFrame | ErrorFrame | PongFrame
)
FRAMES: tuple[type, ...] = (
    AckFrame,
    MessageFrame,
    PrivateFrame,
    PresenceFrame,
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


def typing_frame(room: str, user: str) -> TypingFrame:
    return {"type": "typing", "room": room, "user": user}


PONG: PongFrame = {"type": "pong"}


def json_schema() -> dict[str, Any]:
    """JSON Schema of every server frame, keyed by its TypedDict's name (for the frontend)."""
    return {frame.__name__: TypeAdapter(frame).json_schema() for frame in FRAMES}
