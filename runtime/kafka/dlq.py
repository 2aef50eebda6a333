"""Dead letters: what a function gave up on, and how to send it back.

``chat.dlq.<function>`` holds the original record (value, key, headers) plus ``parley-dlq-*``
headers: the source topic, partition and offset, why (``reason``: ``failed``, ``undecodable``
or ``expired``), the error and the attempt count; for an unordered function (a share group)
also the broker's delivery count of the record.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Literal

from runtime.bus import Headers, Record, send
from runtime.kafka.client import Consumer, Message, Producer, TopicPartition, headers_of
from runtime.kafka.headers import DLQ_PREFIX
from runtime.names import dlq_topic
from runtime.settings import Settings

# Why a record was dead-lettered: the handler failed it for good, it could not be decoded, or
# it was older than the function's max_age.
Reason = Literal["failed", "undecodable", "expired"]
DELIVERY_COUNT = DLQ_PREFIX + "delivery-count"


def dead_letter_headers(
    message: Record,
    function: str,
    error: str,
    attempts: int,
    reason: Reason = "failed",
    delivery_count: int | None = None,
) -> Headers:
    """The headers of ``message`` sent to the dead-letter topic: its own (minus any earlier
    dead letter's) and where it came from, why it failed and after how many attempts (and
    deliveries, when a share group counted them)."""
    counted = [] if delivery_count is None else [(DELIVERY_COUNT, str(delivery_count).encode())]
    return [
        *[(k, v) for k, v in headers_of(message) if not k.startswith(DLQ_PREFIX)],
        (DLQ_PREFIX + "function", function.encode()),
        (DLQ_PREFIX + "topic", (message.topic() or "").encode()),
        (DLQ_PREFIX + "partition", str(message.partition()).encode()),
        (DLQ_PREFIX + "offset", str(message.offset()).encode()),
        (DLQ_PREFIX + "error", error.encode()[:2000]),
        (DLQ_PREFIX + "attempts", str(attempts).encode()),
        (DLQ_PREFIX + "reason", reason.encode()),
        *counted,
    ]


@dataclass(frozen=True)
class DeadLetter:
    """One record of a dead-letter topic."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes
    source_topic: str
    source_partition: int
    source_offset: int
    error: str
    attempts: int
    reason: str  # failed, undecodable or expired (older dead letters: guessed from the error)
    headers: tuple[tuple[str, bytes], ...]
    delivery_count: int | None = None  # a share group's count, for unordered functions

    @classmethod
    def from_message(cls, message: Record) -> DeadLetter:
        headers = tuple(headers_of(message))
        meta = {
            k.removeprefix(DLQ_PREFIX): v.decode() for k, v in headers if k.startswith(DLQ_PREFIX)
        }
        return cls(
            partition=message.partition() or 0,
            offset=message.offset() or 0,
            key=message.key(),
            value=message.value() or b"",
            source_topic=meta.get("topic", ""),
            source_partition=int(meta.get("partition", "-1")),
            source_offset=int(meta.get("offset", "-1")),
            error=meta.get("error", ""),
            attempts=int(meta.get("attempts", "0")),
            reason=meta.get("reason")
            or ("undecodable" if meta.get("error", "").startswith("undecodable") else "failed"),
            headers=tuple((k, v) for k, v in headers if not k.startswith(DLQ_PREFIX)),
            delivery_count=int(meta["delivery-count"]) if "delivery-count" in meta else None,
        )


async def _read(consumer: Consumer, topic: str, limit: int, wait: float = 30.0) -> list[Message]:
    """Records from the group's position (or the start) up to the end each partition had when
    reading began."""
    ends = await consumer.high_watermarks(topic)
    starts = await consumer.positions(topic)
    remaining = {p for p, end in ends.items() if starts[p] < end}
    await consumer.assign([TopicPartition(topic, p, starts[p]) for p in remaining])
    messages: list[Message] = []
    deadline = time.monotonic() + wait
    while remaining and len(messages) < limit and time.monotonic() < deadline:
        for message in await consumer.consume(500, 0.5):
            part, offset = message.partition() or 0, message.offset() or 0
            if message.error() is not None or part not in remaining:
                continue
            if offset < ends[part]:
                messages.append(message)
            if offset + 1 >= ends[part]:
                remaining.discard(part)
    return messages[:limit]


async def list_dead_letters(
    settings: Settings, function: str, limit: int = 1000
) -> list[DeadLetter]:
    """The dead letters of ``function`` (read with a throwaway group; nothing is committed)."""
    consumer = Consumer(
        settings.kafka.client_config(), f"parley-dlq-list-{uuid.uuid4().hex}", start="earliest"
    )
    try:
        return [
            DeadLetter.from_message(m)
            for m in await _read(consumer, dlq_topic(settings, function), limit)
        ]
    finally:
        await consumer.close()


async def replay(settings: Settings, function: str) -> int:
    """Re-publish each dead letter not yet replayed to its source topic, then commit. Returns
    how many were sent back."""
    topic = dlq_topic(settings, function)
    consumer = Consumer(
        settings.kafka.client_config(), settings.topic(f"dlq-replay.{function}"), start="earliest"
    )
    producer = Producer(settings.kafka.client_config())
    try:
        messages = await _read(consumer, topic, 1_000_000)
        letters = [DeadLetter.from_message(m) for m in messages]
        for letter in letters:
            await send(producer, letter.source_topic, letter.value, letter.key, letter.headers)
        positions: dict[int, int] = {}
        for letter in letters:
            positions[letter.partition] = max(positions.get(letter.partition, 0), letter.offset + 1)
        await consumer.commit([TopicPartition(topic, p, o) for p, o in positions.items()])
        return len(letters)
    finally:
        await producer.close()
        await consumer.close()
