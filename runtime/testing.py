"""Unit-test a handler by calling it: real events, a real (temporary) store, no Kafka.

async def test_echo(tmp_path):
    async with test_store(tmp_path) as store:
        reply = await echo(message("!echo hi", room="lobby"), context(store))
        assert reply == Reply(room="lobby", text="hi")

``InMemoryBus`` stands in for Kafka where the engine is tested without a broker: it keeps
every record produced, acknowledges on the next loop turn, and refuses records on request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import JsonValue

from runtime.actions import Action, from_client
from runtime.bus import Acknowledged, RecordHeaders
from runtime.context import Context
from runtime.db.store import Store
from runtime.events import (
    Event,
    JoinEvent,
    LeaveEvent,
    MessageEvent,
    PrivateEvent,
    decode_any,
)
from runtime.history import History
from runtime.settings import Settings
from runtime.state import State, Updater, check_key, decode_value, encode_value
from runtime.timers import Pending, Timers
from runtime.triggers import Handler


@contextlib.asynccontextmanager
async def test_store(folder: Path) -> AsyncIterator[Store]:
    """A migrated SQLite store in ``folder`` (pytest's ``tmp_path``), closed afterwards."""
    async with Store(f"sqlite+aiosqlite:///{folder / 'test.db'}") as store:
        await store.migrate()
        yield store


test_store.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name


def context(
    store: History,
    function: str = "test",
    attempt: int = 1,
    state: State | None = None,
    timers: MemoryTimers | None = None,
) -> Context:
    """A Context for calling a handler directly; ``state`` is a fresh ``MemoryState`` and
    ``timers`` fresh ``MemoryTimers`` unless you pass them (pass the same ones to several calls
    to see state carry over, and to look at the timers set)."""
    log = logging.LoggerAdapter(logging.getLogger(f"parley.fn.{function}"), {"function": function})
    return Context(
        function=function,
        settings=Settings(),
        store=store,
        state=state if state is not None else MemoryState(),
        log=log,
        attempt=attempt,
        timers=Timers(timers if timers is not None else MemoryTimers(), function),
    )


class MemoryTimers:
    """Timers in memory: ``pending`` holds what ``ctx.later`` set and nobody cancelled.
    ``due(now)`` decodes the events due by ``now``, for a test to hand to its handler."""

    def __init__(self) -> None:
        self.pending: dict[str, Pending] = {}

    async def add(self, timer: Pending) -> None:
        self.pending[timer.id] = timer

    async def cancel(self, function: str, id: str) -> bool:
        timer = self.pending.get(id)
        if timer is None or timer.function != function:
            return False
        del self.pending[id]
        return True

    def due(self, now: datetime, models: tuple[type[Event], ...]) -> list[Event]:
        """The pending timers due by ``now`` as events of ``models``, earliest first (they
        stay pending: call ``fire`` to take them)."""
        timers = sorted((t for t in self.pending.values() if t.due <= now), key=lambda t: t.due)
        return [decode_any(t.value, models) for t in timers]

    def fire(self, now: datetime, models: tuple[type[Event], ...]) -> list[Event]:
        """Like ``due``, and forget them, as the worker does once Kafka has them."""
        events = self.due(now, models)
        for event in events:
            self.pending.pop(event.id, None)
        return events


class MemoryState:
    """``ctx.state`` in memory, with the SQL state's rules (JSON values, atomic updates)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}  # key -> JSON text, as the database keeps it
        self.marked: set[str] = set()

    async def get(self, key: str, default: JsonValue = None) -> JsonValue:
        text = self.values.get(key)
        return default if text is None else decode_value(text)

    async def set(self, key: str, value: JsonValue) -> None:
        self.values[check_key(key)] = encode_value(key, value)

    async def delete(self, key: str) -> bool:
        return self.values.pop(check_key(key), None) is not None

    async def incr(self, key: str, by: int = 1) -> int:
        def add(value: JsonValue) -> JsonValue:
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"state {key!r} holds {value!r}, not an integer: cannot incr it")
            return value + by

        return int(await self.update(key, add, default=0))  # type: ignore[arg-type]

    async def update(self, key: str, fn: Updater, default: JsonValue = None) -> JsonValue:
        new = fn(await self.get(check_key(key), default))
        self.values[key] = encode_value(key, new)
        return new

    async def once(self, key: str) -> bool:
        if check_key(key) in self.marked:
            return False
        self.marked.add(key)
        return True


def message(text: str, room: str = "lobby", user: str = "ada", **fields: object) -> MessageEvent:
    return MessageEvent.model_validate({"text": text, "room": room, "user": user, **fields})


def private(text: str, sender: str = "ada", to: str = "grace", **fields: object) -> PrivateEvent:
    return PrivateEvent.model_validate({"text": text, "sender": sender, "to": to, **fields})


def join(room: str = "lobby", user: str = "ada", conn: str = "c1") -> JoinEvent:
    return JoinEvent(room=room, user=user, conn=conn)


def action(handler: Handler, user: str = "ada", **fields: object) -> Action:
    """The event of ``handler``'s declared action, as the gateway would publish it: the
    client's ``fields`` (``id`` naming what it is about) plus the sender as ``user``."""
    model = next((m for m in handler.models if issubclass(m, Action)), None)
    if model is None:
        raise TypeError(f"{handler.name} declares no action (it runs on {handler.trigger})")
    return model.model_validate(from_client(fields, user))


def leave(room: str = "lobby", user: str = "ada", conn: str = "c1") -> LeaveEvent:
    return LeaveEvent(room=room, user=user, conn=conn)


class Refused(Exception):
    """A record the in-memory bus was told to refuse (``InMemoryBus.refuse``)."""


@dataclass(frozen=True)
class MemoryRecord:
    """A record on the in-memory bus, shaped like a Kafka message (``runtime.bus.Record``)."""

    topic_name: str
    offset_number: int
    key_bytes: bytes | None
    value_bytes: bytes | None
    header_pairs: list[tuple[str, bytes]] = field(default_factory=list)

    def topic(self) -> str:
        return self.topic_name

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self.offset_number

    def key(self) -> bytes | None:
        return self.key_bytes

    def value(self) -> bytes | None:
        return self.value_bytes

    def headers(self) -> RecordHeaders:
        return list(self.header_pairs)

    def error(self) -> None:
        return None


class InMemoryBus:
    """A ``runtime.bus.Bus`` in memory: one partition per topic, acks on the next loop turn."""

    def __init__(self) -> None:
        self.records: list[MemoryRecord] = []
        self.closed = False
        self._refusals: dict[str, int] = {}

    def refuse(self, topic: str, times: int = 1) -> None:
        """Refuse the next ``times`` records produced to ``topic`` (as a full broker would)."""
        self._refusals[topic] = self._refusals.get(topic, 0) + times

    def on(self, topic: str) -> list[MemoryRecord]:
        """The records acknowledged on ``topic``, oldest first."""
        return [r for r in self.records if r.topic_name == topic]

    def record(
        self,
        topic: str,
        value: bytes | None,
        key: str | bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> MemoryRecord:
        """Append a record as if another producer had written it; returns it (to feed a runner)."""
        record = MemoryRecord(
            topic,
            len(self.on(topic)),
            key.encode() if isinstance(key, str) else key,
            value,
            headers or [],
        )
        self.records.append(record)
        return record

    def produce(
        self,
        topic: str,
        value: bytes | None,
        key: str | bytes | None,
        headers: list[tuple[str, bytes]],
        done: Acknowledged,
    ) -> None:
        loop = asyncio.get_running_loop()
        if self.closed:
            raise RuntimeError("the bus is closed")
        if self._refusals.get(topic, 0) > 0:
            self._refusals[topic] -= 1
            loop.call_soon(done, Refused(f"{topic} refused the record (InMemoryBus.refuse)"))
            return
        self.record(topic, value, key, headers)
        loop.call_soon(done, None)

    async def close(self) -> None:
        self.closed = True
