"""Autoscaling moves one replica at a time toward clamp(ceil(lag / threshold), min, max)."""

from __future__ import annotations

import pytest

from runtime.ops.lag import Autoscale


@pytest.mark.parametrize(
    ("lag", "current", "expected"),
    [
        (0, 1, 1),  # idle stays at the minimum
        (999, 1, 1),
        (1001, 1, 2),  # ceil(1001 / 1000) = 2
        (50_000, 1, 2),  # far behind, but one step per decision
        (50_000, 4, 5),
        (50_000, 6, 6),  # never above the maximum
        (0, 4, 3),  # caught up: one step down
        (2500, 3, 3),  # at target
    ],
)
def test_one_step_toward_the_clamped_target(lag: int, current: int, expected: int) -> None:
    assert Autoscale(threshold=1000, minimum=1, maximum=6).next_replicas(lag, current) == expected
