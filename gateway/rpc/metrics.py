"""The gRPC API's metrics, served with the gateway's at ``GET /metrics``:

- ``parley_gateway_grpc_calls_total{method,code}``: finished calls by method and status code;
- ``parley_gateway_grpc_call_seconds{method}`` (histogram): how long unary calls took (a
  ``Subscribe`` stream counts from start to end);
- ``parley_gateway_grpc_streams``: ``Subscribe`` streams open now (gauge).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import HistogramMetricFamily, Metric

from runtime.metrics import Histogram, counter, gauge


class RpcMetrics:
    """Counted by ``gateway.rpc.calls`` (one event loop writes them, no lock)."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.seconds: dict[str, Histogram] = {}
        self.streams = 0

    def done(self, method: str, code: str, seconds: float) -> None:
        self.calls[(method, code)] += 1
        histogram = self.seconds.get(method)
        if histogram is None:
            histogram = self.seconds[method] = Histogram()
        histogram.observe(seconds)


class RpcCollector:
    """``RpcMetrics`` as metric families (register it with the gateway's registry)."""

    def __init__(self, metrics: RpcMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        m, prefix = self.metrics, "parley_gateway_grpc_"
        rows = [([method, code], n) for (method, code), n in sorted(m.calls.items())]
        yield counter(
            prefix + "calls", "gRPC calls, by method and status code", ["method", "code"], rows
        )
        seconds = HistogramMetricFamily(
            prefix + "call_seconds", "gRPC call duration, by method", labels=["method"]
        )
        for method, histogram in sorted(m.seconds.items()):
            histogram.add_to(seconds, [method])
        yield seconds
        yield gauge(prefix + "streams", "Subscribe streams open now", [], [([], m.streams)])
