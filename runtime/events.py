"""Events: the only thing that crosses Kafka; frozen pydantic models shared by all services.

On the wire every event is the envelope ``{"id", "type", "ts", "data": {...}}`` (see
docs/PROTOCOL.md); in Python it is one flat model, so a handler reads ``event.room`` and
``event.text``.

    raw = encode(MessageEvent(room="lobby", user="ada", text="hi"))
    event = decode(raw, MessageEvent)
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationError,
    model_validator,
)

from runtime.errors import validation_text

Username = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
]
# A name for a new account also starts with a letter or digit (no ".", "..", "_x"); accounts
# made before that rule keep their names (migration 0005 lists them).
NewUsername = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
# A message's id (a UUIDv7 from the gateway, or any id a function gave its Reply).
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Room = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")]
# Characters that show nothing: white space, and the invisible format and filler characters
# (zero-width space/joiners, bidi marks, word joiner, BOM, soft hyphen, variation selectors,
# Hangul fillers, the blank Braille pattern).
INVISIBLE = (
    r"\s\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0"
)
# Text: 1-4000 characters after trimming, at least one of them visible. The pattern says so to
# JSON Schema validators too (the gateway checks declared actions with the schema alone).
Text = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=4000, pattern=f"[^{INVISIBLE}]"
    ),
]

# The text of a message that carries files: it may be empty (docs/PROTOCOL.md 1.9).
_VISIBLE = re.compile(f"[^{INVISIBLE}]")
Caption = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
MAX_ATTACHMENTS = 10


class Attachment(BaseModel):
    """A file a message carries, as the gateway found it in the uploads (docs/PROTOCOL.md 1.9):
    its upload id, name, size in bytes, sniffed media type, and an image's dimensions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=0)
    type: str = Field(min_length=1, max_length=128)
    width: int | None = None
    height: int | None = None

    def frame(self) -> dict[str, JsonValue]:
        """As the wire carries it: the dimensions only for an image."""
        return self.model_dump(exclude_none=True)


class Carrier(BaseModel):
    """Text, or files, or both: a message with no text must carry a file."""

    text: Caption
    attachments: tuple[Attachment, ...] = Field(default=(), max_length=MAX_ATTACHMENTS)

    @model_validator(mode="after")
    def _says_something(self) -> Carrier:
        says_something(self.text, len(self.attachments))
        return self


def says_something(text: str, attachments: int) -> None:
    """``ValueError`` for a message with neither text (a visible character) nor files."""
    if attachments:
        return
    if not text:
        raise ValueError("text is empty: write something or attach a file")
    if _VISIBLE.search(text) is None:
        raise ValueError("text has nothing visible: write something or attach a file")


_id_lock = threading.Lock()
_last_id_ms = 0
_id_seq = 0
_random = random.Random(int.from_bytes(os.urandom(16), "big"))


def new_id() -> str:
    """A UUIDv7 string: unique, and sortable by creation time (strictly, within a process)."""
    global _last_id_ms, _id_seq
    with _id_lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_id_ms:
            ms, _id_seq = _last_id_ms, _id_seq + 1
            if _id_seq > 0xFFF:  # 4096 ids in one millisecond: borrow the next one
                ms, _id_seq = ms + 1, 0
        else:
            _id_seq = 0
        _last_id_ms = ms
        seq = _id_seq
    rand = _random.getrandbits(62)  # uniqueness, not secrecy: a seeded PRNG per process
    value = (ms << 80) | (0x7 << 76) | (seq << 64) | (0b10 << 62) | rand
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def minted_at(id: str) -> datetime | None:
    """When ``new_id`` made ``id`` (a UUIDv7's millisecond timestamp); None for another shape."""
    digits = id.replace("-", "")
    if len(digits) != 32 or digits[12] != "7":
        return None
    try:
        ms = int(digits[:12], 16)
    except ValueError:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC)


def utcnow() -> datetime:
    """Now, in UTC, to the millisecond (what the wire carries, so round trips are exact)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class Event(BaseModel):
    """Base of every event. Subclasses set ``type`` (envelope type) and ``topic`` (logical)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    topic: ClassVar[str]

    id: str = Field(default_factory=new_id, min_length=1, max_length=64)
    ts: datetime = Field(default_factory=utcnow)

    def key(self) -> str:
        """The partition key: events with one key are processed in order."""
        return self.id


class MessageEvent(Event, Carrier):
    """A message posted to a room (by a user through the gateway, or by a function's Reply)."""

    type: ClassVar[str] = "message"
    topic: ClassVar[str] = "chat.message"

    room: Room
    user: Username
    client_id: str | None = Field(default=None, max_length=64)
    bot: bool = False
    reply_to: str | None = Field(default=None, min_length=1, max_length=64)

    def key(self) -> str:
        return self.room


class JoinEvent(Event):
    """A connection joined a room. ``conn`` identifies the socket (one user may have several)."""

    type: ClassVar[str] = "join"
    topic: ClassVar[str] = "chat.join"

    room: Room
    user: Username
    conn: str = Field(min_length=1, max_length=128)

    def key(self) -> str:
        return self.room


class LeaveEvent(JoinEvent):
    """A connection left a room (or closed)."""

    type: ClassVar[str] = "leave"
    topic: ClassVar[str] = "chat.leave"


class PrivateEvent(Event, Carrier):
    """A direct message from ``sender`` to ``to``."""

    type: ClassVar[str] = "private"
    topic: ClassVar[str] = "chat.private"

    sender: Username
    to: Username
    client_id: str | None = Field(default=None, max_length=64)
    bot: bool = False
    reply_to: str | None = Field(default=None, min_length=1, max_length=64)

    def key(self) -> str:
        return pair_key(self.sender, self.to)


class Delivery(Event):
    """A frame for sockets: to every member of ``room``, or to every socket of ``users``.

    ``frame`` is a server-to-client frame of docs/PROTOCOL.md, sent as is. ``seq`` is a stored room
    message's storage order: a socket is never sent a room frame whose ``seq`` is not past the
    last one it got there, so redeliveries and a replay's overlap with live frames show nothing
    twice and nothing out of order.
    """

    type: ClassVar[str] = "deliver"
    topic: ClassVar[str] = "chat.deliver"

    room: Room | None = None
    users: tuple[Username, ...] = ()
    frame: dict[str, JsonValue]
    seq: int | None = None

    def key(self) -> str:
        return self.room if self.room is not None else pair_key(*self.users)

    def route(self) -> str:
        """Routing header value: ``room:<name>`` or ``users:<a>,<b>``, so a gateway can skip
        deliveries it has no socket for without parsing JSON."""
        return f"room:{self.room}" if self.room is not None else "users:" + ",".join(self.users)


def pair_key(*users: str) -> str:
    """The key of a private conversation: the sorted pair, so both directions share an order
    (Kafka key and history column alike; ``|`` cannot appear in a username)."""
    return "|".join(sorted(users))


E = TypeVar("E", bound=Event)


class DecodeError(ValueError):
    """The bytes are not a valid event of the expected type; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def encode(event: Event) -> bytes:
    """The envelope of ``event`` as UTF-8 JSON."""
    data = event.model_dump(mode="json", exclude={"id", "ts"})
    if data.get("attachments") == []:
        del data["attachments"]  # as before files existed: a reader of then still reads it
    return envelope(event.type, event.id, event.ts, data)


def envelope(type: str, id: str, ts: datetime, data: dict[str, Any]) -> bytes:
    """The wire form of an event, ``{"id", "type", "ts", "data"}``, as UTF-8 JSON (for events
    the gateway builds without their model: declared actions)."""
    body = {"id": id, "type": type, "ts": rfc3339(ts), "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def decode(raw: bytes | None, model: type[E]) -> E:
    """Parse and validate an envelope as ``model``; DecodeError with the reason otherwise."""
    return decode_any(raw, (model,))  # type: ignore[return-value]


def decode_any(raw: bytes | None, models: tuple[type[Event], ...]) -> Event:
    """Parse an envelope as whichever of ``models`` its type names."""
    if raw is None:
        raise DecodeError("empty message value")
    try:
        envelope: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DecodeError(f"not JSON: {exc}") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
        raise DecodeError("not an envelope: expected an object with id, type, ts and data")
    kind = envelope.get("type")
    model = (
        models[0] if models[0].type == kind else next((m for m in models if m.type == kind), None)
    )
    if model is None:
        expected = " or ".join(repr(m.type) for m in models)
        raise DecodeError(f"expected type {expected}, got {envelope.get('type')!r}")
    try:
        return model.model_validate(
            {**envelope["data"], "id": envelope.get("id"), "ts": envelope.get("ts")}
        )
    except ValidationError as exc:
        raise DecodeError(f"invalid {model.type} event: {validation_text(exc, 'event')}") from None


def rfc3339(ts: datetime) -> str:
    """A time as the wire writes it: UTC, milliseconds, ``Z``."""
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_schema() -> dict[str, Any]:
    """JSON Schema of every event's data, keyed by envelope type (for the frontend's types)."""
    return {
        m.type: m.model_json_schema()
        for m in (MessageEvent, JoinEvent, LeaveEvent, PrivateEvent, Delivery)
    }
