"""The schema: Alembic migrations, run by whichever process starts first.

    await upgrade(engine, url)      # Store.migrate() calls this

Several processes (a gateway and every worker) may migrate one database at once; they take
turns: a lock file next to a SQLite database, an advisory lock on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The full-text index (migration 0007) is each database's own object, not a model: the FTS5
# table and its shadow tables on SQLite, an expression index on PostgreSQL.
SEARCH_INDEX = "messages_search"
MIGRATION_LOCK_TIMEOUT = 120.0
POSTGRES_MIGRATION_LOCK = 0x7061726C6579  # any constant shared by every Parley process


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` with the packaged migrations; no ``alembic.ini`` needed.

    New revisions: ``command.revision(alembic_config(url), "what changed", autogenerate=True)``.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def tracked(name: str | None, kind: str, _parents: object) -> bool:
    """Whether Alembic compares the object ``name`` with the models (``include_name``): all
    but the search index, which no model describes."""
    return not (name or "").removeprefix("ix_").startswith(SEARCH_INDEX)


async def upgrade(engine: AsyncEngine, url: str) -> None:
    """Upgrade the database behind ``engine`` to the newest revision (a no-op when there)."""
    async with _migration_turn(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            await connection.execute(lock, {"key": POSTGRES_MIGRATION_LOCK})
        await connection.run_sync(_upgrade, url)


def _upgrade(connection: Connection, url: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _migration_turn(engine: AsyncEngine) -> contextlib.AbstractAsyncContextManager[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return contextlib.nullcontext()
    return _file_lock(Path(f"{database}.migrate-lock"))


@contextlib.asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    """Hold an exclusive ``flock`` on ``path``, polling so that cancellation stays clean."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + MIGRATION_LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"another process has been migrating the database for "
                        f"{MIGRATION_LOCK_TIMEOUT:.0f} s (it holds {path}); stop it and retry"
                    ) from None
                await asyncio.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
