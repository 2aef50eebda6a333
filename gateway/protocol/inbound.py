"""Client-to-server frames of docs/PROTOCOL.md, and the refusal a bad one gets.

    fields = read_json(data)         # Refusal("bad_json") unless a JSON object in a text frame
    frame = validate(fields)         # Refusal("unknown_type" | "invalid")

Fields are strict (a number is not a string); fields the protocol does not name are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from gateway.protocol.jsontext import BadJson, parse
from runtime.errors import validation_text
from runtime.events import MAX_ATTACHMENTS, Caption, MessageId, Room, Username, says_something
from runtime.frames import ErrorFrame, error_frame

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
UploadId = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class Refusal(Exception):
    """A frame the gateway refuses; becomes ``{"type":"error","error","detail","client_id"?}``."""

    def __init__(self, code: str, detail: str, client_id: str | None = None) -> None:
        self.code = code
        self.detail = detail
        self.client_id = client_id
        super().__init__(f"{code}: {detail}")

    def frame(self) -> ErrorFrame:
        return error_frame(self.code, self.detail, self.client_id)


class ClientFrame(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


class Join(ClientFrame):
    room: Room
    since: MessageId | None = None


class Leave(ClientFrame):
    room: Room


class Said(ClientFrame):
    """Text, files (``attachments``: upload ids), or both."""

    text: Caption
    attachments: list[UploadId] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    client_id: ClientId
    reply_to: MessageId | None = None

    @model_validator(mode="after")
    def _says_something(self) -> Said:
        says_something(self.text, len(self.attachments))
        if len(set(self.attachments)) < len(self.attachments):
            raise ValueError("attachments: an upload is named twice")
        return self


class Post(Said):
    """``{"type":"message"}``: a message to a joined room."""

    room: Room


class Private(Said):
    """``{"type":"private"}``: a message to one user."""

    to: Username


class Typing(ClientFrame):
    room: Room


class Ping(ClientFrame):
    pass


class Read(ClientFrame):
    """``{"type":"read","room"|"with","id"}``: the sender has read up to message ``id``."""

    room: Room | None = None
    other: Username | None = Field(default=None, alias="with")
    id: MessageId

    @model_validator(mode="after")
    def _one_place(self) -> Read:
        if (self.room is None) == (self.other is None):
            raise ValueError('name exactly one of "room" and "with"')
        return self


CLIENT_FRAMES: dict[str, type[ClientFrame]] = {
    "join": Join,
    "leave": Leave,
    "message": Post,
    "private": Private,
    "typing": Typing,
    "ping": Ping,
    "read": Read,
}


def read_json(data: str | bytes | None) -> dict[str, Any]:
    """The JSON object in a text frame."""
    if not isinstance(data, str):
        raise Refusal("bad_json", "frames are JSON text frames; got a binary frame")
    try:
        fields = parse(data)
    except BadJson as exc:
        raise Refusal("bad_json", f"the frame: {exc}") from None
    if not isinstance(fields, dict):
        raise Refusal("bad_json", 'a frame is a JSON object with a "type"')
    return fields


def action_type(fields: dict[str, Any]) -> str | None:
    """The frame's ``type`` when it may name a declared action: a string that is no built-in
    frame's (None for those, and for a missing or non-string ``type``)."""
    kind = fields.get("type")
    return kind if isinstance(kind, str) and kind not in CLIENT_FRAMES else None


def client_id_of(fields: dict[str, Any]) -> str | None:
    """The frame's ``client_id`` when it is a usable one, for the error frame."""
    value = fields.get("client_id")
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def validate(fields: dict[str, Any], actions: Iterable[str] = ()) -> ClientFrame:
    """The typed frame; ``Refusal`` naming what is wrong (``actions``: the declared action
    types, listed with the built-in ones when the type is unknown)."""
    kind = fields.get("type")
    model = CLIENT_FRAMES.get(kind) if isinstance(kind, str) else None
    if model is None:
        known = ", ".join([*CLIENT_FRAMES, *actions])
        raise Refusal(
            "unknown_type", f"unknown frame type {kind!r}; known: {known}", client_id_of(fields)
        )
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise Refusal("invalid", _describe(str(kind), exc), client_id_of(fields)) from None


def _describe(kind: str, exc: ValidationError) -> str:
    return f"invalid {kind} frame: {validation_text(exc, 'frame')}"
