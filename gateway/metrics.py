"""The gateway's metrics, served at ``GET /metrics`` in Prometheus' text format.

Counted where things happen, as plain attributes (one event loop writes them, no lock), and
turned into metric families only when scraped (see ``runtime.metrics``):

- ``parley_gateway_connections``: open WebSockets now (gauge);
  ``parley_gateway_connections_opened_total``;
- ``parley_gateway_closes_total{code}``: sockets closed, by close code: ``1013`` (too slow),
  ``1001`` (the gateway is going away), ``4401`` (bad token), ``4429`` (too many sockets for
  the user or address), or ``client`` when the client closed or the connection dropped;
- ``parley_gateway_frames_in_total{type}``: client frames by type (``unknown`` when not a JSON
  object with a known type); ``parley_gateway_frames_out_total{type}``: frames queued for sockets
  by type (answers, live deliveries, replayed history), once per socket;
- ``parley_gateway_acks_total``; ``parley_gateway_errors_total{code}``: error frames by code;
- ``parley_gateway_deliver_records_total``, ``..._skipped_total`` (for no socket of this
  instance, dropped unparsed), ``..._duplicates_total``; ``parley_gateway_deliveries_total``:
  chat.deliver records queued on at least one socket here;
- ``parley_gateway_delivery_seconds`` (histogram), once per delivery: from the delivery event's
  ``ts`` (set by the function that produced it, after it stored the message) to the moment this
  gateway queued the frame on its sockets. Each socket's writer sends it on its next turn; a
  socket that falls ``send_queue`` frames behind is closed with 1013 rather than waited for, so
  that last step is bounded and shows up in ``closes_total{code="1013"}`` instead. The clocks
  of the function's host and the gateway's host are both in it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import HistogramMetricFamily, Metric

from gateway.protocol.inbound import CLIENT_FRAMES
from runtime.events import Delivery
from runtime.metrics import Histogram, counter, gauge

UNKNOWN = "unknown"


@dataclass
class HubStats:
    """Counters for tests and the ops views."""

    connections: int = 0  # open sockets
    received: int = 0
    skipped: int = 0
    duplicates: int = 0
    frames: int = 0
    held: int = 0  # frames held for a socket whose join is replaying history


class GatewayMetrics:
    """What the sessions and the hub count."""

    def __init__(self) -> None:
        self.opened = 0
        self.closes: Counter[str] = Counter()
        self.frames_in: Counter[str] = Counter()
        self.frames_out: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.deliveries = 0
        self.delivery_seconds = Histogram()

    def frame_in(self, kind: Any) -> None:
        """A client frame whose ``type`` field is ``kind`` (None when it was not JSON)."""
        self.frames_in[kind if isinstance(kind, str) and kind in CLIENT_FRAMES else UNKNOWN] += 1

    def sent(self, frame: Mapping[str, Any]) -> None:
        """An answer queued for one socket (ack, error, pong)."""
        kind = frame.get("type")
        self.frames_out[kind if isinstance(kind, str) else UNKNOWN] += 1
        if kind == "error":
            self.errors[str(frame.get("error"))] += 1

    def delivered(self, delivery: Delivery, sockets: int) -> None:
        """``delivery`` was queued on ``sockets`` sockets (at least one)."""
        kind = delivery.frame.get("type")
        self.frames_out[kind if isinstance(kind, str) else UNKNOWN] += sockets
        self.deliveries += 1
        self.delivery_seconds.observe(max(0.0, time.time() - delivery.ts.timestamp()))

    def closed(self, code: int | None) -> None:
        """A socket closed: by the gateway with ``code``, or by the client (None)."""
        self.closes["client" if code is None else str(code)] += 1


class GatewayCollector:
    """``GatewayMetrics`` and the hub's counters as metric families."""

    def __init__(self, metrics: GatewayMetrics, stats: HubStats) -> None:
        self.metrics = metrics
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        m, stats = self.metrics, self.stats
        prefix = "parley_gateway_"
        yield gauge(prefix + "connections", "open WebSockets", [], [([], stats.connections)])
        yield counter(
            prefix + "connections_opened",
            "WebSockets accepted with a valid token",
            [],
            [([], m.opened)],
        )
        yield counter(
            prefix + "closes",
            "sockets closed, by close code ('client': by the client)",
            ["code"],
            _rows(m.closes),
        )
        yield counter(prefix + "frames_in", "client frames, by type", ["type"], _rows(m.frames_in))
        yield counter(
            prefix + "frames_out",
            "frames queued for sockets, by type (once per socket)",
            ["type"],
            _rows(m.frames_out),
        )
        yield counter(
            prefix + "acks",
            "ack frames: events Kafka acknowledged",
            [],
            [([], m.frames_out["ack"])],
        )
        yield counter(prefix + "errors", "error frames, by code", ["code"], _rows(m.errors))
        for name, doc, value in (
            ("deliver_records", "chat.deliver records read", stats.received),
            ("deliver_skipped", "chat.deliver records for no socket here", stats.skipped),
            ("deliver_duplicates", "deliveries dropped as already delivered", stats.duplicates),
            ("deliveries", "chat.deliver records queued on at least one socket", m.deliveries),
        ):
            yield counter(prefix + name, doc, [], [([], value)])
        seconds = HistogramMetricFamily(
            prefix + "delivery_seconds",
            "from a delivery event's ts (made by its function) to its frame queued on sockets",
            labels=[],
        )
        m.delivery_seconds.add_to(seconds, [])
        yield seconds


def _rows(counts: Counter[str]) -> list[tuple[list[str], float]]:
    return [([key], value) for key, value in sorted(counts.items())]


def gateway_registry(metrics: GatewayMetrics, stats: HubStats) -> CollectorRegistry:
    """What ``/metrics`` serves: the gateway's metrics and the process' (CPU, memory, fds)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GatewayCollector(metrics, stats))
    ProcessCollector(registry=registry)
    return registry
