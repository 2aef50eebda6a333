"""The login metrics: outcomes counted, the hashing pool's load as gauges."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from gateway.guard.hashing import HashPool
from gateway.guard.login_metrics import LoginCollector, LoginMetrics


def scrape(logins: LoginMetrics, pool: HashPool | None) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LoginCollector(logins, lambda: pool))
    return generate_latest(registry).decode()


def test_outcomes_and_the_pool_are_exposed() -> None:
    logins = LoginMetrics()
    for outcome in ("ok", "wrong", "wrong", "throttled", "busy"):
        logins.count(outcome)
    pool = HashPool(workers=2, queue=3)
    try:
        text = scrape(logins, pool)
    finally:
        pool.close()
    assert 'parley_gateway_logins_total{outcome="wrong"} 2.0' in text
    assert 'parley_gateway_logins_total{outcome="throttled"} 1.0' in text
    assert 'parley_gateway_logins_total{outcome="busy"} 1.0' in text
    assert "parley_gateway_password_hashes 0.0" in text
    assert "parley_gateway_password_hash_workers 2.0" in text


def test_before_the_pool_exists_the_gauges_are_zero() -> None:
    text = scrape(LoginMetrics(), None)
    assert 'parley_gateway_logins_total{outcome="ok"} 0.0' in text
    assert "parley_gateway_password_hash_workers 0.0" in text
