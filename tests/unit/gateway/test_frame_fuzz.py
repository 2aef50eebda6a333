"""The WebSocket frame parser under arbitrary input (hypothesis, a fixed seed): any text or
binary frame becomes either a typed client frame or a ``Refusal`` with a documented code,
never another exception, and the error frame it yields can always be sent (UTF-8)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.delivery.wire import Encoded
from gateway.protocol.inbound import (
    CLIENT_FRAMES,
    ClientFrame,
    Refusal,
    action_type,
    client_id_of,
    read_json,
    validate,
)

PARSER_CODES = {"bad_json", "unknown_type", "invalid"}
# Any code point, lone surrogates included (json.dumps writes them as \udXXX escapes).
ANY_CHAR = st.characters(codec=None, exclude_categories=())
TEXT = st.text(ANY_CHAR, max_size=40)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    ["type", "room", "text", "client_id", "to", "since", "id", "with", "reply_to"]
)
FRAME_LIKE = st.dictionaries(FIELDS, JSON_VALUES | st.sampled_from(list(CLIENT_FRAMES)))


def parse(data: str | bytes) -> ClientFrame | Refusal:
    """What the session does with a frame before it acts on it."""
    try:
        fields = read_json(data)
        client_id_of(fields)
        action_type(fields)  # a declared action's? (then its schema decides)
        return validate(fields)
    except Refusal as refusal:
        return refusal


def sendable(answer: ClientFrame | Refusal) -> None:
    if isinstance(answer, Refusal):
        assert answer.code in PARSER_CODES, answer
        assert answer.detail
        Encoded.of(answer.frame()).wire  # noqa: B018 - encoding it is the check


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.text(ANY_CHAR, max_size=200) | st.binary(max_size=200))
@example("[" * 50_000 + "]" * 50_000)
@example('{"type": "message", "room": "r", "text": "hi", "client_id": "\\ud800"}')
@example('{"type": "nope", "client_id": "\\udfff"}')
def test_any_frame_is_parsed_or_refused_with_a_documented_code(data: str | bytes) -> None:
    sendable(parse(data))


@settings(derandomize=True, max_examples=400, deadline=None)
@given(FRAME_LIKE)
@example({"type": "message", "room": "r", "text": "\u200b", "client_id": "\ud800"})
def test_any_json_object_is_parsed_or_refused(fields: dict[str, Any]) -> None:
    sendable(parse(json.dumps(fields)))  # ensure_ascii: lone surrogates as escapes
    sendable(parse(json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass")))
