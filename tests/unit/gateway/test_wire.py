"""The outbound fast path: frames built once are the frames wsproto would build, and a socket
served by the real Hypercorn gets a working ``Link`` (no broker needed)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart, websocket
from quart.globals import websocket_ctx
from websockets.asyncio.client import connect
from wsproto.connection import Connection, ConnectionType
from wsproto.events import Message

from gateway.delivery.wire import Encoded, Link, text_frame
from gateway.socket.transport import BoundedWebsocketConnection, DirectWebsocket, patch_hypercorn
from tests.support.net import free_port


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 70000])
def test_a_text_frame_is_the_one_wsproto_builds_as_a_server(size: int) -> None:
    text = "é" * (size // 2) + "x" * (size % 2)  # multi-byte characters: lengths are bytes
    server = Connection(ConnectionType.SERVER)
    assert text_frame(text) == server.send(Message(data=text))


def test_a_frame_builds_its_bytes_once() -> None:
    frame = Encoded('{"type":"pong"}')
    assert frame.wire is frame.wire
    assert frame.wire == text_frame(frame.text)


def test_no_link_without_hypercorns_http11_stream() -> None:
    async def send(message: object) -> None: ...

    assert Link.of(send) is None
    assert Link.of(None) is None


@contextlib.asynccontextmanager
async def served(app: Quart) -> AsyncIterator[int]:
    patch_hypercorn()
    config = Config()
    port = free_port()
    config.bind = [f"127.0.0.1:{port}"]
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))
    try:
        for _ in range(200):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            await asyncio.sleep(0.02)  # polling a starting server
        yield port
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_hypercorn_sockets_get_a_link_that_writes_frames_in_order() -> None:
    app = Quart(__name__)
    app.asgi_websocket_class = BoundedWebsocketConnection
    app.websocket_class = DirectWebsocket
    links: list[Link | None] = []

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        link = getattr(websocket_ctx.websocket, "link", None)
        links.append(link)
        assert link is not None
        assert link.open()
        for n in range(3):
            assert link.send(Encoded(f"direct {n}").wire)
        await websocket.send("through ASGI")  # Hypercorn's own path, after ours
        await websocket.receive()  # until the client closes

    async with served(app) as port, connect(f"ws://127.0.0.1:{port}/ws") as client:
        got = [await asyncio.wait_for(client.recv(), 5) for _ in range(4)]
    assert got == ["direct 0", "direct 1", "direct 2", "through ASGI"]
    assert len(links) == 1
