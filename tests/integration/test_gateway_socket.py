"""The WebSocket rows and guarantees of docs/PROTOCOL.md, against the whole running pipeline.

Every bad frame gets its error frame, nobody else sees anything, and the socket keeps working
afterwards (a ping still gets its pong).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gateway.guard.auth import load_secret
from runtime.db.store import Store
from tests.support.harness import eventually
from tests.support.net import unique
from tests.support.system import REPO, Client, Frame, System, http, running
from tests.support.web import sign

pytestmark = pytest.mark.e2e

ALLOWED_ORIGIN = "https://chat.example"


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("socket")
    async with running(
        kafka_bootstrap,
        data_dir,
        leave_debounce=0.0,
        rate=100.0,
        burst=120,
        user_rate=100.0,
        user_burst=120,
        origins=[ALLOWED_ORIGIN],
    ) as system:
        yield system


@pytest.fixture(scope="module")
async def store(system: System) -> AsyncIterator[Store]:
    async with Store(system.settings.database_url()) as store:
        yield store


def texts(frames: list[Frame], kind: str = "message") -> list[str]:
    return [f["text"] for f in frames if f.get("type") == kind]


async def test_ping_gets_pong(system: System) -> None:
    async with system.connect(await system.register()) as sock:
        await sock.send({"type": "ping"})
        assert await sock.receive() == {"type": "pong"}


async def test_message_is_acked_then_delivered_to_the_room_and_stored(
    system: System, store: Store
) -> None:
    room = unique("r")
    (ada, ada_token), (_, bob_token) = await system.user(), await system.user()
    async with system.connect(ada_token) as a, system.connect(bob_token) as b:
        await a.join(room)
        await b.join(room)
        ack = await a.post(room, "  hello there  ", client_id="c-1")
        assert ack == {"type": "ack", "client_id": "c-1", "id": ack["id"]}
        for sock in (a, b):
            got = await sock.expect("message", id=ack["id"])
            assert got == {
                "type": "message",
                "id": ack["id"],
                "room": room,
                "user": ada,
                "text": "hello there",
                "ts": got["ts"],
            }
            assert got["ts"].endswith("Z")
    stored = await store.room_messages(room)
    assert [(m.id, m.author, m.text) for m in stored] == [(ack["id"], ada, "hello there")]


async def test_same_client_id_twice_gets_the_same_id_and_exists_once(
    system: System, store: Store
) -> None:
    room = unique("r")
    (_, token), (_, watcher_token) = await system.user(), await system.user()
    async with system.connect(watcher_token) as watcher:
        await watcher.join(room)
        async with system.connect(token) as sock:
            await sock.join(room)
            first = await sock.post(room, "only once", client_id="same")
            again = await sock.post(room, "only once", client_id="same")
        async with system.connect(token) as reconnected:  # a retry after a reconnect
            await reconnected.join(room)
            after_reconnect = await reconnected.post(room, "only once", client_id="same")
        assert first["id"] == again["id"] == after_reconnect["id"]
        await watcher.post(room, "marker")
        await watcher.expect("message", text="marker")
    assert texts(watcher.frames) == ["only once", "marker"]
    assert [m.text for m in await store.room_messages(room)] == ["only once", "marker"]


async def test_a_client_id_reused_for_another_message_is_refused_not_dropped(
    system: System, store: Store
) -> None:
    room, other = unique("r"), unique("r")
    (_, token), (bob, _) = await system.user(), await system.user()
    async with system.connect(token) as sock:
        await sock.join(room)
        await sock.join(other)
        first = await sock.post(room, "the first", client_id="reused")
        assert first["type"] == "ack"
        for frame in (
            {"type": "message", "room": room, "text": "another text", "client_id": "reused"},
            {"type": "message", "room": other, "text": "the first", "client_id": "reused"},
            {"type": "private", "to": bob, "text": "the first", "client_id": "reused"},
        ):
            refused = await sock.error(frame, "client_id_reused")
            assert refused["client_id"] == "reused"
            assert first["id"] in refused["detail"]
        again = await sock.post(room, "  the first ", client_id="reused")  # a true retry
        assert again == first
    async with system.connect(token) as sock:  # another socket of the same user
        await sock.join(other)
        await sock.join(room)
        await sock.error(
            {"type": "message", "room": other, "text": "later", "client_id": "reused"},
            "client_id_reused",
        )
        await sock.post(room, "marker")  # stored after the first (one room, one order)

    async def stored() -> bool:
        return [m.text for m in await store.room_messages(room)] == ["the first", "marker"]

    await eventually(stored, timeout=10, what="the first message and the marker stored")
    assert await store.room_messages(other) == []


def _bad_frames(room: str, joined: str) -> list[tuple[Any, str]]:
    long_text = "x" * 4001
    return [
        ("this is not json", "bad_json"),
        (b'{"type": "ping"}', "bad_json"),  # binary frames are refused, whatever they hold
        ("[1, 2]", "bad_json"),
        ({"type": "shout", "room": joined}, "unknown_type"),
        ({"room": joined, "text": "no type"}, "unknown_type"),
        ({"type": "message", "room": joined, "client_id": "c"}, "invalid"),
        ({"type": "message", "room": joined, "text": 5, "client_id": "c"}, "invalid"),
        ({"type": "message", "room": joined, "text": "hi", "client_id": 7}, "invalid"),
        ({"type": "message", "room": joined, "text": long_text, "client_id": "c"}, "invalid"),
        ({"type": "message", "room": joined, "text": "   ", "client_id": "c"}, "invalid"),
        ({"type": "message", "room": joined, "text": "\u200b\u200d", "client_id": "c"}, "invalid"),
        ({"type": "private", "to": "nobody", "text": "\ufeff \u2060", "client_id": "c"}, "invalid"),
        ('{"type": "message", "room": "x", "text": "hi", "client_id": "\\ud800"}', "bad_json"),
        ("[" * 5000 + "]" * 5000, "bad_json"),
        ('{"a":' * 2000 + "1" + "}" * 2000, "bad_json"),  # 12 kB, nested past the parser
        ('{"\\udc00": 1, "type": "ping"}', "bad_json"),
        ('{"type": "message", "room": "x", "text": "\\ud83d", "client_id": "c"}', "bad_json"),
        ("", "bad_json"),
        ("null", "bad_json"),
        ('"a string"', "bad_json"),
        ({"type": 7}, "unknown_type"),
        ({"type": ["join"]}, "unknown_type"),
        ({"type": "message", "room": joined, "text": "hi", "client_id": "c" * 65}, "invalid"),
        ({"type": "message", "room": joined, "text": "hi", "client_id": ""}, "invalid"),
        ({"type": "message", "room": joined, "text": ["hi"], "client_id": "c"}, "invalid"),
        (
            {"type": "message", "room": joined, "text": "hi", "client_id": "c", "reply_to": 1},
            "invalid",
        ),
        ({"type": "join", "room": joined, "since": 17}, "invalid"),
        ({"type": "join", "room": "x" * 65}, "invalid"),
        ({"type": "read", "room": joined, "with": "bob", "id": "m"}, "invalid"),
        ({"type": "read", "id": "m"}, "invalid"),
        ({"type": "private", "to": "not a name!", "text": "hi", "client_id": "c"}, "invalid"),
        ({"type": "private", "to": "bob", "text": "\u2800\u3164", "client_id": "c"}, "invalid"),
        ({"type": "join", "room": "Not A Room!"}, "invalid"),
        ({"type": "join"}, "invalid"),
        ({"type": "message", "room": room, "text": "hi", "client_id": "c"}, "not_joined"),
        ({"type": "typing", "room": room}, "not_joined"),
        ({"type": "leave", "room": room}, "not_joined"),
        (
            {"type": "private", "to": unique("nobody"), "text": "hi", "client_id": "c"},
            "unknown_user",
        ),
    ]


def documented_socket_codes() -> set[str]:
    """The codes of docs/PROTOCOL.md's table of error codes on the socket (3.6)."""
    text = (REPO / "docs" / "PROTOCOL.md").read_text()
    table = text[text.index("### 3.6 Error codes on the socket") : text.index("### 3.7")]
    return set(re.findall(r"^\| `([a-z_]+)` \|", table, re.MULTILINE))


async def test_bad_frames_get_errors_and_change_nothing(system: System, store: Store) -> None:
    joined, other = unique("r"), unique("r")
    (name, token), (watcher_name, watcher_token) = await system.user(), await system.user()
    documented = documented_socket_codes()
    async with system.connect(watcher_token) as watcher, system.connect(token) as sock:
        await watcher.join(joined)
        await sock.join(joined)
        for frame, code in _bad_frames(other, joined):
            assert code in documented, f"{code} is not in docs/PROTOCOL.md 3.6"
            error = await sock.error(frame, code)
            assert set(error) <= {"type", "error", "detail", "client_id"}
            assert error["detail"], error
            if isinstance(frame, dict) and frame.get("client_id") == "c":
                assert error["client_id"] == "c", error
            await sock.pong()  # the socket is open and still answers
        await sock.post(joined, "still here")
        await watcher.expect("message", text="still here")
        await watcher.pong()
    assert [f for f in watcher.frames if f["type"] not in ("presence", "pong")] == [
        watcher.frames[-2]
    ]
    assert [m.text for m in await store.room_messages(joined)] == ["still here"]
    assert await store.room_messages(other) == []
    assert await store.private_messages(name, watcher_name) == []
    assert await store.find_by_client_id(name, "c") is None


async def test_too_long_text_names_the_field(system: System) -> None:
    room = unique("r")
    async with system.connect(await system.register()) as sock:
        await sock.join(room)
        frame = {"type": "message", "room": room, "text": "y" * 4001, "client_id": "long"}
        error = await sock.error(frame, "invalid")
        assert "text" in error["detail"]
        assert error["client_id"] == "long"
        ack = await sock.post(room, "y" * 4000)
        assert ack["type"] == "ack"


async def test_frame_over_16_kib_closes_with_1009(system: System) -> None:
    room = unique("r")
    async with system.connect(await system.register(), max_size=None) as sock:
        await sock.join(room)
        await sock.send({"type": "ping", "padding": "z" * 16 * 1024})
        with pytest.raises(ConnectionClosed) as closed:
            await sock.expect("pong")
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009


async def test_a_frame_just_under_16_kib_is_fine(system: System) -> None:
    async with system.connect(await system.register()) as sock:
        await sock.send({"type": "ping", "padding": "z" * (16 * 1024 - 100)})
        await sock.expect("pong")


async def expect_close(sock: Client, code: int) -> None:
    with pytest.raises(ConnectionClosed) as closed:
        await sock.receive()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == code


@pytest.mark.parametrize("kind", ["missing", "garbage", "forged", "expired"])
async def test_bad_tokens_close_with_4401(system: System, kind: str) -> None:
    _, token = await system.user()
    claims = access_claims(token)
    tokens = {
        "missing": None,
        "garbage": "not-a-token",
        "forged": sign(b"another secret" * 3, claims),
        "expired": sign(load_secret(system.settings), {**claims, "exp": int(time.time()) - 10}),
    }
    async with system.connect(tokens[kind]) as sock:
        await expect_close(sock, 4401)
    async with system.connect(token) as sock:  # the same user with a good token
        await sock.pong()


def access_claims(token: str) -> dict[str, Any]:
    body = token.split(".")[0]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


async def test_origin_allow_list(system: System) -> None:
    token = await system.register()
    own = f"http://127.0.0.1:{system.gateway.port}"
    for origin in (own, ALLOWED_ORIGIN, None):  # None: a non-browser client sends no Origin
        async with system.connect(token, origin=origin) as sock:
            await sock.pong()
    for origin in ("https://evil.example", "http://127.0.0.1:1"):
        with pytest.raises(InvalidStatus) as refused:
            async with system.connect(token, origin=origin):
                pass
        assert refused.value.response.status_code == 403


async def test_flooding_past_the_rate_limit_is_refused_then_recovers(system: System) -> None:
    room = unique("r")
    async with system.connect(await system.register()) as sock:
        await sock.join(room)
        for n in range(300):
            frame = {"type": "message", "room": room, "text": f"m{n}", "client_id": f"f{n}"}
            await sock.send(frame if n == 299 else {"type": "ping"})
        answers = [await sock.expect(lambda f: f["type"] in ("pong", "error")) for _ in range(299)]
        last = await sock.expect(lambda f: f.get("client_id") == "f299")
        limited = [a for a in answers if a["type"] == "error"]
        assert limited, "300 frames at once were all accepted"
        assert {a["error"] for a in limited} == {"rate_limited"}
        assert len(answers) - len(limited) >= 120  # the burst
        assert last["type"] == "error"
        assert last["error"] == "rate_limited"  # with the client_id of the refused message
        await asyncio.sleep(0.2)
        await sock.pong()
        assert (await sock.post(room, "calm again"))["type"] == "ack"


async def test_join_with_since_replays_the_gap_then_goes_live_without_duplicates(
    system: System, store: Store
) -> None:
    room = unique("r")
    (_, writer_token), (_, reader_token) = await system.user(), await system.user()
    async with system.connect(writer_token) as writer:
        await writer.join(room)
        async with system.connect(reader_token) as reader:
            await reader.join(room)
            first = await writer.post(room, "before 0")
            await reader.expect("message", id=first["id"])
        for n in range(1, 6):  # the reader is away
            await writer.post(room, f"before {n}")

        async def keep_writing() -> None:
            for n in range(30):
                await writer.post(room, f"during {n}")

        async with system.connect(reader_token) as reader:
            writing = asyncio.create_task(keep_writing())
            await reader.join(room, since=first["id"])
            await writing
            last = await writer.post(room, "after")
            await reader.expect("message", id=last["id"])
    got = [f["id"] for f in reader.frames if f["type"] == "message"]
    stored = [m.id for m in await store.room_messages(room, after=first["id"], limit=200)]
    assert len(stored) == 36
    assert got == stored, "the replay and the live stream left a gap, a duplicate or a swap"


async def test_presence_after_join_leave_and_close(system: System) -> None:
    room = unique("r")
    (ada, ada_token), (bob, bob_token) = await system.user(), await system.user()
    async with system.connect(ada_token) as a:
        await a.join(room)
        assert a.frames[-1] == {"type": "presence", "room": room, "users": [ada]}  # a snapshot
        await a.present(room, [ada])
        async with system.connect(bob_token) as b:
            await b.join(room)
            snapshot = b.frames[-1]
            assert snapshot["type"] == "presence"
            assert bob in snapshot["users"]  # the joiner is in its own snapshot at once
            await b.present(room, [ada, bob])
            await a.present(room, [ada, bob])
            assert a.frames[-1]["type"] == "presence"
            assert "users" not in a.frames[-1]  # a change, not the whole list again
            assert bob in a.frames[-1]["joined"]
            await b.send({"type": "leave", "room": room})
            await a.expect("presence", joined=[], left=[bob])
            await b.join(room)
            await a.present(room, [ada, bob])
        await a.present(room, [ada])  # bob's socket closed
        status, body = await http(
            system.gateway, "GET", f"/api/rooms/{room}/presence", token=ada_token
        )
        assert (status, body) == (200, {"room": room, "users": [ada]})


async def test_reconnecting_within_the_debounce_does_not_flap(system: System, store: Store) -> None:
    room = unique("r")
    slow_leaves = await system.start_gateway(leave_debounce=1.5)
    (ada, ada_token), (bob, bob_token) = await system.user(), await system.user()
    async with system.connect(ada_token) as a:
        await a.join(room)
        async with system.connect(bob_token, gateway=slow_leaves) as b:
            await b.join(room)
        await a.present(room, [ada, bob])
        async with system.connect(bob_token, gateway=slow_leaves) as b:  # a page reload
            await b.join(room)
            seen = await a.quiet(2.5)
        assert all(bob not in f.get("left", []) for f in seen), seen
        assert a.presence[room] == {ada, bob}
        await a.present(room, [ada], timeout=10)  # the last close: a leave

    async def nobody_left() -> bool:
        return await store.room_users(room) == []

    await eventually(nobody_left, timeout=10, what="no stale presence rows")
    slow_leaves.stop()


async def test_private_messages_reach_only_the_two_parties(system: System) -> None:
    room = unique("r")
    (ada, ada_token), (bob, bob_token) = await system.user(), await system.user()
    (_, eve_token) = await system.user()
    async with (
        system.connect(ada_token) as a,
        system.connect(bob_token) as b,
        system.connect(eve_token) as eve,
    ):
        for sock in (a, b, eve):
            await sock.join(room)
        await a.send({"type": "private", "to": bob, "text": "psst", "client_id": "p1"})
        ack = await a.expect("ack", client_id="p1")
        for sock in (a, b):  # the sender's copy may overtake its ack
            got = await sock.find("private", id=ack["id"])
            assert got == {
                "type": "private",
                "id": ack["id"],
                "from": ada,
                "to": bob,
                "text": "psst",
                "ts": got["ts"],
            }
        await a.post(room, "public")
        await eve.expect("message", text="public")
        assert all(f["type"] != "private" for f in eve.frames + await eve.quiet(0.5))
    for token, other, visible in (
        (ada_token, bob, True),
        (bob_token, ada, True),
        (eve_token, ada, False),
        (eve_token, bob, False),
    ):
        status, body = await http(
            system.gateway, "GET", f"/api/private/{other}/messages", token=token
        )
        assert status == 200
        assert ("psst" in [m["text"] for m in body["messages"]]) == visible


async def test_typing_is_fanned_out_and_never_stored(system: System, store: Store) -> None:
    room = unique("r")
    (ada, ada_token), (_, bob_token) = await system.user(), await system.user()
    async with system.connect(ada_token) as a, system.connect(bob_token) as b:
        await a.join(room)
        await b.join(room)
        await a.send({"type": "typing", "room": room})
        assert await b.expect("typing") == {"type": "typing", "room": room, "user": ada}
    assert await store.room_messages(room) == []


async def test_permessage_deflate_is_not_negotiated(system: System) -> None:
    async with system.connect(await system.register(), compression="deflate") as sock:
        assert sock.ws.response is not None
        assert "Sec-WebSocket-Extensions" not in sock.ws.response.headers
        await sock.pong()


async def test_rooms_list_counts_who_is_online(system: System) -> None:
    room = unique("r")
    token = await system.register()
    async with system.connect(token) as sock:
        await sock.join(room)

        async def listed() -> bool:
            _, body = await http(system.gateway, "GET", "/api/rooms", token=token)
            return any(r["name"] == room and r["online"] == 1 for r in body["rooms"])

        await eventually(listed, timeout=10, what="the room in /api/rooms")
