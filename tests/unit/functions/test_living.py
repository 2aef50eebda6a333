"""Messages that live (edit, delete, react, replies, mentions), called directly with
runtime.testing on a real SQLite store: who may change what, once, and what everyone is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runtime.actions import ON_ITS_WAY_ATTEMPTS
from runtime.db.store import Store
from runtime.engine.discovery import load
from runtime.events import Delivery, new_id
from runtime.testing import action, context, message, private, test_store
from runtime.triggers import Handler, Retry

FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"
chat, private_fn, edit, delete, react = (
    load(FUNCTIONS / f"{n}.py") for n in ("chat", "private", "edit", "delete", "react")
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with test_store(tmp_path) as opened:
        people = opened.people()
        for name in ("ada", "bob", "eve", "Grace"):
            await people.add(name, "hash")
        rooms = opened.rooms()
        await rooms.create("lobby", "ada", limit=50)
        await rooms.enter("lobby", "bob", limit=50)
        await rooms.enter("lobby", "Grace", limit=50)
        await rooms.create("secret", "ada", visibility="private", limit=50)
        yield opened


async def post(store: Store, text: str, user: str = "ada", room: str = "lobby", **f: object) -> str:
    deliveries = await chat(message(text, room=room, user=user, **f), context(store, "chat"))
    assert isinstance(deliveries, list)
    return str(deliveries[0].frame["id"])


async def run(fn: Handler, store: Store, user: str, **fields: object) -> list[Delivery]:
    """The action through ``fn`` as the worker runs it: a ``Retry`` is attempted again."""
    event = action(fn, user=user, **fields)
    for attempt in range(1, 10):
        try:
            result = await fn(event, context(store, attempt=attempt))
        except Retry:
            continue
        assert isinstance(result, (Delivery, list))
        return result if isinstance(result, list) else [result]
    raise AssertionError(f"{fn.name} asked for a retry 9 times")


def errors(deliveries: list[Delivery]) -> list[str]:
    return [str(d.frame["error"]) for d in deliveries if d.frame["type"] == "error"]


async def test_only_the_author_edits_and_everyone_in_the_room_gets_the_text(store: Store) -> None:
    id = await post(store, "helo")
    refused = await run(edit, store, "bob", id=id, text="bob was here", client_id="b1")
    assert errors(refused) == ["forbidden"]
    assert refused[0].users == ("bob",)  # the refusal goes to the sender only
    assert (await store.message(id)).text == "helo"  # type: ignore[union-attr]

    [sent] = await run(edit, store, "ada", id=id, text="hello", client_id="a1")
    assert sent.room == "lobby"
    assert sent.frame | {"edited_at": "t"} == {
        "type": "edit",
        "id": id,
        "room": "lobby",
        "text": "hello",
        "edited_at": "t",
        "rev": 1,
    }
    now = await store.message(id)
    assert now is not None
    assert (now.text, now.rev) == ("hello", 1)
    assert now.edited_at is not None


async def test_a_retried_edit_or_reaction_is_applied_once(store: Store) -> None:
    id = await post(store, "vote")
    for _ in range(2):  # the same client_id twice: as a retry through another gateway
        await run(react, store, "bob", id=id, emoji="👍", client_id="same")
        await run(edit, store, "ada", id=id, text="vote!", client_id="e1")
    now = await store.message(id)
    assert now is not None
    assert now.reactions == {"👍": ["bob"]}
    assert now.rev == 2  # one reaction, one edit

    await run(react, store, "bob", id=id, emoji="👍", client_id="again")  # a new toggle: off
    await run(react, store, "Grace", id=id, emoji="🎉", client_id="g1")
    [frame] = await run(react, store, "ada", id=id, emoji="🎉", client_id="a1")
    assert frame.frame["reactions"] == {"🎉": ["Grace", "ada"]}


async def test_delete_by_author_or_room_moderator_leaves_a_tombstone(store: Store) -> None:
    id = await post(store, "oops", user="bob")
    await run(react, store, "ada", id=id, emoji="👀", client_id="r")
    assert errors(await run(delete, store, "Grace", id=id, client_id="g")) == ["forbidden"]
    [gone] = await run(delete, store, "ada", id=id, client_id="d")  # ada owns the lobby
    assert gone.frame == {"type": "delete", "id": id, "room": "lobby", "rev": 2}
    [row] = await store.room_messages("lobby")
    assert row.frame() | {"ts": "t"} == {
        "type": "message",
        "id": id,
        "room": "lobby",
        "user": "bob",
        "text": "",
        "ts": "t",
        "deleted": True,
        "rev": 2,
    }
    # A deleted message takes no edit and no reaction.
    assert errors(await run(edit, store, "bob", id=id, text="back", client_id="e")) == ["invalid"]
    assert errors(await run(react, store, "bob", id=id, emoji="👍", client_id="x")) == ["invalid"]
    assert (await store.message(id)).text == ""  # type: ignore[union-attr]


async def test_private_rooms_and_conversations_are_not_found_by_outsiders(store: Store) -> None:
    secret = await post(store, "plans", room="secret")
    direct = await private_fn(private("psst", sender="ada", to="bob"), context(store))
    assert isinstance(direct, Delivery)
    dm = str(direct.frame["id"])
    for target in (secret, dm):
        assert errors(await run(react, store, "eve", id=target, emoji="👍", client_id="e")) == [
            "not_found"
        ]
        assert errors(await run(delete, store, "eve", id=target, client_id="d")) == ["not_found"]
    [reaction] = await run(react, store, "bob", id=dm, emoji="❤️", client_id="b")
    assert (reaction.users, reaction.frame["from"], reaction.frame["to"]) == (
        ("ada", "bob"),
        "ada",
        "bob",
    )
    assert errors(await run(edit, store, "ada", id="nope", text="x", client_id="n")) == [
        "not_found"
    ]
    # Anyone may react in a public room, but not someone banned from it.
    lobby = await post(store, "public")
    assert errors(await run(react, store, "eve", id=lobby, emoji="👍", client_id="p")) == []
    await store.rooms().ban("lobby", "ada", "eve")
    assert errors(await run(react, store, "eve", id=lobby, emoji="👎", client_id="q")) == [
        "not_found"
    ]


async def test_mentions_name_members_only_and_tell_them_wherever_they_are(store: Store) -> None:
    deliveries = await chat(
        message("@grace @bob. and @eve, mail ada@example.org, @ada", user="ada"),
        context(store, "chat"),
    )
    assert isinstance(deliveries, list)
    stored, *mentions = deliveries
    assert stored.frame["mentions"] == ["Grace", "ada", "bob"]  # eve is no member; any case
    assert sorted(d.users for d in mentions) == [("Grace",), ("bob",)]  # not the author
    assert mentions[0].frame["type"] == "mention"
    assert {r.name: r.mentions for r in (await store.reads().sidebar("bob"))[0]} == {"lobby": 1}

    # An edit that names someone new tells only them.
    id = str(stored.frame["id"])
    edited = await run(edit, store, "ada", id=id, text="@bob @grace and @ADA", client_id="e")
    assert [d.frame["type"] for d in edited] == ["edit"]  # nobody new
    edited = await run(edit, store, "ada", id=id, text="just @bob", client_id="e2")
    assert edited[0].frame["mentions"] == ["bob"]
    assert len(edited) == 1


async def test_replies_count_on_their_parent_and_list_as_its_thread(store: Store) -> None:
    parent = await post(store, "question?")
    first = await post(store, "answer one", user="bob", reply_to=parent)
    await post(store, "unrelated")
    second = await post(store, "answer two", user="Grace", reply_to=parent)
    now = await store.message(parent)
    assert now is not None
    assert now.replies == 2
    thread = await store.room_messages("lobby", thread=parent)
    assert [m.id for m in thread] == [first, second]
    assert thread[0].frame()["reply_to"] == parent


async def test_a_replay_after_a_message_brings_its_changes_in_room_order(store: Store) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    old = await post(store, "old")
    await run(react, store, "bob", id=old, emoji="👀", client_id="r0", ts=long_ago)
    mark = await post(store, "seen by the client")
    await run(edit, store, "ada", id=old, text="old, edited while you were away", client_id="e")
    later = await post(store, "later")
    await run(react, store, "bob", id=later, emoji="👍", client_id="r")
    await run(react, store, "bob", id=old, emoji="🎉", client_id="r2")
    changed = await store.changed_after("lobby", mark)
    # Each changed message once, where its last change falls; as it is now.
    assert [c.message.id for c in changed] == [later, old]
    later_seq = (await store.message(later)).seq  # type: ignore[union-attr]
    assert [c.after for c in changed] == [later_seq, later_seq]
    frames = [f for c in changed for f in c.frames()]
    assert [(f["type"], f["id"]) for f in frames] == [
        ("reactions", later),
        ("edit", old),
        ("reactions", old),
    ]
    assert frames[1]["text"] == "old, edited while you were away"
    assert frames[2]["reactions"] == {"👀": ["bob"], "🎉": ["bob"]}
    quiet = await post(store, "quiet")
    assert await store.changed_after("lobby", quiet) != []  # the last minute's changes too
    assert await store.changed_after("lobby", "unknown") == []


async def test_changes_long_before_the_mark_are_not_replayed(store: Store) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    old = await post(store, "old")
    await run(react, store, "bob", id=old, emoji="👀", client_id="r0", ts=long_ago)
    mark = await post(store, "seen by the client")
    assert await store.changed_after("lobby", mark) == []
    assert [c.message.id for c in await store.changed_after("lobby", old)] == [old]


@pytest.mark.parametrize(
    ("fn", "fields"),
    [(edit, {"text": "x"}), (delete, {}), (react, {"emoji": "✅"})],
    ids=["edit", "delete", "react"],
)
async def test_a_change_that_overtakes_its_message_waits_for_it_then_is_refused(
    store: Store, fn: Handler, fields: dict[str, str]
) -> None:
    """An ack means Kafka has the message, not that the chat function stored it yet: a change
    naming a just-minted id is retried a few times before the sender hears ``not_found``."""
    young = action(fn, user="ada", id=new_id(), client_id="c", **fields)
    with pytest.raises(Retry):
        await fn(young, context(store, attempt=1))
    refused = await fn(young, context(store, attempt=ON_ITS_WAY_ATTEMPTS))
    assert isinstance(refused, Delivery)
    assert errors([refused]) == ["not_found"]
    minted_2022 = "0184c1a0-0000-7000-8000-000000000000"
    stale = action(fn, user="ada", id=minted_2022, client_id="c", **fields)
    refused = await fn(stale, context(store, attempt=1))
    assert isinstance(refused, Delivery)
    assert errors([refused]) == ["not_found"]
