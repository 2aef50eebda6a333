"""Changes to how Quart and Hypercorn carry WebSocket frames, for memory, speed and sockets.

- ``BoundedWebsocketConnection``: Quart queues inbound frames without limit. Bounded, a client
  that sends faster than its session reads stops being read from: the backpressure reaches TCP
  instead of the gateway's memory. Its ``send_data`` skips the ``websocket_sent`` signal.
- ``DirectWebsocket``: Quart's ``send`` yields to the event loop before every frame, so a socket
  writer sent one frame per loop turn and fell behind any burst. The gateway's writer already
  waits on its outbox; its sends go straight to the ASGI server. It also carries the socket's
  ``Link`` (gateway.delivery.wire): deliveries are written to the transport directly, not
  through ASGI.
- ``patch_hypercorn()``, applied by ``run_gateway`` before serving:
  - no permessage-deflate: Hypercorn accepts it from every client that offers it (browsers
    always do), which costs about 300 KiB of zlib state per socket and compresses each fan-out
    frame once per recipient. Chat frames are small, so the gateway does not negotiate it.
  - a pinger that stops when its socket closes: Hypercorn's sleeps the whole ping interval
    first, and the connection (its file descriptor included) is only released after that, so
    every closed socket lingered for up to ``websocket_ping_interval`` seconds and a shutdown
    waited out the graceful timeout.
"""

from __future__ import annotations

import asyncio
import contextlib

from hypercorn.protocol import h2, h11, ws_stream
from hypercorn.typing import ASGISendCallable, WebsocketScope
from quart import Quart, Websocket
from quart.asgi import ASGIWebsocketConnection
from wsproto.events import Ping

from gateway.delivery.wire import Link

INBOUND_QUEUE = "PARLEY_INBOUND_QUEUE"


class BoundedWebsocketConnection(ASGIWebsocketConnection):
    """At most ``app.config["PARLEY_INBOUND_QUEUE"]`` unread inbound frames per socket."""

    def __init__(self, app: Quart, scope: WebsocketScope) -> None:
        super().__init__(app, scope)
        self.queue = asyncio.Queue(app.config.get(INBOUND_QUEUE, 16))

    def _create_websocket_from_scope(self, send: ASGISendCallable) -> Websocket:
        websocket = super()._create_websocket_from_scope(send)
        if isinstance(websocket, DirectWebsocket):
            websocket.link = Link.of(send)
        return websocket

    async def send_data(self, send: ASGISendCallable, data: str | bytes) -> None:
        if isinstance(data, str):
            await send({"type": "websocket.send", "bytes": None, "text": data})
        else:
            await send({"type": "websocket.send", "bytes": data, "text": None})


class DirectWebsocket(Websocket):
    """Quart's ``Websocket`` whose ``send`` does not first yield to the event loop (and
    assumes the socket was accepted, as the gateway's session always does first). ``link``
    writes frames straight to the socket (gateway.delivery.wire), when the server allows it."""

    link: Link | None = None

    async def send(self, data: str | bytes) -> None:
        await self._send(data)


class PlainHandshake(ws_stream.Handshake):
    """Hypercorn's handshake, ignoring the client's extension offers (no permessage-deflate)."""

    def __init__(self, headers: list[tuple[bytes, bytes]], http_version: str) -> None:
        super().__init__(headers, http_version)
        self.extensions = None


class PromptWSStream(ws_stream.WSStream):
    """Hypercorn's WebSocket stream whose pinger ends as soon as the stream closes."""

    @property
    def closed(self) -> bool:
        return self._ended().is_set()

    @closed.setter
    def closed(self, value: bool) -> None:
        if value:
            self._ended().set()

    def _ended(self) -> asyncio.Event:
        ended: asyncio.Event | None = self.__dict__.get("_ended_event")
        if ended is None:
            ended = self.__dict__["_ended_event"] = asyncio.Event()
        return ended

    async def _send_pings(self) -> None:
        interval = self.config.websocket_ping_interval
        while not self.closed:
            await self._send_wsproto_event(Ping())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ended().wait(), interval)


def patch_hypercorn() -> None:
    """Use ``PlainHandshake`` and ``PromptWSStream`` in Hypercorn's HTTP/1.1 and HTTP/2.

    Hypercorn has no settings for either; its protocol modules look both names up in their
    module globals at each connection, so these assignments are the whole patch.
    """
    ws_stream.Handshake = PlainHandshake  # type: ignore[misc]
    h11.WSStream = PromptWSStream  # type: ignore[attr-defined]
    h2.WSStream = PromptWSStream  # type: ignore[attr-defined]
