"""HTTP calls that show headers and cookies, and tokens signed by hand, for the tests of
logins and sessions.

    answer = await call(gateway, "POST", "/api/login", {"username": ..., "password": ...})
    answer.status, answer.body, answer.headers["Retry-After"], answer.cookie("parley_session")
    forged = sign(secret, {"sub": "nobody", "sid": "x", "exp": ...})   # any claims at all
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import Morsel, SimpleCookie
from typing import Any

from tests.support.system import Gateway


@dataclass
class Answer:
    """A response: status, parsed JSON body (None when not JSON), headers."""

    status: int
    body: Any
    headers: Message = field(default_factory=Message)

    def cookie(self, name: str) -> Morsel[str] | None:
        """The ``Set-Cookie`` of ``name`` in this response, if there is one."""
        for header in self.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            if name in jar:
                return jar[name]
        return None


async def call(
    gateway: Gateway,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Answer:
    """One HTTP request to ``gateway``, with a bearer ``token`` and extra ``headers``."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(gateway.url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)

    def send() -> Answer:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Answer(response.status, _json(response.read()), response.headers)
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, _json(exc.read()), exc.headers)

    return await asyncio.to_thread(send)


def sign(secret: bytes, claims: dict[str, Any]) -> str:
    """A token with any ``claims``, signed as the gateway signs them."""
    payload = json.dumps(claims, separators=(",", ":")).encode()
    signature = hmac.new(secret, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None
