"""A ``client_id`` names one message: a retry of that frame gets its ack again, another
message under the same id is refused rather than silently acked and dropped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from gateway.protocol.inbound import Refusal, validate
from gateway.protocol.receipts import Intent
from runtime.events import Text
from runtime.history import StoredMessage

TEXT: TypeAdapter[str] = TypeAdapter(Text)


def test_a_retry_is_allowed_anything_else_is_not() -> None:
    first = Intent("room lobby", "hello", None)
    assert first.allows(Intent("room lobby", "hello", None))
    assert not first.allows(Intent("room lobby", "hello again", None))
    assert not first.allows(Intent("room other", "hello", None))
    assert not first.allows(Intent("user bob", "hello", None))
    assert not first.allows(Intent("room lobby", "hello", "01958f3a-7c2e-7000-9d41-2b6f0c1e8a77"))


def test_a_stored_message_edited_since_is_compared_by_place_only() -> None:
    ts = datetime.now(UTC)
    stored = StoredMessage(id="m", author="ada", text="new", ts=ts, room="lobby", edited_at=ts)
    assert Intent.of(stored).allows(Intent("room lobby", "the text as first sent", None))
    assert not Intent.of(stored).allows(Intent("user bob", "new", None))
    dm = StoredMessage(id="m", author="ada", text="psst", ts=ts, recipient="Bob")
    assert Intent.of(dm) == Intent("user Bob", "psst", None)


@pytest.mark.parametrize(
    "text", ["\u200b", "\u200b\u200c\u200d", " \ufeff\u2060 ", "\u2800", "\u3164", "\u00ad\t"]
)
def test_text_with_nothing_visible_is_invalid(text: str) -> None:
    with pytest.raises(ValidationError):
        TEXT.validate_python(text)


@pytest.mark.parametrize("text", ["hi", "a\u200bb", "👍", "\u200dé", "日本"])
def test_text_with_something_visible_is_fine(text: str) -> None:
    assert TEXT.validate_python(text) == text


@pytest.mark.parametrize("kind", ["message", "private"])
@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200c\u200d", " \ufeff\u2060 ", "\u3164"])
def test_a_message_of_invisible_text_without_files_is_invalid(kind: str, text: str) -> None:
    frame = {"type": kind, "room": "lobby", "to": "bob", "text": text, "client_id": "c"}
    with pytest.raises(Refusal) as refused:
        validate(frame)
    assert refused.value.code == "invalid"
    assert "nothing visible" in refused.value.detail
