"""Metrics of logins, served with the gateway's at ``GET /metrics``: what a login flood does.

- ``parley_gateway_logins_total{outcome}``: password checks of logins and password changes, by
  outcome: ``ok``, ``wrong`` (a wrong password or no such account), ``throttled`` (answered
  ``429`` before any hashing), ``busy`` (answered ``503``: the hashing pool was full);
- ``parley_gateway_password_hashes``: password hashes running or waiting in the pool now
  (gauge); ``parley_gateway_password_hash_workers``: how many may run at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from gateway.guard.hashing import HashPool
from runtime.metrics import Rows, counter, gauge

OUTCOMES = ("ok", "wrong", "throttled", "busy")


class LoginMetrics:
    """Login outcomes, counted where they happen (one event loop writes them)."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] += 1


class LoginCollector(Collector):
    """The login metrics and the hashing pool's load, as metric families when scraped."""

    def __init__(self, logins: LoginMetrics, pool: Callable[[], HashPool | None]) -> None:
        self.logins = logins
        self.pool = pool  # None until the gateway's resources are open

    def collect(self) -> Iterator[Metric]:
        prefix = "parley_gateway_"
        rows = [([outcome], float(self.logins.outcomes[outcome])) for outcome in OUTCOMES]
        yield counter(prefix + "logins", "password checks of logins, by outcome", ["outcome"], rows)
        pool = self.pool()
        running: Rows = [([], float(pool.admitted if pool else 0))]
        yield gauge(prefix + "password_hashes", "password hashes running or waiting", [], running)
        workers: Rows = [([], float(pool.workers if pool else 0))]
        yield gauge(prefix + "password_hash_workers", "password hashes run at once", [], workers)
