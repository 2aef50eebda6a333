"""The gRPC API against the real broker: Publish reaches sockets and history, keys are scoped
and revocable, health and reflection answer, bad input gets the right code and the server keeps
serving."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from gateway.rpc.v1 import chat_pb2 as pb
from gateway.rpc.v1 import chat_pb2_grpc, ops_pb2, ops_pb2_grpc
from parley.cli import main
from runtime.settings import GrpcSettings, Settings
from tests.support.harness import eventually
from tests.support.net import free_port, unique
from tests.support.rpc import api_key, auth, channel, grpc_running
from tests.support.system import REPO, System, env_of, http

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("grpc")
    async with grpc_running(kafka_bootstrap, data_dir, leave_debounce=0.0) as system:
        yield system


@pytest.fixture
async def ch(system: System) -> AsyncIterator[grpc.aio.Channel]:
    async with channel(system.settings.grpc.port) as ch:
        yield ch


async def code_of(call: object) -> grpc.StatusCode:
    """The status code a call ends with (OK when it succeeds)."""
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_publish_reaches_sockets_and_history_once_per_client_id(
    system: System, ch: grpc.aio.Channel
) -> None:
    room, service = unique("r"), unique("svc")[:32]
    key = await api_key(system, service, "publish,read")
    chat = chat_pb2_grpc.ChatServiceStub(ch)
    token = await system.register()
    async with system.connect(token) as ada:
        await ada.join(room)
        request = pb.PublishRequest(room=room, text="  ticket #7 closed ", client_id="t7", bot=True)
        first = await chat.Publish(request, metadata=auth(key))
        again = await chat.Publish(request, metadata=auth(key))
        assert again.id == first.id
        frame = await ada.expect("message", id=first.id)
        assert (frame["user"], frame["text"], frame["bot"]) == (service, "ticket #7 closed", True)
        assert [f["id"] for f in await ada.quiet(0.5) if f.get("type") == "message"] == []
    status, body = await http(system.gateway, "GET", f"/api/rooms/{room}/messages", token=token)
    assert status == 200
    assert [m["id"] for m in body["messages"]] == [first.id]
    history = await chat.History(pb.HistoryRequest(room=room), metadata=auth(key))
    assert [(m.id, m.user, m.bot) for m in history.messages] == [(first.id, service, True)]
    rooms = await chat.Rooms(pb.RoomsRequest(), metadata=auth(key))
    assert room in {r.name for r in rooms.rooms}


async def test_a_direct_message_reaches_its_user_and_the_services_history(
    system: System, ch: grpc.aio.Channel
) -> None:
    service = unique("svc")[:32]
    key = await api_key(system, service, "publish,read")
    chat = chat_pb2_grpc.ChatServiceStub(ch)
    name, token = await system.user()
    async with system.connect(token) as user:
        await user.pong()
        sent = await chat.Publish(
            pb.PublishRequest(to=name, text="your ticket", client_id="d1"), metadata=auth(key)
        )
        frame = await user.expect("private", id=sent.id)
        assert (frame["from"], frame["to"]) == (service, name)

    async def stored() -> bool:
        page = await chat.History(pb.HistoryRequest(with_user=name), metadata=auth(key))
        return [m.id for m in page.messages] == [sent.id]

    await eventually(stored, timeout=15, what="the direct message in the service's history")


async def test_keys_are_scoped_and_revocable(system: System, ch: grpc.aio.Channel) -> None:
    chat = chat_pb2_grpc.ChatServiceStub(ch)
    ops = ops_pb2_grpc.OpsServiceStub(ch)
    reader = await api_key(system, unique("reader")[:32], "read")
    publish = pb.PublishRequest(room="lobby", text="hi", client_id=unique("c"))
    assert await code_of(chat.Publish(publish)) == grpc.StatusCode.UNAUTHENTICATED
    bogus = auth("pk_not-a-key")
    assert await code_of(chat.Publish(publish, metadata=bogus)) == grpc.StatusCode.UNAUTHENTICATED
    denied = chat.Publish(publish, metadata=auth(reader))
    assert await code_of(denied) == grpc.StatusCode.PERMISSION_DENIED
    denied_ops = ops.Functions(ops_pb2.FunctionsRequest(), metadata=auth(reader))
    assert await code_of(denied_ops) == grpc.StatusCode.PERMISSION_DENIED
    assert await code_of(chat.Rooms(pb.RoomsRequest(), metadata=auth(reader))) == grpc.StatusCode.OK

    name = unique("ops")[:32]
    operator = await api_key(system, name, "ops")
    functions = await ops.Functions(ops_pb2.FunctionsRequest(), metadata=auth(operator))
    assert {"chat", "private", "presence", "bot"} <= {f.name for f in functions.functions}
    replayed = await ops.ReplayDeadLetters(
        ops_pb2.ReplayDeadLettersRequest(function="chat"), metadata=auth(operator)
    )
    assert replayed.replayed == 0
    revoke = [sys.executable, "-m", "parley.cli", "apikey", "revoke", name]
    done = await asyncio.to_thread(
        subprocess.run, revoke, env=env_of(system.settings), cwd=REPO, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert b"revoked 1 key(s)" in done.stdout

    async def refused() -> bool:
        call = ops.Functions(ops_pb2.FunctionsRequest(), metadata=auth(operator))
        return await code_of(call) == grpc.StatusCode.UNAUTHENTICATED

    await eventually(refused, timeout=10, what="the revoked key refused")


async def test_health_and_reflection_answer(system: System, ch: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(ch)
    for service in ("", "parley.v1.ChatService", "parley.v1.OpsService"):
        answer = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    reflect = reflection_pb2_grpc.ServerReflectionStub(ch)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    async for answer in reflect.ServerReflectionInfo(iter([request])):
        names = {s.name for s in answer.list_services_response.service}
        assert {"parley.v1.ChatService", "parley.v1.OpsService", "grpc.health.v1.Health"} <= names
    symbol = reflection_pb2.ServerReflectionRequest(file_containing_symbol="parley.v1.ChatService")
    async for answer in reflect.ServerReflectionInfo(iter([symbol])):
        assert answer.file_descriptor_response.file_descriptor_proto


async def test_the_container_health_check_asks_the_grpc_health_service(system: System) -> None:
    """`parley health grpc://host:port`, as the compose file's gateway check runs it."""
    port = system.settings.grpc.port
    healthy = await asyncio.to_thread(main, ["health", f"grpc://127.0.0.1:{port}"])
    assert healthy == 0
    nobody = await asyncio.to_thread(main, ["health", f"grpc://127.0.0.1:{free_port()}"])
    assert nobody == 1


INVALID = grpc.StatusCode.INVALID_ARGUMENT
BAD_CALLS = [
    ("Publish", pb.PublishRequest(text="x", client_id="c"), INVALID, "target"),
    ("Publish", pb.PublishRequest(room="Lobby!", text="x", client_id="c"), INVALID, "room"),
    ("Publish", pb.PublishRequest(room="lobby", text="   ", client_id="c"), INVALID, "text"),
    ("Publish", pb.PublishRequest(room="lobby", text="x" * 4001, client_id="c"), INVALID, "text"),
    ("Publish", pb.PublishRequest(room="lobby", text="x"), INVALID, "client_id"),
    (
        "Publish",
        pb.PublishRequest(room="lobby", text="x", client_id="c" * 65),
        INVALID,
        "client_id",
    ),
    ("Publish", pb.PublishRequest(to="no one", text="x", client_id="c"), INVALID, "to"),
    (
        "Publish",
        pb.PublishRequest(to="nobody-here", text="x", client_id="c"),
        grpc.StatusCode.NOT_FOUND,
        None,
    ),
    ("History", pb.HistoryRequest(), INVALID, "conversation"),
    ("History", pb.HistoryRequest(room="lobby", limit=201), INVALID, "limit"),
    ("History", pb.HistoryRequest(room="lobby", limit=-1), INVALID, "limit"),
    ("Presence", pb.PresenceRequest(), INVALID, "room"),
    ("Subscribe", pb.SubscribeRequest(room="UPPER"), INVALID, "room"),
    ("Subscribe", pb.SubscribeRequest(room="lobby", since="s" * 65), INVALID, "since"),
]


@pytest.mark.parametrize(("method", "request_", "code", "field"), BAD_CALLS)
async def test_bad_input_gets_its_code_with_details(
    system: System,
    ch: grpc.aio.Channel,
    method: str,
    request_: object,
    code: grpc.StatusCode,
    field: str | None,
) -> None:
    key = await api_key(system, "checker", "publish,read")
    call = getattr(chat_pb2_grpc.ChatServiceStub(ch), method)(request_, metadata=auth(key))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await (call.read() if method == "Subscribe" else call)
    error = raised.value
    assert error.code() == code, error.details()
    status = rpc_status.from_call(error)
    assert status is not None, "no google.rpc status"
    assert status.details, "no google.rpc details"
    if field is not None:
        assert str(error.details()).startswith(f"{field}:"), error.details()
    # ... and the server keeps serving
    assert (
        await code_of(
            chat_pb2_grpc.ChatServiceStub(ch).Rooms(pb.RoomsRequest(), metadata=auth(key))
        )
        == grpc.StatusCode.OK
    )


async def test_with_a_certificate_the_api_speaks_tls_only(
    settings: Settings, tmp_path: Path
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        capture_output=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    port = free_port()
    secured = settings.model_copy(update={"grpc": GrpcSettings(port=port, cert=cert, key=key)})
    system = System(secured, tmp_path)
    try:
        await system.start_gateway()
        credentials = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
        async with grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials) as ch:
            answer = await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest())
            assert answer.status == health_pb2.HealthCheckResponse.SERVING
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as plain:
            refused = health_pb2_grpc.HealthStub(plain).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await refused
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        system.stop()
