"""Issue 19, "hold under attack": the gateway stays bounded whatever one client does.

- a ``join`` with an old ``since`` replays at most ``replay_limit`` messages (then says
  ``truncated``), and a client that never reads its replay is closed with 1013;
- one user, or one address, holds a bounded number of sockets (more are closed with 4429), and
  a user's frames count against one budget whatever socket carries them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from runtime.db.store import Store
from runtime.events import new_id
from runtime.history import StoredMessage
from tests.support.harness import eventually
from tests.support.net import unique
from tests.support.scrape import scrape
from tests.support.system import Client, Gateway, System, http, running

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    async with running(
        kafka_bootstrap,
        tmp_path_factory.mktemp("hold"),
        leave_debounce=0.0,
        replay_limit=5,
    ) as system:
        yield system


@pytest.fixture(scope="module")
async def store(system: System) -> AsyncIterator[Store]:
    async with Store(system.settings.database_url()) as store:
        yield store


async def test_a_replay_sends_the_newest_messages_and_says_it_was_cut(system: System) -> None:
    room = unique("r")
    (_, writer_token), (_, reader_token) = await system.user(), await system.user()
    async with system.connect(writer_token) as writer:
        await writer.join(room)
        acks = [await writer.post(room, f"m{n}") for n in range(9)]
        await writer.expect("message", id=acks[-1]["id"])
    ids = [ack["id"] for ack in acks]
    async with system.connect(reader_token) as reader:
        await reader.join(room, since=ids[0])
        notice = await reader.expect("replay")
        assert notice == {"type": "replay", "room": room, "truncated": True, "before": ids[4]}
        for id in ids[4:]:
            await reader.expect("message", id=id)
        assert [f["id"] for f in reader.frames if f["type"] == "message"] == ids[4:]
        _, page = await http(
            system.gateway,
            "GET",
            f"/api/rooms/{room}/messages?before={notice['before']}",
            token=reader_token,
        )
        assert [m["id"] for m in page["messages"]] == ids[:4]  # the rest, over REST
    async with system.connect(reader_token) as reader:  # within the limit: no notice
        await reader.join(room, since=ids[5])
        await reader.expect("message", id=ids[-1])
        assert [f["type"] for f in reader.frames] == ["presence", "message", "message", "message"]


async def closes(gateway: Gateway, code: str) -> float:
    return (await scrape(f"{gateway.url}/metrics")).value("parley_gateway_closes_total", code=code)


async def test_a_client_that_never_reads_its_replay_is_closed_with_1013(
    system: System, store: Store
) -> None:
    room = unique("r")
    gateway = await system.start_gateway(send_queue=16, send_timeout=1.0, replay_limit=100_000)
    name, token = await system.user()
    text = "z" * 3000
    since = await store.save_message(
        StoredMessage(id=new_id(), author=name, text="mark", ts=datetime.now(UTC), room=room)
    )
    history = [
        StoredMessage(id=new_id(), author=name, text=text, ts=datetime.now(UTC), room=room)
        for _ in range(3000)  # 9 MB: more than the kernel buffers both ways can hold
    ]
    await asyncio.gather(*(store.save_message(m) for m in history))
    before = await closes(gateway, "1013")
    tiny = socket.create_connection(("127.0.0.1", gateway.port))
    tiny.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    tiny.setblocking(False)
    async with connect(gateway.ws_url(token), sock=tiny, max_queue=1) as ws:
        await ws.send(f'{{"type": "join", "room": "{room}", "since": "{since[0].id}"}}')

        async def closed() -> bool:
            return await closes(gateway, "1013") == before + 1

        await eventually(closed, timeout=60, what="the silent socket closed with 1013")
    gateway.stop()


async def expect_close(sock: Client, code: int) -> str:
    """The reason of the close ``sock`` gets next (failing on any frame instead)."""
    with pytest.raises(ConnectionClosed) as closed:
        await sock.receive()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == code
    return closed.value.rcvd.reason


async def test_sockets_per_user_and_per_address_are_capped(system: System) -> None:
    gateway = await system.start_gateway(sockets_per_user=3, sockets_per_address=5)
    (_, ada), (_, bob) = await system.user(), await system.user()
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(system.connect(ada, gateway)) for _ in range(3)]
        for sock in sockets:
            await sock.pong()
        async with system.connect(ada, gateway) as fourth:
            assert "user" in await expect_close(fourth, 4429)
        await sockets[0].pong()  # the others are unaffected
        more = [await stack.enter_async_context(system.connect(bob, gateway)) for _ in range(2)]
        for sock in more:
            await sock.pong()
        async with system.connect(bob, gateway) as sixth:  # bob has 2, the address 5
            assert "address" in await expect_close(sixth, 4429)
        await sockets[0].ws.close()
        await sockets[0].reading
    async with system.connect(ada, gateway) as again:  # closed ones make room
        await again.pong()
    gateway.stop()


async def test_a_users_frames_share_one_budget_across_sockets(system: System) -> None:
    gateway = await system.start_gateway(user_rate=1.0, user_burst=50)
    _, token = await system.user()
    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(system.connect(token, gateway)) for _ in range(5)
        ]
        for sock in sockets:  # 5 x 30 frames: within each socket's burst (40), over the user's
            for _ in range(30):
                await sock.send({"type": "ping"})
        answers = [
            await sock.expect(lambda f: f["type"] in ("pong", "error"))
            for sock in sockets
            for _ in range(30)
        ]
    refused = [a for a in answers if a["type"] == "error"]
    assert refused, "150 frames at once over 5 sockets of one user were all accepted"
    assert {a["error"] for a in refused} == {"rate_limited"}
    gateway.stop()


async def test_clients_that_drop_are_no_error_in_the_log(system: System) -> None:
    room = unique("r")
    gateway = await system.start_gateway()
    (_, writer_token), (_, reader_token) = await system.user(), await system.user()
    async with system.connect(writer_token, gateway) as writer:
        await writer.join(room)
        history = [await writer.post(room, "x" * 3000) for _ in range(40)]
        for _ in range(10):
            async with system.connect(reader_token, gateway) as reader:
                await reader.join(room)
                await writer.post(room, "hello")
                reader.ws.transport.abort()  # gone without a close handshake
                with contextlib.suppress(ConnectionClosed):
                    await reader.expect("never")
        for _ in range(10):
            async with system.connect(reader_token, gateway) as reader:
                await reader.join(room)  # and closed properly on the way out
        for _ in range(10):
            async with system.connect(reader_token, gateway) as reader:
                await reader.join(room, since=history[0]["id"])  # gone amid a replay
                reader.ws.transport.abort()
        for _ in range(10):
            async with system.connect(reader_token, gateway) as reader:
                for n in range(30):  # gone while its frames are answered
                    await reader.send({"type": "ping", "n": n})
                reader.ws.transport.abort()
        for _ in range(10):
            async with system.connect("not-a-token", gateway) as reader:
                reader.ws.transport.abort()  # gone before the 4401
        for code in (1001, 1000, 4000):
            async with system.connect(reader_token, gateway) as reader:
                await reader.join(room)
                await reader.ws.close(code)  # a tab closed, a page left
        for _ in range(5):
            async with system.connect(reader_token, gateway) as reader:
                await reader.join(room)
                reader.ws.transport.write_eof()  # half-closed
                with contextlib.suppress(ConnectionClosed, TimeoutError):
                    await reader.expect("never", timeout=1)
        await writer.post(room, "still here")
        await writer.expect("message", text="still here")
    gateway.stop()
    lines = [json.loads(line) for line in gateway.log.read_text().splitlines() if line]
    errors = [line for line in lines if line.get("level") in ("error", "critical")]
    assert errors == [], errors[:3]
    assert not [line for line in lines if "error" in line and line.get("level") != "debug"]


async def test_the_database_holding_hashes_and_messages_is_private(system: System) -> None:
    await system.register()  # the database exists by now
    data = system.settings.data_dir
    db = data / "parley.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    for path in data.glob("parley.db-*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    secret = data / "secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
