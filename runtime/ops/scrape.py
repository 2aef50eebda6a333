"""The supervisor's metrics endpoint: every child's metrics in one exposition.

Aggregate(targets)    # each sample labelled with its service and replica
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

SCRAPE_TIMEOUT = 2.0
log = logging.getLogger("parley.metrics")


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
