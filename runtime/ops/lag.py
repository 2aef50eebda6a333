"""Lag: how each function's consumer group does, for the ops views and the autoscaler.

For each function (a registry ``Descriptor``): ``replicas`` = members of its consumer group;
``lag`` = sum over its partitions of (end offset - committed offset); ``dlq`` = records in
its dead-letter topic; ``state`` = running, asleep or stopped (runtime.registry.state_of).
Computed in a thread with the admin client, cached for ``ttl`` seconds. ``ends`` keeps the sum
of each function's topics' end offsets from the last snapshot (it moves with every event:
the autoscaler's sign of activity).

An unordered function (``ordered=False``) consumes through a share group, which the admin
client cannot describe: its replicas and lag come from ``runtime.ops.shares`` when one is
given (``parley up``, ``parley functions``), else they are -1 (unknown) and its state is
unknown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._listoffsets import OffsetSpec

from runtime.names import dlq_topic
from runtime.ops.shares import ShareGroups
from runtime.registry import Descriptor, FunctionRow, state_of
from runtime.settings import Settings
from runtime.triggers import Options

TIMEOUT = 5.0


class Functions:
    """``rows()``: every function ``descriptors()`` names, with replicas, lag and dead letters."""

    def __init__(
        self,
        settings: Settings,
        admin: AdminClient,
        descriptors: Callable[[], list[Descriptor]],
        ttl: float = 2.0,
        shares: ShareGroups | None = None,
    ) -> None:
        self.settings = settings
        self.shares = shares
        self.admin = admin
        self.descriptors = descriptors
        self.ttl = ttl
        self._lock = asyncio.Lock()
        self._at = -ttl
        self._rows: list[FunctionRow] = []
        self.ends: dict[str, int] = {}

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
            mine = set(function.topic.split(","))
            self.ends[function.name] = sum(high[tp] for tp in partitions if tp[0] in mine)
            if function.ordered:
                replicas = self._members(function.group)
                lag = self._lag(function, partitions, low, high)
            else:
                share = self.shares.state(function.group) if self.shares else None
                replicas = -1 if share is None or share.members is None else share.members
                lag = -1 if share is None or share.lag is None else share.lag
            rows.append(
                FunctionRow(
                    **function.model_dump(by_alias=True),
                    state=state_of(function.options, replicas),
                    replicas=replicas,
                    lag=lag,
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


def replica_ceiling(options: Options, partitions: int) -> int:
    """The most replicas a function can use: an ordered one (a consumer group) no more than
    the partition count, an unordered one (a share group) its ``max_replicas``."""
    if options.ordered:
        return min(partitions, options.max_replicas)
    return options.max_replicas


def check_replicas(name: str, options: Options, replicas: int, partitions: int) -> None:
    """ValueError (saying what to do) when ``replicas`` is more than ``name`` can use."""
    ceiling = replica_ceiling(options, partitions)
    if replicas <= ceiling:
        return
    if options.ordered and replicas > partitions:
        raise ValueError(
            f"function {name} is ordered: at most {partitions} replicas (one per partition of "
            f"its topics; more would sit idle); ask for {partitions} or fewer, or declare it "
            "with ordered=False to consume through a share group"
        )
    raise ValueError(
        f"function {name}: at most {ceiling} replicas (its max_replicas); ask for fewer or "
        "raise max_replicas in its decorator"
    )
