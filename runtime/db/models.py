"""The store's tables: users and their login sessions, rooms and members, messages, presence,
gateways and function state, as typed SQLAlchemy models.

``runtime.db.store`` and ``runtime.db.state`` are the only modules that query them; the Alembic
migrations in ``runtime/db/migrations/versions`` create them. Change both together: the
integration tests compare the migrated schema with these models.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from runtime.state import KEY_LENGTH

USERNAME = 32  # docs/PROTOCOL.md: 1-32 of [A-Za-z0-9_.-]
ROOM = 64  # docs/PROTOCOL.md: 1-64 of [a-z0-9_-]
AUTHOR = 64  # a username, or the name of the function that replied
INSTANCE = 32  # a gateway instance id (connection ids start with it and a colon)
EVENT_ID = 64  # UUIDv7 / ULID strings, with room to spare
CLIENT_ID = 128
CONN = 128
PAIR = 2 * AUTHOR + 1
KEY = 2 * USERNAME  # a username's key: casefolding may lengthen a name
TOPIC = 200
EMOJI = 32  # docs/PROTOCOL.md: a reaction is at most 32 characters
UPLOAD_ID = 32  # 128 random bits, base64url
FILENAME = 255
MEDIA_TYPE = 128
SESSION_ID = 32  # runtime.db.sessions: 22 characters of base64url

# Deterministic constraint names, so migrations can refer to them on every database.
NAMING = {
    "pk": "pk_%(table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores it without an offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: pass a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""

    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """An account: the username and its password hash (argon2, made by the gateway)."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(USERNAME), primary_key=True)
    # The name's identity: NFKC + casefold (runtime.db.people.name_key). Unique, so "Alice" and
    # "alice" are one account; an account whose key clashed when keys came (migration 0005)
    # keeps "~" + its exact username, which no typed name folds to.
    key: Mapped[str] = mapped_column(String(KEY), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    admin: Mapped[bool] = mapped_column(Boolean(), default=False)


class Room(Base):
    """A room: ``public`` (anyone may join) or ``private`` (members only), and who made it."""

    __tablename__ = "rooms"

    name: Mapped[str] = mapped_column(String(ROOM), primary_key=True)
    topic: Mapped[str] = mapped_column(String(TOPIC), default="")
    visibility: Mapped[str] = mapped_column(String(8), default="public")
    created_by: Mapped[str | None] = mapped_column(String(USERNAME), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Member(Base):
    """A user's durable membership of a room, its role (owner, admin, member) and how far the
    user has read it (the ``seq`` of the newest message read)."""

    __tablename__ = "members"
    __table_args__ = (Index("ix_members_username", "username"),)

    room: Mapped[str] = mapped_column(String(ROOM), primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME), primary_key=True)
    role: Mapped[str] = mapped_column(String(8))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), default=0)


class Ban(Base):
    """A user banned from a room: not a member, and may not join again until unbanned."""

    __tablename__ = "bans"

    room: Mapped[str] = mapped_column(String(ROOM), primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME), primary_key=True)
    by: Mapped[str] = mapped_column(String(USERNAME))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConversationRead(Base):
    """How far ``username`` has read the conversation ``pair`` (the ``seq`` of the newest)."""

    __tablename__ = "conversation_reads"

    username: Mapped[str] = mapped_column(String(USERNAME), primary_key=True)
    pair: Mapped[str] = mapped_column(String(PAIR), primary_key=True)
    read_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), default=0)


class Message(Base):
    """One stored chat message, in a room or between a pair of users.

    ``seq`` is the storage order (SQLite ``AUTOINCREMENT``, PostgreSQL identity), so it never
    goes backwards or reuses a deleted value. ``pair`` is the two users of a private message,
    sorted and joined by ``|`` (which no username or function name contains).
    """

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("author", "client_id"),
        Index("ix_messages_room_seq", "room", "seq"),
        Index("ix_messages_pair_seq", "pair", "seq"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), Identity(), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(EVENT_ID), unique=True)
    room: Mapped[str | None] = mapped_column(String(ROOM))
    recipient: Mapped[str | None] = mapped_column(String(AUTHOR))
    pair: Mapped[str | None] = mapped_column(String(PAIR))
    author: Mapped[str] = mapped_column(String(AUTHOR))
    text: Mapped[str] = mapped_column(Text())
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    client_id: Mapped[str | None] = mapped_column(String(CLIENT_ID))
    bot: Mapped[bool] = mapped_column(Boolean(), default=False)
    # Messages that live (docs/PROTOCOL.md 1.8): the message it answers, how many answer it,
    # the members it names, its last edit, its tombstone and its revision (every change +1).
    reply_to: Mapped[str | None] = mapped_column(String(EVENT_ID), index=True)
    replies: Mapped[int] = mapped_column(Integer(), default=0)
    mentions: Mapped[str] = mapped_column(Text(), default="")  # names, space-separated
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean(), default=False)
    rev: Mapped[int] = mapped_column(Integer(), default=0)
    # Files (docs/PROTOCOL.md 1.9): the uploads it carries, as JSON (None when it has none).
    attachments: Mapped[str | None] = mapped_column(Text(), nullable=True)


class Upload(Base):
    """A file a user uploaded: what the bytes are (sniffed), and where it became visible.

    ``message`` is the first message that attached it; from then on, the members of its room
    (``room``) or the two of its conversation (``pair``) may see it; before, only ``owner``.
    The bytes are in ``upload_blobs``, so listing uploads never reads them.
    """

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_owner", "owner"),)

    id: Mapped[str] = mapped_column(String(UPLOAD_ID), primary_key=True)
    owner: Mapped[str] = mapped_column(String(USERNAME))
    name: Mapped[str] = mapped_column(String(FILENAME))
    type: Mapped[str] = mapped_column(String(MEDIA_TYPE))
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    width: Mapped[int | None] = mapped_column(Integer(), nullable=True)
    height: Mapped[int | None] = mapped_column(Integer(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message: Mapped[str | None] = mapped_column(String(EVENT_ID), nullable=True)
    room: Mapped[str | None] = mapped_column(String(ROOM), nullable=True)
    pair: Mapped[str | None] = mapped_column(String(PAIR), nullable=True)


class UploadBlob(Base):
    """The bytes of an upload (``variant`` ``file``) and of its thumbnail (``thumb``)."""

    __tablename__ = "upload_blobs"

    upload: Mapped[str] = mapped_column(String(UPLOAD_ID), primary_key=True)
    variant: Mapped[str] = mapped_column(String(8), primary_key=True)
    type: Mapped[str] = mapped_column(String(MEDIA_TYPE))
    data: Mapped[bytes] = mapped_column(LargeBinary())


class Change(Base):
    """One applied edit, delete or reaction toggle, in its room's or conversation's order.

    ``after`` is the ``seq`` of the newest message there when it was applied, so a replay
    after a message also sends the changes that followed it. ``id`` (the event) and ``author``
    + ``client_id`` (the client's frame) are unique: a redelivered or retried change is
    applied once. A message's reactions are its ``react`` rows: a user has reacted with an
    emoji when they toggled it an odd number of times.
    """

    __tablename__ = "changes"
    __table_args__ = (
        UniqueConstraint("author", "client_id"),
        Index("ix_changes_room_after", "room", "after"),
        Index("ix_changes_message", "message"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), Identity(), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(EVENT_ID), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(String(EVENT_ID))
    room: Mapped[str | None] = mapped_column(String(ROOM))
    pair: Mapped[str | None] = mapped_column(String(PAIR))
    after: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    author: Mapped[str] = mapped_column(String(AUTHOR))
    client_id: Mapped[str | None] = mapped_column(String(CLIENT_ID))
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    emoji: Mapped[str | None] = mapped_column(String(EMOJI))  # of a react


class Presence(Base):
    """One open connection of a user in a room; a user is present while any row remains."""

    __tablename__ = "presence"

    room: Mapped[str] = mapped_column(String(ROOM), primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME), primary_key=True)
    conn: Mapped[str] = mapped_column(String(CONN), primary_key=True)


class Gateway(Base):
    """A running gateway instance and when it last said so (every few seconds). One that stops
    saying so has died: its sockets' connections are announced as leaves by another gateway."""

    __tablename__ = "gateways"

    instance: Mapped[str] = mapped_column(String(INSTANCE), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


FUNCTION = 64  # a function's name (its file's stem)


class FunctionState(Base):
    """One key of a function's own state (``ctx.state``): a JSON value and a version that
    grows with every write, so concurrent ``update`` calls of replicas detect each other."""

    __tablename__ = "function_state"

    function: Mapped[str] = mapped_column(String(FUNCTION), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    value: Mapped[str] = mapped_column(Text())  # JSON text
    version: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))


class FunctionOnce(Base):
    """A key a function marked with ``ctx.state.once`` (an event it has handled)."""

    __tablename__ = "function_once"

    function: Mapped[str] = mapped_column(String(FUNCTION), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class FunctionTimer(Base):
    """A timer a function set with ``ctx.later`` (``runtime.timers``): the record it produces
    when ``due_at`` comes, and which worker claimed it (``claim``) until when."""

    __tablename__ = "function_timers"
    __table_args__ = (Index("ix_function_timers_function_due_at", "function", "due_at"),)

    id: Mapped[str] = mapped_column(String(EVENT_ID), primary_key=True)
    function: Mapped[str] = mapped_column(String(FUNCTION))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    topic: Mapped[str] = mapped_column(String(255))  # logical (no prefix)
    key: Mapped[str] = mapped_column(Text())
    value: Mapped[str] = mapped_column(Text())  # the event's JSON envelope
    claim: Mapped[str | None] = mapped_column(String(EVENT_ID), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """An API key of a service calling the gRPC API (``parley apikey``): only its SHA-256 is
    kept, with the service's name, its scopes (comma-separated) and when it was revoked."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_name", "name"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(USERNAME))
    scopes: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginSession(Base):
    """A login session (``runtime.db.sessions``): the browser's cookie or an API client's
    login. Access tokens name it; deleting the row logs out every token of it. Only the
    SHA-256 of its secret is kept."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_username", "username"),
        Index("ix_sessions_expires_at", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(SESSION_ID), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(USERNAME))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SocketTicket(Base):
    """A one-use ticket that opens one WebSocket for a session (``runtime.db.sessions``),
    kept as its SHA-256 until it is used or expires."""

    __tablename__ = "socket_tickets"
    __table_args__ = (Index("ix_socket_tickets_expires_at", "expires_at"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    session: Mapped[str] = mapped_column(String(SESSION_ID))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
