"""Timers without a broker: ``ctx.later`` and ``ctx.cancel``, the SQL timer store (claims,
leases, racing claimers) and the alarms that fire due timers over the in-memory bus."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runtime import Context, Delivery, MessageEvent, PrivateEvent, Reply, on_message
from runtime.db.store import Store
from runtime.engine.alarms import Alarms
from runtime.events import decode
from runtime.settings import Settings
from runtime.testing import InMemoryBus, MemoryTimers, context, message, test_store
from runtime.timers import Pending, Timers, due_time

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@on_message
async def nag(event: MessageEvent, ctx: Context) -> None:
    await ctx.later(60, Reply(to=event.user, text="one minute later"))


async def test_later_keeps_the_output_and_cancel_takes_it_back(tmp_path: Path) -> None:
    timers = MemoryTimers()
    async with test_store(tmp_path) as store:
        await nag(message("hi", user="ada"), context(store, function="nag", timers=timers))
        (pending,) = timers.pending.values()
        assert pending.topic == "chat.private"
        assert pending.key == "ada|nag"
        ctx = context(store, function="nag", timers=timers)
        later = datetime.now(UTC) + timedelta(minutes=2)
        (event,) = timers.due(later, (PrivateEvent,))
        assert isinstance(event, PrivateEvent)
        assert (event.id, event.sender, event.to, event.bot) == (pending.id, "nag", "ada", True)
        assert await ctx.cancel(pending.id) is True
        assert await ctx.cancel(pending.id) is False
        other = context(store, function="other", timers=timers)
        again = await ctx.later(NOW, Delivery(users=("ada",), frame={"type": "x"}))
        assert await other.cancel(again) is False  # another function's timer
        assert timers.fire(NOW, (Delivery,))[0].id == again
        assert timers.pending == {}


async def test_bad_times_and_outputs_say_what_to_do(tmp_path: Path) -> None:
    async with test_store(tmp_path) as store:
        ctx = context(store)
        with pytest.raises(ValueError, match="aware datetime"):
            await ctx.later(datetime(2026, 12, 7), Reply(room="lobby", text="x"))
        with pytest.raises(ValueError, match="a delay is 0 to 10 years"):
            await ctx.later(-5, Reply(room="lobby", text="x"))
        with pytest.raises(TypeError, match="send a Reply or an event with a topic"):
            await ctx.later(5, "hello")  # type: ignore[arg-type]
    assert due_time(timedelta(seconds=0)) <= datetime.now(UTC)


def pending(store_fn: str, id: str, due: datetime) -> Pending:
    event = Delivery(id=id, users=("ada",), frame={"type": "wake", "due": due.isoformat()})
    return Pending(id, store_fn, due, event.topic, event.key(), event.model_dump_json().encode())


async def test_claims_go_to_one_claimer_and_expire(tmp_path: Path) -> None:
    async with test_store(tmp_path) as store:
        timers = store.timers()
        for n in range(20):
            await timers.add(pending("fn", f"t{n:02}", NOW - timedelta(seconds=n)))
        await timers.add(pending("fn", "future", NOW + timedelta(hours=1)))
        await timers.add(pending("other", "theirs", NOW))
        assert await timers.any_due("fn", NOW)
        one, two = await asyncio.gather(
            timers.claim("fn", NOW, lease=30), timers.claim("fn", NOW, lease=30)
        )
        claimed = [t.id for t in one + two]
        assert sorted(claimed) == [f"t{n:02}" for n in range(20)]  # each once, none twice
        assert not await timers.any_due("fn", NOW)
        # A claimer that died: its claim lapses and the timers are due again.
        lapsed = NOW + timedelta(seconds=31)
        again = await timers.claim("fn", lapsed, lease=30, limit=5)
        assert [t.id for t in again] == ["t19", "t18", "t17", "t16", "t15"]  # earliest first
        await timers.fired([t.id for t in again])
        assert await timers.cancel("fn", "t19") is False
        assert await timers.cancel("fn", "future") is True
        assert await timers.next_due("other") == NOW


async def test_alarms_fire_due_timers_once_acknowledged(tmp_path: Path) -> None:
    bus = InMemoryBus()
    async with Store(f"sqlite+aiosqlite:///{tmp_path / 't.db'}") as store:
        await store.migrate()
        timers = store.timers()
        ctx_timers = Timers(timers, nag.name)
        first = await ctx_timers.later(0, Reply(to="ada", text="now"))
        await ctx_timers.later(3600, Reply(to="ada", text="later"))
        own = await ctx_timers.later(0, message("wake me", room="lobby", user="ada"))
        alarms = Alarms(nag, Settings(), timers, bus)
        bus.refuse("chat.private")
        await alarms.round()
        assert [decode(r.value_bytes, MessageEvent).id for r in bus.records] == [own]
        assert bus.records[0].header_pairs == []  # its own topic: a deliberate wake-up
        await alarms.round()  # the refused one was released: it goes now
        (private,) = bus.on("chat.private")
        event = decode(private.value_bytes, PrivateEvent)
        assert (event.id, event.text) == (first, "now")
        assert event.ts >= datetime.now(UTC) - timedelta(seconds=5)  # stamped when it fired
        assert private.header_pairs == [("parley-origin", nag.name.encode())]
        assert json.loads(private.value_bytes or b"")["data"]["sender"] == nag.name
        assert not await alarms.round()
        assert alarms.fired == 2
        assert await timers.next_due(nag.name) is not None  # the hour-later one still waits
