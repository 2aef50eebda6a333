"""Client-to-server frames of PROTOCOL.md, and the refusal a bad one gets.

    fields = read_json(data)         # Refusal("bad_json") unless a JSON object in a text frame
    frame = validate(fields)         # Refusal("unknown_type" | "invalid")

Fields are strict (a number is not a string); fields the protocol does not name are ignored.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from runtime.events import Room, Text, Username

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Refusal(Exception):
    """A frame the gateway refuses; becomes ``{"type":"error","error","detail","client_id"?}``."""

    def __init__(self, code: str, detail: str, client_id: str | None = None) -> None:
        self.code = code
        self.detail = detail
        self.client_id = client_id
        super().__init__(f"{code}: {detail}")

    def frame(self) -> dict[str, str]:
        body = {"type": "error", "error": self.code, "detail": self.detail}
        if self.client_id is not None:
            body["client_id"] = self.client_id
        return body


class Frame(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


class Join(Frame):
    room: Room
    since: MessageId | None = None


class Leave(Frame):
    room: Room


class Post(Frame):
    """``{"type":"message"}``: a message to a joined room."""

    room: Room
    text: Text
    client_id: ClientId


class Private(Frame):
    to: Username
    text: Text
    client_id: ClientId


class Typing(Frame):
    room: Room


class Ping(Frame):
    pass


FRAMES: dict[str, type[Frame]] = {
    "join": Join,
    "leave": Leave,
    "message": Post,
    "private": Private,
    "typing": Typing,
    "ping": Ping,
}


def read_json(data: str | bytes | None) -> dict[str, Any]:
    """The JSON object in a text frame."""
    if not isinstance(data, str):
        raise Refusal("bad_json", "frames are JSON text frames; got a binary frame")
    try:
        fields = json.loads(data)
    except ValueError as exc:
        raise Refusal("bad_json", f"the frame is not JSON: {exc}") from None
    if not isinstance(fields, dict):
        raise Refusal("bad_json", 'a frame is a JSON object with a "type"')
    return fields


def client_id_of(fields: dict[str, Any]) -> str | None:
    """The frame's ``client_id`` when it is a usable one, for the error frame."""
    value = fields.get("client_id")
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def validate(fields: dict[str, Any]) -> Frame:
    """The typed frame; ``Refusal`` naming what is wrong."""
    kind = fields.get("type")
    model = FRAMES.get(kind) if isinstance(kind, str) else None
    if model is None:
        known = ", ".join(FRAMES)
        raise Refusal(
            "unknown_type", f"unknown frame type {kind!r}; known: {known}", client_id_of(fields)
        )
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise Refusal("invalid", _describe(str(kind), exc), client_id_of(fields)) from None


def _describe(kind: str, exc: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'frame'}: {e['msg']}" for e in exc.errors()
    )
    return f"invalid {kind} frame: {problems}"
