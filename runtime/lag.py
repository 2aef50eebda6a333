"""Lag: how far a consumer group is behind, and the replica count that lag calls for."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaException, TopicPartition


def consumer_lag(bootstrap: str, group: str, topics: list[str]) -> int:
    """Records in ``topics`` not yet committed by ``group`` (blocking; a few round trips).

    A partition the group never committed counts from its low watermark.
    """
    probe = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "log_level": 3,
                      "client.id": f"parley-lag-{uuid.uuid4().hex[:6]}"})  # fmt: skip
    try:
        meta = probe.list_topics(timeout=5)
        parts = [
            TopicPartition(t, p)
            for t in topics
            if t in meta.topics
            for p in meta.topics[t].partitions
        ]
        total = 0
        for tp in probe.committed(parts, timeout=5) if parts else []:
            low, high = probe.get_watermark_offsets(tp, timeout=5)
            total += max(0, high - (tp.offset if tp.offset >= 0 else low))
        return total
    except KafkaException:
        return 0
    finally:
        probe.close()


@dataclass(frozen=True)
class Autoscale:
    """replicas = clamp(ceil(lag / threshold), minimum, maximum), one step per decision,
    at most one decision per ``cooldown`` seconds per function."""

    threshold: int = 1000
    minimum: int = 1
    maximum: int = 6
    cooldown: float = 15.0

    def next_replicas(self, lag: int, current: int) -> int:
        target = min(self.maximum, max(self.minimum, math.ceil(lag / self.threshold)))
        if target > current:
            return current + 1
        if target < current:
            return current - 1
        return current
