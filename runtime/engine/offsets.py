"""Offsets: which positions a worker may commit.

Events of one partition finish out of order (different keys run concurrently), but a commit
says "everything before this offset is done". So each partition keeps its in-flight offsets in
fetch order and the commit position only moves past a contiguous run of finished ones.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from confluent_kafka import TopicPartition

Partition = tuple[str, int]


class Slot:
    """One fetched offset; ``done`` flips when its event is fully handled."""

    __slots__ = ("done", "offset", "partition")

    def __init__(self, partition: Partition, offset: int) -> None:
        self.partition = partition
        self.offset = offset
        self.done = False


class OffsetTracker:
    """In-flight offsets per partition and the commit position each has reached."""

    def __init__(self) -> None:
        self._window: dict[Partition, deque[Slot]] = {}
        self._position: dict[Partition, int] = {}
        self._committed: dict[Partition, int] = {}

    def track(self, topic: str, partition: int, offset: int) -> Slot:
        slot = Slot((topic, partition), offset)
        window = self._window.get(slot.partition)
        if window is None:
            window = self._window[slot.partition] = deque()
        window.append(slot)
        return slot

    def finish(self, slot: Slot) -> None:
        slot.done = True
        window = self._window.get(slot.partition)
        while window and window[0].done:
            self._position[slot.partition] = window.popleft().offset + 1

    def due(self, partitions: Iterable[Partition] | None = None) -> list[TopicPartition]:
        """Positions that moved since they were last committed (optionally only these)."""
        wanted = self._position.keys() if partitions is None else partitions
        return [
            TopicPartition(topic, part, self._position[(topic, part)])
            for topic, part in wanted
            if (topic, part) in self._position
            and self._position[(topic, part)] != self._committed.get((topic, part))
        ]

    def committed(self, offsets: Iterable[TopicPartition]) -> None:
        for tp in offsets:
            self._committed[(tp.topic, tp.partition)] = tp.offset

    def in_flight(self, partitions: Iterable[Partition] | None = None) -> int:
        wanted = self._window.keys() if partitions is None else partitions
        return sum(len(self._window.get(p, ())) for p in wanted)

    def forget(self, partitions: Iterable[Partition]) -> None:
        """Drop what is known of partitions this worker no longer owns."""
        for p in partitions:
            self._window.pop(p, None)
            self._position.pop(p, None)
            self._committed.pop(p, None)
