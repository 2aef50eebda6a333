"""Passwords and access tokens: argon2id hashes and short-lived, signed bearer tokens.

    auth = Auth(secret=load_secret(settings), gateway=settings.gateway)
    token = auth.issue("ada", session_id)
    auth.verify(token)          # Claims("ada", session_id), or None when forged, malformed
                                # or expired

A token is ``base64url(payload) "." base64url(HMAC-SHA256(secret, payload))`` (no padding,
decoded strictly: one character outside the alphabet, or unused bits that are not zero, and the
token is refused) where the payload is the JSON object ``{"sub": username, "sid": session id,
"exp": unix seconds}``. A valid signature is not enough: the caller also checks that the session
``sid`` is still open and belongs to ``sub`` (``gateway.guard.access``), so logging out ends a
token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from runtime.errors import SetupError
from runtime.settings import GatewaySettings, Settings

SECRET_FILE = "secret"
# HMAC-SHA256 keys shorter than this are guessable offline from one token: refuse them.
MIN_SECRET = 32
GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
# A real argon2id hash of a random password: login of an unknown user verifies against it, so it
# takes as long as a wrong password and does not reveal which usernames exist.
_DUMMY_PASSWORD = secrets.token_hex(16)
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Claims:
    """What a token with a valid signature says: who, and which login session."""

    user: str
    session: str


def load_secret(settings: Settings) -> bytes:
    """``PARLEY_SECRET``; else (unless ``gateway.require_secret``) one generated on first run and
    kept in ``<data_dir>/secret`` (mode 0600), so tokens survive restarts and every local
    gateway instance shares it. A secret shorter than ``MIN_SECRET`` characters is a
    ``SetupError`` that says how to make a good one."""
    if settings.secret is not None:
        return _long_enough(settings.secret, "PARLEY_SECRET")
    if settings.gateway.require_secret:
        raise SetupError(
            "PARLEY_SECRET is not set and gateway.require_secret is on: set PARLEY_SECRET to a "
            f"long random string shared by every gateway instance, e.g. the output of {GENERATE}"
        )
    path = settings.data_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _long_enough(_read_secret(path), str(path))
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    return _long_enough(_read_secret(path), str(path))


def _long_enough(secret: str, where: str) -> bytes:
    if len(secret) < MIN_SECRET:
        raise SetupError(
            f"{where} is {len(secret)} characters long; a token signing secret needs at least "
            f"{MIN_SECRET} random characters. Make one with {GENERATE}"
        )
    return secret.encode()


def _read_secret(path: Path) -> str:
    for _ in range(50):  # another instance may be writing it right now
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.02)
    raise SetupError(f"{path} is empty; delete it and start the gateway again")


class Auth:
    """Hashes and checks passwords (blocking: run them in ``gateway.guard.hashing.HashPool``);
    issues and verifies access tokens."""

    def __init__(self, secret: bytes, gateway: GatewaySettings) -> None:
        self._secret = secret
        self.ttl = gateway.token_ttl
        self._hasher = PasswordHasher(
            time_cost=gateway.argon2_time_cost, memory_cost=gateway.argon2_memory_kib, parallelism=1
        )
        self._dummy = self._hasher.hash(_DUMMY_PASSWORD)

    def hash(self, password: str) -> str:
        """An argon2id hash with its own random salt."""
        return self._hasher.hash(password)

    def check(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored`` (None: no such user; still takes as long)."""
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def issue(self, username: str, session: str, ttl: float | None = None) -> str:
        """An access token for ``username`` in login session ``session``, valid for ``ttl``
        seconds (default: ``gateway.token_ttl``)."""
        expires = int(time.time() + (self.ttl if ttl is None else ttl))
        claims = {"sub": username, "sid": session, "exp": expires}
        payload = json.dumps(claims, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def verify(self, token: str | None) -> Claims | None:
        """The claims of a well-formed, validly signed, unexpired token; None otherwise."""
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
        subject, session, expires = claims.get("sub"), claims.get("sid"), claims.get("exp")
        if not isinstance(subject, str) or not isinstance(session, str):
            return None
        if not isinstance(expires, int) or expires <= time.time():
            return None
        return Claims(subject, session)

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Strict unpadded base64url: only the alphabet, and the one canonical spelling of the
    bytes (so no two different tokens carry the same signature). ``ValueError`` otherwise."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not the canonical base64url of its bytes")
    return data
