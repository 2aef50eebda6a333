"""Worker processes: kill -9 and restart lose nothing; SIGTERM drains and commits; DLQ replay."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from runtime.db.store import Store
from runtime.events import Delivery, MessageEvent, decode
from runtime.kafka import dlq
from runtime.names import dlq_topic
from runtime.settings import Settings
from runtime.testing import message
from tests.support.harness import committed, eventually, produce, read_all
from tests.support.system import Workers

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parent / "functions"


async def stored_ids(store: Store, rooms: list[str]) -> list[str]:
    ids: list[str] = []
    for room in rooms:
        ids += [m.id for m in await store.room_messages(room, limit=200)]
    return ids


async def test_kill_9_mid_stream_then_restart_stores_everything_once(
    settings: Settings, store: Store, workers: Workers
) -> None:
    rooms = [f"room-{i}" for i in range(6)]
    events = [message(f"m{n}", room=rooms[n % 6]) for n in range(600)]
    first = await workers.start("chat")
    producing = asyncio.create_task(produce(settings, events))
    await eventually(lambda: stored_count(store, rooms, 100), timeout=60, what="100 stored")
    first.send_signal(signal.SIGKILL)
    assert first.wait(10) == -signal.SIGKILL
    await producing

    await workers.start("chat")
    await eventually(lambda: stored_count(store, rooms, 600), timeout=60, what="all 600 stored")
    ids = await stored_ids(store, rooms)
    assert sorted(ids) == sorted(e.id for e in events), "an event was lost or stored twice"
    for room in rooms:
        texts = [m.text for m in await store.room_messages(room, limit=200)]
        assert texts == sorted(texts, key=lambda t: int(t[1:])), f"{room} stored out of order"
    deliveries = await read_all(settings, settings.topic("chat.deliver"), 600)
    assert {decode(m.value(), Delivery).frame["id"] for m in deliveries} == set(ids)


async def stored_count(store: Store, rooms: list[str], at_least: int) -> bool:
    return len(await stored_ids(store, rooms)) >= at_least


async def test_sigterm_drains_in_flight_and_commits(
    settings: Settings, store: Store, workers: Workers
) -> None:
    proc = await workers.start("slow", FIXTURES)
    handled = settings.data_dir / "handled.txt"
    # Far more than the worker may hold in flight (32 x concurrency = 256), so that the stop
    # lands mid-stream however late the signal arrives.
    total = 1000
    await produce(settings, [message(str(n), room=f"r{n % 12}") for n in range(total)])
    await eventually(
        lambda: handled.exists() and len(handled.read_text().split()) >= 30,
        timeout=60,
        what="some events handled",
    )
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(proc.wait, 60) == 0
    done = handled.read_text().split()
    offsets = committed(settings, settings.topic("fn.slow"), settings.topic("chat.message"))
    assert len(done) == len(set(done)), "an event was handled twice before the stop"
    assert sum(o for o in offsets.values() if o > 0) == len(done), "committed != handled"
    assert len(done) < total, "the worker did not stop mid-stream"


async def test_dead_letters_list_and_replay(
    settings: Settings, store: Store, workers: Workers
) -> None:
    switch = settings.data_dir / "fail"
    switch.write_text("on")
    await workers.start("moody", FIXTURES)
    events = [message(f"x{n}", room="r") for n in range(3)]
    await produce(settings, events)
    await read_all(settings, dlq_topic(settings, "moody"), 3)

    letters = await dlq.list_dead_letters(settings, "moody")
    assert [decode(letter.value, MessageEvent).id for letter in letters] == [e.id for e in events]
    assert {letter.error for letter in letters} == {"RuntimeError: switched off"}
    assert all(letter.source_topic == settings.topic("chat.message") for letter in letters)

    switch.unlink()
    assert await dlq.replay(settings, "moody") == 3
    assert await dlq.replay(settings, "moody") == 0, "a replayed letter was sent twice"
    ok = settings.data_dir / "ok.txt"
    await eventually(lambda: ok.exists() and len(ok.read_text().split()) == 3, what="replayed ones")
    assert sorted(ok.read_text().split()) == sorted(e.id for e in events)
