"""A sleeping function's positions: its group's committed offsets, made to exist.

    positions = settle(admin, "fn.poll", ["chat.action.vote"], start="latest")

A function goes to sleep only once every partition of its topics has a committed offset: that
is where a woken replica resumes, and where the wake watcher starts looking. A partition the
group never committed (no replica ever owned it, or it never had a record) is committed now,
by the admin client, at the position a new replica would take anyway: its end for "latest"
(a replica that owned it committed that already), its beginning for "earliest". Kafka lets the
admin client commit only for a group without members, so call it after the replicas left.
"""

from __future__ import annotations

import time
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._listoffsets import OffsetSpec

from runtime.triggers import Start

Partition = tuple[str, int]
TIMEOUT = 10.0


class NotSettled(Exception):
    """The group's offsets could not be made to exist (members still in it, broker away)."""


def committed(admin: AdminClient, group: str, topics: list[str]) -> dict[Partition, int]:
    """The group's committed offset on every partition of ``topics`` (-1: none)."""
    metadata = admin.list_topics(timeout=TIMEOUT)
    partitions = [
        TopicPartition(name, p)
        for name in sorted(set(topics))
        if name in metadata.topics
        for p in metadata.topics[name].partitions
    ]
    if not partitions:
        return {}
    request = ConsumerGroupTopicPartitions(group, partitions)
    future = admin.list_consumer_group_offsets([request], request_timeout=TIMEOUT)[group]
    return {(tp.topic, tp.partition): tp.offset for tp in future.result().topic_partitions}


def settle(
    admin: AdminClient, group: str, topics: list[str], start: Start, wait: float = 10.0
) -> dict[Partition, int]:
    """Every partition's committed offset, committing the missing ones first. Raises
    ``NotSettled`` when Kafka refused the commit until ``wait`` ran out."""
    deadline = time.monotonic() + wait
    while True:
        try:
            positions = committed(admin, group, topics)
            missing = [TopicPartition(t, p) for (t, p), offset in positions.items() if offset < 0]
            if not missing:
                return positions
            spec = _spec(start)
            futures = admin.list_offsets(dict.fromkeys(missing, spec), request_timeout=TIMEOUT)
            fill = [
                TopicPartition(tp.topic, tp.partition, future.result().offset)
                for tp, future in futures.items()
            ]
            request = ConsumerGroupTopicPartitions(group, fill)
            admin.alter_consumer_group_offsets([request], request_timeout=TIMEOUT)[group].result()
        except KafkaException as exc:
            if time.monotonic() >= deadline:
                raise NotSettled(f"group {group}: {exc}") from None
            time.sleep(0.5)


def _spec(start: Start) -> Any:
    if start == "latest":
        return OffsetSpec.latest()  # type: ignore[no-untyped-call]
    return OffsetSpec.earliest()  # type: ignore[no-untyped-call]
