"""API keys of services calling the gRPC API: made once, shown once, stored as their SHA-256.

    keys = store.api_keys()
    key = await keys.create("ticketing", {"publish", "read"})   # "pk_..." (print it once)
    found = await keys.find(key)         # ServiceKey("ticketing", {"publish", "read"}) or None
    await keys.revoke("ticketing")       # every live key of that name stops working

A key is 32 random bytes, so one SHA-256 round is enough to make the stored digest useless to
whoever reads the database (passwords, being guessable, get argon2 instead).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runtime.db.models import ApiKey
from runtime.errors import UserError

SCOPES = ("publish", "read", "ops")
PREFIX = "pk_"


@dataclass(frozen=True)
class ServiceKey:
    """Who a valid key belongs to and what it may do."""

    name: str
    scopes: frozenset[str]


def digest(key: str) -> str:
    """The stored form of ``key``."""
    return hashlib.sha256(key.encode(errors="surrogateescape")).hexdigest()


def parse_scopes(text: Iterable[str]) -> frozenset[str]:
    """Scopes named in ``text`` (each may hold several, comma-separated); ``UserError`` for an
    unknown one or none at all."""
    scopes = frozenset(s.strip() for part in text for s in part.split(",") if s.strip())
    unknown = sorted(scopes - set(SCOPES))
    if unknown or not scopes:
        problem = f"unknown scope {', '.join(unknown)}" if unknown else "no scope given"
        raise UserError(
            "invalid", f"{problem}; choose from {', '.join(SCOPES)} (e.g. --scope publish,read)"
        )
    return scopes


class ApiKeys:
    """The ``api_keys`` table."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, name: str, scopes: Iterable[str]) -> str:
        """A new key for service ``name``; only its digest is stored, so show it now."""
        key = PREFIX + secrets.token_urlsafe(32)
        row = ApiKey(
            digest=digest(key),
            name=name,
            scopes=",".join(sorted(parse_scopes(scopes))),
            created_at=datetime.now(UTC),
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return key

    async def find(self, key: str) -> ServiceKey | None:
        """The service of a live ``key``; None for an unknown or revoked one."""
        query = select(ApiKey.name, ApiKey.scopes).where(
            ApiKey.digest == digest(key), ApiKey.revoked_at.is_(None)
        )
        async with self._sessions() as session:
            row = (await session.execute(query)).first()
        return None if row is None else ServiceKey(row.name, frozenset(row.scopes.split(",")))

    async def revoke(self, name: str) -> int:
        """Revoke every live key of ``name``; returns how many there were."""
        change = (
            update(ApiKey)
            .where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        async with self._sessions.begin() as session:
            result = await session.execute(change)
        return int(getattr(result, "rowcount", 0) or 0)

    async def names(self) -> list[tuple[str, str, int]]:
        """(name, scopes, live keys) of every service with a live key, sorted."""
        query = select(ApiKey.name, ApiKey.scopes).where(ApiKey.revoked_at.is_(None))
        counts: dict[tuple[str, str], int] = {}
        async with self._sessions() as session:
            for name, scopes in await session.execute(query):
                counts[(name, scopes)] = counts.get((name, scopes), 0) + 1
        return sorted((name, scopes, n) for (name, scopes), n in counts.items())
