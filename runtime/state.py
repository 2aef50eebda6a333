"""Function state: ``ctx.state``, a function's own durable key-value store.

Values are JSON (what ``json.dumps`` takes: dicts, lists, strings, numbers, booleans, None).
Each function sees only its own keys; replicas of one function share them. Every call is one
transaction in the same database as history (SQLite or PostgreSQL), so a value survives
restarts and ``kill -9``.

    n = await ctx.state.incr(f"shouts:{event.room}")
    poll = await ctx.state.update(f"poll:{pid}", lambda p: {**p, "votes": p["votes"] + 1})
    if not await ctx.state.once(event.id):   # at least once: skip what was done already
        return None

Events reach a function at least once: after a crash its last events may run again. A handler
whose effect must happen once marks the event with ``once`` in the same step as the effect
where it can (``update`` is atomic), or first, when running twice must never happen.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol

from pydantic import JsonValue

Updater = Callable[[JsonValue], JsonValue]
KEY_LENGTH = 255  # characters in a state key


class State(Protocol):
    """A function's durable key-value state (``ctx.state``)."""

    async def get(self, key: str, default: JsonValue = None) -> JsonValue:
        """The value at ``key``, or ``default`` when there is none."""
        ...

    async def set(self, key: str, value: JsonValue) -> None:
        """Store ``value`` at ``key`` (replacing what was there)."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove ``key``; whether it was there."""
        ...

    async def incr(self, key: str, by: int = 1) -> int:
        """Add ``by`` to the integer at ``key`` (0 when absent) atomically; the new value."""
        ...

    async def update(self, key: str, fn: Updater, default: JsonValue = None) -> JsonValue:
        """Replace the value at ``key`` (``default`` when absent) with ``fn(value)``,
        atomically even with replicas racing: ``fn`` runs again on the newer value when
        another writer got there first, so keep it a pure function. Returns the new value."""
        ...

    async def once(self, key: str) -> bool:
        """True the first time this function marks ``key``, False ever after: the guard for
        work that must not repeat when an event is delivered again (``once(event.id)``)."""
        ...


def check_key(key: str) -> str:
    """``key`` when it is a usable state key; ValueError saying what a key is otherwise."""
    if not isinstance(key, str) or not 1 <= len(key) <= KEY_LENGTH:
        raise ValueError(f"a state key is a string of 1-{KEY_LENGTH} characters; got {key!r}")
    return key


def encode_value(key: str, value: JsonValue) -> str:
    """``value`` as the JSON text a state store keeps; ValueError when it is not JSON."""
    check_key(key)
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"state {key!r}: the value is not JSON ({exc})") from None


def decode_value(text: str) -> JsonValue:
    value: JsonValue = json.loads(text)
    return value
