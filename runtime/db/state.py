"""``ctx.state`` on SQL: a function's own key-value pairs in the history database.

Each call is its own transaction. ``update`` is optimistic: it reads the value and its version,
computes the new value, and writes it only if the version is unchanged; otherwise (a replica
wrote first, or SQLite refused a second writer) it reads again and recomputes, so racing
replicas never lose an update on SQLite or PostgreSQL.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import JsonValue
from sqlalchemy import BigInteger, ColumnElement, Text, case, cast, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from runtime.db.models import FunctionOnce, FunctionState
from runtime.state import Updater, check_key, decode_value, encode_value

ATTEMPTS = 200  # an update that loses this many races in a row gives up with StateConflict


class StateConflict(RuntimeError):
    """``update`` kept losing to other writers of the same key."""


class SqlState:
    """The ``State`` of one function (``runtime.state``), on ``engine``."""

    def __init__(self, engine: AsyncEngine, function: str, insert: Callable[..., Any]) -> None:
        self._engine = engine
        self._function = function
        self._insert = insert  # the dialect's INSERT, with ON CONFLICT

    async def get(self, key: str, default: JsonValue = None) -> JsonValue:
        query = select(FunctionState.value).where(*self._row(key))
        async with self._engine.connect() as connection:
            found = (await connection.execute(query)).scalar_one_or_none()
        return default if found is None else decode_value(found)

    async def set(self, key: str, value: JsonValue) -> None:
        text = encode_value(key, value)
        insert = self._insert(FunctionState).values(
            function=self._function, key=key, value=text, version=1
        )
        upsert = insert.on_conflict_do_update(
            index_elements=["function", "key"],
            set_={"value": text, "version": FunctionState.version + 1},
        )
        await self._write(upsert)

    async def delete(self, key: str) -> bool:
        check_key(key)
        result = await self._write(delete(FunctionState).where(*self._row(key)))
        return bool(result)

    async def incr(self, key: str, by: int = 1) -> int:
        """One upsert: the database adds ``by`` to an integer value, or inserts ``by``; a value
        that is not an integer is left alone (and the call raises TypeError)."""
        check_key(key)
        value = FunctionState.value
        is_int: ColumnElement[bool]
        if self._engine.dialect.name == "postgresql":
            is_int = value.op("~")(r"^-?[0-9]{1,18}$")
        else:
            is_int = cast(cast(value, BigInteger), Text) == value
        added = cast(cast(value, BigInteger) + by, Text)
        statement = (
            self._insert(FunctionState)
            .values(function=self._function, key=key, value=str(by), version=1)
            .on_conflict_do_update(
                index_elements=["function", "key"],
                set_={
                    "value": case((is_int, added), else_=value),
                    "version": FunctionState.version + 1,
                },
                where=is_int,
            )
            .returning(FunctionState.value)
        )
        for attempt in range(ATTEMPTS):
            try:
                async with self._engine.begin() as connection:
                    found = (await connection.execute(statement)).scalar_one_or_none()
                break
            except OperationalError:  # SQLite: another writer holds the database
                if attempt == ATTEMPTS - 1:
                    raise
                await asyncio.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt)))
        if found is None:
            held = await self.get(key)
            raise TypeError(f"state {key!r} holds {held!r}, not an integer: cannot incr it")
        return int(found)

    async def update(self, key: str, fn: Updater, default: JsonValue = None) -> JsonValue:
        check_key(key)
        for attempt in range(ATTEMPTS):
            try:
                written = await self._try_update(key, fn, default)
            except OperationalError:  # SQLite: another writer holds the database
                written = None
            if written is not None:
                return written[0]
            await asyncio.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt)))
        raise StateConflict(f"state {key!r} of {self._function}: lost {ATTEMPTS} races in a row")

    async def _try_update(
        self, key: str, fn: Updater, default: JsonValue
    ) -> tuple[JsonValue] | None:
        """One optimistic attempt: (the new value,) when it was written, None when it lost."""
        async with self._engine.begin() as connection:
            query = select(FunctionState.value, FunctionState.version).where(*self._row(key))
            row = (await connection.execute(query)).first()
            if row is None:
                new = fn(default)
                statement: Any = (
                    self._insert(FunctionState)
                    .values(
                        function=self._function, key=key, value=encode_value(key, new), version=1
                    )
                    .on_conflict_do_nothing()
                )
            else:
                new = fn(decode_value(row.value))
                statement = (
                    update(FunctionState)
                    .where(*self._row(key), FunctionState.version == row.version)
                    .values(value=encode_value(key, new), version=row.version + 1)
                )
            result = await connection.execute(statement)
            return (new,) if result.rowcount == 1 else None

    async def once(self, key: str) -> bool:
        check_key(key)
        insert = self._insert(FunctionOnce).values(
            function=self._function, key=key, at=datetime.now(UTC)
        )
        return bool(await self._write(insert.on_conflict_do_nothing()))

    async def _write(self, statement: Any) -> int:
        """Run one write in its own transaction; rows affected. SQLite's one-writer lock is
        waited out (its busy timeout, then retries here)."""
        for attempt in range(ATTEMPTS):
            try:
                async with self._engine.begin() as connection:
                    result = await connection.execute(statement)
                    return int(result.rowcount)
            except OperationalError:
                if attempt == ATTEMPTS - 1:
                    raise
                await asyncio.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt)))
        raise AssertionError("unreachable")

    def _row(self, key: str) -> tuple[Any, Any]:
        return (FunctionState.function == self._function, FunctionState.key == key)
