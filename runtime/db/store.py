"""History, accounts, rooms and presence behind one SQLAlchemy async engine.

Any SQLAlchemy async URL works; the default is a SQLite file in WAL mode, which several worker
processes may write at once (every transaction here is short). PostgreSQL via asyncpg is tested.

    async with Store("sqlite+aiosqlite:///.parley/parley.db") as store:
        await store.migrate()
        stored, created = await store.save_message(message)
        page = await store.room_messages("lobby", before=stored.id, limit=50)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import (
    ColumnElement,
    Select,
    delete,
    distinct,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from runtime.db import changes, pages, search
from runtime.db.apikeys import ApiKeys
from runtime.db.messages import check, load, reactions_of
from runtime.db.models import Gateway, Message, Presence
from runtime.db.models import Room as RoomRow
from runtime.db.pages import Marks
from runtime.db.people import People
from runtime.db.reads import Reads
from runtime.db.rooms import Rooms
from runtime.db.saving import Saving
from runtime.db.schema import upgrade
from runtime.db.search import Query, Sort
from runtime.db.sessions import Sessions
from runtime.db.state import SqlState
from runtime.db.timers import SqlTimers
from runtime.db.uploads import Uploads
from runtime.events import pair_key
from runtime.history import Change, Role, StoredMessage

SQLITE_PRAGMAS = ("busy_timeout = 5000", "journal_mode = WAL", "synchronous = NORMAL")


class Store:
    """History, users and presence behind one async engine.

    Open it with ``async with Store(url) as store``; leaving the block disposes the engine.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = create_async_engine(url)
        if self._engine.dialect.name == "sqlite":
            event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        # INSERT .. ON CONFLICT DO NOTHING is dialect-specific in SQLAlchemy.
        self._insert = (
            postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        )
        self._saving = Saving(self._engine, self._insert)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._engine.dispose()

    async def migrate(self) -> None:
        """Upgrade the schema to the newest revision; a no-op when it is already there.

        Safe to run from several processes at once: they take turns (see runtime.db.schema).
        """
        await upgrade(self._engine, self.url)

    async def ping(self, timeout: float = 5.0) -> bool:
        """True when the database answers ``SELECT 1`` within ``timeout`` seconds."""
        try:
            async with asyncio.timeout(timeout), self._engine.connect() as connection:
                answer = await connection.scalar(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError):
            return False
        return bool(answer == 1)

    # accounts and rooms

    def people(self) -> People:
        """Accounts: case-insensitive names, password hashes, server admins (runtime.db.people)."""
        return People(self._sessions)

    def rooms(self) -> Rooms:
        """Rooms, members, roles, bans and read markers (runtime.db.rooms)."""
        return Rooms(self._sessions, self._insert)

    def reads(self) -> Reads:
        """Read markers, unread and mention counts (runtime.db.reads)."""
        return Reads(self._sessions)

    def api_keys(self) -> ApiKeys:
        """The gRPC API's service keys (runtime.db.apikeys)."""
        return ApiKeys(self._sessions)

    def uploads(self) -> Uploads:
        """Files and their bytes, and who may see them (runtime.db.uploads)."""
        return Uploads(self._engine)

    def sessions(self) -> Sessions:
        """Login sessions and one-use socket tickets (runtime.db.sessions)."""
        return Sessions(self._sessions)

    def state(self, function: str) -> SqlState:
        """``ctx.state`` of ``function``: its own keys in this database (runtime.db.state)."""
        return SqlState(self._engine, function, self._insert)

    def timers(self) -> SqlTimers:
        """Every function's ``ctx.later`` timers (runtime.db.timers)."""
        return SqlTimers(self._engine)

    # messages

    async def save_message(self, message: StoredMessage) -> tuple[StoredMessage, bool]:
        """Store ``message`` once; return the stored row and whether it was new.

        Idempotent by ``id`` and by ``(author, client_id)`` when ``client_id`` is set: a
        duplicate returns the row already stored (its ``seq``, ``id`` and text) and False, even
        when identical saves race. ``seq`` is assigned here; a value passed in is ignored.
        """
        check(message)
        return await self._saving.save(message)

    async def find_by_client_id(self, author: str, client_id: str) -> StoredMessage | None:
        """The message ``author`` sent with ``client_id``, if it is stored. The gateway asks
        this of every new message: concurrent calls share one query (see runtime.db.batch)."""
        return await self._saving.find(author, client_id)

    async def room_messages(
        self,
        room: str,
        *,
        before: str | None = None,
        after: str | None = None,
        around: str | None = None,
        limit: int = 50,
        thread: str | None = None,
    ) -> list[StoredMessage]:
        """A page of ``room``'s history in storage order, oldest first, each message as it is
        now (``thread``: only the answers to that message).

        With ``before`` (or neither): the newest ``limit`` messages older than ``before``; an
        unknown ``before`` id gives ``[]``. With ``after``: the oldest ``limit`` messages newer
        than ``after`` (replay after a reconnect). An unknown ``after`` id (the client's marker
        is gone) gives the newest ``limit`` messages instead, so the client still gets the
        recent history. With ``around``: that message in its context, up to ``limit // 2``
        older ones before it and newer ones after (a search hit); unknown: ``[]``. Ids only
        count as markers within this room.
        """
        return await self._page(Message.room == room, Marks(before, after, around), limit, thread)

    async def message(self, id: str, *, seen_by: str | None = None) -> StoredMessage | None:
        """Message ``id`` as it is now (room or conversation); None when there is none, or
        when ``seen_by`` is given and that user may not see it (``may_see``)."""
        async with self._engine.connect() as connection:
            found = await load(connection, select(Message.__table__).where(Message.id == id))
        if not found or (seen_by is not None and not await self.may_see(found[0], seen_by)):
            return None
        return found[0]

    async def change_message(self, change: Change) -> tuple[StoredMessage, bool]:
        """Apply ``change`` once to a message that is not deleted (runtime.db.changes); return
        the message as this change left it (its ``rev``; its reactions read just after, so at
        least that new), or as it is now when it was not applied, and whether it was.
        ``LookupError`` when there is no such message."""
        async with self._engine.connect() as connection:
            transaction = await connection.begin()
            try:
                changed = await changes.apply(connection, change, self._insert)
            except BaseException:
                await transaction.rollback()
                raise
            await (transaction.rollback() if changed is None else transaction.commit())
            if changed is None:
                query = select(Message.__table__).where(Message.id == change.message)
                found = await load(connection, query)
                if not found:
                    raise LookupError(f"there is no message {change.message!r}")
                return found[0], False
            if changed.deleted:
                return changed, True  # a tombstone has no reactions
            # Read after the commit (not under the write lock): at least as new as this
            # change's rev, so a frame never shows less than its rev says.
            reactions = await reactions_of(connection, [changed.id])
        return replace(changed, reactions=reactions.get(changed.id, {})), True

    async def changed_after(self, room: str, since: str) -> list[changes.Changed]:
        """The messages of ``room`` changed after message ``since``, for a replay (see
        runtime.db.changes)."""
        async with self._engine.connect() as connection:
            return await changes.changed_after(connection, room, since)

    async def search(
        self,
        user: str,
        query: Query,
        *,
        room: str | None = None,
        other: str | None = None,
        author: str | None = None,
        before: str | None = None,
        limit: int = 20,
        sort: Sort = "recent",
    ) -> list[StoredMessage]:
        """The messages ``user`` may see (rooms they are a member of, their conversations)
        whose text matches ``query``, newest first (``sort="relevance"``: best first), not
        deleted; only in ``room``, or in the conversation with ``other``, or by ``author``
        when given. ``before`` pages: only messages older than that one (unknown: ``[]``)."""
        async with self._engine.connect() as connection:
            mark = None
            if before is not None:
                mark = await connection.scalar(select(Message.seq).where(Message.id == before))
                if mark is None:
                    return []
            return await search.search(
                connection,
                query,
                user,
                room=room,
                other=other,
                author=author,
                before=mark,
                limit=limit,
                sort=sort,
            )

    async def room_role(self, room: str, user: str) -> Role | None:
        """``user``'s role in ``room``, or None for a non-member."""
        return await self.rooms().role(room, user)

    async def may_see(self, message: StoredMessage, user: str) -> bool:
        """A party of its conversation, or one who may see its room and is not banned there."""
        if message.room is None:
            return user in (message.author, message.recipient)
        return await self.rooms().may_see(message.room, user)

    async def members_named(self, room: str, names: Iterable[str]) -> list[str]:
        """The members of ``room`` among ``names`` (any case), as they are registered."""
        return await self.rooms().members_named(room, names)

    async def room_mark(self, room: str, since: str) -> int:
        """The storage position (``seq``) of message ``since`` in ``room``; 0 when unknown.
        A socket resuming after ``since`` has every room message up to there."""
        async with self._engine.connect() as connection:
            return await pages.seq_of(connection, Message.room == room, since) or 0

    async def private_messages(
        self,
        user: str,
        other: str,
        *,
        before: str | None = None,
        after: str | None = None,
        around: str | None = None,
        limit: int = 50,
        thread: str | None = None,
    ) -> list[StoredMessage]:
        """The conversation between exactly ``user`` and ``other``, paged as ``room_messages``."""
        where = Message.pair == pair_key(user, other)
        return await self._page(where, Marks(before, after, around), limit, thread)

    # presence

    async def presence_join(self, room: str, user: str, conn: str) -> bool:
        """Mark ``user`` present in ``room`` on connection ``conn``; True when this made
        ``user`` present (no other connection of theirs was in the room)."""
        row = {"room": room, "username": user, "conn": conn}
        async with self._engine.begin() as connection:  # one transaction: one commit
            insert = self._insert(Presence).values(row).on_conflict_do_nothing()
            added = await connection.execute(insert)
            if not getattr(added, "rowcount", 0):
                return False  # this connection was in the room already
            return set(await connection.scalars(_conns_of(room, user))) == {conn}

    async def presence_leave(self, room: str, user: str, conn: str) -> bool:
        """Drop ``user``'s connection ``conn`` from ``room``; True when this made ``user``
        absent (it was their last connection there). Other connections keep them present."""
        mine = (Presence.room == room, Presence.username == user, Presence.conn == conn)
        async with self._engine.begin() as connection:
            gone = await connection.execute(delete(Presence).where(*mine))
            if not getattr(gone, "rowcount", 0):
                return False
            return not list(await connection.scalars(_conns_of(room, user)))

    async def connections(self, conn_prefix: str) -> list[tuple[str, str, str]]:
        """Every (room, user, conn) whose connection id starts with ``conn_prefix`` (a gateway
        instance's ``"<instance>:"``), sorted."""
        if not conn_prefix:
            raise ValueError("conn_prefix is empty: it would match every connection everywhere")
        match = Presence.conn.startswith(conn_prefix, autoescape=True)
        query = select(Presence.room, Presence.username, Presence.conn).where(match)
        async with self._sessions() as session:
            rows = await session.execute(query.order_by(Presence.room, Presence.conn))
            return [(room, user, conn) for room, user, conn in rows]

    # gateways

    async def gateway_seen(self, instance: str) -> None:
        """Record that gateway ``instance`` is alive now (its heartbeat)."""
        now = _now()
        insert = self._insert(Gateway).values(instance=instance, seen_at=now)
        upsert = insert.on_conflict_do_update(index_elements=["instance"], set_={"seen_at": now})
        async with self._engine.begin() as connection:
            await connection.execute(upsert)

    async def gateways_silent_since(self, moment: datetime) -> list[str]:
        """The gateway instances whose last heartbeat is older than ``moment``, sorted."""
        query = select(Gateway.instance).where(Gateway.seen_at < moment).order_by(Gateway.instance)
        async with self._sessions() as session:
            return list(await session.scalars(query))

    async def gateway_gone(self, instance: str) -> None:
        """Forget gateway ``instance`` (it stopped, or its leaves were announced)."""
        async with self._sessions.begin() as session:
            await session.execute(delete(Gateway).where(Gateway.instance == instance))

    async def room_users(self, room: str) -> list[str]:
        """The distinct users present in ``room``, sorted."""
        return (await self._users_in([room])).get(room, [])

    async def room_counts(self) -> list[tuple[str, int]]:
        """Every room (made, with history or with presence), public or private, sorted by
        name, with its online user count: for trusted backends (the gRPC API)."""
        online = select(Presence.room, func.count(distinct(Presence.username)))
        history = select(Message.room).where(Message.room.is_not(None)).distinct()
        made = select(RoomRow.name)
        async with self._sessions() as session:
            counts = {room: 0 for room in await session.scalars(history) if room is not None}
            counts |= dict.fromkeys(await session.scalars(made), 0)
            online_rows = await session.execute(online.group_by(Presence.room))
            counts |= dict(online_rows.all())
        return sorted(counts.items())

    # internals

    async def _page(
        self, where: ColumnElement[bool], marks: Marks, limit: int, thread: str | None
    ) -> list[StoredMessage]:
        async with self._engine.connect() as connection:
            return await pages.page(connection, where, marks, limit, thread)

    async def _users_in(self, rooms: Sequence[str]) -> dict[str, list[str]]:
        query = (
            select(Presence.room, Presence.username)
            .where(Presence.room.in_(rooms))
            .distinct()
            .order_by(Presence.room, Presence.username)
        )
        users: dict[str, list[str]] = {}
        async with self._sessions() as session:
            for room, user in await session.execute(query):
                users.setdefault(room, []).append(user)
        return users


def _conns_of(room: str, user: str) -> Select[str]:
    return select(Presence.conn).where(Presence.room == room, Presence.username == user)


def _now() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # busy_timeout first: switching to WAL waits for other processes holding the file.
    cursor = connection.cursor()
    for pragma in (*SQLITE_PRAGMAS, "foreign_keys = ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
