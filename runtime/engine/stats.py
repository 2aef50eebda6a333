"""A worker's counters and the collector that serves them (``parley_worker_*``).

The engine counts into ``WorkerStats`` (plain attributes, see runtime.metrics); the collector
reads only those numbers, never the worker itself.

    with exposed(worker_registry(worker.stats, "chat"), "127.0.0.1", 0, url_file) as url: ...
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import HistogramMetricFamily, Metric

from runtime.metrics import Histogram, counter, gauge

KAFKA_STATS_INTERVAL_MS = 5000  # how often librdkafka reports a worker's consumer lag


@dataclass
class WorkerStats:
    """A worker's counters: read by tests, the metrics endpoint and the ops page."""

    fetched: int = 0
    processed: int = 0
    failed: int = 0
    retried: int = 0
    dead_lettered: int = 0
    skipped_own: int = 0
    filtered: int = 0  # records that did not match the function's filter (never handled)
    expired: int = 0  # records dead-lettered for being older than max_age
    batches: int = 0  # calls of a batch handler (batch=N)
    splits: int = 0  # failed batches split in halves
    in_flight: int = 0
    max_in_flight: int = 0
    pauses: int = 0
    handler_seconds: Histogram = field(default_factory=Histogram)
    # librdkafka's latest statistics JSON (set on the consumer thread): the consumer lag.
    kafka_statistics: str = ""


class WorkerCollector:
    """A worker's ``WorkerStats``, handler durations and consumer lag, labelled ``function``."""

    def __init__(self, stats: WorkerStats, function: str) -> None:
        self.stats = stats
        self.function = function

    def collect(self) -> Iterator[Metric]:
        stats, fn = self.stats, [self.function]
        for name, doc, value in (
            ("fetched", "records fetched from the function's topics", stats.fetched),
            ("processed", "events handled, their outputs acknowledged by Kafka", stats.processed),
            ("failed", "handler attempts that raised or timed out", stats.failed),
            ("retried", "failed attempts that were tried again", stats.retried),
            ("dead_lettered", "events sent to its dead-letter topic", stats.dead_lettered),
            ("skipped_own", "records skipped because the function wrote them", stats.skipped_own),
            ("expired", "events dead-lettered as older than the max_age", stats.expired),
            ("batches", "calls of a batch handler, each with a list of events", stats.batches),
            ("batch_splits", "failed batches split in halves", stats.splits),
        ):
            yield counter(f"parley_worker_{name}", doc, ["function"], [(fn, value)])
        yield counter(
            "parley_function_filtered",
            "events skipped without calling the function: they did not match its filter",
            ["function"],
            [(fn, stats.filtered)],
        )
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
            [([*fn, t, str(p)], lag) for (t, p), lag in consumer_lag(stats.kafka_statistics)],
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


def worker_registry(stats: WorkerStats, function: str) -> CollectorRegistry:
    """The registry a worker process serves: its own metrics and the process' (CPU, memory)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkerCollector(stats, function))
    ProcessCollector(registry=registry)
    return registry
