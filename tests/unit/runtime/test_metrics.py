"""runtime.metrics without Kafka: histogram buckets, lag from librdkafka's statistics, and the
supervisor's aggregation over real HTTP endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric

from runtime.engine.stats import consumer_lag
from runtime.metrics import Histogram, counter, exposed
from runtime.ops.scrape import Aggregate, Target, url_in
from tests.support.scrape import parse


class Fixed:
    """A collector with one counter, standing in for a child process."""

    def __init__(self, value: float) -> None:
        self.value = value

    def collect(self) -> Iterator[Metric]:
        yield counter("parley_worker_processed", "doc", ["function"], [(["chat"], self.value)])


def registry_of(*collectors: object) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)  # type: ignore[arg-type]
    return registry


def test_histogram_counts_a_value_on_a_bound_in_that_bucket() -> None:
    hist = Histogram((0.1, 1.0))
    for value in (0.05, 0.1, 0.5, 1.0, 3.0):
        hist.observe(value)
    assert hist.counts == [2, 2, 1]
    assert hist.sum == pytest.approx(4.65)


def test_consumer_lag_uses_the_start_position_before_the_first_commit() -> None:
    parts = {
        "0": {"desired": True, "hi_offset": 10, "committed_offset": 4, "next_offset": 9},
        "1": {"desired": True, "hi_offset": 7, "committed_offset": -1001, "next_offset": 5},
        "2": {"desired": False, "hi_offset": 7, "committed_offset": 1, "next_offset": 1},
        "-1": {"desired": False, "hi_offset": -1001, "committed_offset": -1001},
    }
    stats = json.dumps({"topics": {"chat.message": {"partitions": parts}}})
    assert consumer_lag(stats) == [(("chat.message", 0), 6), (("chat.message", 1), 2)]
    assert consumer_lag("") == []


def test_aggregate_labels_each_child_and_reports_the_silent_ones(tmp_path: Path) -> None:
    url_file = tmp_path / "fn-chat.1.url"
    with (
        exposed(registry_of(Fixed(3)), "127.0.0.1", 0) as first,
        exposed(registry_of(Fixed(4)), "127.0.0.1", 0, url_file) as second,
    ):
        assert url_in(url_file) == second
        targets = [
            Target("fn-chat", 0, first),
            Target("fn-chat", 1, url_in(url_file)),
            Target("fn-bot", 0, None),  # restarting: no URL yet
        ]
        text = generate_latest(registry_of(Aggregate(lambda: targets))).decode()
    assert not url_file.exists()
    now = parse(text)
    chat = {"function": "chat", "service": "fn-chat"}
    assert now.value("parley_worker_processed_total", replica="0", **chat) == 3
    assert now.value("parley_worker_processed_total", replica="1", **chat) == 4
    assert text.count("# TYPE parley_worker_processed_total counter") == 1
    assert now.value("parley_scrape_up", service="fn-chat", replica="1") == 1
    assert now.value("parley_scrape_up", service="fn-bot", replica="0") == 0
