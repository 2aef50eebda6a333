"""The wake watcher's ``wants`` hook: a sleeper's ``match`` filter decides which waiting
records wake it, evaluated as its worker evaluates it (runtime.filters)."""

from __future__ import annotations

import json
from typing import Any

from confluent_kafka import Message

from runtime import Context, MessageEvent, on_message
from runtime.kafka.headers import ORIGIN
from runtime.ops.watcher import Sleeper, Watcher, wants_everything, wants_of
from runtime.registry import Descriptor, describe
from runtime.settings import Settings

TOPIC = "chat.message"


def envelope(text: str, room: str = "lobby") -> bytes:
    """A chat message's wire envelope (docs/PROTOCOL.md)."""
    data: dict[str, Any] = {"room": room, "user": "ada", "text": text}
    return json.dumps(
        {"id": "e1", "type": "message", "ts": "2026-12-07T18:00:00Z", "data": data}
    ).encode()


def record(value: bytes, offset: int = 10, origin: str | None = None) -> Message:
    headers: list[tuple[str, str | bytes | None]] | None = (
        [(ORIGIN, origin.encode())] if origin else None
    )
    return Message(topic=TOPIC, partition=0, offset=offset, value=value, headers=headers)


def descriptor(**options: Any) -> Descriptor:
    @on_message(min_replicas=0, **options)
    async def sleepy(event: MessageEvent, ctx: Context) -> None:
        return None

    return describe(sleepy, Settings())


def test_without_a_filter_every_record_wakes() -> None:
    assert wants_of(descriptor()) is wants_everything
    assert wants_everything(record(b"not even json"))


def test_the_match_filter_decides_which_waiting_records_wake() -> None:
    wants = wants_of(descriptor(match={"text": {"prefix": "/"}}))
    assert wants(record(envelope("/roll 2d6")))
    assert not wants(record(envelope("hello")))
    # Nested and id/type fields are read as the worker reads them (event_fields).
    by_room = wants_of(descriptor(match={"room": ["dev"], "type": "message"}))
    assert by_room(record(envelope("hi", room="dev")))
    assert not by_room(record(envelope("hi", room="lobby")))


def test_a_value_that_is_no_envelope_wakes_the_worker_to_dead_letter_it() -> None:
    wants = wants_of(descriptor(match={"text": {"prefix": "/"}}))
    assert wants(record(b"\xff not json"))
    assert wants(record(b"[1, 2]"))


def test_a_refused_record_does_not_wake_the_sleeper_and_a_wanted_one_does() -> None:
    watcher = Watcher({"bootstrap.servers": "127.0.0.1:9"}, "parley.watcher.test")
    sleeper = Sleeper(
        "bot",
        "fn.bot",
        {(TOPIC, 0): 10},
        wants_of(descriptor(match={"text": {"prefix": "/"}})),
    )
    watcher.watch(sleeper)  # not started: _judge is called as the thread would call it
    watcher._judge(record(envelope("hello")), [sleeper])
    watcher._judge(record(envelope("/help"), offset=9), [sleeper])  # before its position
    watcher._judge(record(envelope("/help"), origin="bot"), [sleeper])  # its own output
    assert watcher.woken() == set()
    watcher._judge(record(envelope("/help"), offset=11), [sleeper])
    assert watcher.woken() == {"bot"}
