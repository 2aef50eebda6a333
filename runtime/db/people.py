"""Accounts: usernames unique regardless of case, password hashes, server admins, user search.

    people = store.people()
    await people.add("Ada", hashed)          # UserError("taken") when "ada" exists already
    await people.login("ADA")                # ("Ada", hash): the account as registered
    await people.find("ada")                 # "Ada"; None for nobody
    await people.set_admin("ada", True)      # `parley admin grant ada`

A name's identity is its key, ``name_key``: NFKC normalised, then casefolded. Names are shown
as registered. The first account made is the server admin.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import exists, false, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runtime.db.models import Presence, User
from runtime.errors import UserError

SEARCH_LIMIT = 20


def name_key(name: str) -> str:
    """What makes two usernames the same account: ``"Alice"`` and ``"alice"`` share one."""
    return unicodedata.normalize("NFKC", name).casefold()


@dataclass(frozen=True)
class Login:
    """An account found for a typed name: its name as registered and its password hash."""

    username: str
    password_hash: str


class People:
    """The ``users`` table."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, username: str, password_hash: str) -> bool:
        """Create an account; returns whether it is the server admin (the first account).
        ``UserError("taken")`` when the name exists, in any case."""
        first = ~exists(select(User.username))
        row = select(
            literal(username),
            literal(name_key(username)),
            literal(password_hash),
            literal(datetime.now(UTC), User.created_at.type),
            first,
        )
        columns = ["username", "key", "password_hash", "created_at", "admin"]
        try:
            async with self._sessions.begin() as session:
                await session.execute(insert(User).from_select(columns, row))
        except IntegrityError:
            raise UserError(
                "taken", f"the username {username!r} is taken (names ignore case); choose another"
            ) from None
        return await self.is_admin(username)

    async def login(self, name: str) -> Login | None:
        """The account ``name`` logs in to: the exact name first (an account that clashed
        when keys came keeps its own), else the one whose key ``name`` folds to."""
        query = select(User.username, User.password_hash, User.username == name).where(
            (User.username == name) | (User.key == name_key(name))
        )
        async with self._sessions() as session:
            rows = sorted((await session.execute(query)).all(), key=lambda row: not row[2])
        return Login(rows[0][0], rows[0][1]) if rows else None

    async def find(self, name: str) -> str | None:
        """The registered form of the account ``name`` names; None when there is none."""
        found = await self.login(name)
        return None if found is None else found.username

    async def is_admin(self, username: str) -> bool:
        """Whether ``username`` (as registered) is a server admin."""
        async with self._sessions() as session:
            return bool(await session.scalar(select(User.admin).where(User.username == username)))

    async def set_admin(self, name: str, admin: bool) -> str:
        """Grant or revoke the server admin role; returns the account's registered name."""
        username = await self.find(name)
        if username is None:
            raise UserError("unknown_user", f"there is no user {name!r}")
        async with self._sessions.begin() as session:
            await session.execute(update(User).where(User.username == username).values(admin=admin))
        return username

    async def admins(self) -> list[str]:
        """The server admins, sorted."""
        query = select(User.username).where(User.admin.is_not(false())).order_by(User.username)
        async with self._sessions() as session:
            return list(await session.scalars(query))

    async def search(self, text: str, limit: int = SEARCH_LIMIT) -> list[tuple[str, bool]]:
        """Accounts whose name starts with ``text`` (any case), then those containing it; each
        with whether the user is online (in some room now). Sorted within each group."""
        key = name_key(text.strip())
        like = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = (
            select(User.username, User.key.startswith(key, autoescape=True))
            .where(User.key.like(f"%{like}%", escape="\\"))
            .order_by(User.key)
            .limit(200)
        )
        async with self._sessions() as session:
            rows = sorted((await session.execute(query)).all(), key=lambda row: not row[1])
            names = [row[0] for row in rows[:limit]]
            online = select(Presence.username).where(Presence.username.in_(names)).distinct()
            here = set(await session.scalars(online))
        return [(name, name in here) for name in names]

    async def set_password(self, username: str, password_hash: str) -> None:
        """Replace the password hash of ``username`` (as registered)."""
        change = update(User).where(User.username == username).values(password_hash=password_hash)
        async with self._sessions.begin() as session:
            await session.execute(change)
