"""Lag: how each function's consumer group does, for the ops page and the autoscaler.

For each function: ``replicas`` = members of its consumer group ``fn.<name>``; ``lag`` = sum
over its partitions of (end offset - committed offset); ``dlq`` = records in
``chat.dlq.<name>``. Computed in a thread with the admin client, cached for ``ttl`` seconds.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._listoffsets import OffsetSpec

from runtime.engine.discovery import FunctionInfo, describe, discover
from runtime.kafka.topics import dlq_topic, group_of
from runtime.settings import Settings
from runtime.triggers import Handler

TIMEOUT = 5.0


class FunctionRow(FunctionInfo):
    replicas: int
    lag: int
    dlq: int


class Functions:
    """``rows()``: every discovered function with its replicas, lag and dead-letter count."""

    def __init__(self, settings: Settings, admin: AdminClient, ttl: float = 2.0) -> None:
        self.settings = settings
        self.admin = admin
        self.ttl = ttl
        self._lock = asyncio.Lock()
        self._at = -ttl
        self._rows: list[FunctionRow] = []

    async def rows(self) -> list[FunctionRow]:
        """Raises ``DiscoveryError`` when the functions folder has a bad file."""
        async with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                self._rows = await asyncio.to_thread(self.snapshot)
                self._at = time.monotonic()
            return list(self._rows)

    def snapshot(self) -> list[FunctionRow]:
        """The rows now (blocking: a few admin round trips)."""
        handlers = discover(self.settings.functions_dir)
        topics = {self.settings.topic(t) for h in handlers for t in h.topics}
        topics |= {dlq_topic(self.settings, h.name) for h in handlers}
        partitions = self._partitions(topics)
        low = self._offsets(partitions, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
        high = self._offsets(partitions, OffsetSpec.latest())  # type: ignore[no-untyped-call]
        rows = []
        for handler in handlers:
            group = group_of(self.settings, handler.name)
            dlq = dlq_topic(self.settings, handler.name)
            rows.append(
                FunctionRow(
                    **describe(handler, self.settings),
                    replicas=self._members(group),
                    lag=self._lag(handler, group, partitions, low, high),
                    dlq=sum(high[tp] - low[tp] for tp in partitions if tp[0] == dlq),
                )
            )
        return rows

    def _partitions(self, topics: set[str]) -> list[tuple[str, int]]:
        metadata = self.admin.list_topics(timeout=TIMEOUT)
        return [
            (name, p)
            for name in sorted(topics)
            if name in metadata.topics
            for p in metadata.topics[name].partitions
        ]

    def _offsets(self, partitions: list[tuple[str, int]], spec: Any) -> dict[tuple[str, int], int]:
        if not partitions:
            return {}
        request = {TopicPartition(t, p): spec for t, p in partitions}
        futures = self.admin.list_offsets(request, request_timeout=TIMEOUT)
        return {(tp.topic, tp.partition): f.result().offset for tp, f in futures.items()}

    def _members(self, group: str) -> int:
        future = self.admin.describe_consumer_groups([group], request_timeout=TIMEOUT)[group]
        return len(future.result().members)

    def _lag(
        self,
        handler: Handler,
        group: str,
        partitions: list[tuple[str, int]],
        low: dict[tuple[str, int], int],
        high: dict[tuple[str, int], int],
    ) -> int:
        topics = {self.settings.topic(t) for t in handler.topics}
        mine = [tp for tp in partitions if tp[0] in topics]
        if not mine:
            return 0
        request = ConsumerGroupTopicPartitions(group, [TopicPartition(t, p) for t, p in mine])
        future = self.admin.list_consumer_group_offsets([request], request_timeout=TIMEOUT)[group]
        lag = 0
        for tp in future.result().topic_partitions:
            key = (tp.topic, tp.partition)
            if tp.offset >= 0:
                lag += max(0, high[key] - tp.offset)
            elif handler.options.start == "earliest":  # it will read from the start
                lag += high[key] - low[key]
        return lag


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
