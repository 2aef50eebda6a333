"""The built-in functions, called directly with runtime.testing: no Kafka."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from runtime.engine.discovery import load
from runtime.events import Delivery
from runtime.testing import context, join, leave, message, private, test_store
from runtime.triggers import Reply

FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"
bot, chat, presence, private_fn = (
    load(FUNCTIONS / f"{n}.py") for n in ("bot", "chat", "presence", "private")
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", None),
        ("/help", "commands: /help, /roll NdS (e.g. /roll 2d6), /who"),
        ("/roll 3d1", "ada rolled 3d1: 1 + 1 + 1 = 3"),
        ("/roll lots", "ada: cannot roll 'lots'; write NdS, e.g. 2d6"),
        ("/roll 0d6", "ada: roll between 1d1 and 100d1000"),
        ("/dance", "unknown command /dance; commands: /help, /roll NdS (e.g. /roll 2d6), /who"),
    ],
)
async def test_bot_commands(tmp_path: Path, text: str, expected: str | None) -> None:
    async with test_store(tmp_path) as store:
        reply = await bot(message(text, room="lobby"), context(store, "bot"))
    assert reply == (None if expected is None else Reply(room="lobby", text=expected))


async def test_bot_who_lists_the_room(tmp_path: Path) -> None:
    async with test_store(tmp_path) as store:
        await store.presence_join("lobby", "grace", "c2")
        await store.presence_join("lobby", "ada", "c1")
        reply = await bot(message("/who"), context(store, "bot"))
    assert reply == Reply(room="lobby", text="in #lobby: ada, grace")


async def test_roll_stays_in_range(tmp_path: Path) -> None:
    random.seed(7)
    async with test_store(tmp_path) as store:
        reply = await bot(message("/roll 100d6"), context(store, "bot"))
    assert isinstance(reply, Reply)
    total = int(reply.text.rsplit("= ", 1)[1])
    assert 100 <= total <= 600


async def test_chat_stores_once_and_delivers_the_same_frame(tmp_path: Path) -> None:
    event = message("hi there", room="lobby", client_id="c-1")
    async with test_store(tmp_path) as store:
        delivered = await chat(event, context(store, "chat"))
        redelivered = await chat(event, context(store, "chat"))
        stored = await store.room_messages("lobby")
    assert isinstance(delivered, list)
    assert isinstance(redelivered, list)
    [first], [again] = delivered, redelivered  # no mention: the message alone
    assert first.frame == again.frame
    assert first.room == "lobby"
    assert first.frame == {
        "type": "message",
        "id": event.id,
        "room": "lobby",
        "user": "ada",
        "text": "hi there",
        "ts": first.frame["ts"],
    }
    assert [m.id for m in stored] == [event.id]


async def test_private_goes_to_both_parties_only(tmp_path: Path) -> None:
    event = private("psst", sender="ada", to="grace")
    async with test_store(tmp_path) as store:
        delivery = await private_fn(event, context(store, "private"))
        assert [m.text for m in await store.private_messages("grace", "ada")] == ["psst"]
        assert await store.private_messages("grace", "eve") == []
    assert isinstance(delivery, Delivery)
    assert (delivery.room, delivery.users) == (None, ("ada", "grace"))
    assert delivery.frame["type"] == "private"
    assert (delivery.frame["from"], delivery.frame["to"]) == ("ada", "grace")


async def test_presence_announces_arrivals_and_departures_not_tabs(tmp_path: Path) -> None:
    async with test_store(tmp_path) as store:
        ctx = context(store, "presence")
        first_tab = await presence(join(user="ada", conn="tab-1"), ctx)
        second_tab = await presence(join(user="ada", conn="tab-2"), ctx)
        grace = await presence(join(user="grace", conn="g"), ctx)
        one_tab_left = await presence(leave(user="ada", conn="tab-1"), ctx)
        gone = await presence(leave(user="ada", conn="tab-2"), ctx)
        again = await presence(leave(user="ada", conn="tab-2"), ctx)  # a redelivered leave
        assert await store.room_users("lobby") == ["grace"]

    def change(joined: list[str], left: list[str]) -> tuple[str, dict[str, object]]:
        return "lobby", {"type": "presence", "room": "lobby", "joined": joined, "left": left}

    results = [first_tab, second_tab, grace, one_tab_left, gone, again]
    assert [(r.room, r.frame) if isinstance(r, Delivery) else r for r in results] == [
        change(["ada"], []),
        None,  # a second tab of someone present changes nothing
        change(["grace"], []),
        None,
        change([], ["ada"]),
        None,
    ]
