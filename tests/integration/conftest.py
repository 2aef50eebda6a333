"""Fixtures of the integration tests: everything here runs against the real broker (marked
``kafka``); the tests that start the whole system's processes are also marked ``e2e``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from runtime.db.store import Store
from runtime.settings import Settings
from tests.support.harness import POSTGRES_URL, make_settings, sqlite_url
from tests.support.system import Workers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind; PostgreSQL only when PARLEY_TEST_POSTGRES_URL names
    one (`.ci/run` starts a throwaway server and sets it)."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "parley.db")
    url = os.environ.get(POSTGRES_URL)
    if not url:
        pytest.skip(
            f"{POSTGRES_URL} is not set: run `infra/postgres.sh DIR` as root and export the "
            "URL it prints to test the store on PostgreSQL"
        )
    return url


@pytest.fixture
def settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own topic prefix, database and data folder."""
    return make_settings(kafka_bootstrap, tmp_path)


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    """The test's migrated store (on ``settings.database_url()``)."""
    async with Store(settings.database_url()) as store:
        await store.migrate()
        yield store


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    """``parley worker`` processes for one test, every one stopped afterwards."""
    pool = Workers(settings, tmp_path)
    yield pool
    pool.stop_all()
