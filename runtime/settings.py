"""One settings object per process: ``PARLEY_`` environment variables, nested with ``__``.

Build it once in ``main`` with ``Settings()`` and pass it down; nothing reads the
environment at import time. Tests construct it with plain keyword arguments.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from runtime.faults import FaultSpecError, parse
from runtime.security import KafkaSecurity


class KafkaSettings(KafkaSecurity):
    """Where the broker is, or how to run the embedded one; how clients connect to it
    (``client_config()``, security settings in ``runtime.security``)."""

    bootstrap: str | None = Field(
        default=None,
        description="host:port of an existing broker; unset means the embedded broker",
    )
    port: int = Field(default=9092, description="client port of the embedded broker")
    controller_port: int = Field(default=0, description="KRaft controller port; 0 = port + 1")
    heap: str = Field(default="512m", description="JVM heap of the embedded broker")
    partitions: int = Field(default=6, ge=1, description="partitions of each chat topic")
    nodes: int = Field(
        default=1,
        ge=1,
        description="embedded KRaft nodes; node i listens on port + 2i, its controller on "
        "controller port + 2i (3 nodes: replication 3, min.insync.replicas 2)",
    )
    libs: Path | None = Field(
        default=None,
        description="folder of the embedded broker's jars, resolved there by Maven when missing; "
        "unset means ~/.cache/parley/kafka-libs (or $XDG_CACHE_HOME/parley/kafka-libs)",
    )

    @field_validator("libs", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # PARLEY_KAFKA__LIBS= (empty) would be the current folder: Maven would fill it with jars.
        return None if value == "" else value

    def jars(self) -> Path:
        """Where the embedded broker's jars are (or will be resolved)."""
        if self.libs is not None:
            return self.libs
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache) / "parley" / "kafka-libs"

    def address(self) -> str:
        """The bootstrap address clients use: the configured one or the embedded broker's
        (every node's, for an embedded cluster)."""
        nodes = ",".join(f"127.0.0.1:{self.port + 2 * i}" for i in range(self.nodes))
        return self.bootstrap or nodes


class DatabaseSettings(BaseModel):
    """History database; any SQLAlchemy async URL. Unset means SQLite under the data dir."""

    url: str | None = None


class GatewaySettings(BaseModel):
    """The WebSocket and REST gateway: where it listens and the limits docs/PROTOCOL.md promises."""

    host: str = "127.0.0.1"
    port: int = 8000
    origins: list[str] = Field(
        default=[],
        description="browser origins (scheme://host[:port]) allowed to open a WebSocket besides "
        "the gateway's own http://host:port (gateway.guard.origins)",
    )
    dev_origins: bool = Field(
        default=True,
        description="on a loopback bind, also allow the Vite dev/preview servers on "
        "localhost:5173 and :4173",
    )
    require_secret: bool = Field(
        default=False, description="refuse to start without PARLEY_SECRET (containers)"
    )
    token_ttl: float = Field(
        default=15 * 60.0, gt=0, description="access token lifetime, seconds (sessions refresh it)"
    )
    session_ttl: float = Field(
        default=14 * 24 * 3600.0,
        gt=0,
        description="a login session ends this long after it was last refreshed, seconds",
    )
    ticket_ttl: float = Field(default=30.0, gt=0, description="one-use socket ticket, seconds")
    session_sweep: float = Field(
        default=10.0, gt=0, description="how often open sockets' sessions are checked, seconds"
    )
    secure_cookies: bool | None = Field(
        default=None,
        description="mark the session cookie Secure; unset: when the request came over https",
    )
    client_ip_header: str | None = Field(
        default=None,
        description="header a trusted proxy sets to the client's address (X-Real-IP); unset: "
        "the TCP peer. The login throttle counts attempts per address",
    )
    hash_workers: int = Field(
        default_factory=lambda: max(1, (os.cpu_count() or 2) // 2),
        ge=1,
        description="password hashes (argon2id) computed at once; default: half the cores",
    )
    hash_queue: int = Field(
        default=16, ge=0, description="password hashes waiting for a worker before a 503 busy"
    )
    login_throttle: bool = Field(default=True, description="slow down repeated failed logins")
    login_free: int = Field(
        default=5, ge=1, description="failed logins per (account, address) before any wait"
    )
    login_first_wait: float = Field(
        default=1.0, gt=0, description="the first wait after too many failed logins, s"
    )
    login_max_wait: float = Field(
        default=900.0, gt=0, description="longest wait per (account, address) or address, s"
    )
    login_decay: float = Field(
        default=300.0, gt=0, description="seconds after which one failed login is forgotten"
    )
    login_address_free: int = Field(
        default=20, ge=1, description="failed logins per address (any account) before a wait"
    )
    login_account_free: int = Field(
        default=20, ge=1, description="failed logins per account (any address) before a wait"
    )
    login_account_max_wait: float = Field(
        default=60.0,
        gt=0,
        description="longest wait the per-account bound imposes, s: an attacker cannot lock "
        "the account for longer at a time, and addresses it logged in from skip it",
    )
    argon2_time_cost: int = Field(default=2, ge=1, description="argon2id passes")
    argon2_memory_kib: int = Field(default=19456, ge=8, description="argon2id memory, KiB")
    max_frame: int = Field(default=16384, ge=256, description="largest inbound frame, bytes")
    inbound_queue: int = Field(default=16, ge=1, description="unread inbound frames per socket")
    send_queue: int = Field(default=256, ge=1, description="unsent frames before a 1013 close")
    send_timeout: float = Field(
        default=10.0,
        gt=0,
        description="a replay waits this long, seconds, for a client to read before a 1013 close",
    )
    replay_limit: int = Field(
        default=500,
        ge=1,
        description="messages one join with since replays at most (the newest; the frame says "
        "truncated, and the rest is paged over REST)",
    )
    rate: float = Field(default=20.0, gt=0, description="frames per second per socket")
    burst: int = Field(default=40, ge=1, description="frames a socket may send at once")
    user_rate: float = Field(
        default=40.0, gt=0, description="frames per second per user, across their sockets"
    )
    user_burst: int = Field(
        default=80, ge=1, description="frames a user's sockets may send at once, together"
    )
    sockets_per_user: int = Field(
        default=32, ge=1, description="open sockets per user on one gateway; more close 4429"
    )
    sockets_per_address: int = Field(
        default=256,
        ge=1,
        description="open sockets per client address on one gateway; more close 4429",
    )
    leave_debounce: float = Field(default=3.0, ge=0, description="delay of a leave on close")
    presence_interval: float = Field(
        default=1.0, gt=0, description="a room's presence changes go out at most this often, s"
    )
    room_limit: int = Field(default=50, ge=0, description="rooms one person may make")
    heartbeat: float = Field(default=5.0, gt=0, description="seconds between liveness marks")
    dead_after: float = Field(
        default=30.0, gt=0, description="a gateway silent this long is dead: its users leave"
    )
    ping_interval: float = Field(default=20.0, gt=0, description="WebSocket ping, seconds")
    produce_timeout: float = Field(default=5.0, gt=0, description="Kafka ack deadline, seconds")
    dedupe_window: int = Field(default=1024, ge=16, description="recent ids kept per room/user")
    static_dir: Path | None = Field(
        default=Path("frontend/dist"), description="built frontend served at /, when it exists"
    )


class FilesSettings(BaseModel):
    """Uploads (docs/PROTOCOL.md 1.9): kept in the database, served by signed, expiring URLs."""

    max_size: int = Field(default=10 * 1024 * 1024, ge=1, description="largest upload, bytes")
    quota: int = Field(default=200 * 1024 * 1024, ge=0, description="one user's uploads, bytes")
    url_ttl: float = Field(default=3600.0, gt=0, description="a file URL's lifetime, seconds")
    thumb_size: int = Field(default=320, ge=16, description="a thumbnail's longest side, px")
    max_pixels: int = Field(
        default=50_000_000, ge=1, description="larger images are refused (decompression bombs)"
    )


class GrpcSettings(BaseModel):
    """The gRPC server API for other backends (``gateway.rpc``), served by every gateway."""

    enabled: bool = Field(default=True, description="serve gRPC beside the WebSocket gateway")
    host: str = Field(default="127.0.0.1", description="listen address")
    port: int = Field(default=50051, ge=0, le=65535, description="listen port")
    cert: Path | None = Field(default=None, description="TLS certificate chain (PEM); unset: plain")
    key: Path | None = Field(default=None, description="TLS private key (PEM), with cert")
    max_message: int = Field(default=64 * 1024, ge=1024, description="largest request, bytes")
    key_cache: float = Field(
        default=1.0, ge=0, description="seconds an API key lookup is reused (revocation delay)"
    )


class WorkerSettings(BaseModel):
    """How function workers fetch, retry and commit."""

    batch: int = Field(default=500, ge=1, description="records fetched per poll")
    backoff_base: float = Field(default=0.2, gt=0, description="first retry delay, seconds")
    backoff_max: float = Field(default=30.0, gt=0, description="longest retry delay, seconds")
    commit_interval: float = Field(default=0.2, gt=0, description="seconds between commits")
    drain_timeout: float = Field(default=30.0, gt=0, description="wait for in-flight on stop")
    heartbeat: Path | None = Field(
        default=None, description="file the worker touches every second (container health)"
    )
    metrics_port: int | None = Field(
        default=None, ge=0, description="serve /metrics on this port; 0 = any free port"
    )
    metrics_host: str = Field(default="127.0.0.1", description="address of the metrics port")
    metrics_file: Path | None = Field(
        default=None, description="where the worker writes its metrics URL (for the supervisor)"
    )


class LogSettings(BaseModel):
    """The log files ``parley up`` keeps of its children (``<data_dir>/logs``), mode 0600."""

    max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=4096, description="a log file past this size is rotated"
    )
    backups: int = Field(default=3, ge=0, description="rotated files kept per log (.1, .2, ...)")


class SupervisorSettings(BaseModel):
    """``parley up``: where it serves every process' metrics at once."""

    metrics_host: str = Field(default="127.0.0.1", description="address of the metrics port")
    metrics_port: int = Field(
        default=8001, ge=0, description="serve every child's /metrics here; 0 = any free port"
    )


class AutoscaleSettings(BaseModel):
    """``parley up --autoscale`` and ``parley autoscale``: the ``min_replicas`` of a function
    that sets none, and a ceiling over every function's own ``max_replicas`` (see
    docs/FUNCTIONS.md, Scaling)."""

    idle_after: float = Field(
        default=60.0,
        gt=0,
        description="a function that may sleep (min_replicas 0) sleeps after this many seconds "
        "with no lag and no new events",
    )
    min_replicas: int = Field(
        default=1, ge=0, description="replicas of a function that sets no min_replicas; 0 = sleep"
    )
    max_replicas: int = Field(
        default=24,
        ge=1,
        description="replicas of any function, at most, over its own max_replicas (default 24) "
        "and, for an ordered function, the partitions",
    )
    lag_threshold: int = Field(default=1000, ge=1, description="records of lag per replica")
    cooldown: float = Field(
        default=15.0, ge=0, description="seconds between two scaling steps of one function"
    )


class Settings(BaseSettings):
    """Every knob of a Parley process. Environment: ``PARLEY_KAFKA__BOOTSTRAP`` and so on."""

    model_config = SettingsConfigDict(
        env_prefix="PARLEY_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Field(default=Path(".parley"), description="broker data, SQLite, secret")
    functions_dir: Path = Field(default=Path("functions"), description="the functions folder")
    kafka: KafkaSettings = KafkaSettings()
    database: DatabaseSettings = DatabaseSettings()
    gateway: GatewaySettings = GatewaySettings()
    worker: WorkerSettings = WorkerSettings()
    grpc: GrpcSettings = GrpcSettings()
    files: FilesSettings = FilesSettings()
    supervisor: SupervisorSettings = SupervisorSettings()
    logs: LogSettings = LogSettings()
    autoscale: AutoscaleSettings = AutoscaleSettings()
    topic_prefix: str = Field(default="", description="prepended to every topic and group name")
    secret: str | None = None
    faults: str = Field(
        default="", description="fault injection, e.g. chat:fail=0.2,delay=50ms (runtime.faults)"
    )

    @field_validator("faults")
    @classmethod
    def _faults_parse(cls, spec: str) -> str:
        try:
            parse(spec)
        except FaultSpecError as exc:
            raise ValueError(str(exc)) from None
        return spec

    def topic(self, name: str) -> str:
        """The physical name of a logical topic (``chat.message``) or group (``fn.chat``)."""
        return f"{self.topic_prefix}{name}"

    def database_url(self) -> str:
        """The configured database URL, or a SQLite file in the data dir."""
        return self.database.url or f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'parley.db'}"

    def environment(self) -> dict[str, str]:
        """The ``PARLEY_*`` variables that give a child process exactly these settings, with
        the derived ones resolved (broker address, database URL, absolute folders). Merge it
        over ``os.environ`` when you start a gateway or a worker."""
        resolved = self.model_copy(
            update={
                "data_dir": self.data_dir.resolve(),
                "functions_dir": self.functions_dir.resolve(),
                "kafka": self.kafka.model_copy(update={"bootstrap": self.kafka.address()}),
                "database": DatabaseSettings(url=self.database_url()),
            }
        )
        env: dict[str, str] = {}
        for name, value in resolved.model_dump(exclude_none=True).items():
            if isinstance(value, dict):
                for field, inner in value.items():
                    if inner is not None:
                        env[f"PARLEY_{name.upper()}__{field.upper()}"] = _env_text(inner)
            else:
                env[f"PARLEY_{name.upper()}"] = _env_text(value)
        return env


def _env_text(value: object) -> str:
    """A value as pydantic-settings reads it back from the environment."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, str):
        return value
    if isinstance(value, Path):
        return str(value)
    return json.dumps(value)
