"""functions/scheduled.py, called directly: schedule, list, edit and cancel a message; when
due it is posted as its author while the author is a member, else the author is told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from runtime.db.store import Store
from runtime.engine.discovery import load
from runtime.events import Delivery, Event, MessageEvent, PrivateEvent
from runtime.testing import MemoryState, MemoryTimers, action, context, test_store

FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"
scheduled = load(FUNCTIONS / "scheduled.py")


def events(result: object) -> list[Event]:
    found = result if isinstance(result, list) else [result]
    assert all(isinstance(e, Event) for e in found)
    return [e for e in found if isinstance(e, Event)]


class Rig:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.state = MemoryState()
        self.timers = MemoryTimers()

    async def call(self, user: str = "ada", **fields: Any) -> list[Event]:
        ctx = context(self.store, "scheduled", state=self.state, timers=self.timers)
        return events(await scheduled(action(scheduled, user=user, **fields), ctx))

    async def fire(self, at: datetime) -> list[Event]:
        ctx = context(self.store, "scheduled", state=self.state, timers=self.timers)
        found: list[Event] = []
        for event in self.timers.fire(at, scheduled.models):
            found += events(await scheduled(event, ctx))
        return found


def frame(events: list[Event], kind: str) -> dict[str, Any]:
    (found,) = [e.frame for e in events if isinstance(e, Delivery) and e.frame["type"] == kind]
    return found


def soon(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with test_store(tmp_path) as store:
        await store.rooms().enter("lobby", "bob", limit=100)
        await store.rooms().enter("lobby", "ada", limit=100)
        yield store


async def test_schedule_list_edit_cancel(store: Store) -> None:
    rig = Rig(store)
    first = await rig.call(room="lobby", text="hello later", at=soon(10), client_id="c1")
    retry = await rig.call(room="lobby", text="hello later", at=soon(10), client_id="c1")
    (item,) = frame(first, "scheduled")["messages"]
    assert frame(retry, "scheduled")["messages"] == [item]  # the client's retry: still one
    assert (item["room"], item["text"]) == ("lobby", "hello later")
    assert len(rig.timers.pending) == 1
    assert frame(await rig.call(room="lobby"), "scheduled")["messages"] == [item]
    assert frame(await rig.call(room="lobby", user="bob"), "scheduled")["messages"] == []
    edited = await rig.call(room="lobby", target=item["id"], text="hello, edited", client_id="e")
    (changed,) = frame(edited, "scheduled")["messages"]
    assert (changed["id"], changed["text"], changed["at"]) == (
        item["id"],
        "hello, edited",
        item["at"],
    )
    assert len(rig.timers.pending) == 1  # the old timer went, a new one came
    (bad,) = await rig.call(room="lobby", target=item["id"], at=soon(-1), client_id="p")
    assert isinstance(bad, Delivery)
    assert bad.frame["error"] == "invalid"
    (other,) = await rig.call(room="lobby", user="bob", target=item["id"], cancel=True)
    assert isinstance(other, Delivery)
    assert other.frame["error"] == "not_found"  # bob cannot cancel ada's
    cancelled = await rig.call(room="lobby", target=item["id"], cancel=True, client_id="x")
    assert frame(cancelled, "scheduled")["messages"] == []
    assert rig.timers.pending == {}


async def test_it_is_sent_as_its_author_when_due(store: Store) -> None:
    rig = Rig(store)
    await rig.call(room="lobby", text="good morning", at=soon(5), client_id="c1")
    assert await rig.fire(datetime.now(UTC) + timedelta(minutes=1)) == []
    sent = await rig.fire(datetime.now(UTC) + timedelta(minutes=6))
    (message,) = [e for e in sent if isinstance(e, MessageEvent)]
    assert (message.room, message.user, message.text, message.bot) == (
        "lobby",
        "ada",
        "good morning",
        False,
    )
    assert frame(sent, "scheduled")["messages"] == []


async def test_removed_from_the_room_meanwhile_it_is_not_sent_and_you_are_told(
    store: Store,
) -> None:
    rig = Rig(store)
    await rig.call(room="lobby", text="still here?", at=soon(5), client_id="c1")
    await store.rooms().remove_member("lobby", "bob", "ada")
    sent = await rig.fire(datetime.now(UTC) + timedelta(minutes=6))
    assert [e for e in sent if isinstance(e, MessageEvent)] == []
    failed = frame(sent, "scheduled_failed")
    assert failed["reason"] == "you are no longer a member of #lobby"
    (told,) = [e for e in sent if isinstance(e, PrivateEvent)]
    assert (told.sender, told.to) == ("scheduled", "ada")
    assert "was not sent" in told.text


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"text": "x"}, "needs text and at"),
        ({"text": "x", "at": "2020-01-01T00:00:00Z"}, "has passed"),
        ({"text": "   ", "at": "2099-01-01T00:00:00Z"}, "is empty"),
        ({"text": "x", "at": "2099-01-01T00:00:00Z"}, "at most a year"),
        ({"target": "nope", "cancel": True}, "no scheduled message"),
    ],
)
async def test_bad_requests_are_refused(store: Store, fields: dict[str, Any], says: str) -> None:
    rig = Rig(store)
    (refused,) = await rig.call(room="lobby", client_id="c", **fields)
    assert isinstance(refused, Delivery)
    assert says in str(refused.frame["detail"])
    assert rig.timers.pending == {}
