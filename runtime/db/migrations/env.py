"""Alembic environment of Parley's store.

``Store.migrate()`` runs this with an open connection in ``config.attributes["connection"]``;
no ``alembic.ini`` is needed. To write a new revision, describe the change in
``runtime/models.py`` and let Alembic compare it with a migrated database::

    from alembic import command
    from runtime.db.schema import alembic_config

    command.revision(alembic_config(url), "add reactions", autogenerate=True)

then review the generated file: it must work on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from runtime.db.models import Base
from runtime.db.schema import tracked


def run_with(connection: Connection) -> None:
    """Run the pending migrations on ``connection``, inside its transaction."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=tracked,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online(url: str) -> None:
    """Open an engine for ``url`` (the ``alembic`` command line case) and migrate."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_with)
    finally:
        await engine.dispose()


def database_url() -> str:
    """The URL from ``-x url=...`` or the config's ``sqlalchemy.url``."""
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database URL: pass -x url=<SQLAlchemy async URL>")
    return url


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (given := context.config.attributes.get("connection")) is not None:
    run_with(given)
else:
    asyncio.run(run_online(database_url()))
