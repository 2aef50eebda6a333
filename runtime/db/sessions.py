"""Login sessions and one-use socket tickets: what makes a short-lived access token revocable.

    sessions = store.sessions()
    opened = await sessions.open("ada", ttl=14 * 86400)  # Opened(id, cookie): show cookie once
    await sessions.refresh(opened.cookie, ttl)   # Active("ada", id), 14 more days; None if ended
    await sessions.owner(opened.id)              # "ada" while the session is open, else None
    await sessions.end(opened.id)                # log out this session
    await sessions.end_all("ada")                # log out everywhere (and on password change)
    ticket = await sessions.ticket(opened.id, ttl=30)
    await sessions.redeem(ticket)                # Active("ada", id) once; None after

A session's cookie is ``<id>.<secret>``; only the secret's SHA-256 is stored (32 random bytes
need no slow hash). A session is open while its row exists, it has not expired and its user
exists; ending one deletes its row. Tickets are stored the same way and deleted when used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runtime.db.models import LoginSession, SocketTicket, User


@dataclass(frozen=True)
class Opened:
    """A new session: its id (named by access tokens) and its cookie (shown once)."""

    id: str
    cookie: str


@dataclass(frozen=True)
class Active:
    """An open session (of a cookie, or a ticket's): whose, and its id."""

    user: str
    session: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode(errors="surrogateescape")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


class Sessions:
    """The ``sessions`` and ``socket_tickets`` tables."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def open(self, username: str, ttl: float) -> Opened:
        """A new session of ``username`` (as registered) that ends ``ttl`` seconds after it
        was last refreshed. Expired sessions and tickets are cleared out on the way."""
        sid, secret = secrets.token_urlsafe(16), secrets.token_urlsafe(32)
        now = _now()
        row = LoginSession(
            id=sid,
            digest=_digest(secret),
            username=username,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        async with self._sessions.begin() as session:
            await session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
            await session.execute(delete(SocketTicket).where(SocketTicket.expires_at <= now))
            session.add(row)
        return Opened(sid, f"{sid}.{secret}")

    async def refresh(self, cookie: str, ttl: float | None) -> Active | None:
        """The session of a valid ``cookie``, extended to end ``ttl`` seconds from now (None:
        left as it is); None when the cookie is malformed, forged or its session ended."""
        sid, _, secret = cookie.partition(".")
        if not sid or not secret:
            return None
        now = _now()
        query = (
            select(LoginSession.digest, LoginSession.username)
            .join(User, User.username == LoginSession.username)
            .where(LoginSession.id == sid, LoginSession.expires_at > now)
        )
        async with self._sessions.begin() as session:
            found = (await session.execute(query)).first()
            if found is None or not hmac.compare_digest(found.digest, _digest(secret)):
                return None
            if ttl is not None:
                extend = update(LoginSession).where(LoginSession.id == sid)
                await session.execute(extend.values(expires_at=now + timedelta(seconds=ttl)))
        return Active(found.username, sid)

    async def owner(self, sid: str) -> str | None:
        """The user of session ``sid`` while it is open; None once it ended (or never was)."""
        query = (
            select(LoginSession.username)
            .join(User, User.username == LoginSession.username)
            .where(LoginSession.id == sid, LoginSession.expires_at > _now())
        )
        async with self._sessions() as session:
            return await session.scalar(query)

    async def open_among(self, sids: Iterable[str]) -> set[str]:
        """Those of ``sids`` that are still open."""
        wanted = list(set(sids))
        if not wanted:
            return set()
        query = (
            select(LoginSession.id)
            .join(User, User.username == LoginSession.username)
            .where(LoginSession.id.in_(wanted), LoginSession.expires_at > _now())
        )
        async with self._sessions() as session:
            return set(await session.scalars(query))

    async def end(self, sid: str) -> bool:
        """End session ``sid`` (log out); whether it was open."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(LoginSession).where(LoginSession.id == sid))
            await session.execute(delete(SocketTicket).where(SocketTicket.session == sid))
        return bool(getattr(result, "rowcount", 0))

    async def end_all(self, username: str) -> list[str]:
        """End every session of ``username`` (as registered); the ids that ended."""
        async with self._sessions.begin() as session:
            query = select(LoginSession.id).where(LoginSession.username == username)
            ended = list(await session.scalars(query))
            if ended:
                await session.execute(delete(LoginSession).where(LoginSession.id.in_(ended)))
                await session.execute(delete(SocketTicket).where(SocketTicket.session.in_(ended)))
        return ended

    async def ticket(self, sid: str, ttl: float) -> str:
        """A one-use ticket that opens a socket in session ``sid`` within ``ttl`` seconds."""
        ticket = secrets.token_urlsafe(32)
        row = SocketTicket(
            digest=_digest(ticket), session=sid, expires_at=_now() + timedelta(seconds=ttl)
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return ticket

    async def redeem(self, ticket: str) -> Active | None:
        """Use ``ticket``: whose socket it opens, once, while it and its session are valid;
        None otherwise (and for every later try, on any gateway)."""
        digest, now = _digest(ticket), _now()
        query = (
            select(LoginSession.username, LoginSession.id)
            .join(SocketTicket, SocketTicket.session == LoginSession.id)
            .join(User, User.username == LoginSession.username)
            .where(
                SocketTicket.digest == digest,
                SocketTicket.expires_at > now,
                LoginSession.expires_at > now,
            )
        )
        async with self._sessions.begin() as session:
            found = (await session.execute(query)).first()
            taken = await session.execute(delete(SocketTicket).where(SocketTicket.digest == digest))
        if found is None or not getattr(taken, "rowcount", 0):  # another socket took it first
            return None
        return Active(found.username, found.id)
