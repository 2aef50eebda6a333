"""Socket caps per user and per address, and the frame budget a user's sockets share."""

from __future__ import annotations

from gateway.guard.quotas import Quotas, client_address
from runtime.settings import GatewaySettings


def quotas(**limits: object) -> Quotas:
    return Quotas(GatewaySettings.model_validate(limits))


def test_sockets_past_the_caps_are_refused_until_some_close() -> None:
    caps = quotas(sockets_per_user=2, sockets_per_address=3)
    assert caps.admit("ada", "10.0.0.1") is None
    assert caps.admit("ada", "10.0.0.1") is None
    assert "user" in (caps.admit("ada", "10.0.0.2") or "")
    assert caps.admit("bob", "10.0.0.1") is None
    assert "address" in (caps.admit("cy", "10.0.0.1") or "")
    assert caps.admit("cy", "10.0.0.2") is None  # another address
    caps.release("ada", "10.0.0.1")
    assert caps.admit("ada", "10.0.0.1") is None


def test_a_users_sockets_share_one_bucket_while_any_is_open() -> None:
    caps = quotas(user_rate=0.001, user_burst=3)
    caps.admit("ada", "a")
    caps.admit("ada", "b")
    first, second = caps.bucket("ada"), caps.bucket("ada")
    assert first is second
    assert [first.take(), second.take(), first.take(), second.take()] == [True] * 3 + [False]
    assert caps.bucket("bob").take()  # another user's budget is their own
    caps.release("ada", "a")
    assert caps.bucket("ada") is first
    caps.release("ada", "b")
    assert caps.bucket("ada") is not first  # the last socket closed: forgotten


def test_the_address_is_the_trusted_proxys_header_when_set() -> None:
    direct = GatewaySettings()
    proxied = GatewaySettings(client_ip_header="X-Real-IP")
    headers = {"X-Real-IP": "203.0.113.9"}
    assert client_address(headers, "10.0.0.1", direct) == "10.0.0.1"  # not trusted: ignored
    assert client_address(headers, "10.0.0.1", proxied) == "203.0.113.9"
    assert client_address({}, "10.0.0.1", proxied) == "10.0.0.1"
