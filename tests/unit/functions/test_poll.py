"""functions/poll.py, called directly: open, vote once, refuse bad votes, stay idempotent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from runtime.db.store import Store
from runtime.engine.discovery import load
from runtime.events import Delivery
from runtime.testing import MemoryState, action, context, test_store

FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"
poll = load(FUNCTIONS / "poll.py")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with test_store(tmp_path) as store:
        yield store


async def call(store: Store, state: MemoryState, user: str = "ada", **fields: Any) -> Delivery:
    result = await poll(action(poll, user=user, **fields), context(store, "poll", state=state))
    assert isinstance(result, Delivery)
    return result


async def test_a_client_that_joins_is_sent_the_rooms_polls(store: Store) -> None:
    state = MemoryState()
    first = await call(store, state, room="lobby", question="A?", options=["x", "y"])
    await call(store, state, user="grace", room="lobby", poll=first.frame["id"], vote=0)
    await call(store, state, room="other", question="B?", options=["x", "y"])
    listed = await poll(action(poll, user="bob", room="lobby"), context(store, "poll", state=state))
    assert isinstance(listed, list)
    assert [(d.users, d.frame["id"], d.frame["totals"]) for d in listed] == [
        (("bob",), first.frame["id"], [1, 0])
    ]


async def test_open_then_vote_once_each(store: Store) -> None:
    state = MemoryState()
    opened = await call(
        store, state, room="lobby", question="Lunch?", options=["pizza", "soup"], client_id="c1"
    )
    assert opened.room == "lobby"
    poll_id = opened.frame["id"]
    assert opened.frame == {
        "type": "poll",
        "id": poll_id,
        "room": "lobby",
        "question": "Lunch?",
        "options": ["pizza", "soup"],
        "votes": {},
        "by": "ada",
        "totals": [0, 0],
    }
    voted = await call(store, state, user="grace", room="lobby", poll=poll_id, vote=1)
    assert voted.frame["totals"] == [0, 1]
    again = await call(store, state, user="grace", room="lobby", poll=poll_id, vote=0)
    assert again.frame["totals"] == [0, 1]  # the first vote counts
    assert again.frame["votes"] == {"grace": 1}


async def test_a_retry_of_the_same_request_opens_one_poll(store: Store) -> None:
    state = MemoryState()
    fields: dict[str, Any] = {
        "room": "lobby",
        "question": "Q?",
        "options": ["a", "b"],
        "client_id": "c1",
    }
    first = await call(store, state, **fields)
    retried = await call(store, state, **fields)  # another gateway: a new event id
    assert retried.frame["id"] == first.frame["id"]
    assert len([k for k in state.values if k.startswith("poll:")]) == 1


async def test_bad_requests_are_answered_to_the_sender_alone(store: Store) -> None:
    state = MemoryState()
    opened = await call(store, state, room="lobby", question="Q?", options=["a", "b"])
    poll_id = opened.frame["id"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"room": "lobby", "question": "Q?"}, "needs a question and 2-10 options"),
        ({"room": "lobby", "poll": "nope", "vote": 0}, "there is no poll 'nope'"),
        ({"room": "other", "poll": poll_id, "vote": 0}, "in #other"),
        ({"room": "lobby", "poll": poll_id, "vote": 5}, "between 0 and 1"),
    ]
    for fields, detail in cases:
        refused = await call(store, state, user="grace", client_id="c9", **fields)
        assert refused.users == ("grace",)
        assert refused.room is None
        assert refused.frame["type"] == "error"
        assert refused.frame["client_id"] == "c9"
        assert detail in str(refused.frame["detail"])
    still = await call(store, state, user="bob", room="lobby", poll=poll_id, vote=0)
    assert still.frame["votes"] == {"bob": 0}
