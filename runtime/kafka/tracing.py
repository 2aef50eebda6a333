"""Tracing: OpenTelemetry spans from a WebSocket frame through Kafka and a function back to the
sockets, in one trace carried by the W3C ``traceparent`` Kafka header.

    configure_tracing("worker", function="chat")    # once, at process start

The standard variables choose what happens: ``OTEL_TRACES_EXPORTER`` is ``console``, ``otlp``
(OTLP over HTTP; ``OTEL_EXPORTER_OTLP_ENDPOINT`` and friends are read by the exporter) or
``none``. Parley's default, with the variable unset, is ``none``: no tracer provider is
installed, ``enabled()`` is False (a module flag: it is asked several times per event) and the
runtime makes no spans at all. The ``traceparent``
header still travels: a worker copies its input's header to its outputs unchanged, so a process
further down with tracing on joins the trace. ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``
and ``OTEL_TRACES_SAMPLER`` work as everywhere else.

The spans of one chat message (names, kinds):

    ws message              SERVER     the gateway received the frame
      send chat.message     PRODUCER   ended when Kafka acknowledged the record
        process chat.message  CONSUMER   the worker ran the function (until its outputs were queued)
          send chat.deliver   PRODUCER
            process chat.deliver  CONSUMER   a gateway took the delivery
              ws fanout           INTERNAL   queued on ``parley.sockets`` sockets' outboxes
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import NoOpTracerProvider, Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from runtime.bus import Acknowledged, Record
from runtime.errors import SetupError
from runtime.kafka.client import header
from runtime.kafka.headers import TRACEPARENT
from runtime.telemetry import TRACE_ID

SOCKETS = "parley.sockets"
_W3C = TraceContextTextMapPropagator()
_enabled = False  # mirrors what ``install`` put in OpenTelemetry's global


def configure_tracing(service: str, function: str | None = None) -> TracerProvider | None:
    """Install a tracer provider exporting where ``OTEL_TRACES_EXPORTER`` says (None: off)."""
    chosen = os.environ.get("OTEL_TRACES_EXPORTER", "none")
    names = [n.strip().lower() for n in chosen.split(",") if n.strip().lower() not in ("", "none")]
    if not names:
        return None
    attributes: dict[str, str] = {"service.namespace": "parley"}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes["service.name"] = f"parley-{function or service}"
    if function:
        attributes["faas.name"] = function
    provider = TracerProvider(resource=Resource.create(attributes))
    for name in names:
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    install(provider)
    return provider


def install(provider: trace.TracerProvider | None) -> None:
    """Make ``provider`` OpenTelemetry's global tracer provider and turn Parley's spans on;
    None turns them off. ``configure_tracing`` calls it; tests pass an in-memory exporter's."""
    global _enabled
    if provider is not None:
        trace.set_tracer_provider(provider)
    _enabled = provider is not None and not isinstance(provider, NoOpTracerProvider)


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    raise SetupError(
        f"OTEL_TRACES_EXPORTER={name!r} is not supported: use console, otlp (OTLP over HTTP) "
        "or none"
    )


def enabled() -> bool:
    """Whether Parley makes spans: ``install`` was given a tracer provider."""
    return _enabled


@functools.cache
def _tracer_of(provider: trace.TracerProvider) -> trace.Tracer:
    return provider.get_tracer("parley")


def _tracer() -> trace.Tracer:
    return _tracer_of(trace.get_tracer_provider())


def _kafka(operation: str, topic: str, key: str | bytes | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": operation,
        "messaging.operation.name": operation,
        "messaging.destination.name": topic,
    }
    if key:
        text = key.decode(errors="replace") if isinstance(key, bytes) else key
        attributes["messaging.kafka.message.key"] = text
    return attributes


def consuming(message: Record, group: str) -> contextlib.AbstractContextManager[Span]:
    """The current span while one record is processed: a CONSUMER span whose parent is the
    span named by the record's ``traceparent`` header (a new trace when it has none)."""
    topic = message.topic() or ""
    attributes = _kafka("process", topic, message.key())
    attributes["messaging.destination.partition.id"] = str(message.partition())
    attributes["messaging.kafka.offset"] = message.offset() or 0
    attributes["messaging.consumer.group.name"] = group
    found = header(message, TRACEPARENT)
    parent = _W3C.extract({TRACEPARENT: found.decode(errors="replace")}) if found else None
    return _tracer().start_as_current_span(
        f"process {topic}", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    )


def producing(topic: str, key: str | bytes | None, event_id: str) -> tuple[Span, bytes]:
    """A PRODUCER span (child of the current one) for one record, and the ``traceparent``
    to send with it. End it with ``end_on(span, ack)`` or ``ending(span, callback)``."""
    attributes = _kafka("send", topic, key)
    attributes["messaging.message.id"] = event_id
    span = _tracer().start_span(f"send {topic}", kind=SpanKind.PRODUCER, attributes=attributes)
    return span, traceparent_of(span)


def end_on(span: Span, ack: asyncio.Future[None]) -> None:
    """End ``span`` when Kafka acknowledged the record (or refused it: then as an error)."""
    ack.add_done_callback(lambda done: _end(span, None if done.cancelled() else done.exception()))


def ending(span: Span, then: Acknowledged) -> Acknowledged:
    """``then``, ending ``span`` first: the acknowledgement callback of a traced record."""

    def acknowledged(error: Exception | None) -> None:
        _end(span, error)
        then(error)

    return acknowledged


def _end(span: Span, error: BaseException | None) -> None:
    if error is not None:
        span.record_exception(error)
        span.set_status(trace.StatusCode.ERROR, str(error))
    span.end()


def traceparent_of(span: Span) -> bytes:
    ctx = span.get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}".encode()


def current_traceparent() -> bytes | None:
    """The ``traceparent`` of the current span, when tracing is on and there is one."""
    if not enabled():
        return None
    span = trace.get_current_span()
    return traceparent_of(span) if span.get_span_context().is_valid else None


def new_traceparent() -> bytes:
    """A ``traceparent`` for an event sent with tracing off: in the trace whose id the current
    log lines carry (the frame being handled), else in a new one."""
    trace_id = TRACE_ID.get() or os.urandom(16).hex()
    return f"00-{trace_id}-{os.urandom(8).hex()}-01".encode()


def trace_id_of(traceparent: bytes | str | None) -> str | None:
    """The trace id in a W3C ``traceparent`` (for log lines), or None."""
    if not traceparent or len(traceparent) < 55:
        return None
    found = traceparent[3:35]
    return found.decode(errors="replace") if isinstance(found, bytes) else found


def annotate(**attributes: Any) -> None:
    """Set attributes on the current span (nothing when tracing is off)."""
    if enabled():
        trace.get_current_span().set_attributes(attributes)


def failed(error: str, final: bool) -> None:
    """Note a failed attempt on the current span; ``final`` marks the span as an error."""
    if not enabled():
        return
    span = trace.get_current_span()
    span.add_event("attempt failed", {"error": error, "final": final})
    if final:
        span.set_status(trace.StatusCode.ERROR, error)


@contextlib.contextmanager
def frame_received(user: str, conn: str) -> Iterator[None]:
    """Around one WebSocket frame: a SERVER span when tracing is on, and a trace id for the
    log lines either way (the events the frame causes continue that trace)."""
    if not enabled():
        token = TRACE_ID.set(os.urandom(16).hex())
        try:
            yield
        finally:
            TRACE_ID.reset(token)
        return
    attributes = {"enduser.id": user, "parley.conn": conn}
    with _tracer().start_as_current_span(
        "ws frame", kind=SpanKind.SERVER, attributes=attributes
    ) as span:
        token = TRACE_ID.set(f"{span.get_span_context().trace_id:032x}")
        try:
            yield
        finally:
            TRACE_ID.reset(token)


def frame_kind(kind: str) -> None:
    """Name the current frame span after its (validated) frame type."""
    if enabled():
        span = trace.get_current_span()
        span.update_name(f"ws {kind}")
        span.set_attribute("parley.frame.type", kind)


def fanout() -> contextlib.AbstractContextManager[Span]:
    """The span of one delivery's fan-out to this gateway's sockets (set ``SOCKETS`` on it)."""
    return _tracer().start_as_current_span("ws fanout", kind=SpanKind.INTERNAL)
