"""The handler SDK stays small and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import runtime

HEAVY = ("sqlalchemy", "alembic", "confluent_kafka", "aiosqlite", "asyncpg", "quart")


def test_importing_the_sdk_loads_no_database_kafka_or_web_code() -> None:
    program = (
        "import sys, runtime; "
        f"print(','.join(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_the_sdk_exports_what_handlers_use_and_each_name_exists() -> None:
    assert 12 <= len(runtime.__all__) <= 28  # schedules added every, cron and Tick
    assert all(hasattr(runtime, name) for name in runtime.__all__)
    assert {"on_message", "Context", "Delivery", "Reply", "Retry"} <= set(runtime.__all__)
    assert {"Action", "on_action", "Room", "Text"} <= set(runtime.__all__)
    assert "Store" not in runtime.__all__  # handlers get the History protocol, not the store
