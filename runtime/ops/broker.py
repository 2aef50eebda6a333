"""The embedded Apache Kafka broker: one KRaft node (broker + controller) on 127.0.0.1, alone
or as one node of a cluster (``runtime.ops.cluster``).

The jars come from Maven Central through ``infra/kafka/pom.xml`` into a git-ignored folder the
first time; later starts reuse them and the data without touching the network.

    broker = EmbeddedBroker.from_settings(settings)
    broker.start()      # formats storage once, waits until a metadata request succeeds
    broker.status()     # BrokerStatus(state="running", pid=..., bootstrap=...)
    broker.stop()       # SIGTERM, wait, then SIGKILL
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from runtime.errors import BrokerError, PortInUse, SetupError
from runtime.ops.children import die_with_parent
from runtime.settings import Settings

# The broker's kit, shipped with the package: the Maven POM of its jars and config templates.
KIT = Path(__file__).resolve().parent / "kafka"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class BrokerStatus:
    """What ``parley kafka status`` reports."""

    state: Literal["running", "stopped", "stale"]
    pid: int | None
    bootstrap: str

    def __str__(self) -> str:
        if self.state == "running":
            return f"kafka running (pid {self.pid}) at {self.bootstrap}"
        if self.state == "stale":
            return f"kafka not running (stale pid file for pid {self.pid}); start it again"
        return "kafka stopped"


@dataclass(frozen=True)
class EmbeddedBroker:
    """A KRaft node (broker and controller) whose files live under ``home``.

    Alone by default; in a cluster, nodes share ``voters`` (``1@127.0.0.1:9093,2@...``) and
    ``cluster_id``, and ``replication``/``min_isr`` become the topics' defaults. ``overrides``
    replace or add server properties (listeners for SASL/TLS, say); ``format_args`` go to the
    storage format (``--add-scram ...``), which runs once."""

    home: Path
    port: int
    controller_port: int
    libs: Path
    heap: str = "512m"
    node_id: int = 1
    voters: str = ""
    cluster_id: str | None = None
    replication: int = 1
    min_isr: int = 1
    overrides: Mapping[str, str] = field(default_factory=dict)
    format_args: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedBroker:
        k = settings.kafka
        return cls(
            home=settings.data_dir.resolve() / "kafka",
            port=k.port,
            controller_port=k.controller_port or k.port + 1,
            heap=k.heap,
            libs=k.jars(),
        )

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.home / "broker.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    def start(self, tied: bool = False) -> BrokerStatus:
        """Start the broker and wait until it answers; a no-op when it already runs.

        ``tied``: the broker gets SIGTERM when this process dies (for ``parley up``); by default
        it outlives the caller (for ``parley kafka start``)."""
        current = self.status()
        if current.state == "running":
            return current
        proc = self.launch(tied)
        self.wait_ready(proc)
        return BrokerStatus("running", proc.pid, self.bootstrap)

    def launch(self, tied: bool = False) -> subprocess.Popen[bytes]:
        """Start the JVM without waiting (a cluster node is ready only once a quorum runs)."""
        for port in (self.port, self.controller_port):
            if _port_taken(port):
                raise PortInUse(port)
        java = require_java()
        classpath = ensure_jars(self.libs)
        self._write_config()
        if not (self.home / "data" / "meta.properties").exists():
            self._format(java, classpath)
        self.log_file.write_text("")
        with open(self.home / "stdout.log", "wb") as out:
            proc = subprocess.Popen(
                [
                    java,
                    f"-Xmx{self.heap}",
                    f"-Xms{self.heap}",
                    "-XX:+UseG1GC",
                    "-Djava.awt.headless=true",
                    f"-Dlog4j2.configurationFile={self.home}/log4j2.xml",
                    "-cp",
                    classpath,
                    "kafka.Kafka",
                    str(self.home / "server.properties"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent if tied else None,
            )
        self.pid_file.write_text(str(proc.pid))
        return proc

    def stop(self) -> bool:
        """Stop the broker: SIGTERM, wait for a clean shutdown, then SIGKILL. True if it ran."""
        pid = self._pid()
        if pid is None or not _is_broker(pid):
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        if not _wait_exit(pid, STOP_TIMEOUT):
            os.kill(pid, signal.SIGKILL)
            _wait_exit(pid, 5.0)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> BrokerStatus:
        pid = self._pid()
        if pid is None:
            return BrokerStatus("stopped", None, self.bootstrap)
        if not _is_broker(pid):
            return BrokerStatus("stale", pid, self.bootstrap)
        return BrokerStatus("running", pid, self.bootstrap)

    def log_tail(self, lines: int = 30) -> str:
        text = ""
        for name in ("stdout.log", "broker.log"):
            path = self.home / name
            if path.exists():
                text += path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def _write_config(self) -> None:
        (self.home / "data").mkdir(parents=True, exist_ok=True)
        text = (KIT / "server.properties").read_text()
        for name, value in {
            "@PORT@": self.port,
            "@CONTROLLER_PORT@": self.controller_port,
            "@DATA@": self.home / "data",
            "@NODE_ID@": self.node_id,
            "@VOTERS@": self.voters or f"{self.node_id}@127.0.0.1:{self.controller_port}",
            "@REPLICATION@": self.replication,
            "@MIN_ISR@": self.min_isr,
        }.items():
            text = text.replace(name, str(value))
        (self.home / "server.properties").write_text(_override(text, self.overrides))
        log4j = (KIT / "log4j2.xml").read_text().replace("@LOG@", str(self.log_file))
        (self.home / "log4j2.xml").write_text(log4j)

    def _format(self, java: str, classpath: str) -> None:
        result = subprocess.run(
            [
                java,
                f"-Dlog4j2.configurationFile={self.home}/log4j2.xml",
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={self.cluster_id or new_cluster_id()}",
                "-c",
                str(self.home / "server.properties"),
                "--ignore-formatted",
                *self.format_args,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BrokerError("formatting the broker storage failed", result.stdout + result.stderr)

    def wait_ready(self, proc: subprocess.Popen[bytes], timeout: float = READY_TIMEOUT) -> None:
        """Wait until the broker answers a metadata request; BrokerError if it exits first."""
        # With a fixed port the client listener opens only after the broker caught up with
        # its metadata, so a successful metadata request means ready.
        from confluent_kafka import KafkaException

        from runtime.kafka.admin import admin_client

        admin = admin_client(self.bootstrap)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise BrokerError(
                    f"the broker exited with code {proc.returncode} while starting",
                    self.log_tail(),
                )
            try:
                if admin.list_topics(timeout=1.0).brokers:
                    return
            except KafkaException:  # until the listener opens
                time.sleep(0.1)
        self.stop()
        raise BrokerError(f"the broker did not become ready in {timeout:.0f}s", self.log_tail())


def require_java() -> str:
    """Path of a Java 17+ runtime, or a SetupError naming the Debian package."""
    java = shutil.which("java")
    hint = "install it with: apt-get install -y openjdk-17-jre-headless"
    if java is None:
        raise SetupError(f"Java 17 or newer is needed to run Kafka and none is on PATH; {hint}")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', out)
    if match is None or int(match.group(1)) < 17:
        raise SetupError(f"Kafka 4 needs Java 17 or newer, found: {out.splitlines()[:1]}; {hint}")
    return java


def ensure_jars(libs: Path) -> str:
    """Resolve the Kafka jars with Maven once per version of the POM; return the JVM classpath
    (a quoted wildcard). A changed POM replaces the jars (two versions on a classpath clash)."""
    import hashlib

    stamp = libs / ".pom.sha256"
    digest = hashlib.sha256((KIT / "pom.xml").read_bytes()).hexdigest()
    current = stamp.exists() and stamp.read_text() == digest
    if not (current and any(libs.glob("kafka_2.13-*.jar"))):
        for jar in libs.glob("*.jar"):
            jar.unlink()
        mvn = shutil.which("mvn")
        if mvn is None:
            raise SetupError(
                "Maven is needed once to fetch the Kafka jars and none is on PATH; "
                "install it with: apt-get install -y maven"
            )
        result = subprocess.run(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(KIT / "pom.xml"),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={libs}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SetupError(f"Maven could not resolve the Kafka jars:\n{result.stdout[-3000:]}")
        stamp.write_text(digest)
    return f"{libs}/*"


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes in URL-safe base64 without padding."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _override(properties: str, overrides: Mapping[str, str]) -> str:
    """``properties`` with each key of ``overrides`` set to its value (replaced or added)."""
    left = dict(overrides)
    lines = []
    for line in properties.splitlines():
        key = line.partition("=")[0].strip()
        lines.append(f"{key}={left.pop(key)}" if key in left and "=" in line else line)
    lines += [f"{key}={value}" for key, value in left.items()]
    return "\n".join(lines) + "\n"


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _is_broker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"kafka.Kafka" in cmdline


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_broker(pid):
            return True
        time.sleep(0.05)
    return False
