"""The commit position only passes contiguous finished offsets."""

from __future__ import annotations

from runtime.engine.offsets import OffsetTracker


def test_out_of_order_completion_commits_the_contiguous_prefix() -> None:
    tracker = OffsetTracker()
    slots = [tracker.track("t", 0, offset) for offset in range(10, 15)]
    tracker.finish(slots[1])
    tracker.finish(slots[2])
    assert tracker.due() == []
    tracker.finish(slots[0])
    [due] = tracker.due()
    assert (due.topic, due.partition, due.offset) == ("t", 0, 13)
    tracker.committed([due])
    assert tracker.due() == []
    assert tracker.in_flight() == 2
    tracker.finish(slots[4])
    tracker.finish(slots[3])
    assert [tp.offset for tp in tracker.due()] == [15]


def test_partitions_are_independent_and_forgettable() -> None:
    tracker = OffsetTracker()
    a = tracker.track("t", 0, 5)
    tracker.track("t", 1, 7)
    tracker.finish(a)
    assert [(tp.partition, tp.offset) for tp in tracker.due()] == [(0, 6)]
    assert tracker.in_flight([("t", 1)]) == 1
    tracker.forget([("t", 1)])
    assert tracker.in_flight() == 0
