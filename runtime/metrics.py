"""Metrics in Prometheus' text format: counted cheaply, rendered only when scraped.

Hot paths count into plain attributes (``WorkerStats``, the gateway's ``GatewayMetrics`` and a
``Histogram`` from here): one event-loop thread writes them and a scrape only reads them, so
they need no lock. prometheus_client's own ``Counter.inc`` takes a lock and costs about 0.3 us
and ``Histogram.observe`` about 0.6 us, against 0.02 us for an attribute increment and 0.1 us
for ``Histogram.observe`` here. Collectors turn the numbers into metric families when
``/metrics`` is read; prometheus_client does the registry, the text format and the HTTP server.

    with exposed(worker_registry(worker), "127.0.0.1", 0, url_file) as url: ...
    Aggregate(targets)    # the supervisor: every child's metrics, labelled service and replica
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import urllib.request
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from prometheus_client import CollectorRegistry, ProcessCollector, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.parser import text_string_to_metric_families

if TYPE_CHECKING:
    from runtime.engine.worker import Worker

# Seconds: from 1 ms (a handler that only stores) to 10 s (a handler near its timeout).
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
KAFKA_STATS_INTERVAL_MS = 5000  # how often librdkafka reports a worker's consumer lag
SCRAPE_TIMEOUT = 2.0
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


@dataclass
class WorkerStats:
    """A worker's counters: read by tests, the metrics endpoint and the ops page."""

    fetched: int = 0
    processed: int = 0
    failed: int = 0
    retried: int = 0
    dead_lettered: int = 0
    skipped_own: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    pauses: int = 0
    handler_seconds: Histogram = field(default_factory=Histogram)


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


class WorkerCollector:
    """A worker's ``WorkerStats``, handler durations and consumer lag, labelled ``function``."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def collect(self) -> Iterator[Metric]:
        stats, fn = self.worker.stats, [self.worker.name]
        for name, doc, value in (
            ("fetched", "records fetched from the function's topics", stats.fetched),
            ("processed", "events handled, their outputs acknowledged by Kafka", stats.processed),
            ("failed", "handler attempts that raised or timed out", stats.failed),
            ("retried", "failed attempts that were tried again", stats.retried),
            ("dead_lettered", "events sent to its dead-letter topic", stats.dead_lettered),
            ("skipped_own", "records skipped because the function wrote them", stats.skipped_own),
        ):
            yield counter(f"parley_worker_{name}", doc, ["function"], [(fn, value)])
        yield gauge(
            "parley_worker_in_flight",
            "events fetched and not finished",
            ["function"],
            [(fn, stats.in_flight)],
        )
        seconds = HistogramMetricFamily(
            "parley_worker_handler_seconds",
            "duration of each handler attempt (failed ones included), seconds",
            labels=["function"],
        )
        stats.handler_seconds.add_to(seconds, fn)
        yield seconds
        yield gauge(
            "parley_worker_consumer_lag",
            "records after the committed offset, per partition this replica owns "
            f"(from librdkafka's statistics, every {KAFKA_STATS_INTERVAL_MS // 1000} s)",
            ["function", "topic", "partition"],
            [([*fn, t, str(p)], lag) for (t, p), lag in consumer_lag(self.worker.kafka_stats)],
        )


def consumer_lag(statistics: str) -> list[tuple[tuple[str, int], int]]:
    """((topic, partition), lag) for each partition the consumer owns, from librdkafka's
    statistics JSON (empty before the first report): its end offset minus the offset committed
    by this consumer, or before its first commit there, the offset it started from. (librdkafka's
    own ``consumer_lag`` is -1 until the consumer commits a partition itself.)"""
    if not statistics:
        return []
    lags = []
    for topic, body in json.loads(statistics).get("topics", {}).items():
        for p, part in body.get("partitions", {}).items():
            end, committed = part.get("hi_offset", -1), part.get("committed_offset", -1)
            done = committed if committed >= 0 else part.get("next_offset", -1)
            if p != "-1" and part.get("desired") and end >= 0 and done >= 0:
                lags.append(((topic, int(p)), max(0, end - done)))
    return sorted(lags)


def worker_registry(worker: Worker) -> CollectorRegistry:
    """The registry a worker process serves: its own metrics and the process' (CPU, memory)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkerCollector(worker))
    ProcessCollector(registry=registry)
    return registry


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


class Target(NamedTuple):
    """A process whose metrics the supervisor gathers; ``url`` is None while it has none."""

    service: str
    replica: int
    url: str | None


class Aggregate:
    """Every target's metrics in one exposition, each sample labelled with its ``service``
    ("gateway", "fn-chat") and ``replica``; ``parley_scrape_up`` says which answered.

    Targets are scraped when this is collected (in parallel, ``SCRAPE_TIMEOUT`` each)."""

    def __init__(self, targets: Callable[[], list[Target]]) -> None:
        self.targets = targets

    def collect(self) -> Iterator[Metric]:
        targets = self.targets()
        if not targets:
            return
        with ThreadPoolExecutor(min(8, len(targets)), thread_name_prefix="scrape") as pool:
            texts = list(pool.map(_scrape, targets))
        merged: dict[str, Metric] = {}
        up = GaugeMetricFamily(
            "parley_scrape_up",
            "1 when the process answered this scrape",
            labels=["service", "replica"],
        )
        for target, text in zip(targets, texts, strict=True):
            families = _parse(target, text)
            up.add_metric([target.service, str(target.replica)], 0.0 if families is None else 1.0)
            extra = {"service": target.service, "replica": str(target.replica)}
            for family in families or []:
                into = merged.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                into.samples += [s._replace(labels={**s.labels, **extra}) for s in family.samples]
        yield up
        yield from merged.values()


def _scrape(target: Target) -> str | None:
    if target.url is None:
        return None
    try:
        with urllib.request.urlopen(target.url, timeout=SCRAPE_TIMEOUT) as response:
            body: bytes = response.read()
            return body.decode()
    except (OSError, ValueError):  # not listening (yet), or gone
        return None


def _parse(target: Target, text: str | None) -> list[Metric] | None:
    if text is None:
        return None
    try:
        return list(text_string_to_metric_families(text))
    except ValueError as exc:
        log.warning("%s.%d: unreadable metrics: %s", target.service, target.replica, exc)
        return None


def url_in(path: Path | None) -> str | None:
    """The metrics URL a process wrote to ``path`` (see ``exposed``), if it did."""
    if path is None:
        return None
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None
