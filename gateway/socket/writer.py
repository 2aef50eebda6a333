"""A socket's writer: sends what queued in its outbox, until the socket is gone.

A client that goes away is ordinary, not a fault: the transport's ``drain`` then raises
``ConnectionResetError``, an ASGI send after the close ``UnexpectedMessageError``, wsproto a
``LocalProtocolError``. ``write_outbox`` ends quietly on those (a debug line, no traceback);
``gone`` tells them from real faults for the session's other steps.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from hypercorn.utils import UnexpectedMessageError
from wsproto.utilities import LocalProtocolError

from gateway.delivery.peer import Peer

log = logging.getLogger("parley.gateway")
DISCONNECTED: tuple[type[BaseException], ...] = (
    ConnectionError,
    EOFError,
    UnexpectedMessageError,
    LocalProtocolError,
)


def gone(exc: BaseException) -> bool:
    """Whether ``exc`` only says that the client went away."""
    return isinstance(exc, DISCONNECTED)


async def write_outbox(peer: Peer, send: Callable[[str], Awaitable[None]]) -> None:
    """Send the frames the hub could not write at once, oldest first, through the socket's
    link (or ASGI ``send`` without one); return when the socket closes or the client left."""
    outbox, link = peer.outbox, peer.link
    try:
        while True:
            frame = await outbox.get()
            if link is None:
                await send(frame.text)
            elif link.open():
                link.write(frame.wire)
                await link.drain()
            else:
                return  # closing: Hypercorn ends the handler
    except DISCONNECTED as exc:
        log.debug("socket %s: the client went away (%s: %s)", peer.conn, type(exc).__name__, exc)
