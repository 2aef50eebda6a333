"""Logins and sessions against a running gateway (docs/PROTOCOL.md 2.3): the login throttle,
strict tokens that name an open session of a real user, short-lived access tokens refreshed
through an HttpOnly cookie, logout here and everywhere, password changes, and one-use socket
tickets. Client addresses come from ``X-Real-IP`` (the gateway trusts it here, as behind a
proxy), so one machine can be many clients."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gateway.guard.auth import load_secret
from tests.support.net import unique
from tests.support.system import Client, Gateway, System, running
from tests.support.web import Answer, call, sign

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse"
COOKIE = "parley_session"


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("sessions")
    # a first wait of 30 s: a throttled login stays throttled for the rest of a test
    async with running(
        kafka_bootstrap,
        data_dir,
        functions=(),
        client_ip_header="X-Real-IP",
        login_first_wait=30.0,
    ) as system:
        yield system


def at(address: str) -> dict[str, str]:
    return {"X-Real-IP": address}


async def login(
    gateway: Gateway, name: str, password: str = PASSWORD, address: str = "10.1.0.1"
) -> Answer:
    return await call(
        gateway, "POST", "/api/login", {"username": name, "password": password}, headers=at(address)
    )


async def signed_in(system: System, name: str, address: str = "10.1.0.1") -> tuple[str, str]:
    """A new session of ``name``: (access token, cookie value)."""
    answer = await login(system.gateway, name, address=address)
    assert answer.status == 200, answer.body
    cookie = answer.cookie(COOKIE)
    assert cookie is not None
    return answer.body["token"], cookie.value


async def expect_close(sock: Client, code: int) -> None:
    """Read until the socket closes (10 s at most between frames); it closes with ``code``."""
    assert await close_code(sock) == code


async def close_code(sock: Client) -> int | None:
    try:
        while True:
            await sock.receive()
    except ConnectionClosed as closed:
        return None if closed.rcvd is None else closed.rcvd.code


async def socket_code(gateway: Gateway, query: str) -> int | None:
    """Open ``/ws?<query>`` and ping: None when the pong comes, else the close code."""
    async with connect(f"ws://127.0.0.1:{gateway.port}/ws?{query}", open_timeout=10) as ws:
        try:
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await ws.recv()) == {"type": "pong"}
            return None
        except ConnectionClosed as closed:
            return None if closed.rcvd is None else closed.rcvd.code


def is_error(answer: Answer, status: int, code: str) -> bool:
    body: Any = answer.body
    return (
        answer.status == status
        and isinstance(body, dict)
        and body.get("error") == code
        and bool(body.get("detail"))
    )


# --- the login throttle ---------------------------------------------------------------------


async def test_repeated_wrong_passwords_get_429_with_retry_after(system: System) -> None:
    name = unique("u")
    await system.register(name)
    answers = [await login(system.gateway, name, "wrong horse", "10.2.0.1") for _ in range(5)]
    assert [a.status for a in answers] == [401] * 5
    throttled = await login(system.gateway, name, "wrong horse", "10.2.0.1")
    assert is_error(throttled, 429, "too_many_attempts"), throttled.body
    assert 1 <= int(throttled.headers["Retry-After"]) <= 30
    # the right password waits too, from that address; the user elsewhere is not held up
    assert (await login(system.gateway, name, PASSWORD, "10.2.0.1")).status == 429
    assert (await login(system.gateway, name, PASSWORD, "10.2.0.2")).status == 200
    metrics = await asyncio.to_thread(scrape, system.gateway)
    assert re.search(r'parley_gateway_logins_total\{outcome="throttled"\} [1-9]', metrics)
    assert "parley_gateway_password_hash_workers" in metrics


def scrape(gateway: Gateway) -> str:
    with urllib.request.urlopen(gateway.url + "/metrics", timeout=10) as response:
        return str(response.read().decode())


async def test_a_flood_from_many_addresses_cannot_lock_the_user_out(system: System) -> None:
    name = unique("u")
    await system.register(name)
    assert (await login(system.gateway, name, address="10.3.0.1")).status == 200  # home
    for n in range(25):
        await login(system.gateway, name, "wrong horse", f"10.4.0.{n}")
    elsewhere = await login(system.gateway, name, address="10.5.0.1")
    assert is_error(elsewhere, 429, "too_many_attempts")
    assert 0 < int(elsewhere.headers["Retry-After"]) <= 60  # bounded, and decaying
    assert (await login(system.gateway, name, address="10.3.0.1")).status == 200


# --- tokens ---------------------------------------------------------------------------------


async def test_an_access_token_is_short_lived(system: System) -> None:
    name = unique("u")
    await system.register(name)
    answer = await login(system.gateway, name)
    assert 0 < answer.body["expires_in"] <= 15 * 60
    assert claims_of(answer.body["token"])["exp"] <= time.time() + 15 * 60 + 5


async def test_junk_in_a_signature_is_refused(system: System) -> None:
    token = await system.register(unique("u"))
    body, signature = token.split(".")
    junk = f"{body}.{signature[:10]}!!{signature[10:]}"  # the lax decoder skipped the "!!"
    assert (await call(system.gateway, "GET", "/api/me", token=token)).status == 200
    assert is_error(await call(system.gateway, "GET", "/api/me", token=junk), 401, "unauthorized")
    assert await socket_code(system.gateway, f"token={junk}") == 4401


async def test_a_signed_token_for_a_user_that_does_not_exist_is_refused(system: System) -> None:
    token = await system.register(unique("u"))
    claims = claims_of(token)
    secret = load_secret(system.settings)
    ghost = sign(secret, {**claims, "sub": unique("ghost")})
    made_up = sign(secret, {**claims, "sid": "no-such-session"})
    for forged in (ghost, made_up):
        answer = await call(system.gateway, "GET", "/api/me", token=forged)
        assert is_error(answer, 401, "unauthorized"), answer.body
        assert await socket_code(system.gateway, f"token={forged}") == 4401


def claims_of(token: str) -> dict[str, Any]:
    body = token.split(".")[0]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


# --- sessions: refresh, logout, everywhere, password ----------------------------------------


async def test_the_session_cookie_is_httponly_strict_and_refreshes(system: System) -> None:
    name = unique("u")
    await system.register(name)
    answer = await login(system.gateway, name)
    cookie = answer.cookie(COOKIE)
    assert cookie is not None
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api"
    assert not cookie["secure"]  # plain http
    fresh = await call(
        system.gateway, "POST", "/api/refresh", headers={"Cookie": f"{COOKIE}={cookie.value}"}
    )
    assert fresh.status == 200
    assert fresh.body["username"] == name
    assert (await call(system.gateway, "GET", "/api/me", token=fresh.body["token"])).status == 200
    over_tls = await call(
        system.gateway,
        "POST",
        "/api/login",
        {"username": name, "password": PASSWORD},
        headers={**at("10.1.0.1"), "X-Forwarded-Proto": "https"},
    )
    secure = over_tls.cookie(COOKIE)
    assert secure is not None
    assert secure["secure"] is True
    assert is_error(await call(system.gateway, "POST", "/api/refresh"), 401, "unauthorized")
    forged = {"Cookie": f"{COOKIE}={cookie.value.split('.')[0]}.forged"}
    assert (await call(system.gateway, "POST", "/api/refresh", headers=forged)).status == 401


async def test_logout_ends_the_token_the_cookie_and_the_socket(system: System) -> None:
    name = unique("u")
    await system.register(name)
    token, cookie = await signed_in(system, name)
    other, _ = await signed_in(system, name)  # another device stays logged in
    async with system.connect(token) as sock:
        await sock.pong()
        out = await call(system.gateway, "POST", "/api/logout", token=token)
        assert out.status == 200
        cleared = out.cookie(COOKIE)
        assert cleared is not None
        assert cleared.value == ""
        await expect_close(sock, 4401)
    assert (await call(system.gateway, "GET", "/api/me", token=token)).status == 401
    jar = {"Cookie": f"{COOKIE}={cookie}"}
    assert (await call(system.gateway, "POST", "/api/refresh", headers=jar)).status == 401
    assert (await call(system.gateway, "GET", "/api/me", token=other)).status == 200
    assert (await call(system.gateway, "POST", "/api/logout")).status == 401


async def test_logout_by_cookie_alone(system: System) -> None:
    name = unique("u")
    await system.register(name)
    token, cookie = await signed_in(system, name)
    jar = {"Cookie": f"{COOKIE}={cookie}"}
    assert (await call(system.gateway, "POST", "/api/logout", headers=jar)).status == 200
    assert (await call(system.gateway, "GET", "/api/me", token=token)).status == 401


async def test_logout_everywhere_ends_every_session(system: System) -> None:
    name = unique("u")
    await system.register(name)
    phone, _ = await signed_in(system, name)
    laptop, laptop_cookie = await signed_in(system, name)
    async with system.connect(phone) as a, system.connect(laptop) as b:
        await a.pong()
        await b.pong()
        out = await call(system.gateway, "POST", "/api/logout-all", token=phone)
        assert out.status == 200
        assert out.body == {"sessions": 3}  # the registration's session too
        await expect_close(a, 4401)
        await expect_close(b, 4401)
    for token in (phone, laptop):
        assert (await call(system.gateway, "GET", "/api/me", token=token)).status == 401
    jar = {"Cookie": f"{COOKIE}={laptop_cookie}"}
    assert (await call(system.gateway, "POST", "/api/refresh", headers=jar)).status == 401


async def test_a_session_ended_on_one_gateway_closes_sockets_on_another(system: System) -> None:
    name = unique("u")
    await system.register(name)
    token, _ = await signed_in(system, name)
    quick = await system.start_gateway(session_sweep=0.2)
    try:
        async with system.connect(token, gateway=quick) as sock:
            await sock.pong()
            assert (await call(system.gateway, "POST", "/api/logout", token=token)).status == 200
            await expect_close(sock, 4401)
    finally:
        quick.stop()
        system.gateways.remove(quick)


async def test_a_password_change_ends_every_session(system: System) -> None:
    name = unique("u")
    await system.register(name)
    token, _ = await signed_in(system, name)
    old, _ = await signed_in(system, name)
    wrong = await call(
        system.gateway,
        "POST",
        "/api/password",
        {"current": "not it at all", "new": "battery staple"},
        token=token,
        headers=at("10.1.0.1"),
    )
    assert is_error(wrong, 403, "wrong_password")
    assert (await call(system.gateway, "GET", "/api/me", token=token)).status == 200
    short = await call(
        system.gateway, "POST", "/api/password", {"current": PASSWORD, "new": "short"}, token=token
    )
    assert is_error(short, 422, "invalid")
    async with system.connect(old) as sock:
        changed = await call(
            system.gateway,
            "POST",
            "/api/password",
            {"current": PASSWORD, "new": "battery staple"},
            token=token,
            headers=at("10.1.0.1"),
        )
        assert changed.status == 200
        assert changed.cookie(COOKIE) is not None
        await expect_close(sock, 4401)
    for ended in (token, old):
        assert (await call(system.gateway, "GET", "/api/me", token=ended)).status == 401
    fresh = changed.body["token"]
    assert (await call(system.gateway, "GET", "/api/me", token=fresh)).status == 200
    assert (await login(system.gateway, name)).status == 401
    assert (await login(system.gateway, name, "battery staple")).status == 200
    no_token = {"current": "battery staple", "new": "another one"}
    assert (await call(system.gateway, "POST", "/api/password", no_token)).status == 401


# --- socket tickets -------------------------------------------------------------------------


async def test_a_socket_ticket_opens_one_socket_once(system: System) -> None:
    name = unique("u")
    await system.register(name)
    token, _ = await signed_in(system, name)
    issued = await call(system.gateway, "POST", "/api/ws-ticket", token=token)
    assert issued.status == 200
    assert 0 < issued.body["expires_in"] <= 60
    ticket = issued.body["ticket"]
    assert await socket_code(system.gateway, f"ticket={ticket}") is None
    assert await socket_code(system.gateway, f"ticket={ticket}") == 4401  # used up
    assert await socket_code(system.gateway, "ticket=made-up") == 4401
    assert (await call(system.gateway, "POST", "/api/ws-ticket")).status == 401


async def test_a_ticket_of_an_ended_session_opens_nothing(system: System) -> None:
    name = unique("u")
    await system.register(name)
    token, _ = await signed_in(system, name)
    ticket = (await call(system.gateway, "POST", "/api/ws-ticket", token=token)).body["ticket"]
    assert (await call(system.gateway, "POST", "/api/logout", token=token)).status == 200
    assert await socket_code(system.gateway, f"ticket={ticket}") == 4401
