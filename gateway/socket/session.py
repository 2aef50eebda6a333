"""One WebSocket: check who and where from, then read frames and write deliveries.

Reading and writing are two tasks. The reader handles one frame at a time (so a client's frames
keep their order into Kafka) and answers each with an ``ack``, another answer, or an ``error``
frame; a bad frame never closes the socket. The writer drains the socket's outbox; the hub
fills it. When the hub finds the outbox full it asks the session to close with 1013.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from quart import Websocket, websocket
from quart.globals import websocket_ctx
from quart.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from gateway.delivery.peer import Peer, Subscription
from gateway.delivery.publisher import Unavailable
from gateway.delivery.wire import Encoded
from gateway.guard.access import socket_caller
from gateway.guard.bucket import Bucket
from gateway.guard.quotas import TOO_MANY, client_address
from gateway.protocol.actions import Declared
from gateway.protocol.inbound import (
    Join,
    Leave,
    Ping,
    Post,
    Private,
    Read,
    Refusal,
    Said,
    Typing,
    action_type,
    client_id_of,
    read_json,
    validate,
)
from gateway.protocol.receipts import Intent, Receipt
from gateway.resources import Resources
from gateway.socket.replay import join_room
from gateway.socket.writer import DISCONNECTED, gone, write_outbox
from runtime.actions import from_client
from runtime.errors import UserError
from runtime.events import (
    Attachment,
    Delivery,
    Event,
    MessageEvent,
    PrivateEvent,
    envelope,
    pair_key,
    utcnow,
)
from runtime.frames import (
    PONG,
    ServerFrame,
    ack_frame,
    read_frame,
    seen_frame,
    typing_frame,
)
from runtime.kafka import tracing
from runtime.names import action_topic
from runtime.telemetry import EVENT_ID, REQUEST_ID, new_request_id

log = logging.getLogger("parley.gateway")
UNAUTHORIZED = 4401
CLOSE_WAIT = 5.0


async def serve_socket(res: Resources) -> ResponseReturnValue | None:
    """The ``/ws`` endpoint: 403 for a foreign Origin, close 4401 for a bad ticket or token."""
    origin = websocket.headers.get("Origin")
    if origin is not None and not res.origins.admit(origin):
        body = {"error": "forbidden_origin", "detail": f"origin {origin} may not connect here"}
        return body, 403
    caller = await socket_caller(res.auth, res.sessions)
    await websocket.accept()
    if caller is None:
        res.metrics.closed(UNAUTHORIZED)
        with contextlib.suppress(*DISCONNECTED):  # the client may be gone already
            await websocket.close(
                UNAUTHORIZED, "missing, bad or expired ticket or token: log in again"
            )
        return None
    limits = res.settings.gateway
    user = caller.user
    address = client_address(websocket.headers, websocket.remote_addr, limits)
    refused = res.quotas.admit(user, address)
    if refused is not None:
        res.metrics.closed(TOO_MANY)
        with contextlib.suppress(*DISCONNECTED):  # the client may be gone already
            await websocket.close(TOO_MANY, refused)
        return None
    try:
        conn = f"{res.instance}:{uuid.uuid4().hex[:12]}"
        ws = websocket_ctx.websocket
        peer = Peer(user, conn, limits.send_queue, getattr(ws, "link", None), limits.send_timeout)
        with res.watch.watching(caller.session, peer):  # closed with 4401 when the session ends
            await Session(res, peer, ws).run()
    finally:
        res.quotas.release(user, address)
    return None


class Session:
    """Frames in, events out; answers and deliveries back through the outbox."""

    def __init__(self, res: Resources, peer: Peer, ws: Websocket) -> None:
        self.res = res
        self.peer = peer
        self.ws = ws
        limits = res.settings.gateway
        self.bucket = Bucket(limits.rate, limits.burst)  # this socket's
        self.budget = res.quotas.bucket(peer.user)  # its user's, shared by their sockets

    async def run(self) -> None:
        hub, peer = self.res.hub, self.peer
        hub.attach(peer)
        self.res.metrics.opened += 1
        tasks = [
            asyncio.create_task(self._read(), name=f"read {peer.conn}"),
            asyncio.create_task(write_outbox(peer, self.ws.send), name=f"write {peer.conn}"),
            asyncio.create_task(peer.closing.wait(), name=f"closing {peer.conn}"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when the client went away: Quart cancels this handler then
            for task in tasks:
                task.cancel()
            self.res.presence.closed(peer.user, hub.detach(peer))
            self.res.metrics.closed(peer.close_code)
        for task in done:
            failure = None if task.cancelled() else task.exception()
            if failure is not None and gone(failure):
                log.debug("socket %s: the client went away (%r)", peer.conn, failure)
            elif failure is not None:  # a fault of the gateway's: worth a traceback
                log.error("socket %s failed", peer.conn, exc_info=failure)
        if peer.close_code is not None:
            log.info(
                "closing %s of %s with %d: %s",
                peer.conn,
                peer.user,
                peer.close_code,
                peer.close_reason,
            )
            closing = self.ws.close(peer.close_code, peer.close_reason)
            # A client that never reads: give up; one that left meanwhile: nothing to close.
            with contextlib.suppress(TimeoutError, *DISCONNECTED):
                await asyncio.wait_for(closing, CLOSE_WAIT)

    async def _read(self) -> None:
        while True:
            data = await self.ws.receive()
            # Log lines about this frame carry its request id (its client_id when it has one),
            # its trace id and, once known, the id of the event it caused.
            request, event = REQUEST_ID.set(new_request_id()), EVENT_ID.set(None)
            try:
                with tracing.frame_received(self.peer.user, self.peer.conn):
                    await self._frame(data)
            finally:
                REQUEST_ID.reset(request)
                EVENT_ID.reset(event)

    async def _frame(self, data: str | bytes) -> None:
        """Answer one frame: an ack, another answer, or an error frame."""
        try:
            allowed = self.bucket.take() and self.budget.take()  # bad frames count too
            fields = self._fields(data)
            if (client_id := client_id_of(fields)) is not None:
                REQUEST_ID.set(client_id)
            if not allowed:
                raise Refusal(
                    "rate_limited", "too many frames: slow down and send it again", client_id
                )
            await self._handle(fields)
        except Refusal as refusal:
            self.send(refusal.frame())
        except (SQLAlchemyError, OSError) as exc:
            log.warning("socket %s: database trouble: %s", self.peer.conn, exc)
            self.send(Refusal("unavailable", "history is unavailable; try again").frame())
        except Exception:  # a bug here must not cost the client its socket
            log.exception("socket %s: a frame failed", self.peer.conn)
            self.send(Refusal("internal", "the gateway failed on this frame").frame())

    def _fields(self, data: str | bytes) -> dict[str, Any]:
        """The frame's JSON object (``Refusal`` when it is none), counted by its type."""
        try:
            fields = read_json(data)
        except Refusal:
            self.res.metrics.frame_in(None)
            raise
        self.res.metrics.frame_in(fields.get("type"))
        return fields

    def send(self, frame: ServerFrame) -> None:
        self.res.metrics.sent(frame)
        self.peer.offer(Encoded.of(frame))

    async def _handle(self, fields: dict[str, Any]) -> None:
        kind = action_type(fields)  # a list or an object as "type" is no action, nor a crash
        declared = None if kind is None else self.res.actions.get(kind)
        if declared is not None:
            tracing.frame_kind(declared.type)
            await self._act(declared, fields)
            return
        frame = validate(fields, self.res.actions.types())
        tracing.frame_kind(fields["type"])
        match frame:
            case Ping():
                self.send(PONG)
            case Post(room=room, text=text, client_id=client_id, reply_to=reply_to):
                await self._may_post(room, client_id)
                user = self.peer.user
                if reply_to is not None:
                    await self._answers(reply_to, client_id, room=room)
                files = await self._attachable(frame)
                await self._post(
                    client_id,
                    Intent(f"room {room}", text, reply_to),
                    lambda id: MessageEvent(
                        id=id,
                        room=room,
                        user=user,
                        text=text,
                        attachments=files,
                        client_id=client_id,
                        reply_to=reply_to,
                    ),
                )
            case Private(text=text, client_id=client_id, reply_to=reply_to):
                to = await self.res.people.find(frame.to)
                if to is None:
                    raise Refusal("unknown_user", f"there is no user {frame.to!r}", client_id)
                user = self.peer.user
                if reply_to is not None:
                    await self._answers(reply_to, client_id, pair=pair_key(user, to))
                files = await self._attachable(frame)
                await self._post(
                    client_id,
                    Intent(f"user {to}", text, reply_to),
                    lambda id: PrivateEvent(
                        id=id,
                        sender=user,
                        to=to,
                        text=text,
                        attachments=files,
                        client_id=client_id,
                        reply_to=reply_to,
                    ),
                )
            case Join():
                await self._join(frame.room, frame.since)
            case Leave():
                await self._leave(frame.room)
            case Typing():
                await self._joined(frame.room)
                typing = typing_frame(frame.room, self.peer.user)
                self.res.publisher.fire(Delivery(room=frame.room, frame=dict(typing)))
            case Read():
                await self._mark_read(frame)

    async def _answers(
        self, reply_to: str, client_id: str, *, room: str | None = None, pair: str | None = None
    ) -> None:
        """Refuse a ``reply_to`` that is not a message (not deleted) of this room or
        conversation: an answer stays where its question is."""
        parent = await self.res.store.message(reply_to)
        here = parent is not None and (
            parent.room == room
            if room is not None
            else parent.room is None and pair_key(parent.author, parent.recipient or "") == pair
        )
        where = f"room {room!r}" if room is not None else "this conversation"
        if parent is None or not here:
            raise Refusal(
                "invalid", f"reply_to: there is no message {reply_to!r} in {where}", client_id
            )
        if parent.deleted:
            raise Refusal("invalid", f"reply_to: message {reply_to!r} was deleted", client_id)

    async def _attachable(self, frame: Said) -> tuple[Attachment, ...]:
        """The files a message attaches: uploads of the sender's not attached before."""
        if not frame.attachments:
            return ()
        try:
            found = await self.res.uploads.attachable(frame.attachments, self.peer.user)
        except UserError as exc:
            raise Refusal(exc.code, exc.detail, frame.client_id) from None
        return tuple(found)

    async def _may_post(self, room: str, client_id: str) -> None:
        """Refuse unless this socket may post in ``room`` (messages and room actions alike)."""
        await self._joined(room, client_id)

    async def _joined(self, room: str, client_id: str | None = None) -> Subscription:
        """This socket's subscription to ``room``; else ``forbidden`` when the user may not be
        there (removed, or a private room's non-member), ``not_joined`` when they may."""
        sub = self.peer.rooms.get(room)
        if sub is not None:
            return sub
        if room in self.peer.barred:
            raise Refusal("forbidden", f"you were removed from {room!r}", client_id)
        if not await self.res.rooms.visible(room, self.peer.user):
            raise Refusal("forbidden", f"room {room!r} is for its members only", client_id)
        raise Refusal("not_joined", f"join room {room!r} first", client_id)

    async def _mark_read(self, frame: Read) -> None:
        """Move the sender's read marker; their sockets (every device) hear of it."""
        user, other = self.peer.user, None
        if frame.room is not None:
            await self._joined(frame.room)
            moved = await self.res.reads.mark_read(user, room=frame.room, message_id=frame.id)
        else:
            other = await self.res.people.find(frame.other or "")
            if other is None:
                raise Refusal("unknown_user", f"there is no user {frame.other!r}")
            moved = await self.res.reads.mark_read(user, other=other, message_id=frame.id)
        if not moved:
            where = frame.room or f"the conversation with {frame.other}"
            raise Refusal("not_found", f"there is no message {frame.id!r} in {where}")
        read = read_frame(frame.id, room=frame.room, other=None if frame.room else other)
        self.res.publisher.fire(Delivery(users=(user,), frame=dict(read)))
        if other is not None and other != user:  # the other party sees how far they read
            self.res.publisher.fire(
                Delivery(users=(other,), frame=dict(seen_frame(user, frame.id)))
            )

    async def _post(
        self, client_id: str, intent: Intent, event_with: Callable[[str], Event]
    ) -> None:
        """Produce a message or private event once per client id; ack when Kafka has it.
        A client id that named another message is refused (``client_id_reused``)."""
        user, receipts = self.peer.user, self.res.receipts
        receipt = receipts.get(user, client_id)
        if receipt is None:
            stored = await self.res.store.find_by_client_id(user, client_id)
            known = None if stored is None else Intent.of(stored)
            receipt = receipts.get(user, client_id) or receipts.issue(
                user, client_id, stored.id if stored else None, known or intent
            )
        if receipt.intent is not None and not receipt.intent.allows(intent):
            raise Refusal(
                "client_id_reused",
                f"client_id {client_id!r} already named message {receipt.id} with another "
                "room, recipient, text or reply_to: send a new message with a new client_id",
                client_id,
            )
        publisher = self.res.publisher
        await self._once(receipt, client_id, lambda id: publisher.send(event_with(id)))

    async def _act(self, declared: Declared, fields: dict[str, Any]) -> None:
        """A declared action: checked against its schema (and the room, like a post), stamped
        with the sender, produced to its topic once per client id, acked when Kafka has it."""
        fields = declared.check(fields)
        client_id, user = fields["client_id"], self.peer.user
        room = fields.get("room") if declared.has_room else None
        if isinstance(room, str):
            await self._may_post(room, client_id)
        data = from_client(fields, user)
        key = room if isinstance(room, str) else user
        topic = action_topic(declared.type)
        receipts = self.res.receipts
        receipt = receipts.get(user, f"{declared.type}/{client_id}") or receipts.issue(
            user, f"{declared.type}/{client_id}"
        )

        def send(id: str) -> asyncio.Future[None]:
            value = envelope(declared.type, id, utcnow(), data)
            return self.res.publisher.send_raw(topic, key, id, value)

        await self._once(receipt, client_id, send)

    async def _once(
        self, receipt: Receipt, client_id: str, send: Callable[[str], asyncio.Future[None]]
    ) -> None:
        """Produce the receipt's event unless an earlier try was acked; then ack it."""
        EVENT_ID.set(receipt.id)
        if not receipt.acked:
            try:
                await self.res.publisher.settle(send(receipt.id))
            except Unavailable:
                raise Refusal(
                    "unavailable",
                    "it was not accepted (Kafka is unreachable); send it again",
                    client_id,
                ) from None
            receipt.acked = True
        self.send(ack_frame(client_id, receipt.id))

    async def _join(self, room: str, since: str | None) -> None:
        await join_room(self.res, self.peer, room, since)

    async def _leave(self, room: str) -> None:
        sub = await self._joined(room)
        self.res.hub.unsubscribe(self.peer, room)
        try:
            await self.res.presence.leave(room, self.peer.user, sub.conn)
        except Unavailable:
            raise Refusal(
                "unavailable",
                f"left {room!r}, but presence could not be announced (Kafka is unreachable)",
            ) from None
