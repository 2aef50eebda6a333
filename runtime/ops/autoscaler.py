"""The autoscaler: each function's replicas from its group's lag, sleep and wake included.

    scaler = Autoscaler(settings, Policy(idle_after=60))
    scaler.start()
    changes = scaler.decide(now, {"poll": (descriptor, 1), ...})   # every tick: name -> wanted
    ... stop its replicas, then: scaler.asleep(descriptor)          # settles, watches
    ... start a replica, then:   scaler.awake("poll", now)
    scaler.close()

It serves ``parley up --autoscale`` (processes, runtime.ops.supervisor) and ``parley
autoscale`` (containers, runtime.ops.podman) alike: the caller owns the replicas and says how
many each function has; the autoscaler says how many it should have (runtime.ops.policy). Lag
is looked at every few seconds; a sleeper's wake comes from the watcher (runtime.ops.watcher)
on the next tick.
"""

from __future__ import annotations

import contextlib
import logging
import math

from confluent_kafka import KafkaException

from runtime.errors import DiscoveryError
from runtime.kafka.admin import admin_client
from runtime.ops.lag import Functions
from runtime.ops.policy import Bounds, Policy, Quiet
from runtime.ops.positions import NotSettled, committed, settle
from runtime.ops.shares import ShareGroups
from runtime.ops.watcher import Sleeper, Watcher, wants_of
from runtime.registry import Descriptor
from runtime.settings import Settings
from runtime.triggers import MAX_REPLICAS, Start

log = logging.getLogger("parley.autoscale")
Current = dict[str, tuple[Descriptor, int]]  # function name -> (descriptor, replicas now)


def bounds_of(descriptor: Descriptor, settings: Settings) -> Bounds:
    """The function's published ``min_replicas`` / ``max_replicas`` (``PARLEY_AUTOSCALE__*``
    where a descriptor has none), the maximum never above ``PARLEY_AUTOSCALE__MAX_REPLICAS``
    and, for an ordered function, never above the partitions: a replica past them owns
    nothing. An unordered function (a share group) goes up to its own ``max_replicas``."""
    options, defaults = descriptor.options, settings.autoscale
    low = int(options.get("min_replicas", defaults.min_replicas))
    high = min(int(options.get("max_replicas", MAX_REPLICAS)), defaults.max_replicas)
    cap = settings.kafka.partitions if descriptor.ordered else high
    if not descriptor.ordered:
        low = max(low, 1)  # a share group cannot sleep (runtime.triggers.Options)
    return Bounds(low, max(high, low, 1)).capped(cap)


class Autoscaler:
    """Decides replicas; owns the lag view and the wake watcher."""

    def __init__(self, settings: Settings, policy: Policy) -> None:
        self.settings = settings
        self.policy = policy
        self.admin = admin_client(settings.kafka.client_config())
        self.watcher = Watcher(settings.kafka.client_config(), settings.topic("parley.watcher"))
        self.every = min(5.0, max(0.5, policy.idle_after / 2))  # seconds between lag looks
        self._looking: list[Descriptor] = []
        self.view = Functions(
            settings, self.admin, lambda: self._looking, shares=ShareGroups(settings)
        )
        self._quiet: dict[str, Quiet] = {}
        self._scaled_at: dict[str, float] = {}
        self._looked = -math.inf
        self.lags: dict[str, int] = {}  # each function's lag at the last look

    def start(self) -> None:
        """Start the watcher. First ask for a group's offsets the way a consumer does, so that
        Kafka has its group coordinators up before the lag view asks through the admin client
        (librdkafka's ListConsumerGroupOffsets crashes on a broker that has none yet: issue
        5040)."""
        with contextlib.suppress(KafkaException):
            committed(self.settings.kafka.client_config(), self.watcher.group, [])
        self.watcher.start()

    def close(self) -> None:
        self.watcher.close()

    def decide(self, now: float, functions: Current) -> dict[str, int]:
        """Function name -> the replicas it should have, for those that should change."""
        woken = self.watcher.woken()
        changes = {n: 1 for n in woken if n in functions and functions[n][1] == 0}
        if now - self._looked < self.every:
            return changes
        self._looked = now
        self._looking = [descriptor for descriptor, _ in functions.values()]
        try:
            rows = self.view.snapshot()
        except (DiscoveryError, KafkaException) as exc:
            log.warning("autoscale skipped: %s", exc)
            return changes
        self.lags = lags = {row.name: row.lag for row in rows}
        members = {row.name: row.replicas for row in rows}
        for name, (descriptor, current) in functions.items():
            if name in changes:
                continue
            lag = lags.get(name, 0)
            if lag < 0:  # a share group whose lag is unknown here: leave it as it is
                continue
            quiet = self._quiet.setdefault(name, Quiet(now))
            if current and not members.get(name):
                # Its replicas have not joined the group yet: it has owned nothing and
                # committed nothing, so it is not idle (and may not sleep) before they have.
                quiet.reset(now)
            wanted = self.policy.decide(
                current=current,
                lag=lag,
                quiet_for=quiet.observe(now, lag, self.view.ends.get(name, 0)),
                since_scaled=now - self._scaled_at.get(name, -math.inf),
                bounds=bounds_of(descriptor, self.settings),
                waiting=False,
            )
            if wanted != current:
                changes[name] = wanted
        return changes

    def asleep(self, descriptor: Descriptor) -> bool:
        """Its replicas are gone: settle its group's offsets and watch for what wakes it.
        False when Kafka would not settle them: start a replica again (nothing is lost)."""
        start: Start = "earliest" if descriptor.options.get("start") == "earliest" else "latest"
        try:
            connection = self.settings.kafka.client_config()
            topics = descriptor.topic.split(",")
            positions = settle(connection, descriptor.group, topics, start)
        except NotSettled as exc:
            log.warning("%s cannot sleep: %s", descriptor.name, exc)
            return False
        self.watcher.watch(
            Sleeper(descriptor.name, descriptor.group, positions, wants_of(descriptor))
        )
        return True

    def awake(self, name: str, now: float) -> None:
        """It has a replica again: stop watching it; its quiet time starts over."""
        self.watcher.forget(name)
        self._quiet[name] = Quiet(now)
        self._scaled_at[name] = now

    def scaled(self, name: str, now: float) -> None:
        self._scaled_at[name] = now

    def gone(self, name: str) -> None:
        """Its file changed or went away: forget everything about it."""
        self.watcher.forget(name)
        self._quiet.pop(name, None)
        self._scaled_at.pop(name, None)
