"""Metrics in Prometheus' text format: counted cheaply, rendered only when scraped.

Hot paths count into plain attributes (the engine's ``WorkerStats``, the gateway's
``GatewayMetrics`` and a ``Histogram`` from here): one event-loop thread writes them and a scrape
only reads them, so they need no lock (prometheus_client's own ``Counter.inc`` takes one; see
docs/BENCHMARKS.md for what each costs). Collectors turn the numbers into metric families when
``/metrics`` is read; prometheus_client does the registry, the text format and the HTTP server.

    with exposed(registry, "127.0.0.1", 0, url_file) as url: ...
"""

from __future__ import annotations

import contextlib
import logging
import os
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

# Seconds: from 1 ms (a handler that only stores) to 10 s (a handler near its timeout).
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
log = logging.getLogger("parley.metrics")


class Histogram:
    """Observations counted per bucket: ``observe`` is a bisect and two additions."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...] = BUCKETS) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    def add_to(self, family: HistogramMetricFamily, labels: list[str]) -> None:
        """Add this histogram's cumulative buckets to ``family`` as one labelled series."""
        counts, total, buckets = list(self.counts), 0, []
        for bound, count in zip([*map(str, self.bounds), "+Inf"], counts, strict=True):
            total += count
            buckets.append((bound, float(total)))
        family.add_metric(labels, buckets, self.sum)


Rows = Iterable[tuple[list[str], float]]


def counter(name: str, doc: str, labels: list[str], rows: Rows) -> Metric:
    """A counter family (exposed as ``name_total``) with one series per row."""
    family = CounterMetricFamily(name, doc, labels=labels)
    for values, value in rows:
        family.add_metric(values, value)
    return family


def gauge(name: str, doc: str, labels: list[str], rows: Rows) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for values, value in rows:
        family.add_metric(values, value)
    return family


@contextlib.contextmanager
def exposed(
    registry: CollectorRegistry, host: str, port: int | None, url_file: Path | None = None
) -> Iterator[str | None]:
    """Serve ``registry`` at ``http://host:port/metrics`` from a thread while in the block.

    ``port`` 0 takes any free port (replicas on one host never collide), None serves nothing.
    The URL is yielded and, when ``url_file`` is given, written there for the supervisor."""
    if port is None:
        yield None
        return
    server, thread = start_http_server(port, host, registry)
    url = f"http://{loopback(host)}:{server.server_port}/metrics"
    if url_file is not None:
        url_file.parent.mkdir(parents=True, exist_ok=True)
        partial = url_file.with_suffix(".tmp")
        partial.write_text(url)
        os.replace(partial, url_file)
    log.info("metrics at %s", url)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        if url_file is not None:
            with contextlib.suppress(FileNotFoundError):
                if url_file.read_text() == url:
                    url_file.unlink()


def loopback(host: str) -> str:
    """An address to reach a server listening on ``host`` from this machine."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
