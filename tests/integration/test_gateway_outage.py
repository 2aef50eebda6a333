"""Kafka down: no ack without Kafka, ``unavailable`` instead, health 503, and a retry with the
same ``client_id`` after the broker is back stores and shows the message once.

This test runs its own broker (and stops it halfway), never the session's shared one.
"""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from gateway.rpc.v1 import chat_pb2 as pb
from gateway.rpc.v1.chat_pb2_grpc import ChatServiceStub
from runtime.db.store import Store
from runtime.settings import GrpcSettings
from tests.support.broker import embedded_broker
from tests.support.harness import eventually, make_settings
from tests.support.net import free_port, unique
from tests.support.rpc import api_key, auth, channel
from tests.support.system import System, http

pytestmark = [pytest.mark.timeout(170), pytest.mark.e2e, pytest.mark.slow]


async def test_broker_down_means_unavailable_not_ack_then_a_retry_lands_once(
    tmp_path: Path,
) -> None:
    broker = embedded_broker(tmp_path / "kafka")
    broker.start()
    settings = make_settings(broker.bootstrap, tmp_path)
    settings = settings.model_copy(
        update={
            "gateway": settings.gateway.model_copy(update={"produce_timeout": 2.0}),
            "grpc": GrpcSettings(port=free_port()),
        }
    )
    system = System(settings, tmp_path)
    room = unique("r")
    try:
        await system.start(("chat", "presence"))
        token = await system.register()
        key = await api_key(system, "ticketing", "publish")
        async with system.connect(token) as sock:
            await sock.join(room)
            before = await sock.post(room, "before")
            await sock.expect("message", id=before["id"])

            broker.stop()
            await sock.send({"type": "message", "room": room, "text": "during", "client_id": "d"})
            answer = await sock.expect(lambda f: f.get("client_id") == "d", timeout=15)
            assert answer["type"] == "error", "an ack without Kafka"
            assert answer["error"] == "unavailable"
            await sock.pong()  # the socket stays usable

            # The gRPC API says so too, and goes on serving.
            async with channel(settings.grpc.port) as ch:
                publish = pb.PublishRequest(room=room, text="via grpc", client_id="g1")
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    await ChatServiceStub(ch).Publish(publish, metadata=auth(key), timeout=20)
                assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

            status, body = await http(system.gateway, "GET", "/api/health")
            assert status == 503
            assert body["kafka"] == "unavailable"
            assert body["db"] == "ok"
            assert body["error"] == "unavailable"
            assert "kafka" in body["detail"]

            broker.start()

            async def healthy() -> bool:
                return (await http(system.gateway, "GET", "/api/health"))[0] == 200

            await eventually(healthy, timeout=60, what="health back to 200")
            # The workers ride out the outage: same processes, they resume by themselves.
            assert [p.poll() for p in system.workers.procs] == [None, None]
            retried = await sock.post(room, "during", client_id="d")
            assert retried["type"] == "ack"
            await sock.expect("message", id=retried["id"], timeout=60)
            again = await sock.post(room, "during", client_id="d")
            assert again["id"] == retried["id"]
            await sock.post(room, "after")
            await sock.expect("message", text="after", timeout=30)
        assert [f["text"] for f in sock.frames if f["type"] == "message"] == [
            "before",
            "during",
            "after",
        ]
        async with Store(settings.database_url()) as store:
            stored = await store.room_messages(room)
        assert [(m.text, m.id) for m in stored][:2] == [
            ("before", before["id"]),
            ("during", retried["id"]),
        ]
        assert len(stored) == 3
    finally:
        system.stop()
        broker.stop()
