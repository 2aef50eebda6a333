"""A sleeping function's positions: its group's committed offsets, made to exist.

    positions = settle(connection, "fn.poll", ["chat.action.vote"], start="latest")

A function goes to sleep only once every partition of its topics has a committed offset: that
is where a woken replica resumes, and where the wake watcher starts looking. A partition the
group never committed (no replica ever owned it, or it never had a record) is committed now
at the position a new replica would take anyway: its end for "latest" (a replica that owned it
committed that already), its beginning for "earliest". Kafka takes a commit from outside the
group only while the group has no members, so call it after the replicas left.

This reads and commits with a consumer of the group that never joins it (assign-style), not
with the admin client: librdkafka's ListConsumerGroupOffsets crashes the process (a NULL
dereference, librdkafka issue 5040) when the group coordinator is not known yet, as on a fresh
broker.
"""

from __future__ import annotations

import time

from confluent_kafka import Consumer as RawConsumer
from confluent_kafka import KafkaException, TopicPartition

from runtime.kafka.admin import Connection, connection_config
from runtime.triggers import Start

Partition = tuple[str, int]
TIMEOUT = 10.0


class NotSettled(Exception):
    """The group's offsets could not be made to exist (members still in it, broker away)."""


def _consumer(connection: Connection, group: str) -> RawConsumer:
    return RawConsumer(
        {
            **connection_config(connection),
            "group.id": group,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "log_level": 0,
        }
    )


def committed(
    connection: Connection, group: str, topics: list[str], wait: float = 10.0
) -> dict[Partition, int]:
    """The group's committed offset on every partition of ``topics`` (negative: none). Kafka
    answers "not coordinator" while it is still electing the group's coordinator (a fresh
    broker): asked again for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    consumer = _consumer(connection, group)
    try:
        while True:
            try:
                return _committed(consumer, topics)
            except KafkaException:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)
    finally:
        consumer.close()


def _committed(consumer: RawConsumer, topics: list[str]) -> dict[Partition, int]:
    if not topics:  # still a round trip to the group's coordinator (and its lookup)
        consumer.committed([], timeout=TIMEOUT)
        return {}
    metadata = consumer.list_topics(timeout=TIMEOUT)
    partitions = [
        TopicPartition(name, p)
        for name in sorted(set(topics))
        if name in metadata.topics
        for p in metadata.topics[name].partitions
    ]
    if not partitions:
        return {}
    found = consumer.committed(partitions, timeout=TIMEOUT)
    return {(tp.topic, tp.partition): tp.offset for tp in found}


def settle(
    connection: Connection, group: str, topics: list[str], start: Start, wait: float = 10.0
) -> dict[Partition, int]:
    """Every partition's committed offset, committing the missing ones first. Raises
    ``NotSettled`` when Kafka refused the commit until ``wait`` ran out."""
    deadline = time.monotonic() + wait
    consumer = _consumer(connection, group)
    try:
        while True:
            try:
                positions = _committed(consumer, topics)
                missing = [TopicPartition(t, p) for (t, p), at in positions.items() if at < 0]
                if not missing:
                    return positions
                fill = []
                for tp in missing:
                    low, high = consumer.get_watermark_offsets(tp, timeout=TIMEOUT)
                    at = high if start == "latest" else low
                    fill.append(TopicPartition(tp.topic, tp.partition, at))
                consumer.commit(offsets=fill, asynchronous=False)
            except KafkaException as exc:
                if time.monotonic() >= deadline:
                    raise NotSettled(f"group {group}: {exc}") from None
                time.sleep(0.5)
    finally:
        consumer.close()
