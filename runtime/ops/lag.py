"""Lag: how each function's consumer group does, for the ops views and the autoscaler.

For each function (a registry ``Descriptor``): ``replicas`` = members of its consumer group;
``lag`` = sum over its partitions of (end offset - committed offset); ``dlq`` = records in
its dead-letter topic. Computed in a thread with the admin client, cached for ``ttl`` seconds.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._listoffsets import OffsetSpec

from runtime.names import dlq_topic
from runtime.registry import Descriptor, FunctionRow
from runtime.settings import Settings

TIMEOUT = 5.0


class Functions:
    """``rows()``: every function ``descriptors()`` names, with replicas, lag and dead letters."""

    def __init__(
        self,
        settings: Settings,
        admin: AdminClient,
        descriptors: Callable[[], list[Descriptor]],
        ttl: float = 2.0,
    ) -> None:
        self.settings = settings
        self.admin = admin
        self.descriptors = descriptors
        self.ttl = ttl
        self._lock = asyncio.Lock()
        self._at = -ttl
        self._rows: list[FunctionRow] = []

    async def rows(self) -> list[FunctionRow]:
        async with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                self._rows = await asyncio.to_thread(self.snapshot)
                self._at = time.monotonic()
            return list(self._rows)

    def snapshot(self) -> list[FunctionRow]:
        """The rows now (blocking: a few admin round trips)."""
        functions = sorted(self.descriptors(), key=lambda d: d.name)
        topics = {t for d in functions for t in d.topic.split(",")}
        topics |= {dlq_topic(self.settings, d.name) for d in functions}
        partitions = self._partitions(topics)
        low = self._offsets(partitions, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
        high = self._offsets(partitions, OffsetSpec.latest())  # type: ignore[no-untyped-call]
        rows = []
        for function in functions:
            dlq = dlq_topic(self.settings, function.name)
            rows.append(
                FunctionRow(
                    **function.model_dump(by_alias=True),
                    replicas=self._members(function.group),
                    lag=self._lag(function, partitions, low, high),
                    dlq=sum(high[tp] - low[tp] for tp in partitions if tp[0] == dlq),
                    next_run=function.next_tick(),
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
        function: Descriptor,
        partitions: list[tuple[str, int]],
        low: dict[tuple[str, int], int],
        high: dict[tuple[str, int], int],
    ) -> int:
        topics, group = set(function.topic.split(",")), function.group
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
            elif function.options.get("start") == "earliest":  # it will read from the start
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
