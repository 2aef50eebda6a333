"""Filters: which events a function wants, decided before it is invoked.

A pattern is JSON, in the spirit of EventBridge's (and Lambda's event filtering) rules, over an
event's fields as a handler reads them (``event.text``, ``event.room``, ``event.id``,
``event.type``, ``event.ts``):

    {"text": {"prefix": "/"}}                       # text starts with "/"
    {"room": ["lobby", "dev"], "bot": False}        # equality: one value, or any of a list
    {"user": {"anything-but": ["ada", "bob"]}}      # neither value (the field must exist)
    {"reply_to": {"exists": True}}                  # present, whatever its value
    {"poll": {"kind": "single"}}                    # a nested object's field

Fields of a pattern must all match (and); a list of matchers matches when any does (or). An
event field holding a list matches when any of its items does. A matcher is a JSON scalar
(equal to it: ``1`` is not ``true``) or one operator: ``{"prefix": str}``,
``{"anything-but": scalar | [scalars] | {"prefix": str}}``, ``{"exists": bool}``. An object
with one key named like an operator is that operator, so a nested field called ``prefix``,
``anything-but`` or ``exists`` cannot be matched.

    check_pattern(pattern)                          # ValueError saying what is wrong
    matches(pattern, event_fields(json.loads(raw))) # over a record's value, without its model

Pure: no I/O, no imports from the rest of Parley, so any process (a worker, a watcher deciding
whether to wake a function) evaluates the same filter the same way.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

Pattern = dict[str, Any]
OPERATORS = ("prefix", "anything-but", "exists")
_MISSING = object()


class PatternError(ValueError):
    """A filter pattern that is not valid; the message names the field and what to write."""


def check_pattern(pattern: object) -> Pattern:
    """``pattern`` checked and copied (JSON only, every matcher well-formed); PatternError,
    naming the field, otherwise."""
    if not isinstance(pattern, Mapping):
        raise PatternError(f"match: expected an object of field patterns, got {_shown(pattern)}")
    if not pattern:
        raise PatternError("match: an empty pattern matches every event; leave match= out")
    _check_object(pattern, "match")
    return copy.deepcopy(dict(pattern))


def matches(pattern: Mapping[str, Any], fields: Mapping[str, Any]) -> bool:
    """Whether the event ``fields`` (a JSON object: see ``event_fields``) match ``pattern``
    (checked with ``check_pattern``)."""
    return all(_field(rule, fields.get(name, _MISSING)) for name, rule in pattern.items())


def event_fields(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """An event's fields as a handler reads them, from its wire envelope
    ``{"id", "type", "ts", "data": {...}}`` (docs/PROTOCOL.md): ``data`` flattened beside them."""
    data = envelope.get("data")
    fields = dict(data) if isinstance(data, Mapping) else {}
    for name in ("id", "type", "ts"):
        if name in envelope:
            fields[name] = envelope[name]
    return fields


# --- evaluation ----------------------------------------------------------------------------


def _field(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping) and not _is_operator(rule):
        if isinstance(value, list):
            return any(_field(rule, v) for v in value)
        inner = value if isinstance(value, Mapping) else {}
        return matches(rule, inner)
    rules = rule if isinstance(rule, list) else [rule]
    return any(_one(r, value) for r in rules)


def _one(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping):
        (op, arg), *_ = rule.items()
        if op == "exists":
            return (value is not _MISSING) is bool(arg)
        if value is _MISSING:
            return False
        if isinstance(value, list):
            return any(_one(rule, v) for v in value)
        if op == "prefix":
            return isinstance(value, str) and value.startswith(str(arg))
        # anything-but
        return not _one(arg, value) if isinstance(arg, Mapping) else not _equal_any(arg, value)
    if value is _MISSING:
        return False
    if isinstance(value, list):
        return any(_same(rule, v) for v in value)
    return _same(rule, value)


def _equal_any(arg: Any, value: Any) -> bool:
    return any(_same(a, value) for a in (arg if isinstance(arg, list) else [arg]))


def _same(rule: Any, value: Any) -> bool:
    """JSON equality: booleans are not numbers (``True == 1`` in Python, not here)."""
    return (isinstance(rule, bool) == isinstance(value, bool)) and rule == value


def _is_operator(rule: Mapping[str, Any]) -> bool:
    return len(rule) == 1 and next(iter(rule)) in OPERATORS


# --- validation ----------------------------------------------------------------------------


def _check_object(pattern: Mapping[Any, Any], where: str) -> None:
    for name, rule in pattern.items():
        if not isinstance(name, str) or not name:
            raise PatternError(f"{where}: field names are non-empty strings, got {name!r}")
        _check_rule(rule, f"{where}.{name}")


def _check_rule(rule: Any, where: str) -> None:
    if isinstance(rule, Mapping):
        if not rule:
            raise PatternError(f"{where}: an empty object matches nothing; remove the field")
        if _is_operator(rule):
            _check_operator(rule, where)
        elif any(k in OPERATORS for k in rule):
            raise PatternError(
                f"{where}: an operator ({', '.join(OPERATORS)}) stands alone in its object; "
                'write a list of matchers to combine them, e.g. [{"prefix": "a"}, "b"]'
            )
        else:
            _check_object(rule, where)
        return
    if isinstance(rule, list):
        if not rule:
            raise PatternError(f"{where}: an empty list matches nothing; give at least one value")
        for item in rule:
            if isinstance(item, Mapping) and not _is_operator(item):
                raise PatternError(
                    f"{where}: a list holds values or operators ({', '.join(OPERATORS)}), "
                    "not nested patterns"
                )
            if isinstance(item, list):
                raise PatternError(f"{where}: lists of matchers do not nest")
            _check_rule(item, where)
        return
    _check_scalar(rule, where)


def _check_operator(rule: Mapping[str, Any], where: str) -> None:
    (op, arg), *_ = rule.items()
    if op == "prefix" and not isinstance(arg, str):
        raise PatternError(f'{where}: "prefix" takes a string, got {_shown(arg)}')
    if op == "exists" and not isinstance(arg, bool):
        raise PatternError(f'{where}: "exists" takes true or false, got {_shown(arg)}')
    if op == "anything-but":
        if isinstance(arg, Mapping):
            if list(arg) != ["prefix"]:
                raise PatternError(
                    f'{where}: "anything-but" takes a value, a list of values or '
                    f'{{"prefix": "..."}}, got {_shown(arg)}'
                )
            _check_operator(arg, f"{where}.anything-but")
        elif isinstance(arg, list):
            if not arg:
                raise PatternError(f'{where}: "anything-but" needs at least one value')
            for item in arg:
                _check_scalar(item, f"{where}.anything-but")
        else:
            _check_scalar(arg, f"{where}.anything-but")


def _check_scalar(value: Any, where: str) -> None:
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float) and math.isfinite(value):
        return
    raise PatternError(
        f"{where}: expected a JSON value (string, number, true, false, null), got {_shown(value)}"
    )


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"
