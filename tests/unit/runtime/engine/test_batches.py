"""Batch handlers, filters and the age limit over the in-memory bus: gathering, partial
failures, splitting, key order. The same behaviours have real-broker tests in
tests/integration/test_trigger_options.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runtime import BatchFailures, Context, MessageEvent, Reply, Retry, on_message
from runtime.history import History
from runtime.kafka.headers import DLQ_PREFIX
from runtime.testing import message, test_store
from tests.unit.runtime.engine.test_runner import Rig


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[History]:
    async with test_store(tmp_path) as store:
        yield store


def rig_for(fn: Callable[..., object], store: History, **options: object) -> Rig:
    return Rig(on_message(**options)(fn), store)  # type: ignore[call-overload]


def texts(events: list[MessageEvent]) -> list[str]:
    return [e.text for e in events]


async def test_a_full_batch_leaves_at_once_in_fetch_order(store: History) -> None:
    calls: list[list[str]] = []

    async def handle(events: list[MessageEvent], ctx: Context) -> None:
        calls.append(texts(events))

    rig = rig_for(handle, store, batch=3, window=60)
    for n in range(6):
        rig.submit(message(str(n), room=f"r{n % 2}"))
    await rig.until_finished(6)
    assert calls == [["0", "1", "2"], ["3", "4", "5"]]
    assert (rig.stats.batches, rig.stats.processed) == (2, 6)


async def test_a_partial_batch_waits_for_its_window(store: History) -> None:
    calls: list[list[str]] = []

    async def handle(events: list[MessageEvent], ctx: Context) -> None:
        calls.append(texts(events))

    rig = rig_for(handle, store, batch=10, window=0.05)
    rig.submit(message("a"))
    rig.submit(message("b"))
    await asyncio.sleep(0)
    assert calls == [], "a partial batch left before its window"
    await rig.until_finished(2)
    assert calls == [["a", "b"]]


async def test_outputs_of_a_batch_are_produced_once_for_it(store: History) -> None:
    async def count(events: list[MessageEvent], ctx: Context) -> Reply:
        return Reply(room="lobby", text=f"{len(events)} events")

    rig = rig_for(count, store, batch=4)
    for n in range(4):
        rig.submit(message(str(n)))
    await rig.until_finished(4)
    replies = [json.loads(r.value() or b"")["data"]["text"] for r in rig.bus.on(rig.topic)[4:]]
    assert replies == ["4 events"]


async def test_only_reported_failures_are_retried_then_dead_lettered(store: History) -> None:
    seen: list[list[str]] = []

    async def picky(events: list[MessageEvent], ctx: Context) -> BatchFailures | None:
        seen.append(texts(events))
        bad = [e.id for e in events if e.text == "poison"]
        return BatchFailures(ids=bad, reason="poison refused") if bad else None

    rig = rig_for(picky, store, batch=5, retries=2)
    for text in ("a", "b", "poison", "c"):
        rig.submit(message(text, room=f"room-{text}"))
    await rig.until_finished(4)
    assert seen == [["a", "b", "poison", "c"], ["poison"], ["poison"]]
    [letter] = rig.dead_letters()
    headers = dict(letter.header_pairs)
    assert json.loads(letter.value() or b"")["data"]["text"] == "poison"
    assert headers[DLQ_PREFIX + "attempts"] == b"3"
    assert headers[DLQ_PREFIX + "error"] == b"poison refused"
    assert headers[DLQ_PREFIX + "reason"] == b"failed"
    assert rig.stats.processed == 3


async def test_an_exception_splits_the_batch_until_the_poison_is_alone(store: History) -> None:
    seen: list[list[str]] = []

    async def fragile(events: list[MessageEvent], ctx: Context) -> None:
        seen.append(texts(events))
        if any(e.text == "5" for e in events):
            raise ValueError("cannot store 5")

    rig = rig_for(fragile, store, batch=8, retries=1)
    for n in range(8):
        rig.submit(message(str(n), room=f"r{n}"))
    await rig.until_finished(8)
    assert seen == [
        ["0", "1", "2", "3", "4", "5", "6", "7"],
        ["0", "1", "2", "3"],
        ["4", "5", "6", "7"],
        ["4", "5"],
        ["4"],
        ["5"],
        ["5"],  # its one retry
        ["6", "7"],
    ]
    [letter] = rig.dead_letters()
    assert json.loads(letter.value() or b"")["data"]["text"] == "5"
    assert b"ValueError: cannot store 5" in dict(letter.header_pairs)[DLQ_PREFIX + "error"]
    assert rig.stats.splits == 3
    assert rig.stats.processed == 7


async def test_a_keys_later_events_wait_for_its_failed_one(store: History) -> None:
    """A later batch never carries an event of a key whose earlier event is being retried."""
    seen: list[list[str]] = []

    async def slow_lobby(events: list[MessageEvent], ctx: Context) -> BatchFailures | None:
        seen.append(texts(events))
        first = [e.id for e in events if e.text == "lobby-1" and ctx.attempt == 1]
        return BatchFailures(ids=first) if first else None

    rig = rig_for(slow_lobby, store, batch=2, retries=3)
    rig.submit(message("lobby-1", room="lobby"))
    rig.submit(message("dev-1", room="dev"))
    await asyncio.sleep(0)  # the first batch is running
    rig.submit(message("lobby-2", room="lobby"))
    rig.submit(message("dev-2", room="dev"))
    rig.submit(message("ops-1", room="ops"))
    await rig.until_finished(5)
    lobby = [t for batch in seen for t in batch if t.startswith("lobby")]
    assert lobby == ["lobby-1", "lobby-1", "lobby-2"], seen
    assert seen.index(["lobby-1"]) < next(i for i, b in enumerate(seen) if "lobby-2" in b)


async def test_filtered_events_are_finished_without_a_call(store: History) -> None:
    seen: list[str] = []

    async def commands(event: MessageEvent, ctx: Context) -> None:
        seen.append(event.text)

    rig = rig_for(commands, store, match={"text": {"prefix": "/"}})
    for text in ("hello", "/help", "bye", "/who"):
        rig.submit(message(text))
    await rig.until_finished(4)
    assert seen == ["/help", "/who"]
    assert rig.stats.filtered == 2
    assert sorted(slot.offset for slot in rig.finished) == [0, 1, 2, 3]  # all committable


async def test_an_expired_event_is_dead_lettered_not_handled(store: History) -> None:
    seen: list[str] = []

    async def fresh_only(events: list[MessageEvent], ctx: Context) -> None:
        seen.extend(texts(events))

    rig = rig_for(fresh_only, store, batch=5, max_age=60)
    old = datetime.now(UTC) - timedelta(minutes=5)
    rig.submit(message("old", ts=old))
    rig.submit(message("new"))
    await rig.until_finished(2)
    assert seen == ["new"]
    [letter] = rig.dead_letters()
    headers = dict(letter.header_pairs)
    assert headers[DLQ_PREFIX + "reason"] == b"expired"
    assert headers[DLQ_PREFIX + "error"].startswith(b"expired: the event is 3")
    assert rig.stats.expired == 1


async def test_batch_failures_from_a_one_event_handler_fail_the_attempt(store: History) -> None:
    async def confused(event: MessageEvent, ctx: Context) -> BatchFailures:
        return BatchFailures(ids=[event.id])

    rig = rig_for(confused, store, retries=0)
    rig.submit(message("x"))
    await rig.until_finished(1)
    [letter] = rig.dead_letters()
    assert b"for batch handlers" in dict(letter.header_pairs)[DLQ_PREFIX + "error"]


async def test_flush_sends_a_gathering_batch_without_its_window(store: History) -> None:
    calls: list[list[str]] = []

    async def handle(events: list[MessageEvent], ctx: Context) -> None:
        calls.append(texts(events))

    rig = rig_for(handle, store, batch=10, window=300)
    rig.submit(message("a"))
    rig.submit(message("b"))
    rig.runner.flush()  # what the worker does when it stops or loses partitions
    await rig.until_finished(2)
    assert calls == [["a", "b"]]


async def test_a_refused_output_sends_the_batch_round_again(store: History) -> None:
    calls: list[int] = []

    async def count(events: list[MessageEvent], ctx: Context) -> Reply:
        calls.append(ctx.attempt)
        return Reply(room="lobby", text=f"{len(events)} events")

    rig = rig_for(count, store, batch=2, retries=2)
    rig.bus.refuse(rig.topic)  # the first reply
    rig.submit(message("a", room="r1"))
    rig.submit(message("b", room="r2"))
    await rig.until_finished(2)
    assert calls == [1, 2]
    assert rig.dead_letters() == []
    assert rig.stats.processed == 2


async def test_retry_tries_the_whole_batch_again_as_an_attempt(store: History) -> None:
    calls: list[tuple[int, list[str]]] = []

    async def later(events: list[MessageEvent], ctx: Context) -> None:
        calls.append((ctx.attempt, texts(events)))
        if ctx.attempt == 1:
            raise Retry(defer=0.001, reason="busy")

    rig = rig_for(later, store, batch=3)
    for text in "abc":
        rig.submit(message(text, room=f"r{text}"))
    await rig.until_finished(3)
    assert calls == [(1, ["a", "b", "c"]), (2, ["a", "b", "c"])]
    assert rig.stats.splits == 0


async def test_a_batch_past_its_timeout_is_split(store: History) -> None:
    calls: list[list[str]] = []

    async def hangs_on_b(events: list[MessageEvent], ctx: Context) -> None:
        calls.append(texts(events))
        if "b" in texts(events):
            await asyncio.Event().wait()

    rig = rig_for(hangs_on_b, store, batch=2, retries=0, timeout=0.05)
    rig.submit(message("a", room="r1"))
    rig.submit(message("b", room="r2"))
    await rig.until_finished(2)
    assert calls == [["a", "b"], ["a"], ["b"]]
    [letter] = rig.dead_letters()
    assert b"ran past its timeout" in dict(letter.header_pairs)[DLQ_PREFIX + "error"]
