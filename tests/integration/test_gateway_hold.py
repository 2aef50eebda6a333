"""Issue 19, "hold under attack": the gateway stays bounded whatever one client does.

- a ``join`` with an old ``since`` replays at most ``replay_limit`` messages (then says
  ``truncated``), and a client that never reads its replay is closed with 1013;
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from websockets.asyncio.client import connect

from runtime.db.store import Store
from runtime.events import new_id
from runtime.history import StoredMessage
from tests.support.harness import eventually
from tests.support.net import unique
from tests.support.scrape import scrape
from tests.support.system import Gateway, System, http, running

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
