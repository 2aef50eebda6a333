"""Fixtures every test directory may use: a real Kafka broker for the session, unique topic
and group names, and in-memory tracing. Shared helpers live in ``tests/support``."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

from runtime.kafka import tracing
from tests.support.broker import embedded_broker
from tests.support.net import unique


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
