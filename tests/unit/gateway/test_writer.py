"""A client that goes away while its frames are written is ordinary: the writer ends without
an error (no traceback in the log); a real fault still propagates."""

from __future__ import annotations

import logging

import pytest
from hypercorn.protocol.ws_stream import ASGIWebsocketState
from hypercorn.utils import UnexpectedMessageError

from gateway.delivery.peer import Peer
from gateway.delivery.wire import Encoded
from gateway.socket.writer import gone, write_outbox


async def refuse(exc: BaseException) -> None:
    raise exc


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionResetError("Connection lost"),  # drain() of a transport the client dropped
        BrokenPipeError(),
        UnexpectedMessageError(ASGIWebsocketState.CLOSED, "websocket.send"),  # sent after close
    ],
)
async def test_a_client_gone_ends_the_writer_quietly(
    exc: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    peer = Peer("ada", "gw:ada", 8)
    assert peer.outbox.offer(Encoded('{"type":"pong"}'))
    with caplog.at_level(logging.DEBUG, logger="parley.gateway"):
        await write_outbox(peer, lambda text: refuse(exc))
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert all(r.exc_info is None for r in caplog.records)
    assert gone(exc)


async def test_a_fault_of_the_gateway_is_not_hidden() -> None:
    peer = Peer("ada", "gw:ada", 8)
    assert peer.outbox.offer(Encoded('{"type":"pong"}'))
    with pytest.raises(TypeError):
        await write_outbox(peer, lambda text: refuse(TypeError("a bug")))
    assert not gone(TypeError("a bug"))
