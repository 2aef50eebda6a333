"""Rooms, their durable members and roles, and bans (read markers: ``runtime.db.reads``).

    rooms = store.rooms()
    await rooms.create("design", "ada", topic="Pixels", visibility="private", limit=50)
    role = await rooms.enter("design", "bob", limit=50)    # the WS join: UserError("forbidden")
    await rooms.add_member("design", "ada", "bob")         # an invite
    await rooms.ban("design", "ada", "mallory")

A room without a row (history written before rooms existed, or through the gRPC API) is public.
Roles rank owner > admin > member: owners and admins moderate those ranked below them; only
the owner changes roles. Refusals are ``UserError`` with the codes the gateway maps to HTTP:
``forbidden`` (403), ``not_found`` (404), ``exists`` (409), ``room_limit`` and ``invalid``
(422).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import delete, distinct, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runtime.db.batch import Batch
from runtime.db.models import Ban, Member, Message, Presence, User
from runtime.db.models import Room as RoomRow
from runtime.db.people import name_key
from runtime.errors import UserError
from runtime.history import Role

Visibility = Literal["public", "private"]
RANK: dict[str, int] = {"owner": 3, "admin": 2, "member": 1}


@dataclass(frozen=True)
class RoomInfo:
    name: str
    topic: str
    visibility: Visibility
    created_by: str | None


@dataclass(frozen=True)
class Listed:
    """A room in the directory, as the caller sees it."""

    name: str
    topic: str
    visibility: Visibility
    members: int
    online: int
    joined: bool


class Rooms:
    """The ``rooms``, ``members`` and ``bans`` tables."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], insert: Callable[..., Any]
    ) -> None:
        self._sessions = sessions
        self._insert = insert  # the dialect's INSERT (for ON CONFLICT DO NOTHING)
        self._entries: Batch[tuple[str, str, int], Role | UserError] = Batch(self._enter_many)

    # rooms

    async def info(self, name: str) -> RoomInfo | None:
        async with self._sessions() as session:
            row = await session.get(RoomRow, name)
        return None if row is None else _info(row)

    async def create(
        self,
        name: str,
        owner: str,
        *,
        topic: str = "",
        visibility: Visibility = "public",
        limit: int,
    ) -> RoomInfo:
        """Make room ``name`` owned by ``owner``: ``exists`` when it is there already,
        ``room_limit`` when ``owner`` made ``limit`` rooms already."""
        now = datetime.now(UTC)
        try:
            async with self._sessions.begin() as session:
                owned = await session.scalar(
                    select(func.count())
                    .select_from(Member)
                    .where(Member.username == owner, Member.role == "owner")
                )
                if (owned or 0) >= limit:
                    raise UserError(
                        "room_limit",
                        f"you own {owned} rooms, the most one person may; "
                        "make someone else the owner of one you no longer need",
                    )
                session.add(
                    RoomRow(
                        name=name,
                        topic=topic,
                        visibility=visibility,
                        created_by=owner,
                        created_at=now,
                    )
                )
                await session.flush()
                session.add(Member(room=name, username=owner, role="owner", joined_at=now))
        except IntegrityError:
            raise UserError("exists", f"room {name!r} exists already: join it") from None
        return RoomInfo(name, topic, visibility, owner)

    async def enter(self, name: str, user: str, *, limit: int) -> Role:
        """``user`` joins room ``name`` on a socket: its role there. A room that does not
        exist is made (public, owned by ``user``); a public one makes ``user`` a member; a
        private one admits only members; a ban admits nobody. Concurrent calls share one
        read and one write (runtime.db.batch): a crowd joining a room costs a few
        transactions, not one each."""
        entered = await self._entries.submit((name, user, limit))
        if isinstance(entered, UserError):
            raise UserError(entered.code, entered.detail)
        return entered

    async def _enter_many(self, asks: list[tuple[str, str, int]]) -> list[Role | UserError]:
        pairs = list({(name, user) for name, user, _ in asks})
        async with self._sessions() as session:
            found = select(RoomRow.name, RoomRow.visibility).where(
                RoomRow.name.in_({name for name, _ in pairs})
            )
            rooms: dict[str, str] = {row[0]: row[1] for row in await session.execute(found)}
            pair = tuple_(Member.room, Member.username).in_(pairs)
            roles: dict[tuple[str, str], str] = {
                (row[0], row[1]): row[2]
                for row in await session.execute(
                    select(Member.room, Member.username, Member.role).where(pair)
                )
            }
            banned = {
                (row[0], row[1])
                for row in await session.execute(
                    select(Ban.room, Ban.username).where(tuple_(Ban.room, Ban.username).in_(pairs))
                )
            }
        results: list[Role | UserError | None] = []
        joining: list[dict[str, object]] = []
        now = datetime.now(UTC)
        newest = await self._newest([n for n, _ in pairs if rooms.get(n) == "public"])
        for name, user, _ in asks:
            if (name, user) in banned:
                results.append(UserError("forbidden", f"you are banned from {name!r}"))
            elif (name, user) in roles:
                results.append(role_of(roles[(name, user)]))
            elif name not in rooms:
                results.append(None)  # made below, one at a time
            elif rooms[name] == "private":
                detail = f"room {name!r} is private: a member has to invite you first"
                results.append(UserError("forbidden", detail))
            else:
                roles[(name, user)] = "member"
                joining.append(
                    {
                        "room": name,
                        "username": user,
                        "role": "member",
                        "joined_at": now,
                        "read_seq": newest.get(name, 0),  # a newcomer has nothing unread
                    }
                )
                results.append("member")
        if joining:
            async with self._sessions.begin() as session:
                await session.execute(self._insert(Member).values(joining).on_conflict_do_nothing())
        return [
            found if found is not None else await self._make(name, user, limit)
            for found, (name, user, limit) in zip(results, asks, strict=True)
        ]

    async def _make(self, name: str, user: str, limit: int) -> Role | UserError:
        """A join of a room that does not exist makes it, owned by the joiner."""
        try:
            await self.create(name, user, limit=limit)
        except UserError as exc:
            if exc.code != "exists":
                return exc
            # Made by someone else just now (or earlier in this batch): enter it as it is.
            (entered,) = await self._enter_many([(name, user, limit)])
            return entered
        return "owner"

    async def visible(self, name: str, user: str) -> bool:
        """Whether ``user`` may see room ``name``: a public room (or none yet), or a member."""
        async with self._sessions() as session:
            room = await session.get(RoomRow, name)
            if room is None or room.visibility == "public":
                return True
            return await session.get(Member, (name, user)) is not None

    async def may_see(self, name: str, user: str) -> bool:
        """Whether ``user`` may see room ``name``'s messages (and react to them): ``visible``
        and not banned from it. One query: it is asked for every change to a message."""
        banned = select(Ban.username).where(Ban.room == name, Ban.username == user).exists()
        member = select(Member.username).where(Member.room == name, Member.username == user)
        private = select(RoomRow.name).where(RoomRow.name == name, RoomRow.visibility != "public")
        query = select(banned, member.exists(), private.exists())
        async with self._sessions() as session:
            row = (await session.execute(query)).one()
        is_banned, is_member, is_private = row
        return not is_banned and (is_member or not is_private)

    async def members_named(self, name: str, names: Iterable[str]) -> list[str]:
        """The members of room ``name`` among ``names`` (any case), as they are registered,
        sorted."""
        keys = {name_key(n) for n in names}
        if not keys:
            return []
        query = (
            select(Member.username)
            .join(User, User.username == Member.username)
            .where(Member.room == name, User.key.in_(keys))
            .order_by(Member.username)
        )
        async with self._sessions() as session:
            return list(await session.scalars(query))

    async def role(self, name: str, user: str) -> Role | None:
        async with self._sessions() as session:
            member = await session.get(Member, (name, user))
        return None if member is None else role_of(member.role)

    async def directory(
        self, user: str, text: str = "", *, cursor: str | None = None, limit: int = 50
    ) -> tuple[list[Listed], str | None]:
        """Rooms ``user`` may see whose name or topic holds ``text``, by name, after
        ``cursor``; and the cursor of the next page (None on the last)."""
        members = select(Member.room, func.count().label("n")).group_by(Member.room).subquery()
        online = (
            select(Presence.room, func.count(distinct(Presence.username)).label("n"))
            .group_by(Presence.room)
            .subquery()
        )
        mine = select(Member.room).where(Member.username == user)
        query = (
            select(
                RoomRow,
                func.coalesce(members.c.n, 0),
                func.coalesce(online.c.n, 0),
                RoomRow.name.in_(mine),
            )
            .outerjoin(members, members.c.room == RoomRow.name)
            .outerjoin(online, online.c.room == RoomRow.name)
            .where(or_(RoomRow.visibility == "public", RoomRow.name.in_(mine)))
            .order_by(RoomRow.name)
            .limit(limit + 1)
        )
        if text.strip():
            needle = f"%{escape_like(text.strip().lower())}%"
            query = query.where(
                or_(
                    RoomRow.name.like(needle, escape="\\"),
                    func.lower(RoomRow.topic).like(needle, escape="\\"),
                )
            )
        if cursor is not None:
            query = query.where(RoomRow.name > cursor)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        listed = [
            Listed(r.name, r.topic, visibility_of(r.visibility), n, o, bool(j))
            for r, n, o, j in rows[:limit]
        ]
        return listed, (listed[-1].name if len(rows) > limit else None)

    # members

    async def members(self, name: str) -> list[tuple[str, Role, bool]]:
        """(username, role, online) of every member, owners first, then by name."""
        here = select(Presence.username).where(Presence.room == name)
        query = select(Member.username, Member.role, Member.username.in_(here)).where(
            Member.room == name
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        listed = [(u, role_of(r), bool(o)) for u, r, o in rows]
        return sorted(listed, key=lambda m: (-RANK[m[1]], m[0].casefold()))

    async def add_member(self, name: str, actor: str, user: str) -> Role:
        """An owner or admin adds (invites) ``user``; returns the user's role."""
        await self._moderator(name, actor)
        async with self._sessions() as session:
            if await session.get(Ban, (name, user)) is not None:
                raise UserError("forbidden", f"{user} is banned from {name!r}: unban them first")
            member = await session.get(Member, (name, user))
        if member is not None:
            return role_of(member.role)
        await self._add(name, user, "member")
        return "member"

    async def remove_member(self, name: str, actor: str, user: str) -> None:
        """An owner or admin removes ``user``, or ``user`` leaves (``actor == user``)."""
        role = await self._member(name, user)
        if actor == user:
            if role == "owner" and len(await self.members(name)) > 1:
                raise UserError(
                    "forbidden",
                    f"you own {name!r}: make another member owner before you leave",
                )
        else:
            await self._outranks(name, actor, user, role)
        async with self._sessions.begin() as session:
            await session.execute(
                delete(Member).where(Member.room == name, Member.username == user)
            )

    async def set_role(self, name: str, actor: str, user: str, role: Role) -> Role:
        """The owner makes ``user`` an admin or a member, or the owner (then the old owner
        is an admin)."""
        if await self.role(name, actor) != "owner":
            raise UserError("forbidden", f"only the owner of {name!r} changes roles")
        await self._member(name, user)
        if actor == user:
            raise UserError("forbidden", "you own this room: make another member owner")
        async with self._sessions.begin() as session:
            if role == "owner":
                await session.execute(
                    update(Member)
                    .where(Member.room == name, Member.username == actor)
                    .values(role="admin")
                )
            await session.execute(
                update(Member).where(Member.room == name, Member.username == user).values(role=role)
            )
        return role

    async def ban(self, name: str, actor: str, user: str) -> bool:
        """An owner or admin bans ``user`` (a member or not) from the room; returns whether
        ``user`` was a member."""
        role = await self.role(name, user)
        if role is None:
            await self._moderator(name, actor)
        else:
            await self._outranks(name, actor, user, role)
        async with self._sessions.begin() as session:
            if await session.get(Ban, (name, user)) is None:
                session.add(Ban(room=name, username=user, by=actor, at=datetime.now(UTC)))
            await session.execute(
                delete(Member).where(Member.room == name, Member.username == user)
            )
        return role is not None

    async def unban(self, name: str, actor: str, user: str) -> None:
        await self._moderator(name, actor)
        async with self._sessions.begin() as session:
            gone = await session.execute(delete(Ban).where(Ban.room == name, Ban.username == user))
        if not getattr(gone, "rowcount", 0):
            raise UserError("not_found", f"{user} is not banned from {name!r}")

    async def bans(self, name: str) -> list[tuple[str, str, datetime]]:
        query = select(Ban.username, Ban.by, Ban.at).where(Ban.room == name).order_by(Ban.at)
        async with self._sessions() as session:
            return [(u, b, a) for u, b, a in await session.execute(query)]

    # internals

    async def _add(self, name: str, user: str, role: Role) -> None:
        now, newest = datetime.now(UTC), await self._newest([name])
        async with self._sessions.begin() as session:
            if await session.get(Member, (name, user)) is None:
                session.add(
                    Member(
                        room=name,
                        username=user,
                        role=role,
                        joined_at=now,
                        read_seq=newest.get(name, 0),
                    )
                )

    async def _newest(self, names: list[str]) -> dict[str, int]:
        """The newest message's ``seq`` in each of these rooms (absent: no messages)."""
        if not names:
            return {}
        query = (
            select(Message.room, func.max(Message.seq))
            .where(Message.room.in_(set(names)))
            .group_by(Message.room)
        )
        async with self._sessions() as session:
            return {row[0]: row[1] for row in await session.execute(query) if row[0]}

    async def _member(self, name: str, user: str) -> Role:
        role = await self.role(name, user)
        if role is None:
            raise UserError("not_found", f"{user} is not a member of {name!r}")
        return role

    async def _moderator(self, name: str, actor: str) -> Role:
        role = await self.role(name, actor)
        if role not in ("owner", "admin"):
            raise UserError("forbidden", f"only the owner and admins of {name!r} may do that")
        return role

    async def _outranks(self, name: str, actor: str, user: str, role: Role) -> None:
        mine = await self._moderator(name, actor)
        if RANK[mine] <= RANK[role]:
            raise UserError(
                "forbidden", f"{user} is {'an' if role == 'admin' else 'the'} {role} of {name!r}"
            )


def _info(row: RoomRow) -> RoomInfo:
    return RoomInfo(row.name, row.topic, visibility_of(row.visibility), row.created_by)


def role_of(value: str) -> Role:
    match value:
        case "owner" | "admin" | "member":
            return value
    raise ValueError(f"unknown role {value!r} in the members table")


def visibility_of(value: str) -> Visibility:
    return "private" if value == "private" else "public"


def escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (with ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
