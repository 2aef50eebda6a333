"""Delivery guarantees across gateway instances, restarts and slow clients."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from runtime.bus import sent
from runtime.db.store import Store
from runtime.events import Delivery, encode
from runtime.kafka.client import Producer
from runtime.kafka.headers import ROUTE
from tests.support.net import unique
from tests.support.scrape import scrape
from tests.support.system import Client, Frame, System, running

pytestmark = pytest.mark.e2e

TS = "2025-01-01T00:00:00.000Z"


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("delivery")
    async with running(
        kafka_bootstrap,
        data_dir,
        leave_debounce=0.0,
        rate=1000.0,
        burst=1000,
        user_rate=1000.0,
        user_burst=1000,
    ) as system:
        yield system


@pytest.fixture(scope="module")
async def store(system: System) -> AsyncIterator[Store]:
    async with Store(system.settings.database_url()) as store:
        yield store


def message_ids(frames: list[Frame]) -> list[str]:
    return [f["id"] for f in frames if f["type"] == "message"]


async def test_two_gateways_show_every_message_in_one_order(system: System, store: Store) -> None:
    room = unique("r")
    second = await system.start_gateway()
    gateways = [system.gateway, second, system.gateway, second]
    tokens = [await system.register() for _ in gateways]
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(system.connect(token, gateway=gateway))
            for token, gateway in zip(tokens, gateways, strict=True)
        ]
        for client in clients:
            await client.join(room)

        async def talk(client: Client, name: str) -> None:
            for n in range(40):
                await client.post(room, f"{name} {n}")

        await asyncio.gather(talk(clients[0], "a"), talk(clients[1], "b"))
        for client in clients:
            # Check every frame received, not from a cursor: a sender's wait for its own ack
            # may already have read past the other sender's last message.
            deadline = time.monotonic() + 30
            while not {"a 39", "b 39"} <= {f.get("text") for f in client.frames}:
                await client.receive(deadline - time.monotonic())
    history = [m.id for m in await store.room_messages(room, limit=200)]
    assert len(history) == 80
    for client in clients:
        assert message_ids(client.frames) == history, "a client saw another order or a duplicate"
    second.stop()


async def test_a_gateway_killed_mid_stream_loses_nothing_acked(
    system: System, store: Store
) -> None:
    room = unique("r")
    doomed = await system.start_gateway()
    sender_token, reader_token = await system.register(), await system.register()
    client_ids = [f"k{n}" for n in range(60)]
    acked: dict[str, str] = {}
    seen: list[Frame] = []
    async with (
        system.connect(sender_token, gateway=doomed) as sender,
        system.connect(reader_token, gateway=doomed) as reader,
    ):
        await sender.join(room)
        await reader.join(room)
        for n, cid in enumerate(client_ids):
            if n == 30:
                await reader.expect("message", text="k10")
                doomed.stop(signal.SIGKILL)  # sends in flight now may or may not be acked
            await sender.send({"type": "message", "room": room, "text": cid, "client_id": cid})
            try:
                acked[cid] = (await sender.expect("ack", client_id=cid, timeout=2))["id"]
            except (ConnectionClosed, AssertionError):
                break
        seen += reader.frames
    assert 25 <= len(acked) < 60

    revived = await system.start_gateway()
    last_seen = message_ids(seen)[-1]
    async with (
        system.connect(sender_token, gateway=revived) as sender,
        system.connect(reader_token, gateway=revived) as reader,
    ):
        await reader.join(room, since=last_seen)
        await sender.join(room)
        for cid in client_ids:  # the client re-sends everything it has no ack for, and more
            ack = await sender.post(room, cid, client_id=cid)
            assert acked.setdefault(cid, ack["id"]) == ack["id"], "a retry got another id"
        await reader.expect("message", id=acked[client_ids[-1]], timeout=20)
        seen += reader.frames
    history = await store.room_messages(room, limit=200)
    assert [m.text for m in history] == client_ids, "a message was lost, doubled or reordered"
    assert [m.id for m in history] == [acked[c] for c in client_ids]
    received = message_ids(seen)
    assert received == [m.id for m in history], "the reader missed or doubled a message"
    revived.stop()


async def test_a_client_that_never_reads_is_closed_with_1013(system: System) -> None:
    room = unique("r")
    small = await system.start_gateway(send_queue=128)  # headroom for the fast client here
    slow_token, fast_token = await system.register(), await system.register()
    raw = socket.create_connection(("127.0.0.1", small.port))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # no autotuning to 32 MiB
    async with connect(small.ws_url(slow_token), sock=raw, max_queue=1) as slow:
        await slow.send(f'{{"type": "join", "room": "{room}"}}')
        async with system.connect(fast_token, gateway=small) as fast:
            await fast.join(room)
            # More than the kernel buffers between the two (4 MiB send buffer at most here).
            count, started = 800, time.monotonic()
            await flood(system, room, count, size=16000)
            await fast.expect(lambda f: f.get("text") == f"flood {count - 1}", timeout=30)
            took = time.monotonic() - started
            flood_texts = [f["text"] for f in fast.frames if f["type"] == "message"]
            assert flood_texts == [f"flood {n}" for n in range(count)]
            assert took < 20, f"the fast client waited {took:.1f}s behind the slow one"
        got: list[str | bytes] = []
        with pytest.raises(ConnectionClosed) as closed:  # now read: frames, then the close
            await read_until_closed(slow, got)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1013
        assert len(got) < count, "the slow client got everything: it was not slow"
    metrics = await scrape(small.url + "/metrics")
    assert metrics.value("parley_gateway_closes_total", code="1013") == 1
    assert metrics.value("parley_gateway_frames_out_total", type="message") >= count
    small.stop()


async def read_until_closed(ws: ClientConnection, into: list[str | bytes]) -> None:
    while True:
        into.append(await asyncio.wait_for(ws.recv(), 10))


async def flood(system: System, room: str, count: int, size: int) -> None:
    """Publish ``count`` big room frames to chat.deliver, as a function would."""
    producer = Producer(system.settings.kafka.address())
    try:
        sends = []
        for n in range(count):
            frame = {
                "type": "message",
                "id": unique("m"),
                "room": room,
                "user": "flood",
                "text": f"flood {n}",
                "pad": "p" * size,
                "ts": TS,
            }
            delivery = Delivery(room=room, frame=frame)
            headers = [(ROUTE, delivery.route().encode())]
            topic = system.settings.topic("chat.deliver")
            sends.append(sent(producer, topic, encode(delivery), delivery.key(), headers))
            if n % 20 == 0:
                await asyncio.sleep(0)  # let the test's clients read meanwhile
        await asyncio.gather(*sends)
    finally:
        await producer.close()
