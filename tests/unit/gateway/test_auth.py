"""Access tokens decode strictly and name a session; the signing secret has a minimum length."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from gateway.guard.auth import MIN_SECRET, Auth, Claims, load_secret
from runtime.errors import SetupError
from runtime.settings import GatewaySettings, Settings

GATEWAY = GatewaySettings(argon2_time_cost=1, argon2_memory_kib=8)
AUTH = Auth(b"k" * MIN_SECRET, GATEWAY)


def test_a_token_carries_its_user_and_session() -> None:
    assert AUTH.verify(AUTH.issue("ada", "s1")) == Claims("ada", "s1")


@pytest.mark.parametrize("junk", ["!", "!!", "@@@@", "  ", "%%%%", "=", "==", "\n", "~", "é"])
def test_junk_in_the_signature_is_refused(junk: str) -> None:
    token = AUTH.issue("ada", "s1")
    body, signature = token.split(".")
    for at in (0, len(signature) // 2, len(signature)):
        forged = f"{body}.{signature[:at]}{junk}{signature[at:]}"
        assert AUTH.verify(forged) is None, forged


def test_junk_in_the_payload_is_refused() -> None:
    body, signature = AUTH.issue("ada", "s1").split(".")
    assert AUTH.verify(f"{body[:5]}!{body[5:]}.{signature}") is None
    assert AUTH.verify(f"{body}=.{signature}") is None


def test_a_second_spelling_of_the_same_signature_is_refused() -> None:
    """The last character of a 32-byte signature carries 2 unused bits: flipping them leaves
    the bytes alone, and must not give a second valid token."""
    body, signature = AUTH.issue("ada", "s1").split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = alphabet[last ^ 1]
    decoded = base64.urlsafe_b64decode(signature[:-1] + twin + "=")
    assert decoded == base64.urlsafe_b64decode(signature + "=")  # the same bytes
    assert AUTH.verify(f"{body}.{signature[:-1]}{twin}") is None


def test_expired_forged_and_sessionless_tokens_are_refused() -> None:
    assert AUTH.verify(AUTH.issue("ada", "s1", ttl=-1)) is None
    assert AUTH.verify(Auth(b"o" * MIN_SECRET, GATEWAY).issue("ada", "s1")) is None
    old = json.dumps({"sub": "ada", "exp": int(time.time()) + 60}).encode()  # before sessions
    body = base64.urlsafe_b64encode(old).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(AUTH._sign(old)).rstrip(b"=").decode()
    assert AUTH.verify(f"{body}.{signature}") is None
    for token in (None, "", "x", "a.b.c", "..", "a."):
        assert AUTH.verify(token) is None


def test_a_short_secret_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match=r"at least 32 random characters.*secrets"):
        load_secret(Settings(data_dir=tmp_path, secret="short"))
    with pytest.raises(SetupError, match="PARLEY_SECRET is 0 characters"):
        load_secret(Settings(data_dir=tmp_path, secret=""))
    assert load_secret(Settings(data_dir=tmp_path, secret="s" * MIN_SECRET)) == b"s" * MIN_SECRET


def test_a_generated_secret_is_long_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret=None)
    first = load_secret(settings)
    assert len(first) >= MIN_SECRET
    assert load_secret(settings) == first
    (tmp_path / "secret").write_text("tiny\n")
    with pytest.raises(SetupError, match="secret is 4 characters"):
        load_secret(settings)
