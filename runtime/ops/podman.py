"""``parley autoscale``: the autoscaling policy driving a compose stack's containers.

    compose = Compose(project="parley", file=Path("podman-compose.yaml"))
    run_autoscale(settings, Policy(idle_after=60), compose)     # until SIGTERM or Ctrl-C

Beside a stack started with ``podman-compose up -d`` (runtime.ops.compose), it follows the
function registry, and for every function whose ``fn-<name>`` service the stack has, sets
the number of running containers from the autoscaler's word (runtime.ops.autoscaler): lag
scales it between its bounds, an idle sleeper (``min_replicas=0``) is stopped, and the wake
watcher starts it again when an event waits. Containers are stopped and started with podman
itself (``podman stop`` sends SIGTERM: the worker drains and commits; a container the user
stopped is not restarted by its policy), and ``podman-compose up -d --no-deps --scale`` makes
more when a service needs more than it has. Kafka must be reachable from here: the compose
file publishes the broker on 127.0.0.1:${PARLEY_KAFKA_HOST_PORT:-9094}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import KafkaException

from runtime.errors import SetupError
from runtime.kafka.registry import Follower
from runtime.ops.autoscaler import Autoscaler, Current
from runtime.ops.policy import Policy
from runtime.registry import Descriptor
from runtime.settings import Settings

log = logging.getLogger("parley.autoscale")
TICK = 0.25
PROJECT = "io.podman.compose.project"
SERVICE = "io.podman.compose.service"
NUMBER = "com.docker.compose.container-number"


@dataclass(frozen=True)
class Container:
    name: str
    number: int
    running: bool


@dataclass(frozen=True)
class Compose:
    """The stack: its project name, compose file and the commands that drive it."""

    project: str = "parley"
    file: Path = Path("podman-compose.yaml")
    podman_compose: str = "podman-compose"
    podman: str = "podman"
    env: Mapping[str, str] | None = field(default=None, compare=False)  # None: this process'
    stop_timeout: int = 40  # seconds podman waits after SIGTERM (the worker drains first)

    def _run(self, *argv: str) -> str:
        try:
            result = subprocess.run(
                argv,
                env=None if self.env is None else dict(self.env),
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
        except FileNotFoundError:
            raise SetupError(f"{argv[0]} is not installed (make system-deps installs it)") from None
        if result.returncode != 0:
            raise SetupError(f"{' '.join(argv)} failed: {result.stderr.strip()[-500:]}")
        return result.stdout

    def containers(self) -> dict[str, list[Container]]:
        """The project's containers by service, in container-number order."""
        out = self._run(
            self.podman,
            "ps",
            "-a",
            "--filter",
            f"label={PROJECT}={self.project}",
            "--format",
            "json",
        )
        found: dict[str, list[Container]] = {}
        for row in json.loads(out or "[]"):
            labels = row.get("Labels") or {}
            service = labels.get(SERVICE)
            if not service:
                continue
            names = row.get("Names") or [""]
            running = row.get("State") == "running"
            number = int(labels.get(NUMBER) or 1)
            found.setdefault(service, []).append(Container(names[0], number, running))
        return {s: sorted(c, key=lambda c: c.number) for s, c in found.items()}

    def scale(self, service: str, count: int, have: list[Container]) -> None:
        """Leave ``count`` containers of ``service`` running: stop the highest-numbered ones,
        start stopped ones, create more when it has too few."""
        running = [c for c in have if c.running]
        if len(running) > count:
            extra = [c.name for c in running[count:]]
            self._run(self.podman, "stop", "-t", str(self.stop_timeout), *extra)
            return
        stopped = [c.name for c in have if not c.running][: count - len(running)]
        if stopped:
            self._run(self.podman, "start", *stopped)
        if len(running) + len(stopped) < count:
            self._run(
                self.podman_compose,
                "-p",
                self.project,
                "-f",
                str(self.file),
                "up",
                "-d",
                "--no-deps",
                "--scale",
                f"{service}={count}",
                service,
            )


def run_autoscale(
    settings: Settings, policy: Policy, compose: Compose, *, once: bool = False
) -> int:
    """Scale the stack's functions until SIGTERM or Ctrl-C (or after one decision)."""
    return asyncio.run(_loop(settings, policy, compose, once))


async def _loop(settings: Settings, policy: Policy, compose: Compose, once: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    follower = Follower(settings)
    while not await _started(follower, settings):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)
        if stop.is_set():
            return 0
    scaler = Autoscaler(settings, policy)
    scaler.start()
    scaling = Scaling(scaler, compose)
    log.info("autoscaling project %s from %s", compose.project, settings.kafka.address())
    try:
        while not stop.is_set():
            await asyncio.to_thread(scaling.tick, time.monotonic(), follower.descriptors)
            if once:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK)
    finally:
        scaler.close()
        await follower.close()
    return 0


async def _started(follower: Follower, settings: Settings) -> bool:
    """Whether the registry could be read: the stack's broker may still be starting."""
    try:
        await follower.start()
    except KafkaException as exc:
        log.warning(
            "Kafka at %s does not answer yet (%s); trying again (is the stack up, and "
            "PARLEY_KAFKA__BOOTSTRAP its host listener?)",
            settings.kafka.address(),
            exc,
        )
        return False
    return True


class Scaling:
    """One stack under one autoscaler (its ``tick`` runs on a worker thread)."""

    def __init__(self, scaler: Autoscaler, compose: Compose) -> None:
        self.scaler = scaler
        self.compose = compose
        self._containers: dict[str, list[Container]] = {}
        self._counted = float("-inf")

    def tick(self, now: float, descriptors: Mapping[str, Descriptor]) -> None:
        if now - self._counted >= self.scaler.every:
            self._containers = self.compose.containers()
            self._counted = now
        current: Current = {}
        for name, descriptor in dict(descriptors).items():
            service = f"fn-{name}"
            if service in self._containers:
                running = sum(1 for c in self._containers[service] if c.running)
                current[name] = (descriptor, running)
        sleeping = self.scaler.watcher.sleeping()
        for name, (descriptor, running) in current.items():
            # Asleep already (a previous run stopped it, or someone did): watch for its wake.
            may_sleep = descriptor.options.get("min_replicas") == "0"
            if running == 0 and may_sleep and name not in sleeping:
                self.scaler.asleep(descriptor)
        for name, wanted in self.scaler.decide(now, current).items():
            descriptor, running = current[name]
            self._apply(name, descriptor, running, wanted, now)

    def _apply(
        self, name: str, descriptor: Descriptor, running: int, wanted: int, now: float
    ) -> None:
        service = f"fn-{name}"
        have = self._containers.get(service, [])
        if wanted == 0:
            log.info("%s: idle, stopping its containers", service)
            self.compose.scale(service, 0, have)
            if not self.scaler.asleep(descriptor):
                self.compose.scale(service, 1, self.compose.containers().get(service, []))
                self.scaler.awake(name, now)
        elif running == 0:
            log.info("%s: an event waits for it, starting %d container(s)", service, wanted)
            self.compose.scale(service, wanted, have)
            self.scaler.awake(name, now)
        else:
            lag = self.scaler.lags.get(name, 0)
            log.info("%s: lag %d, scaling %d -> %d", service, lag, running, wanted)
            self.compose.scale(service, wanted, have)
            self.scaler.scaled(name, now)
        self._counted = float("-inf")  # count again on the next tick
