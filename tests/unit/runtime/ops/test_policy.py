"""The autoscaling policy: one step at a time toward the clamped target while awake; a sleeper
goes to zero after idle_after quiet seconds and wakes only for an event it wants."""

from __future__ import annotations

import pytest

from runtime.ops.autoscaler import bounds_of
from runtime.ops.policy import Bounds, Policy, Quiet
from runtime.registry import describe
from runtime.settings import AutoscaleSettings, KafkaSettings, Settings

POLICY = Policy(threshold=1000, cooldown=15.0, idle_after=60.0)
WARM = Bounds(1, 6)
SLEEPER = Bounds(0, 6)


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
    assert POLICY.step(lag, current, WARM) == expected


def test_lag_scaling_never_goes_below_one_even_for_a_sleeper() -> None:
    assert POLICY.step(0, 2, SLEEPER) == 1
    assert POLICY.step(0, 1, SLEEPER) == 1
    assert POLICY.target(0, SLEEPER) == 1


def decide(
    current: int,
    lag: int = 0,
    quiet_for: float = 0.0,
    since_scaled: float = 100.0,
    bounds: Bounds = SLEEPER,
    waiting: bool = False,
) -> int:
    return POLICY.decide(
        current=current,
        lag=lag,
        quiet_for=quiet_for,
        since_scaled=since_scaled,
        bounds=bounds,
        waiting=waiting,
    )


def test_a_sleeper_sleeps_only_after_idle_after_quiet_seconds() -> None:
    assert decide(1, quiet_for=59.9) == 1
    assert decide(1, quiet_for=60.0) == 0
    assert decide(3, quiet_for=61.0) == 0  # idle with several replicas: straight to zero
    assert decide(1, lag=1, quiet_for=600.0) == 1  # lag means work: awake


def test_a_warm_function_never_sleeps() -> None:
    assert decide(1, quiet_for=3600.0, bounds=WARM) == 1
    assert decide(0, bounds=WARM) == 1  # no replica though it must run: started again


def test_sleep_ignores_the_cooldown_but_steps_respect_it() -> None:
    assert decide(1, quiet_for=60.0, since_scaled=1.0) == 0
    assert decide(2, lag=50_000, since_scaled=14.0) == 2
    assert decide(2, lag=50_000, since_scaled=15.0) == 3


def test_an_asleep_function_wakes_only_for_a_wanted_event() -> None:
    assert decide(0) == 0
    assert decide(0, lag=500) == 0  # lag its filter refuses does not wake it
    assert decide(0, waiting=True) == 1
    assert decide(0, waiting=True, since_scaled=0.0) == 1  # no cooldown: someone waits


def test_quiet_restarts_on_lag_or_a_new_event() -> None:
    quiet = Quiet(since=0.0)
    assert quiet.observe(0.0, lag=0, ends=10) == 0.0
    assert quiet.observe(30.0, lag=0, ends=10) == 30.0
    assert quiet.observe(40.0, lag=0, ends=11) == 0.0  # an event came and went
    assert quiet.observe(50.0, lag=3, ends=11) == 0.0
    assert quiet.observe(65.0, lag=0, ends=11) == 15.0
    quiet.reset(70.0)
    assert quiet.observe(71.0, lag=0, ends=11) == 1.0


def test_bounds_are_capped_by_the_partitions() -> None:
    assert Bounds(0, 12).capped(6) == Bounds(0, 6)
    assert Bounds(8, 12).capped(6) == Bounds(6, 6)
    assert Bounds(1, 1).capped(6) == Bounds(1, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"minimum": -1}, "minimum"),
        ({"maximum": 0}, "maximum"),
    ],
)
def test_bad_bounds_are_refused(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Bounds(**kwargs)


def test_bad_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="idle_after"):
        Policy(idle_after=0)
    with pytest.raises(ValueError, match="threshold"):
        Policy(threshold=0)


def test_the_function_option_beats_the_global_default() -> None:
    from runtime import Context, MessageEvent, on_message

    @on_message(min_replicas=0, max_replicas=3)
    async def own(event: MessageEvent, ctx: Context) -> None: ...

    @on_message
    async def default(event: MessageEvent, ctx: Context) -> None: ...

    settings = Settings(
        autoscale=AutoscaleSettings(min_replicas=0, max_replicas=4),
        kafka=KafkaSettings(partitions=6),
    )
    assert bounds_of(describe(own, settings), settings) == Bounds(0, 3)
    assert bounds_of(describe(default, settings), settings) == Bounds(0, 4)
    plain = Settings(kafka=KafkaSettings(partitions=2))
    assert bounds_of(describe(default, plain), plain) == Bounds(1, 2)


def test_ordered_functions_stop_at_the_partitions_unordered_ones_at_max_replicas() -> None:
    from runtime import Context, MessageEvent, on_message

    @on_message(ordered=False, max_replicas=12)
    async def index(event: MessageEvent, ctx: Context) -> None: ...

    @on_message(max_replicas=12)
    async def chat(event: MessageEvent, ctx: Context) -> None: ...

    settings = Settings(kafka=KafkaSettings(partitions=6))
    assert bounds_of(describe(index, settings), settings) == Bounds(1, 12)  # past the 6
    assert bounds_of(describe(chat, settings), settings) == Bounds(1, 6)
    capped = Settings(
        autoscale=AutoscaleSettings(min_replicas=0, max_replicas=8),
        kafka=KafkaSettings(partitions=6),
    )
    # The global ceiling holds for both; a share group never gets a sleeping minimum.
    assert bounds_of(describe(index, capped), capped) == Bounds(1, 8)
    assert bounds_of(describe(chat, capped), capped) == Bounds(0, 6)


def test_a_scheduled_function_never_sleeps_even_when_every_function_may() -> None:
    from runtime import Context, Tick, every

    @every(5)
    async def tick(event: Tick, ctx: Context) -> None: ...

    settings = Settings(autoscale=AutoscaleSettings(min_replicas=0))
    described = describe(tick, settings)
    assert described.options["min_replicas"] == "1"  # its ticks come from its own workers
    assert bounds_of(described, settings).sleeps is False
