"""Tracing set-up and the traceparent helpers (no broker: see tests/integration/test_tracing.py)."""

from __future__ import annotations

import re

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from runtime.errors import SetupError
from runtime.kafka import tracing
from runtime.telemetry import TRACE_ID

TRACEPARENT = re.compile(rb"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")


@pytest.mark.parametrize("value", [None, "", "none", " none "])
def test_no_exporter_means_no_provider(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    else:
        monkeypatch.setenv("OTEL_TRACES_EXPORTER", value)
    assert tracing.configure_tracing("worker", function="chat") is None
    assert not tracing.enabled()
    assert tracing.current_traceparent() is None


def test_an_unknown_exporter_says_which_ones_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "zipkin")
    with pytest.raises(SetupError, match="console, otlp"):
        tracing.configure_tracing("gateway")


def test_new_traceparent_continues_the_trace_of_the_log_context() -> None:
    fresh = tracing.new_traceparent()
    assert TRACEPARENT.match(fresh)
    token = TRACE_ID.set("ab" * 16)
    try:
        inside = tracing.new_traceparent()
    finally:
        TRACE_ID.reset(token)
    assert TRACEPARENT.match(inside)
    assert tracing.trace_id_of(inside) == "ab" * 16
    assert tracing.trace_id_of(fresh) != "ab" * 16


def test_trace_id_of() -> None:
    value = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert tracing.trace_id_of(value) == "0af7651916cd43dd8448eb211c80319c"
    assert tracing.trace_id_of(value.encode()) == "0af7651916cd43dd8448eb211c80319c"
    assert tracing.trace_id_of(None) is None
    assert tracing.trace_id_of(b"garbage") is None


def test_with_a_provider_spans_carry_their_traceparent(spans: InMemorySpanExporter) -> None:
    assert tracing.enabled()
    with trace.get_tracer("test").start_as_current_span("outer") as outer:
        current = tracing.current_traceparent()
        span, sent = tracing.producing("chat.message", "lobby", "e-1")
        span.end()
    assert current == tracing.traceparent_of(outer)
    assert tracing.trace_id_of(sent) == f"{outer.get_span_context().trace_id:032x}"
    (produced, _) = spans.get_finished_spans()
    assert produced.kind is trace.SpanKind.PRODUCER
    assert produced.parent is not None
    assert produced.parent.span_id == outer.get_span_context().span_id
    assert dict(produced.attributes or {}) == {
        "messaging.system": "kafka",
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
        "messaging.destination.name": "chat.message",
        "messaging.kafka.message.key": "lobby",
        "messaging.message.id": "e-1",
    }


def test_console_exporter_installs_a_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    from opentelemetry.util._once import Once

    try:
        provider = tracing.configure_tracing("worker", function="chat")
        assert provider is not None
        assert tracing.enabled()
        assert provider.resource.attributes["service.name"] == "parley-chat"
        assert provider.resource.attributes["faas.name"] == "chat"
        provider.shutdown()
    finally:
        tracing.install(None)
        trace._TRACER_PROVIDER = None
        trace._TRACER_PROVIDER_SET_ONCE = Once()
    assert not tracing.enabled()
