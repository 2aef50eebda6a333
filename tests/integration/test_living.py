"""Messages that live through the real gateway, workers and Kafka (docs/PROTOCOL.md, "Messages
that live"): replies and threads, edits, deletes, reactions, mentions, seen; a client that was
away converges by a join with ``since``; every acked change is applied once through kill -9."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from runtime.settings import Settings
from tests.support.harness import eventually
from tests.support.net import unique
from tests.support.system import Gateway, System, http, running

LIVING = ("chat", "private", "presence", "edit", "delete", "react")
Frame = dict[str, Any]


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("living")
    async with running(kafka_bootstrap, data_dir, functions=LIVING, leave_debounce=0.0) as system:
        await declared(system, "edit", "delete", "react")
        yield system


async def declared(system: System, *actions: str, gateway: Gateway | None = None) -> None:
    """Wait until the gateway has learned ``actions`` from the running functions."""
    token = await system.register()

    async def known() -> bool:
        status, body = await http(gateway or system.gateway, "GET", "/api/actions", token=token)
        return status == 200 and set(actions) <= {a["type"] for a in body["actions"]}

    await eventually(known, timeout=60, what=f"{actions} declared")


async def history(system: System, token: str, room: str, **query: str) -> list[Frame]:
    args = "&".join(f"{k}={v}" for k, v in {"limit": "200", **query}.items())
    status, body = await http(
        system.gateway, "GET", f"/api/rooms/{room}/messages?{args}", token=token
    )
    assert status == 200, body
    return list(body["messages"])


class Copy:
    """A client's copy of a room, kept as docs/PROTOCOL.md tells clients to: messages by id,
    an edit or delete applied when its ``rev`` is past the last one applied to the text, a
    reactions frame when past the last one applied to the reactions."""

    def __init__(self) -> None:
        self.messages: dict[str, Frame] = {}
        self.text_rev: dict[str, int] = {}
        self.reactions_rev: dict[str, int] = {}

    def apply(self, frame: Frame) -> None:
        kind, id = frame.get("type"), str(frame.get("id"))
        if kind == "message" and id not in self.messages:
            self.messages[id] = dict(frame)
            self.text_rev[id] = self.reactions_rev[id] = frame.get("rev", 0)
            return
        held = self.messages.get(id)
        if held is None or kind not in ("edit", "delete", "reactions"):
            return
        rev = frame["rev"]
        if kind == "reactions" and rev > self.reactions_rev[id] and not held.get("deleted"):
            self.reactions_rev[id] = rev
            held["reactions"] = frame["reactions"]
        elif kind == "edit" and rev > self.text_rev[id]:
            self.text_rev[id] = rev
            held.update(text=frame["text"], edited_at=frame["edited_at"])
        elif kind == "delete" and rev > self.text_rev[id]:
            self.text_rev[id] = self.reactions_rev[id] = rev  # a tombstone takes no reactions
            held.update(text="", deleted=True, reactions={})
        held["rev"] = max(held.get("rev", 0), rev)

    def state(self) -> dict[str, tuple[str, bool, dict[str, list[str]]]]:
        return {
            id: (m["text"], bool(m.get("deleted")), m.get("reactions") or {})
            for id, m in self.messages.items()
        }


def state_of(frames: list[Frame]) -> dict[str, tuple[str, bool, dict[str, list[str]]]]:
    return {m["id"]: (m["text"], bool(m.get("deleted")), m.get("reactions") or {}) for m in frames}


async def test_replies_edits_deletes_and_reactions_reach_everyone_as_history_keeps_them(
    system: System,
) -> None:
    room = unique("r")
    (_, ada_token), (bob, bob_token) = await system.user(), await system.user()
    async with system.connect(ada_token) as a, system.connect(bob_token) as b:
        await a.join(room)
        await b.join(room)
        question = (await a.post(room, "lunch?"))["id"]
        await b.find("message", id=question)
        # A reply names its parent; one to a message elsewhere is refused before any ack.
        await b.send(
            {
                "type": "message",
                "room": room,
                "text": "soup",
                "reply_to": question,
                "client_id": "r1",
            }
        )
        answer = await a.expect("message", reply_to=question)
        elsewhere = {"type": "message", "room": unique("other"), "text": "x", "reply_to": question}
        await b.join(elsewhere["room"])
        await b.error({**elsewhere, "client_id": "r2"}, "invalid")

        # The author edits; anyone else is refused after the ack, and nothing changes.
        assert (await a.act("edit", id=question, text="lunch at 12?"))["type"] == "ack"
        edit = await b.expect("edit", id=question)
        assert (edit["room"], edit["text"], edit["rev"]) == (room, "lunch at 12?", 1)
        refused = await b.act("edit", id=question, text="bob was here")
        if refused["type"] == "ack":
            refused = await b.expect("error", client_id=refused["client_id"])
        assert refused["error"] == "forbidden"

        assert (await b.act("react", id=question, emoji="👍"))["type"] == "ack"
        reactions = await a.expect("reactions", id=question)
        assert (reactions["reactions"], reactions["rev"]) == ({"👍": [bob]}, 2)

        assert (await b.act("delete", id=answer["id"]))["type"] == "ack"
        await a.expect("delete", id=answer["id"])

    frames = await history(system, ada_token, room)
    parent, reply = frames
    assert (parent["text"], parent["edited_at"] > parent["ts"], parent["replies"]) == (
        "lunch at 12?",
        True,
        1,
    )
    assert (parent["reactions"], parent["rev"]) == ({"👍": [bob]}, 2)
    assert (reply["reply_to"], reply["deleted"], reply["text"]) == (question, True, "")
    assert await history(system, bob_token, room, thread=question) == [reply]


async def test_a_retried_change_through_another_gateway_is_applied_once(system: System) -> None:
    room = unique("r")
    _, token = await system.user()
    other = await system.start_gateway()
    await declared(system, "edit", "react", gateway=other)
    async with system.connect(token) as a, system.connect(token, gateway=other) as b:
        await a.join(room)
        id = (await a.post(room, "tally"))["id"]
        for client in (a, b, a):  # one client_id: a retry, once through each gateway
            assert (await client.act("react", id=id, emoji="✅", client_id="same"))["type"] == "ack"
        assert (await a.act("edit", id=id, text="tallied", client_id="e"))["type"] == "ack"
        assert (await b.act("edit", id=id, text="tallied", client_id="e"))["type"] == "ack"
        await a.expect("edit", id=id)
    [row] = await history(system, token, room)
    assert (row["reactions"], row["text"], row["rev"]) == ({"✅": [row["user"]]}, "tallied", 2)


async def test_a_mention_reaches_every_socket_of_a_member_joined_or_not(system: System) -> None:
    room = unique("r")
    (ada, ada_token), (bob, bob_token) = await system.user(), await system.user()
    _, eve_token = await system.user()
    async with system.connect(bob_token) as b:
        await b.join(room)  # bob becomes a member
        await b.send({"type": "leave", "room": room})
    async with (
        system.connect(ada_token) as a,
        system.connect(bob_token) as b,
        system.connect(eve_token) as e,
    ):
        await a.join(room)
        sent = await a.post(room, f"@{bob.upper()} and @nobody: look")
        mention = await b.expect("mention", id=sent["id"])
        assert (mention["room"], mention["from"]) == (room, ada)
        [stored] = await history(system, ada_token, room)
        assert stored["mentions"] == [bob]
        assert not [f for f in await e.quiet(0.5) if f.get("type") == "mention"]
    status, me = await http(system.gateway, "GET", "/api/me", token=bob_token)
    assert status == 200
    assert [(r["name"], r["mentions"]) for r in me["rooms"]] == [(room, 1)]


async def test_the_other_party_sees_how_far_a_conversation_was_read(system: System) -> None:
    (ada, ada_token), (bob, bob_token) = await system.user(), await system.user()
    async with system.connect(ada_token) as a, system.connect(bob_token) as b:
        await a.send({"type": "private", "to": bob, "text": "ping", "client_id": "p1"})
        sent = await b.expect("private")
        await b.send({"type": "read", "with": ada.upper(), "id": sent["id"]})
        seen = await a.expect("seen")
        assert seen == {"type": "seen", "with": bob, "id": sent["id"]}
        await b.expect("read", id=sent["id"])  # bob's own sockets
    status, me = await http(system.gateway, "GET", "/api/me", token=ada_token)
    assert status == 200
    assert me["conversations"] == [{"user": bob, "unread": 0, "seen": sent["id"]}]


async def test_a_client_that_was_away_converges_by_since(system: System) -> None:
    room = unique("r")
    (_, ada_token), (_, bob_token) = await system.user(), await system.user()
    bob_copy = Copy()
    async with system.connect(ada_token) as a:
        await a.join(room)
        old = (await a.post(room, "old"))["id"]
        doomed = (await a.post(room, "doomed"))["id"]
        await a.find("message", id=doomed)  # stored: an ack only says Kafka has it
        async with system.connect(bob_token) as b:
            await b.join(room)
            for frame in await history(system, bob_token, room):
                bob_copy.apply(frame)
        mark = doomed  # the newest message bob holds
        # While bob is away: an edit of an old message, a reaction, a delete, a new message.
        for change in (
            {"type": "edit", "id": old, "text": "old, edited"},
            {"type": "react", "id": old, "emoji": "🎉"},
            {"type": "delete", "id": doomed},
        ):
            kind = change.pop("type")
            assert (await a.act(kind, **change))["type"] == "ack"
        new = (await a.post(room, "new"))["id"]
        await a.find("delete", id=doomed)
        await a.find("reactions", id=old)
    async with system.connect(bob_token) as b:
        await b.join(room, since=mark)
        await b.find("message", id=new)
        await b.quiet(1.0)  # anything else the replay has
        for frame in b.frames:
            bob_copy.apply(frame)
    assert bob_copy.state() == state_of(await history(system, bob_token, room))
    assert bob_copy.state()[old] == ("old, edited", False, {"🎉": [bob_copy.messages[old]["user"]]})


@pytest.mark.timeout(300)
async def test_every_acked_change_is_applied_once_through_kill_9(
    settings: Settings, tmp_path: Path
) -> None:
    system = System(settings, tmp_path)
    try:
        await system.start(functions=("chat", "presence"))
        workers = system.workers
        first = await workers.start_many(["edit", "react", "delete"])
        await declared(system, "edit", "react", "delete")
        room = unique("r")
        users = [await system.user() for _ in range(3)]
        (_, owner_token) = users[0]
        async with system.connect(owner_token) as owner:
            await owner.join(room)
            ids = [(await owner.post(room, f"m{n}"))["id"] for n in range(12)]
        acked: dict[str, int] = dict.fromkeys(ids, 0)  # changes acked per message
        toggles: dict[tuple[str, str], int] = {}
        lock = asyncio.Lock()

        async def changes(name: str, token: str, rounds: range) -> None:
            async with system.connect(token) as client:
                await client.join(room)
                for n, id in zip(rounds, itertools.cycle(ids[:10]), strict=False):
                    if name == users[0][0] and n % 3 == 0:
                        answer = await client.act("edit", id=id, text=f"{name} {n}")
                    else:
                        answer = await client.act("react", id=id, emoji="🔥")
                        toggles[id, name] = toggles.get((id, name), 0) + 1
                    assert answer["type"] == "ack", answer
                    async with lock:
                        acked[id] += 1

        async def kill_mid_stream() -> None:
            await eventually(lambda: sum(acked.values()) >= 30, timeout=60, what="changes going")
            for proc in first:
                proc.kill()  # kill -9: their uncommitted changes are redelivered
                proc.wait(10)
            await workers.start_many(["edit", "react", "delete"])

        killer = asyncio.create_task(kill_mid_stream())
        await asyncio.gather(*(changes(name, token, range(40)) for name, token in users))
        await killer
        async with system.connect(owner_token) as owner:
            await owner.join(room)
            for id in ids[10:]:  # deletes after the kill, by the owner
                assert (await owner.act("delete", id=id))["type"] == "ack"
                acked[id] += 1

        async def applied() -> bool:
            rows = await history(system, owner_token, room)
            return [r.get("rev", 0) for r in rows] == [acked[r["id"]] for r in rows]

        await eventually(applied, timeout=90, what="every acked change applied")
        rows = {r["id"]: r for r in await history(system, owner_token, room)}
        for (id, name), count in toggles.items():
            assert (name in rows[id].get("reactions", {}).get("🔥", [])) == (count % 2 == 1)
        assert all(rows[id]["deleted"] for id in ids[10:])
        # Every client converges to history: a fresh copy from a replay after the first message.
        copy = Copy()
        first_seen = rows[ids[0]]  # as it was when first delivered
        copy.apply(
            {k: first_seen[k] for k in ("type", "id", "room", "user", "ts")} | {"text": "m0"}
        )
        async with system.connect(users[1][1]) as late:
            await late.join(room, since=ids[0])
            await late.find("message", id=ids[-1])
            await late.quiet(1.0)
            for frame in late.frames:
                copy.apply(frame)
        assert copy.state() == state_of(list(rows.values()))
    finally:
        system.stop()
