"""functions/remind.py, called directly: reading times, setting, listing and cancelling
reminders, and what a due reminder sends (a direct message, or the room while the user may
still post there)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from runtime.db.store import Store
from runtime.engine.discovery import load
from runtime.events import Delivery, Event, MessageEvent, PrivateEvent
from runtime.testing import MemoryState, MemoryTimers, action, context, test_store

FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"
remind = load(FUNCTIONS / "remind.py")
parse = remind.fn.__globals__["parse"]
Unclear = remind.fn.__globals__["Unclear"]
NOW = datetime(2026, 12, 7, 15, 20, tzinfo=UTC)  # a Monday, 16:20 in Paris
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "room", "at", "what"),
    [
        ("me in 10m stand up", None, NOW + timedelta(minutes=10), "stand up"),
        ("me in 1h30m tea", None, NOW + timedelta(minutes=90), "tea"),
        ("me in 2 hours call mum", None, NOW + timedelta(hours=2), "call mum"),
        ("#team tomorrow 09:00 retro", "team", datetime(2026, 12, 8, 8, 0, tzinfo=UTC), "retro"),
        ("me tomorrow water plants", None, datetime(2026, 12, 8, 8, 0, tzinfo=UTC), "water plants"),
        ("me at 17:30 go home", None, datetime(2026, 12, 7, 16, 30, tzinfo=UTC), "go home"),
        ("me at 08:00 wake", None, datetime(2026, 12, 8, 7, 0, tzinfo=UTC), "wake"),  # tomorrow
        ("me 2026-12-24 18:00 gifts", None, datetime(2026, 12, 24, 17, 0, tzinfo=UTC), "gifts"),
    ],
)
def test_reading_when_and_what(text: str, room: str | None, at: datetime, what: str) -> None:
    assert parse(text, NOW, PARIS) == (room, at, what)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("you in 10m x", "who to remind"),
        ("me in 10 parsecs x", "a duration"),
        ("me in 10m", "what to remember"),
        ("me whenever x", "say when"),
        ("me 2026-02-30 x", "is not a date"),
        ("me 2020-01-01 09:00 x", "has passed"),
        ("me in 400d x", "at most a year"),
    ],
)
def test_unclear_commands_say_how(text: str, says: str) -> None:
    with pytest.raises(Unclear, match=says):
        parse(text, NOW, PARIS)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with test_store(tmp_path) as store:
        yield store


class Rig:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.state = MemoryState()
        self.timers = MemoryTimers()

    async def call(self, user: str = "ada", **fields: Any) -> list[Event]:
        ctx = context(self.store, "remind", state=self.state, timers=self.timers)
        return events(await remind(action(remind, user=user, **fields), ctx))

    async def fire(self, at: datetime) -> list[Event]:
        ctx = context(self.store, "remind", state=self.state, timers=self.timers)
        found: list[Event] = []
        for event in self.timers.fire(at, remind.models):
            found += events(await remind(event, ctx))
        return found


def events(result: object) -> list[Event]:
    found = result if isinstance(result, list) else [result]
    assert all(isinstance(e, Event) for e in found)
    return [e for e in found if isinstance(e, Event)]


def listed(events: list[Event]) -> list[dict[str, Any]]:
    (last,) = [e for e in events if isinstance(e, Delivery) and e.frame["type"] == "reminders"]
    assert isinstance(last, Delivery)
    reminders = last.frame["reminders"]
    assert isinstance(reminders, list)
    return [r for r in reminders if isinstance(r, dict)]


async def test_set_list_cancel_and_a_retry_sets_one(store: Store) -> None:
    rig = Rig(store)
    first = await rig.call(text="me in 10m stand up", client_id="c1")
    again = await rig.call(text="me in 10m stand up", client_id="c1")  # the client's retry
    (reminder,) = listed(again)
    assert listed(first) == [reminder]
    assert (reminder["text"], reminder["room"]) == ("stand up", None)
    assert list(rig.timers.pending) == [reminder["id"]]
    assert listed(await rig.call(text="list")) == [reminder]
    assert listed(await rig.call(user="grace")) == []  # each user sees their own
    (refused,) = await rig.call(user="grace", cancel=reminder["id"])
    assert isinstance(refused, Delivery)
    assert refused.frame["error"] == "not_found"
    assert listed(await rig.call(text=f"cancel {reminder['id']}")) == []
    assert rig.timers.pending == {}


async def test_a_due_reminder_comes_as_a_direct_message_and_a_notification(store: Store) -> None:
    rig = Rig(store)
    await rig.call(text="me in 10m stand up", client_id="c1")
    assert await rig.fire(datetime.now(UTC) + timedelta(minutes=5)) == []  # not yet
    fired = await rig.fire(datetime.now(UTC) + timedelta(minutes=11))
    (notice,) = [e for e in fired if isinstance(e, Delivery) and e.frame["type"] == "reminder"]
    (message,) = [e for e in fired if isinstance(e, PrivateEvent)]
    assert (message.sender, message.to, message.text) == ("remind", "ada", "⏰ Reminder: stand up")
    assert notice.users == ("ada",)
    assert notice.frame["id"] == message.id
    assert listed(fired) == []
    # The same wake-up again (redelivered) sends the same message (one id: stored once).
    ctx = context(store, "remind", state=rig.state, timers=rig.timers)
    wake = action(remind, user="ada", due="pending").model_copy(update={"id": message.id})
    again = events(await remind(wake, ctx))
    assert [(e.id, e.text) for e in again if isinstance(e, PrivateEvent)] == [
        (message.id, message.text)
    ]
    assert listed(again) == []
    forged = action(remind, user="ada", due="pending")  # a client's: an id no timer has
    assert await remind(forged, ctx) == []


async def test_a_room_reminder_goes_to_the_room_while_the_user_may_post(store: Store) -> None:
    rig = Rig(store)
    await store.rooms().enter("team", "bob", limit=100)  # bob made it: bob owns it
    await store.rooms().enter("team", "ada", limit=100)
    (refused,) = await rig.call(user="grace", text="#team in 1m x")
    assert isinstance(refused, Delivery)
    assert refused.frame["error"] == "forbidden"
    await rig.call(text="#team in 1m retro", client_id="a")
    await rig.call(text="#team in 2m standup", client_id="b")
    fired = await rig.fire(datetime.now(UTC) + timedelta(seconds=90))
    (posted,) = [e for e in fired if isinstance(e, MessageEvent)]
    assert (posted.room, posted.user, posted.text) == (
        "team",
        "remind",
        "⏰ Reminder for @ada: retro",
    )
    await store.rooms().remove_member("team", "bob", "ada")  # the owner removes ada
    fired = await rig.fire(datetime.now(UTC) + timedelta(minutes=3))
    (told,) = [e for e in fired if isinstance(e, PrivateEvent)]
    assert told.to == "ada"
    assert "not posted in #team" in told.text
