"""The supervisor behind ``parley up``: the whole system on one machine, from one command.

It starts the embedded broker (unless ``PARLEY_KAFKA__BOOTSTRAP`` names one), creates the
topics, migrates the database, then runs the gateway and one process per function replica.
Crashed processes restart with backoff; a crash loop stops that service with its last log
lines. ``functions/`` is watched: a new file starts its function, a changed file restarts only
that function (gracefully), a deleted file stops it, a broken file is reported while the rest
keeps running. With an autoscaling ``Policy`` (``--autoscale``) replicas follow each
function's lag, and a function whose ``min_replicas`` is 0 sleeps when idle: no process, its
registry entry kept, woken by the first event it wants (runtime.ops.autoscaler). On SIGTERM or
Ctrl-C everything it started stops, broker included.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server

from runtime.db.store import Store
from runtime.engine.discovery import function_files, load
from runtime.errors import DiscoveryError
from runtime.kafka.registry import ensure_registry, withdraw
from runtime.kafka.topics import ensure_topics
from runtime.metrics import loopback
from runtime.names import CHAT_TOPICS
from runtime.ops.autoscaler import Autoscaler, Current
from runtime.ops.broker import EmbeddedBroker
from runtime.ops.children import Child, command
from runtime.ops.lag import check_replicas
from runtime.ops.policy import Policy
from runtime.ops.scrape import Aggregate, Target, url_in
from runtime.registry import Descriptor, describe
from runtime.settings import Settings
from runtime.triggers import Handler

TICK = 0.2
STOP_TIMEOUT = 20.0
log = logging.getLogger("parley.supervisor")


@dataclass
class Function:
    """A function file and the replicas running it."""

    name: str
    path: Path
    mtime: float
    handler: Handler | None = None
    error: str | None = None
    descriptor: Descriptor | None = None  # as the registry shows it, once loaded
    replicas: int = 1
    children: list[Child] = field(default_factory=list)
    asleep: bool = False  # no replica until an event wakes it (autoscaling only)


class Supervisor:
    """Runs everything until ``stop`` is set. ``scale`` sets replicas per function by name."""

    def __init__(
        self,
        settings: Settings,
        functions: Path,
        *,
        scale: dict[str, int] | None = None,
        autoscale: Policy | None = None,
        gateway: bool = True,
        out: logging.Logger = log,
    ) -> None:
        self.settings = settings
        self.folder = functions.resolve()
        self.scale = scale or {}
        self.autoscale = autoscale
        self.with_gateway = gateway
        self.out = out
        self.broker: EmbeddedBroker | None = None
        self.gateway: Child | None = None
        self.functions: dict[str, Function] = {}
        self.env: dict[str, str] = {}
        self.stop = threading.Event()
        self._last_status = ""
        self.scaler: Autoscaler | None = None
        self._snapshot: list[Child] = []  # the children, for the metrics server's thread
        self._metrics_server: WSGIServer | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def run(self) -> None:
        """Start everything, supervise until ``stop`` is set, then stop everything."""
        try:
            self._start_infrastructure()
            if self.autoscale is not None:
                self.scaler = Autoscaler(self.settings, self.autoscale)
                self.scaler.start()
            if self.with_gateway:
                self.gateway = self._child("gateway", 0, command("gateway"))
                self.gateway.start()
            self._scan()
            self._snapshot = self.children()
            self.out.info("parley is up: %s", self.url())
            self._serve_metrics()
            while not self.stop.wait(TICK):
                self._scan()
                self._reap()
                self._autoscale()
                self._report()
                self._snapshot = self.children()
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if self._metrics_server is not None:
            self._metrics_server.shutdown()
            self._metrics_server.server_close()
            self._metrics_server = None
        if self.scaler is not None:
            self.scaler.close()
            self.scaler = None
        children = self.children()
        for child in children:
            child.terminate()
        for child in children:
            child.wait(STOP_TIMEOUT)
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        self.out.info("parley is down")

    def url(self) -> str:
        gateway = self.settings.gateway
        return f"http://{gateway.host}:{gateway.port}/"

    def children(self) -> list[Child]:
        found = [self.gateway] if self.gateway is not None else []
        return found + [c for f in self.functions.values() for c in f.children]

    def _start_infrastructure(self) -> None:
        settings = self.settings
        if settings.kafka.bootstrap is None:
            self.broker = EmbeddedBroker.from_settings(settings)
            self.out.info("%s", self.broker.start(tied=True))
        ensure_topics(
            settings.kafka.client_config(),
            [settings.topic(t) for t in CHAT_TOPICS],
            settings.kafka.partitions,
        )
        ensure_registry(settings)
        asyncio.run(_migrate(settings.database_url()))
        self.env = {
            **os.environ,
            **settings.model_copy(update={"functions_dir": self.folder}).environment(),
            # Each worker serves its metrics on a free port and writes the URL to its file.
            "PARLEY_WORKER__METRICS_HOST": "127.0.0.1",
            "PARLEY_WORKER__METRICS_PORT": "0",
        }

    def _child(self, service: str, replica: int, argv: list[str]) -> Child:
        data = self.settings.data_dir.resolve()
        log_path = data / "logs" / f"{service}.{replica}.log"
        logs = self.settings.logs
        if service == "gateway":
            child = Child(service, replica, argv, self.env, log_path)
        else:
            url_file = data / "metrics" / f"{service}.{replica}.url"
            env = {**self.env, "PARLEY_WORKER__METRICS_FILE": str(url_file)}
            child = Child(service, replica, argv, env, log_path, metrics_file=url_file)
        child.log_bytes, child.log_backups = logs.max_bytes, logs.backups
        return child

    # -- metrics ---------------------------------------------------------------------------

    def _serve_metrics(self) -> None:
        """Serve every child's metrics, labelled service and replica, on one port."""
        config = self.settings.supervisor
        registry = CollectorRegistry(auto_describe=False)
        registry.register(Aggregate(self.metrics_targets))
        try:
            server, _ = start_http_server(config.metrics_port, config.metrics_host, registry)
        except OSError as exc:
            self.out.warning(
                "metrics not served on %s:%s (%s): set another PARLEY_SUPERVISOR__METRICS_PORT",
                config.metrics_host,
                config.metrics_port,
                exc,
            )
            return
        self._metrics_server = server
        self.out.info(
            "metrics of every process: http://%s:%d/metrics",
            loopback(config.metrics_host),
            server.server_port,
        )

    def metrics_targets(self) -> list[Target]:
        """Where each child serves its metrics (read on the metrics server's thread)."""
        gateway = self.settings.gateway
        return [
            Target(
                child.service,
                child.replica,
                f"http://{loopback(gateway.host)}:{gateway.port}/metrics"
                if child.service == "gateway"
                else url_in(child.metrics_file),
            )
            for child in self._snapshot
        ]

    # -- functions/ ------------------------------------------------------------------------

    def _scan(self) -> None:
        """Start, restart or stop functions whose files appeared, changed or went away."""
        present = {p.stem: p for p in function_files(self.folder)}
        for name in list(self.functions):
            if name not in present:
                self.out.info("function %s: file removed, stopping it", name)
                self._set_replicas(self.functions.pop(name), 0)
                self._forget(name)
                self._withdraw(name)
        for name, path in present.items():
            try:
                mtime = path.stat().st_mtime
            except FileNotFoundError:  # deleted since it was listed: the next scan stops it
                continue
            known = self.functions.get(name)
            if known is not None and known.mtime == mtime:
                continue
            if known is not None:
                self.out.info("function %s: file changed, restarting it", name)
                self._set_replicas(known, 0)
                self._forget(name)
            fn = Function(name, path, mtime, replicas=self.scale.get(name, 1))
            self.functions[name] = fn
            try:
                fn.handler = load(path)
                check_replicas(
                    name, fn.handler.options, fn.replicas, self.settings.kafka.partitions
                )
                fn.descriptor = describe(fn.handler, self.settings)
            except (DiscoveryError, ValueError) as exc:
                fn.error = exc.reason if isinstance(exc, DiscoveryError) else str(exc)
                fn.handler = None
                fn.descriptor = None
                self.out.error("function %s not started: %s", name, exc)
                self._withdraw(name)
                continue
            self._set_replicas(fn, fn.replicas)
            if fn.replicas == 0:
                self._withdraw(name)

    def _set_replicas(self, fn: Function, count: int) -> None:
        while len(fn.children) > count:
            child = fn.children.pop()
            child.terminate()
            child.wait(STOP_TIMEOUT)
        while len(fn.children) < count:
            argv = command("worker", fn.name, "--functions", str(self.folder))
            child = self._child(f"fn-{fn.name}", len(fn.children), argv)
            child.start()
            fn.children.append(child)
        fn.replicas = count

    # -- crashes ---------------------------------------------------------------------------

    def _reap(self) -> None:
        now = time.monotonic()
        for child in self.children():
            if child.given_up or child.stopping:
                continue
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self.out.info("%s: restarting", child.name)
                    child.start()
                continue
            code = child.exited()
            if code is None:
                continue
            child.record_crash(now)
            if child.given_up:
                self.out.error(
                    "%s keeps crashing (%d times in a minute, last exit code %s); not restarting "
                    "it. Fix it and touch its file. Last lines of %s:\n%s",
                    child.name,
                    len(child.crashes),
                    code,
                    child.log_path,
                    child.log_tail(),
                )
            else:
                self.out.warning("%s exited with code %s; restart scheduled", child.name, code)

    # -- autoscaling -----------------------------------------------------------------------

    def _autoscale(self) -> None:
        """Apply the autoscaler's word: scale, put to sleep, wake."""
        scaler = self.scaler
        if scaler is None:
            return
        now = time.monotonic()
        current: Current = {
            f.name: (f.descriptor, f.replicas)
            for f in self.functions.values()
            if f.descriptor is not None
        }
        for name, wanted in scaler.decide(now, current).items():
            fn = self.functions[name]
            if fn.descriptor is None or wanted == fn.replicas:
                continue
            if wanted == 0:
                self.out.info("function %s: idle, going to sleep", name)
                self._set_replicas(fn, 0)
                fn.asleep = scaler.asleep(fn.descriptor)
                if not fn.asleep:
                    self._set_replicas(fn, 1)
                    scaler.awake(name, time.monotonic())
            elif fn.asleep:
                self.out.info("function %s: an event waits for it, waking it", name)
                self._set_replicas(fn, wanted)
                fn.asleep = False
                scaler.awake(name, now)
            else:
                lag = scaler.lags.get(name, 0)
                self.out.info(
                    "function %s: lag %d, scaling %d -> %d", name, lag, fn.replicas, wanted
                )
                self._set_replicas(fn, wanted)
                scaler.scaled(name, now)

    def _forget(self, name: str) -> None:
        if self.scaler is not None:
            self.scaler.gone(name)

    def _withdraw(self, name: str) -> None:
        """Take ``name`` out of the registry: it is gone for good (file deleted or broken), so
        gateways refuse its action from now on. A sleeping function keeps its entry."""
        if not withdraw(self.settings, name):
            self.out.warning("function %s: Kafka did not ack its withdrawal in time", name)

    # -- status ----------------------------------------------------------------------------

    def status_rows(self) -> list[tuple[str, str, str]]:
        """(process, pid, state) for every process and every broken function file."""
        rows = []
        if self.broker is not None:
            rows.append(
                ("kafka", str(self.broker.status().pid or "-"), f"running {self.broker.bootstrap}")
            )
        for child in self.children():
            state = (
                "given up" if child.given_up else "restarting" if child.restart_at else "running"
            )
            rows.append((child.name, str(child.pid or "-"), state))
        rows += [
            (f"fn-{f.name}", "-", f"error: {f.error}") for f in self.functions.values() if f.error
        ]
        rows += [(f"fn-{f.name}", "-", "asleep") for f in self.functions.values() if f.asleep]
        return rows

    def _report(self) -> None:
        rows = self.status_rows()
        table = "\n".join(f"  {name:<24} {pid:>8}  {state}" for name, pid, state in rows)
        if table != self._last_status:
            self._last_status = table
            self.out.info("processes:\n%s", table)


async def _migrate(url: str) -> None:
    async with Store(url) as store:
        await store.migrate()
