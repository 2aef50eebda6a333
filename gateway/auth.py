"""Accounts and tokens: argon2id password hashes and signed, expiring bearer tokens.

    auth = Auth(secret=load_secret(settings), gateway=settings.gateway)
    token = auth.issue("ada")
    auth.verify(token)          # "ada", or None when forged, malformed or expired

A token is ``base64url(payload) "." base64url(HMAC-SHA256(secret, payload))`` where the payload
is the JSON object ``{"sub": username, "exp": unix seconds}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from runtime.errors import SetupError
from runtime.settings import GatewaySettings, Settings

SECRET_FILE = "secret"
# A real argon2id hash of a random password: login of an unknown user verifies against it, so it
# takes as long as a wrong password and does not reveal which usernames exist.
_DUMMY_PASSWORD = secrets.token_hex(16)


def load_secret(settings: Settings) -> bytes:
    """``PARLEY_SECRET``; else (unless ``gateway.require_secret``) one generated on first run and
    kept in ``<data_dir>/secret`` (mode 0600), so tokens survive restarts and every local
    gateway instance shares it."""
    if settings.secret:
        return settings.secret.encode()
    if settings.gateway.require_secret:
        raise SetupError(
            "PARLEY_SECRET is not set and gateway.require_secret is on: set PARLEY_SECRET to a "
            "long random string shared by every gateway instance"
        )
    path = settings.data_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    for _ in range(50):  # another instance may be writing it right now
        value = path.read_text().strip()
        if value:
            return value.encode()
        time.sleep(0.02)
    raise SetupError(f"{path} is empty; delete it and start the gateway again")


class Auth:
    """Hashes and checks passwords; issues and verifies tokens."""

    def __init__(self, secret: bytes, gateway: GatewaySettings) -> None:
        self._secret = secret
        self.ttl = gateway.token_ttl
        self._hasher = PasswordHasher(
            time_cost=gateway.argon2_time_cost, memory_cost=gateway.argon2_memory_kib, parallelism=1
        )
        self._dummy = self._hasher.hash(_DUMMY_PASSWORD)

    def hash(self, password: str) -> str:
        """An argon2id hash with its own random salt (blocking: call it in a thread)."""
        return self._hasher.hash(password)

    def check(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored`` (None: no such user; still takes as long)."""
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def issue(self, username: str, ttl: float | None = None) -> str:
        """A token for ``username`` valid for ``ttl`` seconds (default: ``gateway.token_ttl``)."""
        expires = int(time.time() + (self.ttl if ttl is None else ttl))
        payload = json.dumps({"sub": username, "exp": expires}, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def verify(self, token: str | None) -> str | None:
        """The username a valid, unexpired token was issued to; None otherwise."""
        if not token or token.count(".") != 1:
            return None
        body, signature = token.split(".")
        try:
            payload = _unb64(body)
            valid = hmac.compare_digest(_unb64(signature), self._sign(payload))
            claims = json.loads(payload) if valid else None
        except (binascii.Error, ValueError):
            return None
        if not isinstance(claims, dict):
            return None
        subject, expires = claims.get("sub"), claims.get("exp")
        if not isinstance(subject, str) or not isinstance(expires, int) or expires <= time.time():
            return None
        return subject

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
