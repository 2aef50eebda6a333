"""What every gRPC call goes through: its API key and scope, one trace, its metrics and the
mapping of failures to status codes.

    async with calls.call(context, "Publish", "publish") as service:
        ...                         # service.name: who posts; Refused -> the call's status

- **Keys**: ``authorization: Bearer <key>`` metadata (``x-api-key: <key>`` works too). No key,
  an unknown or a revoked one: ``UNAUTHENTICATED``; a key without the method's scope:
  ``PERMISSION_DENIED``. A lookup is reused for ``grpc.key_cache`` seconds, so a revoked key
  stops working within that time on every gateway.
- **Trace**: a SERVER span ``grpc <Method>`` (child of the caller's ``traceparent`` metadata
  when it sends one); the events the call produces continue that trace, as a WebSocket frame's.
- **Failures**: ``Unavailable`` (Kafka did not acknowledge) and database trouble are
  ``UNAVAILABLE``; a bug is ``INTERNAL`` and logged; the server keeps serving either way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator

import grpc
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy.exc import SQLAlchemyError

from gateway.delivery.publisher import Unavailable
from gateway.rpc.errors import Refused
from gateway.rpc.metrics import RpcMetrics
from runtime.db.apikeys import ApiKeys, ServiceKey
from runtime.kafka import tracing
from runtime.telemetry import REQUEST_ID, TRACE_ID, new_request_id

log = logging.getLogger("parley.gateway.grpc")
_W3C = TraceContextTextMapPropagator()


class Keys:
    """API key lookups with a short cache (a call per key per ``ttl`` reaches the database)."""

    def __init__(self, keys: ApiKeys, ttl: float) -> None:
        self.keys = keys
        self.ttl = ttl
        self._seen: dict[str, tuple[float, ServiceKey | None]] = {}

    async def find(self, key: str) -> ServiceKey | None:
        now = time.monotonic()
        hit = self._seen.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        found = await self.keys.find(key)
        if len(self._seen) > 10_000:  # keys are few; this only bounds a flood of bad ones
            self._seen.clear()
        self._seen[key] = (now, found)
        return found


class Calls:
    """The per-call wrapper shared by the services."""

    def __init__(self, keys: Keys, metrics: RpcMetrics) -> None:
        self.keys = keys
        self.metrics = metrics

    @contextlib.asynccontextmanager
    async def call(
        self, context: grpc.aio.ServicerContext[object, object], method: str, scope: str
    ) -> AsyncIterator[ServiceKey]:
        """Authenticate, trace and count one call; turn what it raises into its status."""
        metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        started, code = time.perf_counter(), grpc.StatusCode.OK
        request = REQUEST_ID.set(metadata.get("x-request-id", "")[:64] or new_request_id())
        try:
            with _span(method, metadata.get("traceparent")):
                try:
                    service = await self._service(metadata, scope)
                    tracing.annotate(**{"enduser.id": service.name})
                    yield service
                except Refused as refused:
                    code = refused.code
                    await context.abort_with_status(refused.status())
                except Unavailable as exc:
                    code = grpc.StatusCode.UNAVAILABLE
                    detail = f"Kafka did not acknowledge it ({exc}); send it again"
                    await context.abort_with_status(Refused(code, "unavailable", detail).status())
                except (SQLAlchemyError, OSError) as exc:
                    code = grpc.StatusCode.UNAVAILABLE
                    log.warning("grpc %s: database trouble: %s", method, exc)
                    detail = "the database is unavailable; try again"
                    await context.abort_with_status(Refused(code, "unavailable", detail).status())
        except grpc.aio.AbortError:
            raise
        except Exception:  # a bug here must not cost the server anything but this call
            code = grpc.StatusCode.INTERNAL
            log.exception("grpc %s failed", method)
            detail = "the gateway failed on this call"
            await context.abort_with_status(Refused(code, "internal", detail).status())
        finally:
            REQUEST_ID.reset(request)
            if context.cancelled() and code is grpc.StatusCode.OK:
                code = grpc.StatusCode.CANCELLED
            self.metrics.done(method, code.name, time.perf_counter() - started)

    async def _service(self, metadata: dict[str, str], scope: str) -> ServiceKey:
        scheme, _, token = metadata.get("authorization", "").partition(" ")
        key = token.strip() if scheme.lower() == "bearer" else metadata.get("x-api-key", "")
        if not key:
            raise Refused(
                grpc.StatusCode.UNAUTHENTICATED,
                "unauthorized",
                "send metadata authorization: Bearer <key> (make one: parley apikey create NAME)",
            )
        service = await self.keys.find(key)
        if service is None:
            raise Refused(
                grpc.StatusCode.UNAUTHENTICATED,
                "unauthorized",
                "unknown or revoked API key: ask for a new one (parley apikey create NAME)",
            )
        if scope not in service.scopes:
            raise Refused(
                grpc.StatusCode.PERMISSION_DENIED,
                "forbidden",
                f"the key of {service.name!r} lacks the {scope!r} scope "
                f"(it has {', '.join(sorted(service.scopes))}); create one with --scope {scope}",
            )
        return service


@contextlib.contextmanager
def _span(method: str, traceparent: str | None) -> Iterator[None]:
    """A SERVER span when tracing is on; a trace id for the log lines and events either way."""
    if not tracing.enabled():
        token = TRACE_ID.set(tracing.trace_id_of(traceparent) or os.urandom(16).hex())
        try:
            yield
        finally:
            TRACE_ID.reset(token)
        return
    parent = _W3C.extract({"traceparent": traceparent}) if traceparent else None
    tracer = trace.get_tracer_provider().get_tracer("parley")
    with tracer.start_as_current_span(
        f"grpc {method}",
        context=parent,
        kind=SpanKind.SERVER,
        attributes={"rpc.system": "grpc", "rpc.method": method},
    ) as span:
        token = TRACE_ID.set(f"{span.get_span_context().trace_id:032x}")
        try:
            yield
        finally:
            TRACE_ID.reset(token)
