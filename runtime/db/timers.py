"""Timers in the database (``function_timers``): kept by ``ctx.later``, claimed when due.

    timers = store.timers()
    await timers.add(Pending(...))
    due = await timers.claim("remind", now, lease=30)    # these are mine to fire now
    await timers.fired([t.id for t in due])                # produced and acked: gone

``claim`` is one UPDATE of due, unclaimed (or expired) rows, re-checked row by row, so two
workers racing claim each timer once: the winner's token is on the row, and it reads back
only rows with its token. A claim that is never followed by ``fired`` (the worker died)
expires after ``lease`` seconds and the timer is claimed again.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from runtime.db.models import FunctionTimer
from runtime.events import new_id
from runtime.timers import Pending

ATTEMPTS = 50  # SQLite's single writer: how often a write waits its turn before giving up


class SqlTimers:
    """Every function's timers, on ``engine`` (``runtime.timers.TimerStore``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, timer: Pending) -> None:
        row = {
            "id": timer.id,
            "function": timer.function,
            "due_at": timer.due,
            "topic": timer.topic,
            "key": timer.key,
            "value": timer.value.decode(),
            "created_at": datetime.now(UTC),
        }
        await self._write(lambda: insert(FunctionTimer).values(**row))

    async def cancel(self, function: str, id: str) -> bool:
        statement = delete(FunctionTimer).where(
            FunctionTimer.function == function, FunctionTimer.id == id
        )
        return bool(await self._write(lambda: statement))

    async def next_due(self, function: str) -> datetime | None:
        """When ``function``'s earliest pending timer is due (claimed ones included)."""
        query = select(func.min(FunctionTimer.due_at)).where(FunctionTimer.function == function)
        async with self._engine.connect() as connection:
            found = (await connection.execute(query)).scalar_one_or_none()
        if found is None:
            return None
        return found if found.tzinfo is not None else found.replace(tzinfo=UTC)

    async def claim(
        self, function: str, now: datetime, lease: float, limit: int = 500
    ) -> list[Pending]:
        """Claim up to ``limit`` of ``function``'s due timers for ``lease`` seconds; the
        claimed ones, earliest first."""
        token = new_id()
        free = or_(FunctionTimer.claimed_until.is_(None), FunctionTimer.claimed_until < now)
        due = (
            select(FunctionTimer.id)
            .where(FunctionTimer.function == function, FunctionTimer.due_at <= now, free)
            .order_by(FunctionTimer.due_at)
            .limit(limit)
        )
        statement = (
            update(FunctionTimer)
            .where(FunctionTimer.id.in_(due.scalar_subquery()), free)  # re-checked per row
            .values(claim=token, claimed_until=now + timedelta(seconds=lease))
            .execution_options(synchronize_session=False)
        )
        if not await self._write(lambda: statement):
            return []
        query = (
            select(FunctionTimer).where(FunctionTimer.claim == token).order_by(FunctionTimer.due_at)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [Pending(r.id, r.function, r.due_at, r.topic, r.key, r.value.encode()) for r in rows]

    async def any_due(self, function: str, now: datetime) -> bool:
        """Whether ``function`` has a timer due and free to claim (a read: no write lock)."""
        free = or_(FunctionTimer.claimed_until.is_(None), FunctionTimer.claimed_until < now)
        query = (
            select(FunctionTimer.id)
            .where(FunctionTimer.function == function, FunctionTimer.due_at <= now, free)
            .limit(1)
        )
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).first() is not None

    async def release(self, ids: list[str]) -> None:
        """Let others claim these again now (their produce failed)."""
        if ids:
            statement = (
                update(FunctionTimer)
                .where(FunctionTimer.id.in_(ids))
                .values(claim=None, claimed_until=None)
            )
            await self._write(lambda: statement)

    async def fired(self, ids: list[str]) -> None:
        """These timers were produced and acknowledged: forget them."""
        if ids:
            await self._write(lambda: delete(FunctionTimer).where(FunctionTimer.id.in_(ids)))

    async def _write(self, build: Any) -> int:
        for attempt in range(ATTEMPTS):
            try:
                async with self._engine.begin() as connection:
                    result = await connection.execute(build())
                    return int(result.rowcount)
            except OperationalError:  # SQLite: another writer holds the database
                if attempt == ATTEMPTS - 1:
                    raise
                await asyncio.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt)))
        raise AssertionError("unreachable")
