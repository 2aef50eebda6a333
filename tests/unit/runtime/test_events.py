"""Events: the envelope round trip and the checks that keep bad data off Kafka."""

from __future__ import annotations

import json

import pytest

from runtime.events import (
    DecodeError,
    Delivery,
    JoinEvent,
    LeaveEvent,
    MessageEvent,
    PrivateEvent,
    decode,
    decode_any,
    encode,
    json_schema,
    new_id,
)
from runtime.mentions import mentions_in


def test_envelope_round_trip() -> None:
    event = MessageEvent(room="lobby", user="ada", text="  hello  ", client_id="c1")
    raw = json.loads(encode(event))
    assert set(raw) == {"id", "type", "ts", "data"}
    assert raw["type"] == "message"
    assert raw["ts"].endswith("Z")
    assert raw["data"] == {
        "room": "lobby",
        "user": "ada",
        "text": "hello",
        "client_id": "c1",
        "bot": False,
        "reply_to": None,
    }
    assert decode(encode(event), MessageEvent) == event


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{nope", "not JSON"),
        (b"[1, 2]", "not an envelope"),
        (
            b'{"id": "1", "type": "join", "ts": "2026-01-01T00:00:00Z", "data": {}}',
            "expected type 'message'",
        ),
        (
            b'{"id": "1", "type": "message", "ts": "2026-01-01T00:00:00Z",'
            b' "data": {"room": "Lobby!", "user": "ada", "text": "x"}}',
            "room",
        ),
        (
            b'{"id": "1", "type": "message", "ts": "2026-01-01T00:00:00Z",'
            b' "data": {"room": "lobby", "user": "ada", "text": "x", "admin": true}}',
            "admin: Extra inputs are not permitted",
        ),
        (None, "empty"),
    ],
)
def test_decode_refuses_bad_input_with_a_reason(raw: bytes | None, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode(raw, MessageEvent)


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_text_limits(text: str) -> None:
    with pytest.raises(ValueError, match="text"):
        MessageEvent(room="lobby", user="ada", text=text)


@pytest.mark.parametrize("user", ["", "a" * 33, "bad name", "ünï"])
def test_username_limits(user: str) -> None:
    with pytest.raises(ValueError, match="user"):
        JoinEvent(room="lobby", user=user, conn="c")


def test_keys_give_order_per_room_and_per_pair() -> None:
    assert MessageEvent(room="lobby", user="ada", text="x").key() == "lobby"
    there = PrivateEvent(sender="ada", to="grace", text="x").key()
    back = PrivateEvent(sender="grace", to="ada", text="y").key()
    assert there == back == "ada|grace"
    assert Delivery(users=("grace", "ada"), frame={}).route() == "users:grace,ada"
    assert Delivery(room="lobby", frame={}).route() == "room:lobby"


def test_decode_any_picks_the_model_by_type() -> None:
    leave = LeaveEvent(room="lobby", user="ada", conn="c")
    assert decode_any(encode(leave), (JoinEvent, LeaveEvent)) == leave
    assert type(decode_any(encode(leave), (JoinEvent, LeaveEvent))) is LeaveEvent


def test_ids_are_unique_and_sorted_by_creation() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert ids[0][14] == "7"  # UUID version 7


def test_json_schema_covers_every_event() -> None:
    schema = json_schema()
    assert set(schema) == {"message", "join", "leave", "private", "deliver"}
    assert schema["message"]["properties"]["room"]["pattern"] == "^[a-z0-9_-]+$"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("hi @ADA", ["ADA"]),
        ("@ada: lunch? @bob.", ["ada", "bob"]),
        ("not a mention: @adax is adax, @ada.b is ada.b", ["adax", "ada.b"]),
        ("mail ada@example.org, a-@ada, x.@ada", []),
        ("@ada @ada again", ["ada"]),
        ("@" + "a" * 33, []),
        ("@ @. @..", []),
    ],
)
def test_mentions_are_names_after_an_at_sign_that_starts_a_word(
    text: str, names: list[str]
) -> None:
    assert mentions_in(text) == names
