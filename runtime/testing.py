"""Unit-test a handler by calling it: real events, a real (temporary) store, no Kafka.

async def test_echo(tmp_path):
    async with test_store(tmp_path) as store:
        reply = await echo(message("!echo hi", room="lobby"), context(store))
        assert reply == Reply(room="lobby", text="hi")
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from runtime.context import Context
from runtime.db.store import Store
from runtime.events import JoinEvent, LeaveEvent, MessageEvent, PrivateEvent
from runtime.settings import Settings


@contextlib.asynccontextmanager
async def test_store(folder: Path) -> AsyncIterator[Store]:
    """A migrated SQLite store in ``folder`` (pytest's ``tmp_path``), closed afterwards."""
    async with Store(f"sqlite+aiosqlite:///{folder / 'test.db'}") as store:
        await store.migrate()
        yield store


test_store.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name


def context(store: Store, function: str = "test", attempt: int = 1) -> Context:
    """A Context for calling a handler directly."""
    log = logging.LoggerAdapter(logging.getLogger(f"parley.fn.{function}"), {"function": function})
    return Context(function=function, settings=Settings(), store=store, log=log, attempt=attempt)


def message(text: str, room: str = "lobby", user: str = "ada", **fields: object) -> MessageEvent:
    return MessageEvent.model_validate({"text": text, "room": room, "user": user, **fields})


def private(text: str, sender: str = "ada", to: str = "grace", **fields: object) -> PrivateEvent:
    return PrivateEvent.model_validate({"text": text, "sender": sender, "to": to, **fields})


def join(room: str = "lobby", user: str = "ada", conn: str = "c1") -> JoinEvent:
    return JoinEvent(room=room, user=user, conn=conn)


def leave(room: str = "lobby", user: str = "ada", conn: str = "c1") -> LeaveEvent:
    return LeaveEvent(room=room, user=user, conn=conn)
