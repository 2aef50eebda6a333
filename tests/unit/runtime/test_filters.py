"""Filter patterns (runtime.filters): each operator, nesting, lists, and the refusals."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from runtime.events import encode
from runtime.filters import PatternError, check_pattern, event_fields, matches
from runtime.testing import message

EVENT: dict[str, Any] = {
    "type": "message",
    "id": "e1",
    "room": "lobby",
    "user": "ada",
    "text": "/roll 2d6",
    "bot": False,
    "count": 1,
    "reply_to": None,
    "tags": ["urgent", "ops"],
    "poll": {"kind": "single", "options": [{"label": "yes"}, {"label": "no"}]},
}


def check(pattern: dict[str, Any]) -> bool:
    return matches(check_pattern(pattern), EVENT)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"room": "lobby"}, True),
        ({"room": "dev"}, False),
        ({"room": ["dev", "lobby"]}, True),
        ({"room": ["dev", "ops"]}, False),
        ({"room": "lobby", "user": "bob"}, False),  # fields: and
        ({"bot": False}, True),
        ({"count": 1}, True),
        ({"count": True}, False),  # JSON: 1 is not true
        ({"bot": 0}, False),
        ({"reply_to": None}, True),
        ({"missing": None}, False),  # null is a value, not absence
    ],
)
def test_equality(pattern: dict[str, Any], expected: bool) -> None:
    assert check(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"text": {"prefix": "/"}}, True),
        ({"text": {"prefix": "!"}}, False),
        ({"count": {"prefix": "1"}}, False),  # only strings have prefixes
        ({"text": [{"prefix": "!"}, {"prefix": "/"}]}, True),
        ({"text": [{"prefix": "!"}, "/roll 2d6"]}, True),
        ({"missing": {"prefix": ""}}, False),
    ],
)
def test_prefix(pattern: dict[str, Any], expected: bool) -> None:
    assert check(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"user": {"anything-but": "bob"}}, True),
        ({"user": {"anything-but": "ada"}}, False),
        ({"user": {"anything-but": ["bob", "ada"]}}, False),
        ({"text": {"anything-but": {"prefix": "/"}}}, False),
        ({"text": {"anything-but": {"prefix": "!"}}}, True),
        ({"missing": {"anything-but": "x"}}, False),  # the field must exist
        ({"count": {"anything-but": True}}, True),
    ],
)
def test_anything_but(pattern: dict[str, Any], expected: bool) -> None:
    assert check(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"reply_to": {"exists": True}}, True),  # present, even null
        ({"reply_to": {"exists": False}}, False),
        ({"missing": {"exists": False}}, True),
        ({"missing": {"exists": True}}, False),
        ({"poll": {"deadline": {"exists": False}}}, True),
        ({"nothing": {"deeper": {"exists": False}}}, True),
    ],
)
def test_exists(pattern: dict[str, Any], expected: bool) -> None:
    assert check(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"poll": {"kind": "single"}}, True),
        ({"poll": {"kind": "multi"}}, False),
        ({"poll": {"options": {"label": "no"}}}, True),  # any item of a list of objects
        ({"poll": {"options": {"label": "maybe"}}}, False),
        ({"tags": "ops"}, True),  # any item of a list
        ({"tags": {"prefix": "urg"}}, True),
        ({"tags": "idle"}, False),
        ({"room": {"kind": "x"}}, False),  # a nested pattern over a scalar
    ],
)
def test_nested_fields_and_lists(pattern: dict[str, Any], expected: bool) -> None:
    assert check(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ([], "expected an object"),
        ({}, "empty pattern matches every event"),
        ({"text": {"prefix": 3}}, 'match.text: "prefix" takes a string'),
        ({"a": {"exists": "yes"}}, '"exists" takes true or false'),
        ({"a": {"anything-but": []}}, "at least one value"),
        ({"a": {"anything-but": {"exists": True}}}, '"anything-but" takes a value'),
        ({"a": {"anything-but": [{"prefix": "x"}]}}, "expected a JSON value"),
        ({"a": []}, "empty list matches nothing"),
        ({"a": {}}, "empty object matches nothing"),
        ({"a": [["x"]]}, "do not nest"),
        ({"a": [{"b": 1}]}, "not nested patterns"),
        ({"a": {"prefix": "x", "exists": True}}, "stands alone"),
        ({"a": {"b": {"prefix": 1}}}, "match.a.b:"),
        ({"a": float("nan")}, "expected a JSON value"),
        ({"a": object()}, "expected a JSON value"),
        ({1: "x"}, "field names are non-empty strings"),
    ],
)
def test_bad_patterns_are_refused_with_the_field_named(pattern: Any, says: str) -> None:
    with pytest.raises(PatternError, match=re.escape(says)):
        check_pattern(pattern)


def test_a_checked_pattern_is_a_copy_and_json() -> None:
    rooms = ["lobby"]
    pattern: dict[str, Any] = {"room": rooms, "poll": {"kind": "single"}}
    checked = check_pattern(pattern)
    rooms.append("dev")
    assert checked == {"room": ["lobby"], "poll": {"kind": "single"}}
    assert json.loads(json.dumps(checked)) == checked


def test_event_fields_flatten_the_wire_envelope() -> None:
    event = message("/help", room="dev", user="bob")
    fields = event_fields(json.loads(encode(event)))
    assert fields["text"] == "/help"
    assert fields["room"] == "dev"
    assert fields["id"] == event.id
    assert fields["type"] == "message"
    assert matches(check_pattern({"text": {"prefix": "/"}, "type": "message"}), fields)
    assert event_fields({"id": "x"}) == {"id": "x"}
