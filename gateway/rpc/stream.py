"""``Subscribe``: one room's events for a gRPC stream, fed by the hub like a socket.

    async for response in room_stream(res, "lobby", since="01958f3a-..."):
        yield response

The stream is a ``Peer`` without a socket: the hub offers it the room's deliveries (encoded
once, shared with the sockets), and this module reads its outbox. Resuming follows a
WebSocket ``join`` with ``since`` step by step: subscribe first (live frames wait in the
subscription's buffer), replay the stored messages after ``since`` page by page, then release
the buffer, dropping what the replay already sent (by storage position ``seq``). So every
message after ``since`` comes once, in room order, with no gap between replay and live.

A stream is no one's presence: it announces no join or leave. Its peer's user is
``:grpc:<service>``, which no username can be (``:`` is not allowed in one), so deliveries to
users never reach it. A stream that falls ``gateway.send_queue`` frames behind is ended with
``RESOURCE_EXHAUSTED``, as a slow socket is closed with 1013; a gateway shutting down ends it
with ``UNAVAILABLE`` (resume on another one with ``since``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.delivery.peer import GOING_AWAY, Peer
from gateway.resources import Resources
from gateway.rpc.errors import Refused
from gateway.rpc.v1 import chat_pb2 as pb
from runtime.history import StoredMessage

REPLAY_PAGE = 200


async def room_stream(
    res: Resources,
    service: str,
    room: str,
    since: str | None,
    subscribed: Callable[[], Awaitable[None]],
) -> AsyncIterator[pb.SubscribeResponse]:
    """The responses of one ``Subscribe`` call, until the client cancels it. ``subscribed``
    is awaited once live frames are caught (the call sends its response headers then)."""
    tag = uuid.uuid4().hex[:12]
    peer = Peer(f":grpc:{service}", f"{res.instance}:grpc-{tag}", res.settings.gateway.send_queue)
    hub = res.hub
    hub.attach(peer)
    closing = asyncio.ensure_future(peer.closing.wait())
    try:
        sub = hub.subscribe(peer, room, peer.conn)
        await res.roster.snapshot(room)  # this gateway follows the room's presence from now
        await subscribed()
        if since is not None:
            sub.seq = await res.store.room_mark(room, since)
            async for message in _replay(res, room, since):
                sub.seq = message.seq or sub.seq
                yield pb.SubscribeResponse(message=stored_message(message))
        while sub.buffer:  # live frames that came during the replay
            held, sub.buffer = sub.buffer, []
            for seq, frame in held:
                if sub.admits(seq):
                    yield response_of(frame.text)
        sub.buffer = None  # from here the hub offers frames to the outbox
        outbox = peer.outbox
        while True:
            while outbox.frames and not closing.done():
                yield response_of((await outbox.get()).text)
            if closing.done():
                raise _ended(peer)
            ready = asyncio.ensure_future(outbox.get())
            await asyncio.wait({ready, closing}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                ready.cancel()
                raise _ended(peer)
            yield response_of(ready.result().text)
    finally:
        closing.cancel()
        hub.detach(peer)  # no presence to announce: a stream never joined


async def _replay(res: Resources, room: str, since: str) -> AsyncIterator[StoredMessage]:
    after = since
    while True:
        page = await res.store.room_messages(room, after=after, limit=REPLAY_PAGE)
        for message in page:
            yield message
        if len(page) < REPLAY_PAGE:
            return
        after = page[-1].id


def _ended(peer: Peer) -> Refused:
    if peer.close_code == GOING_AWAY:
        code, reason = grpc.StatusCode.UNAVAILABLE, "going_away"
        detail = "the gateway is shutting down: subscribe again (with since) on another one"
    else:
        code, reason = grpc.StatusCode.RESOURCE_EXHAUSTED, "too_slow"
        detail = f"{peer.close_reason}: read faster, then subscribe again with since"
    return Refused(code, reason, detail)


def response_of(text: str) -> pb.SubscribeResponse:
    """A room frame (docs/PROTOCOL.md 3.5) as a stream response; unknown kinds as JSON text."""
    frame: dict[str, Any] = json.loads(text)
    kind = frame.get("type")
    with contextlib.suppress(KeyError, TypeError, ValueError):
        if kind == "message":
            return pb.SubscribeResponse(message=message_of(frame))
        if kind == "presence":
            update = pb.PresenceUpdate(
                users=frame.get("users", []),
                joined=frame.get("joined", []),
                left=frame.get("left", []),
            )
            return pb.SubscribeResponse(presence=update)
        if kind == "typing":
            return pb.SubscribeResponse(typing=pb.Typing(user=frame["user"]))
    return pb.SubscribeResponse(frame=text)


def message_of(frame: dict[str, Any]) -> pb.Message:
    """A ``message`` or ``private`` frame as a ``Message`` (with the living fields it has)."""
    return pb.Message(
        id=frame["id"],
        room=frame.get("room") or "",
        user=frame.get("user") or frame.get("from") or "",
        to=frame.get("to") or "",
        text=frame["text"],
        ts=timestamp(datetime.fromisoformat(frame["ts"])),
        bot=bool(frame.get("bot", False)),
        reply_to=frame.get("reply_to") or "",
        replies=int(frame.get("replies", 0)),
        mentions=frame.get("mentions", []),
        reactions=[
            pb.Reaction(emoji=emoji, users=users)
            for emoji, users in frame.get("reactions", {}).items()
        ],
        edited_at=timestamp(datetime.fromisoformat(edited))
        if (edited := frame.get("edited_at"))
        else None,
        deleted=bool(frame.get("deleted", False)),
        rev=int(frame.get("rev", 0)),
        attachments=[pb.Attachment(**attachment) for attachment in frame.get("attachments", [])],
    )


def stored_message(message: StoredMessage) -> pb.Message:
    return message_of(dict(message.frame()))


def timestamp(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts
