"""Shared fixtures: a real Kafka broker for the session and unique names per test."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

from runtime.kafka import tracing
from runtime.ops.broker import EmbeddedBroker
from runtime.settings import Settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def unique(prefix: str) -> str:
    """A name no other test (or earlier run) uses: for topics, groups and rooms."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def embedded_broker(home: Path) -> EmbeddedBroker:
    """A broker on free ports with its files under ``home``; the caller starts and stops it."""
    return EmbeddedBroker(
        home=home,
        port=free_port(),
        controller_port=free_port(),
        heap="384m",
        libs=Settings().kafka.jars(),
    )


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a real broker: ``PARLEY_KAFKA__BOOTSTRAP``, or one started here."""
    configured = os.environ.get("PARLEY_KAFKA__BOOTSTRAP")
    if configured:
        yield configured
        return
    broker = embedded_broker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def topic() -> str:
    return unique("t")


@pytest.fixture
def group() -> str:
    return unique("g")


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for one test: every span ends up in the returned exporter. OpenTelemetry lets
    a process set its tracer provider once, so afterwards its globals go back to "none set"
    (tracing off, as for every other test)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.install(None)
        provider.shutdown()
        trace._TRACER_PROVIDER = None
        trace._TRACER_PROVIDER_SET_ONCE = Once()
