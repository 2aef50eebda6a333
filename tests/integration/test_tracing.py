"""One trace per chat message, from the WebSocket frame to the socket send, over the real broker.

The gateway (Hypercorn serving ``create_app``) and the chat worker run in this process, so one
in-memory exporter sees every span. With tracing off, the ``traceparent`` header still travels.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypercorn.asyncio import serve
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from websockets.asyncio.client import connect

from gateway.app import create_app
from gateway.rpc.v1 import chat_pb2 as pb
from gateway.rpc.v1.chat_pb2_grpc import ChatServiceStub
from gateway.serve import hypercorn_config
from runtime.bus import send
from runtime.db.store import Store
from runtime.engine.discovery import load
from runtime.events import MessageEvent, encode
from runtime.kafka.client import Producer, header
from runtime.kafka.headers import TRACEPARENT
from runtime.kafka.tracing import trace_id_of
from runtime.settings import GrpcSettings, Settings
from tests.support.harness import eventually, make_settings, read_all, running
from tests.support.net import free_port, unique
from tests.support.system import Client, prepare_topics

CHAT = load(Path(__file__).resolve().parents[2] / "functions" / "chat.py")
INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    base = make_settings(kafka_bootstrap, tmp_path)
    gateway = base.gateway.model_copy(update={"host": "127.0.0.1", "port": free_port()})
    return base.model_copy(update={"gateway": gateway, "secret": "tracing-test-" + "s" * 40})


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    await asyncio.to_thread(prepare_topics, settings, ("chat",))
    async with Store(settings.database_url()) as store:
        await store.migrate()
        yield store


@contextlib.asynccontextmanager
async def gateway(settings: Settings) -> AsyncIterator[str]:
    """The gateway app served in this event loop; yields its base URL."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(create_app(settings), hypercorn_config(settings), shutdown_trigger=stop.wait)
    )
    url = f"http://127.0.0.1:{settings.gateway.port}"
    try:
        await eventually(lambda: _ping(url, task), timeout=60, what="the in-process gateway")
        yield url
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def _ping(url: str, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # raises what stopped the server
    status, _ = await post(url, "/api/ping", None)
    return status == 200


async def post(url: str, path: str, body: Any) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url + path, data=data, method="GET" if body is None else "POST"
    )
    request.add_header("Content-Type", "application/json")

    def call() -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except OSError:
            return 0, None

    return await asyncio.to_thread(call)


def by_trace(spans: InMemorySpanExporter, trace_id: int) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if s.context and s.context.trace_id == trace_id]


def chain(spans: list[ReadableSpan], root: ReadableSpan) -> list[ReadableSpan]:
    """``root`` and then, at each step, its one child (failing when there are several)."""
    found = [root]
    while True:
        children = [s for s in spans if s.parent and s.parent.span_id == found[-1].context.span_id]
        if not children:
            return found
        assert len(children) == 1, [c.name for c in children]
        found.append(children[0])


async def test_one_trace_from_frame_to_socket_send(
    settings: Settings, store: Store, spans: InMemorySpanExporter
) -> None:
    room = unique("r")
    async with running(CHAT, settings, store), gateway(settings) as url:
        account = {"username": unique("u"), "password": "correct horse"}
        status, body = await post(url, "/api/register", account)
        assert status == 201, body
        ws_url = url.replace("http", "ws") + f"/ws?token={body['token']}"
        async with connect(ws_url, open_timeout=10) as ws:
            sock = Client(ws)
            try:
                await sock.send({"type": "join", "room": room})
                await sock.pong()  # frames are handled in order: the join is done
                ack = await sock.post(room, "traced", client_id="trace-1")
                await sock.expect("message", id=ack["id"])
            finally:
                sock.reading.cancel()

        frames = [s for s in spans.get_finished_spans() if s.name == "ws message"]
        assert len(frames) == 1, [s.name for s in spans.get_finished_spans()]
        frame = frames[0]
        assert frame.context is not None
        trace_id = frame.context.trace_id
        # The worker's spans end when Kafka acknowledged its output: maybe after the socket send.
        await eventually(lambda: len(by_trace(spans, trace_id)) >= 6, what="six spans")

    traced = by_trace(spans, trace_id)
    steps = chain(traced, frame)
    assert len(steps) == len(traced) == 6, [s.name for s in traced]
    inbound, deliver = settings.topic("chat.message"), settings.topic("chat.deliver")
    assert [(s.name, s.kind) for s in steps] == [
        ("ws message", SpanKind.SERVER),
        (f"send {inbound}", SpanKind.PRODUCER),
        (f"process {inbound}", SpanKind.CONSUMER),
        (f"send {deliver}", SpanKind.PRODUCER),
        (f"process {deliver}", SpanKind.CONSUMER),
        ("ws fanout", SpanKind.INTERNAL),
    ]
    _, sent, processed, delivered, consumed, fanout = (dict(s.attributes or {}) for s in steps)
    assert dict(frame.attributes or {})["parley.frame.type"] == "message"
    for attrs, operation, topic in [
        (sent, "send", inbound),
        (processed, "process", inbound),
        (delivered, "send", deliver),
        (consumed, "process", deliver),
    ]:
        assert attrs["messaging.system"] == "kafka"
        assert attrs["messaging.destination.name"] == topic
        assert attrs["messaging.operation.type"] == attrs["messaging.operation.name"] == operation
        assert attrs["messaging.kafka.message.key"] == room
    assert sent["messaging.message.id"] == processed["messaging.message.id"] == ack["id"]
    assert delivered["messaging.message.id"] == consumed["messaging.message.id"]
    for attrs in (processed, consumed):
        assert isinstance(attrs["messaging.kafka.offset"], int)
        assert str(attrs["messaging.destination.partition.id"]).isdigit()
    assert processed["messaging.consumer.group.name"] == settings.topic("fn.chat")
    assert str(consumed["messaging.consumer.group.name"]).startswith(settings.topic("gateway."))
    assert fanout["parley.sockets"] == 1


async def _worker_output(settings: Settings, store: Store, traceparent: str) -> bytes | None:
    """Run the chat worker on one message carrying ``traceparent``; its delivery's header."""
    event = MessageEvent(room=unique("r"), user="ada", text="hi")
    async with running(CHAT, settings, store):
        producer = Producer(settings.kafka.address())
        try:
            await send(
                producer,
                settings.topic(event.topic),
                encode(event),
                event.key(),
                [(TRACEPARENT, traceparent.encode())],
            )
        finally:
            await producer.close()
        (delivery,) = await read_all(settings, settings.topic("chat.deliver"), 1)
    return header(delivery, TRACEPARENT)


async def test_with_tracing_off_the_worker_carries_traceparent_through(
    settings: Settings, store: Store
) -> None:
    assert await _worker_output(settings, store, INCOMING) == INCOMING.encode()


async def test_with_tracing_on_the_worker_continues_the_incoming_trace(
    settings: Settings, store: Store, spans: InMemorySpanExporter
) -> None:
    sent = await _worker_output(settings, store, INCOMING)
    assert sent is not None
    assert trace_id_of(sent) == trace_id_of(INCOMING)
    await eventually(lambda: len(spans.get_finished_spans()) >= 2, what="the worker's spans")
    kinds = {s.kind: s for s in spans.get_finished_spans()}
    process, produce = kinds[SpanKind.CONSUMER], kinds[SpanKind.PRODUCER]
    assert process.parent is not None
    assert process.parent.span_id == int(INCOMING[36:52], 16)
    assert process.parent.is_remote
    assert process.context is not None
    assert produce.context is not None
    assert produce.parent is not None
    assert produce.parent.span_id == process.context.span_id
    assert sent.decode()[36:52] == f"{produce.context.span_id:016x}"


async def test_one_trace_per_grpc_call_from_the_call_to_the_socket_send(
    settings: Settings, store: Store, spans: InMemorySpanExporter
) -> None:
    port = free_port()
    settings = settings.model_copy(update={"grpc": GrpcSettings(port=port)})
    room = unique("r")
    key = await store.api_keys().create("ticketing", ["publish"])
    async with running(CHAT, settings, store), gateway(settings):
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            request = pb.PublishRequest(room=room, text="traced", client_id="grpc-trace-1")
            answer = await ChatServiceStub(channel).Publish(
                request, metadata=(("authorization", f"Bearer {key}"),)
            )
        calls = [s for s in spans.get_finished_spans() if s.name == "grpc Publish"]
        assert len(calls) == 1, [s.name for s in spans.get_finished_spans()]
        call = calls[0]
        assert call.context is not None
        trace_id = call.context.trace_id
        await eventually(lambda: len(by_trace(spans, trace_id)) >= 4, what="the call's spans")

    traced = by_trace(spans, trace_id)
    inbound, deliver = settings.topic("chat.message"), settings.topic("chat.deliver")
    steps = chain(traced, call)
    assert [(s.name, s.kind) for s in steps][:4] == [
        ("grpc Publish", SpanKind.SERVER),
        (f"send {inbound}", SpanKind.PRODUCER),
        (f"process {inbound}", SpanKind.CONSUMER),
        (f"send {deliver}", SpanKind.PRODUCER),
    ]
    assert dict(steps[1].attributes or {})["messaging.message.id"] == answer.id
