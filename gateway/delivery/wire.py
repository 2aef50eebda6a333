"""The outbound fast path: a server frame encoded once, written straight to each socket.

    frame = Encoded(text)                  # one per delivery, however many sockets it goes to
    link = Link.of(asgi_send)            # None when the socket is not HTTP/1.1 on Hypercorn
    if link is not None:
        link.send(frame.wire)            # the WebSocket frame bytes, built once per frame

A server's WebSocket frames are not masked (RFC 6455 5.1), so a text frame's bytes are the same
for every recipient: building them once and handing them to each socket's transport is what a
bare ``websockets.broadcast`` does. Going through ASGI instead costs a wsproto frame per
recipient, an ASGI message, Hypercorn's send lock and a ``drain`` per frame: about five times
the CPU per delivered frame on this machine. Everything else (the handshake, pings, pongs,
close frames, reading) stays with Hypercorn; a whole frame written to the transport never
interleaves with one of Hypercorn's, because both write complete frames synchronously.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Mapping
from typing import Any

from wsproto.connection import ConnectionState

# Past this many bytes waiting in the kernel-bound buffer a socket counts as congested: frames
# then queue in its outbox (bounded: a socket that stays behind is closed with 1013).
HIGH_WATER = 64 * 1024
_TEXT_FIN = 0x81  # FIN + opcode 1 (text)


class Encoded:
    """One server frame: its JSON ``text`` and, built on first use, its WebSocket ``wire``
    bytes. Shared by every socket it is sent to."""

    __slots__ = ("_wire", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._wire: bytes | None = None

    @classmethod
    def of(cls, fields: Mapping[str, Any]) -> Encoded:
        """The frame of these JSON fields, compact (as every frame the gateway sends)."""
        return cls(json.dumps(fields, separators=(",", ":"), ensure_ascii=False))

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = text_frame(self.text)
        return self._wire


def text_frame(text: str) -> bytes:
    """An unmasked, unfragmented WebSocket text frame carrying ``text``."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = bytes((_TEXT_FIN, size))
    elif size < 1 << 16:
        head = struct.pack("!BBH", _TEXT_FIN, 126, size)
    else:
        head = struct.pack("!BBQ", _TEXT_FIN, 127, size)
    return head + payload


class Link:
    """Direct writes to one WebSocket's TCP transport, beside Hypercorn's own."""

    __slots__ = ("_connection", "_stream", "_transport", "_writer")

    def __init__(self, stream: Any, writer: asyncio.StreamWriter) -> None:
        self._stream = stream
        self._writer = writer
        self._transport = writer.transport
        self._connection: Any = None  # wsproto's, once the handshake made it

    @classmethod
    def of(cls, send: Any) -> Link | None:
        """The link under an ASGI ``send`` callable, when it is Hypercorn's HTTP/1.1 WebSocket
        stream (``send`` is the stream's bound ``app_send``, the stream's ``send`` the HTTP/1.1
        protocol's, and that one's ``send`` the TCP server's). None otherwise (HTTP/2, another
        server, a test double): the caller then sends through ASGI."""
        stream = getattr(send, "__self__", None)
        protocol = getattr(getattr(stream, "send", None), "__self__", None)
        server = getattr(getattr(protocol, "send", None), "__self__", None)
        writer = getattr(server, "writer", None)
        return cls(stream, writer) if isinstance(writer, asyncio.StreamWriter) else None

    def open(self) -> bool:
        """Whether data frames may still be written: the WebSocket is open both ways."""
        connection = self._connection
        if connection is None:
            connection = self._connection = getattr(self._stream, "connection", None)
        return (
            connection is not None
            and connection.state is ConnectionState.OPEN
            and not self._transport.is_closing()
        )

    def send(self, wire: bytes) -> bool:
        """Write ``wire`` now if the socket is open and not congested; False: queue it."""
        if self.open() and self._transport.get_write_buffer_size() <= HIGH_WATER:
            self._transport.write(wire)
            return True
        return False

    def write(self, wire: bytes) -> None:
        self._transport.write(wire)

    async def drain(self) -> None:
        """Wait until the transport's buffer is below its high-water mark again."""
        if self._transport.get_write_buffer_size() > HIGH_WATER:
            await self._writer.drain()
