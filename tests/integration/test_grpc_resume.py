"""``Subscribe`` resumes with no gap and no duplicate, across a gateway restart."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator

import grpc
import pytest

from gateway.rpc.v1 import chat_pb2 as pb
from gateway.rpc.v1 import chat_pb2_grpc
from tests.support.net import free_port, unique
from tests.support.rpc import Metadata, api_key, auth, channel, grpc_running, start_gateway
from tests.support.system import System

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("grpc-resume")
    async with grpc_running(kafka_bootstrap, data_dir) as system:
        yield system


async def publish(port: int, key: str, room: str, texts: list[str]) -> list[str]:
    """Post ``texts`` one after another through the gateway on gRPC ``port``; their ids."""
    async with channel(port) as ch:
        chat = chat_pb2_grpc.ChatServiceStub(ch)
        ids = []
        for text in texts:
            request = pb.PublishRequest(room=room, text=text, client_id=unique("c"))
            ids.append((await chat.Publish(request, metadata=auth(key))).id)
        return ids


async def read_ids(
    stream: grpc.aio.UnaryStreamCall[pb.SubscribeRequest, pb.SubscribeResponse],
    until: str,
    timeout: float = 30.0,
) -> list[str]:
    """The ids of the messages the stream sends, up to and including message ``until``."""
    ids: list[str] = []
    async with asyncio.timeout(timeout):
        while not ids or ids[-1] != until:
            response = await stream.read()
            assert response is not grpc.aio.EOF, f"the stream ended after {ids}"
            assert isinstance(response, pb.SubscribeResponse)
            if response.WhichOneof("event") == "message":
                ids.append(response.message.id)
    return ids


async def test_subscribe_resumes_after_a_gateway_restart(system: System) -> None:
    room = unique("r")
    key = await api_key(system, unique("watch")[:32], "publish,read")
    md: Metadata = auth(key)
    first, port = system.gateway, system.settings.grpc.port
    other_port = free_port()
    await start_gateway(system, other_port)  # where messages are posted meanwhile

    async with channel(port) as ch:
        stream = chat_pb2_grpc.ChatServiceStub(ch).Subscribe(
            pb.SubscribeRequest(room=room), metadata=md
        )
        await stream.initial_metadata()  # subscribed
        before = await publish(other_port, key, room, [f"a{n}" for n in range(5)])
        assert await read_ids(stream, before[-1]) == before  # live, in order, once
        first.stop(signal.SIGTERM)
        with pytest.raises(grpc.aio.AioRpcError) as ended:
            await read_ids(stream, "never")
        assert ended.value.code() == grpc.StatusCode.UNAVAILABLE, ended.value.details()
    missed = await publish(other_port, key, room, [f"b{n}" for n in range(7)])
    await start_gateway(system, port)  # the same gRPC port, a new gateway process

    async with channel(port) as ch:
        stream = chat_pb2_grpc.ChatServiceStub(ch).Subscribe(
            pb.SubscribeRequest(room=room, since=before[-1]), metadata=md
        )
        await stream.initial_metadata()  # subscribed
        live = asyncio.create_task(publish(other_port, key, room, [f"c{n}" for n in range(5)]))
        # The live messages race the replay; the last one is the end marker.
        sent = missed + await live
        got = await read_ids(stream, sent[-1])
        stream.cancel()
    assert got == sent, "a gap, a duplicate or another order"
