"""Schedules without a broker: the decorators, tick ids and times, the once-per-tick guard,
and the ticker's catch-up over the in-memory bus."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import runtime
from runtime import Context, Reply, Tick, cron, every
from runtime.engine.ticker import Ticker
from runtime.events import decode, rfc3339
from runtime.registry import describe
from runtime.schedules import WATERMARK, Every, make_tick, parse_schedule, schedule_of
from runtime.settings import Settings
from runtime.testing import InMemoryBus, MemoryState, context, test_store
from tests.support.harness import eventually

runs: list[str] = []


@every(seconds=0.5)
async def clock(tick: Tick, ctx: Context) -> Reply:
    runs.append(tick.id)
    if tick.name == "boom":
        raise RuntimeError("boom")
    return Reply(room="lobby", text=f"tick {rfc3339(tick.scheduled)}")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_decorators_describe_a_scheduled_handler() -> None:
    assert {"every", "cron", "Tick"} <= set(runtime.__all__)
    assert clock.name == "test_schedules"
    assert clock.topics == ("chat.tick.test_schedules",)
    assert clock.trigger == "every(0.5s)"
    assert clock.options.concurrency == 1
    assert schedule_of(clock) == Every(0.5)
    descriptor = describe(clock, Settings())
    assert descriptor.schedule == "every 0.5s"
    assert descriptor.next_tick(at("2026-12-07T10:00:00.200")) == "2026-12-07T10:00:00.500Z"

    @cron("*/5 * * * *", tz="Europe/Paris")
    async def fives(tick: Tick, ctx: Context) -> None:
        return None

    assert fives.trigger == "cron(*/5 * * * *, Europe/Paris)"
    schedule = schedule_of(fives)
    assert schedule is not None
    assert parse_schedule(schedule.text) == schedule
    assert describe(fives, Settings()).schedule == "cron */5 * * * * Europe/Paris"


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ValueError, match=r"at least 0\.1 seconds"):
        every(seconds=0.01)
    with pytest.raises(ValueError, match="expected 5 fields"):
        cron("* * *")
    with pytest.raises(ValueError, match="not a schedule"):
        parse_schedule("hourly")


def test_every_is_aligned_and_ids_are_deterministic() -> None:
    five = Every(5)
    assert five.next_after(at("2026-12-07T10:00:03")) == at("2026-12-07T10:00:05")
    assert five.next_after(at("2026-12-07T10:00:05")) == at("2026-12-07T10:00:10")
    assert five.last_at_or_before(at("2026-12-07T10:00:09.999")) == at("2026-12-07T10:00:05")
    one = make_tick(clock, at("2026-12-07T10:00:05"))
    other = make_tick(clock, at("2026-12-07T10:00:05"))
    assert one.id == other.id == "test_schedules@2026-12-07T10:00:05.000Z"
    assert one.key() == "test_schedules"


async def test_each_tick_runs_once_and_a_failure_leaves_it_to_run_again(tmp_path: Path) -> None:
    runs.clear()
    state = MemoryState()
    first, second = at("2026-12-07T10:00:00"), at("2026-12-07T10:00:00.500")
    async with test_store(tmp_path) as store:
        ctx: Context = context(store, function="test_schedules", state=state)
        assert await clock(make_tick(clock, first), ctx) == Reply(
            room="lobby", text="tick 2026-12-07T10:00:00.000Z"
        )
        assert await clock(make_tick(clock, first), ctx) is None  # the other replica's copy
        assert await clock(make_tick(clock, second), ctx) is not None
        assert await clock(make_tick(clock, first), ctx) is None  # late copy of an older one
        assert await state.get(WATERMARK) == "2026-12-07T10:00:00.500Z"
        # The same record again (its outputs were refused): it runs again.
        retry = context(store, function="test_schedules", state=state, attempt=2)
        assert await clock(make_tick(clock, second), retry) is not None
        failing = make_tick(clock, at("2026-12-07T10:00:01")).model_copy(update={"name": "boom"})
        with pytest.raises(RuntimeError):
            await clock(failing, ctx)
        assert await state.get(WATERMARK) == "2026-12-07T10:00:00.500Z"  # not handled yet
        with pytest.raises(RuntimeError):
            await clock(failing, ctx)  # the retry runs it again
    assert runs == [
        "test_schedules@2026-12-07T10:00:00.000Z",
        "test_schedules@2026-12-07T10:00:00.500Z",
        "test_schedules@2026-12-07T10:00:00.500Z",
        "test_schedules@2026-12-07T10:00:01.000Z",
        "test_schedules@2026-12-07T10:00:01.000Z",
    ]


async def run_ticker(state: MemoryState, records: int) -> tuple[list[Tick], datetime]:
    bus = InMemoryBus()
    schedule = Every(0.2)
    ticker = Ticker(clock, schedule, Settings(), state, bus)
    started = datetime.now(UTC)
    task = asyncio.create_task(ticker.run())
    try:
        await eventually(lambda: len(bus.records) >= records, timeout=10, what="ticks produced")
    finally:
        task.cancel()
    ticks = [decode(r.value_bytes, clock.models[0]) for r in bus.records]
    assert all(r.topic_name == "chat.tick.test_schedules" for r in bus.records)
    assert all(json.loads(r.value_bytes or b"")["type"] == "tick" for r in bus.records)
    return [t for t in ticks if isinstance(t, Tick)], started


async def test_the_ticker_produces_on_schedule_without_catching_up_a_new_function() -> None:
    ticks, started = await run_ticker(MemoryState(), 3)
    scheduled = [t.scheduled for t in ticks[:3]]
    assert scheduled[0] > started  # nothing from before: the function never ran
    assert scheduled[1] - scheduled[0] == scheduled[2] - scheduled[1] == timedelta(seconds=0.2)


async def test_after_a_restart_one_late_tick_then_on_time() -> None:
    state = MemoryState()
    await state.set(WATERMARK, "2026-12-07T10:00:00.000Z")  # ran long ago, then stopped
    ticks, started = await run_ticker(state, 2)
    late, on_time = ticks[0].scheduled, ticks[1].scheduled
    assert late <= started  # the one tick it missed last, at once
    assert on_time - late == timedelta(seconds=0.2)
