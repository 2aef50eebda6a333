"""The autoscaling policy: how many replicas a function wants now, sleep included.

Pure functions of what the autoscaler observed; ``parley up --autoscale`` (runtime.ops.supervisor)
and ``parley autoscale`` (runtime.ops.podman, for a compose stack) both follow it, and the
Kubernetes manifests (runtime.ops.kubernetes) say the same to KEDA.

    policy = Policy(threshold=1000, cooldown=15, idle_after=60)
    quiet = Quiet(since=now)
    wanted = policy.decide(
        current=2, lag=0, quiet_for=quiet.observe(now, lag=0, ends=end_offsets),
        since_scaled=30, bounds=Bounds(0, 6), waiting=False,
    )

While awake, replicas = clamp(ceil(lag / threshold), max(1, minimum), maximum), one step per
decision and at most one step per ``cooldown``. A function whose minimum is 0 sleeps (0
replicas) once its group has had no lag and no new event for ``idle_after`` seconds; asleep, it
wakes (1 replica) as soon as an event it wants waits for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """A function's replica limits: ``minimum`` 0 lets it sleep; ``maximum`` is already capped
    by whatever the caller caps it with (the partitions, for an ordered function)."""

    minimum: int = 1
    maximum: int = 6

    def __post_init__(self) -> None:
        if self.minimum < 0 or self.maximum < 1:
            raise ValueError("a function's minimum must be >= 0 and its maximum >= 1")

    @property
    def sleeps(self) -> bool:
        return self.minimum == 0

    def capped(self, cap: int) -> Bounds:
        """These bounds under ``cap`` (the partition count): a replica past it owns nothing."""
        maximum = max(1, min(self.maximum, cap))
        return Bounds(min(self.minimum, maximum), maximum)


@dataclass(frozen=True)
class Policy:
    """Lag per replica, the time between two steps, and the idle time before a sleep."""

    threshold: int = 1000
    cooldown: float = 15.0
    idle_after: float = 60.0

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.cooldown < 0 or self.idle_after <= 0:
            raise ValueError("threshold must be >= 1, cooldown >= 0 and idle_after > 0")

    def target(self, lag: int, bounds: Bounds) -> int:
        """The replicas ``lag`` calls for while awake: never below one, never above the max."""
        floor = max(1, bounds.minimum)
        return min(bounds.maximum, max(floor, math.ceil(lag / self.threshold)))

    def step(self, lag: int, current: int, bounds: Bounds) -> int:
        """One replica toward the target (awake: ``current`` >= 1)."""
        target = self.target(lag, bounds)
        if target > current:
            return current + 1
        if target < current:
            return current - 1
        return current

    def should_sleep(self, lag: int, quiet_for: float, bounds: Bounds) -> bool:
        """Whether a function with replicas goes to zero now."""
        return bounds.sleeps and lag == 0 and quiet_for >= self.idle_after

    def decide(
        self,
        *,
        current: int,
        lag: int,
        quiet_for: float,
        since_scaled: float,
        bounds: Bounds,
        waiting: bool,
    ) -> int:
        """The replicas a function should have now.

        ``current``: it has now (0: asleep); ``lag``: its group's; ``quiet_for``: seconds
        since its group last had lag or a new event (``Quiet``); ``since_scaled``: seconds
        since its last step; ``waiting``: an event it wants waits for it (the wake watcher's
        word; a sleeper is woken by nothing else, so an event its filter refuses does not).
        """
        if current == 0:
            # Asleep: only a wanted event wakes it, at once (no cooldown: someone waits). A
            # function that may not sleep and has no replica is started again.
            return 1 if waiting or not bounds.sleeps else 0
        if self.should_sleep(lag, quiet_for, bounds):
            return 0
        if since_scaled < self.cooldown:
            return current
        return self.step(lag, current, bounds)


@dataclass
class Quiet:
    """How long a function's group has been quiet: no lag and no new event on its topics.

    ``ends`` is the sum of its topics' end offsets: it moves when an event arrives, even
    one handled before the next look saw any lag."""

    since: float
    ends: int = -1

    def observe(self, now: float, lag: int, ends: int) -> float:
        """Fold in one look; the seconds it has been quiet now."""
        if lag > 0 or ends != self.ends:
            self.since = now
            self.ends = ends
        return now - self.since

    def reset(self, now: float) -> None:
        """It just woke or changed: quiet from now at the earliest."""
        self.since = now
