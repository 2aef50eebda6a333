"""``parley.v1.ChatService``: the WebSocket's ``message``, ``private`` and ``join`` with
``since``, and the REST reads, for other backends (proto/parley/v1/chat.proto).

A message posted here is the same ``MessageEvent`` or ``PrivateEvent`` on the same topic as a
browser's, authored by the key's service name, so functions see no difference. It is produced
once per ``client_id`` the way a socket's frame is (``gateway.protocol.receipts``, then the store's
``find_by_client_id``) and answered only after Kafka acknowledged it.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable

import grpc

from gateway.resources import Resources
from gateway.rpc.calls import Calls
from gateway.rpc.errors import ROOM, TEXT, USER, Refused, bounded, checked
from gateway.rpc.stream import room_stream, stored_message
from gateway.rpc.v1 import chat_pb2 as pb
from gateway.rpc.v1 import chat_pb2_grpc
from runtime.events import Event, MessageEvent, PrivateEvent
from runtime.telemetry import EVENT_ID

PAGE, MAX_PAGE = 50, 200

Context = grpc.aio.ServicerContext[object, object]


class ChatService(chat_pb2_grpc.ChatServiceServicer):
    """Chat calls over the gateway's resources."""

    def __init__(self, res: Resources, calls: Calls) -> None:
        self.res = res
        self.calls = calls

    async def Publish(  # noqa: N802 - the generated servicer's names
        self, request: pb.PublishRequest, context: Context
    ) -> pb.PublishResponse:
        async with self.calls.call(context, "Publish", "publish") as service:
            text = checked(TEXT, request.text, "text")
            client_id = bounded(request.client_id, "client_id")
            sender, bot = service.name, request.bot
            make: Callable[[str], Event]
            match request.WhichOneof("target"):
                case "room":
                    room = checked(ROOM, request.room, "room")

                    def make(id: str) -> Event:
                        return MessageEvent(
                            id=id, room=room, user=sender, text=text, client_id=client_id, bot=bot
                        )

                case "to":
                    named = checked(USER, request.to, "to")
                    found = await self.res.people.find(named)
                    if found is None:
                        raise Refused(
                            grpc.StatusCode.NOT_FOUND, "unknown_user", f"there is no user {named!r}"
                        )
                    to = found

                    def make(id: str) -> Event:
                        return PrivateEvent(
                            id=id, sender=sender, to=to, text=text, client_id=client_id, bot=bot
                        )

                case _:
                    raise Refused.invalid("target", "set room (a room message) or to (a user)")
            return pb.PublishResponse(id=await self._once(sender, client_id, make))

    async def _once(self, sender: str, client_id: str, make: Callable[[str], Event]) -> str:
        """Produce the event of ``(sender, client_id)`` unless an earlier try was acked."""
        receipts = self.res.receipts
        receipt = receipts.get(sender, client_id)
        if receipt is None:
            stored = await self.res.store.find_by_client_id(sender, client_id)
            # Calls run concurrently: another one may have issued it meanwhile.
            receipt = receipts.get(sender, client_id) or receipts.issue(
                sender, client_id, stored.id if stored else None
            )
        EVENT_ID.set(receipt.id)
        if not receipt.acked:
            publisher = self.res.publisher
            await publisher.settle(publisher.send(make(receipt.id)))
            receipt.acked = True
        return receipt.id

    async def History(  # noqa: N802
        self, request: pb.HistoryRequest, context: Context
    ) -> pb.HistoryResponse:
        async with self.calls.call(context, "History", "read") as service:
            before = bounded(request.before, "before") if request.before else None
            limit = request.limit or PAGE
            if not 1 <= limit <= MAX_PAGE:
                raise Refused.invalid("limit", f"from 1 to {MAX_PAGE} (0 means {PAGE})")
            store = self.res.store
            match request.WhichOneof("conversation"):
                case "room":
                    room = checked(ROOM, request.room, "room")
                    page = await store.room_messages(room, before=before, limit=limit)
                case "with_user":
                    named = checked(USER, request.with_user, "with_user")
                    other = await self.res.people.find(named) or named
                    page = await store.private_messages(
                        service.name, other, before=before, limit=limit
                    )
                case _:
                    raise Refused.invalid("conversation", "set room or with_user")
            return pb.HistoryResponse(messages=[stored_message(m) for m in page])

    async def Presence(  # noqa: N802
        self, request: pb.PresenceRequest, context: Context
    ) -> pb.PresenceResponse:
        async with self.calls.call(context, "Presence", "read"):
            room = checked(ROOM, request.room, "room")
            return pb.PresenceResponse(room=room, users=await self.res.store.room_users(room))

    async def Rooms(  # noqa: N802
        self, request: pb.RoomsRequest, context: Context
    ) -> pb.RoomsResponse:
        async with self.calls.call(context, "Rooms", "read"):
            rooms = await self.res.store.room_counts()
            return pb.RoomsResponse(rooms=[pb.Room(name=n, online=o) for n, o in rooms])

    async def Subscribe(  # noqa: N802
        self, request: pb.SubscribeRequest, context: Context
    ) -> AsyncIterator[pb.SubscribeResponse]:
        async with self.calls.call(context, "Subscribe", "read") as service:
            room = checked(ROOM, request.room, "room")
            since = bounded(request.since, "since") if request.since else None
            self.calls.metrics.streams += 1
            try:
                headers = functools.partial(context.send_initial_metadata, ())
                stream = room_stream(self.res, service.name, room, since, headers)
                async for response in stream:
                    yield response
            finally:
                self.calls.metrics.streams -= 1
