"""An example backend on Parley's gRPC API: post into a room, read it, follow it live.

    parley apikey create ticketing --scope publish,read      # prints pk_...; keep it secret
    PARLEY_API_KEY=pk_... python docs/grpc_client.py lobby "ticket #7 closed"

It uses the stubs this repository generates (``gateway.rpc.v1``); another project generates
its own from ``proto/parley/v1/*.proto`` with ``python -m grpc_tools.protoc``. Set
``PARLEY_GRPC`` (default ``127.0.0.1:50051``) and, for a gateway with TLS, ``PARLEY_GRPC_CA``
(the PEM that signed its certificate).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from gateway.rpc.v1 import chat_pb2 as pb
from gateway.rpc.v1 import chat_pb2_grpc


def open_channel() -> grpc.aio.Channel:
    target = os.environ.get("PARLEY_GRPC", "127.0.0.1:50051")
    ca = os.environ.get("PARLEY_GRPC_CA")
    if ca is None:
        return grpc.aio.insecure_channel(target)
    with open(ca, "rb") as pem:
        return grpc.aio.secure_channel(target, grpc.ssl_channel_credentials(pem.read()))


def explain(error: grpc.aio.AioRpcError) -> str:
    """The status code, the sentence and the reason and bad fields from the details."""
    parts = [f"{error.code().name}: {error.details()}"]
    status = rpc_status.from_call(error)
    for detail in status.details if status else ():
        info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
        if detail.Unpack(info):
            parts.append(f"reason={info.reason}")
        elif detail.Unpack(bad):
            parts += [f"{v.field}: {v.description}" for v in bad.field_violations]
    return "; ".join(parts)


async def main(room: str, text: str) -> None:
    metadata = (("authorization", f"Bearer {os.environ['PARLEY_API_KEY']}"),)
    async with open_channel() as channel:
        chat = chat_pb2_grpc.ChatServiceStub(channel)
        # Retrying with the same client_id is safe: the message is stored once, same id.
        client_id = uuid.uuid4().hex
        for attempt in range(5):
            try:
                request = pb.PublishRequest(room=room, text=text, client_id=client_id, bot=True)
                sent = await chat.Publish(request, metadata=metadata, timeout=10)
                break
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE or attempt == 4:
                    raise SystemExit(explain(error)) from None
                await asyncio.sleep(2**attempt)  # Kafka is down: try again, same client_id
        print("posted", sent.id)

        page = await chat.History(pb.HistoryRequest(room=room, limit=5), metadata=metadata)
        for message in page.messages:
            print(f"{message.ts.ToJsonString()}  {message.user}: {message.text}")

        # Follow the room from the message just posted; on a dropped stream, subscribe again
        # with since = the last message id seen: nothing is missed or repeated.
        last = sent.id
        stream = chat.Subscribe(pb.SubscribeRequest(room=room, since=last), metadata=metadata)
        try:
            async for event in stream:
                if event.WhichOneof("event") == "message":
                    last = event.message.id
                    print(f"{event.message.user}: {event.message.text}")
                elif event.WhichOneof("event") == "presence":
                    print("present:", ", ".join(event.presence.users))
        except grpc.aio.AioRpcError as error:
            print(f"stream ended ({explain(error)}); resume with since={last}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2]))
