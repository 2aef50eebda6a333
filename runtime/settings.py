"""One settings object per process: ``PARLEY_`` environment variables, nested with ``__``.

Build it once in ``main`` with ``Settings()`` and pass it down; nothing reads the
environment at import time. Tests construct it with plain keyword arguments.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseModel):
    """Where the broker is, or how to run the embedded one."""

    bootstrap: str | None = Field(
        default=None,
        description="host:port of an existing broker; unset means the embedded broker",
    )
    port: int = Field(default=9092, description="client port of the embedded broker")
    controller_port: int = Field(default=0, description="KRaft controller port; 0 = port + 1")
    heap: str = Field(default="512m", description="JVM heap of the embedded broker")
    partitions: int = Field(default=6, ge=1, description="partitions of each chat topic")

    def address(self) -> str:
        """The bootstrap address clients use: the configured one or the embedded broker's."""
        return self.bootstrap or f"127.0.0.1:{self.port}"


class DatabaseSettings(BaseModel):
    """History database; any SQLAlchemy async URL. Unset means SQLite under the data dir."""

    url: str | None = None


class GatewaySettings(BaseModel):
    """The WebSocket and REST gateway."""

    host: str = "127.0.0.1"
    port: int = 8000


class WorkerSettings(BaseModel):
    """How function workers fetch, retry and commit."""

    batch: int = Field(default=500, ge=1, description="records fetched per poll")
    backoff_base: float = Field(default=0.2, gt=0, description="first retry delay, seconds")
    backoff_max: float = Field(default=30.0, gt=0, description="longest retry delay, seconds")
    commit_interval: float = Field(default=0.2, gt=0, description="seconds between commits")
    drain_timeout: float = Field(default=30.0, gt=0, description="wait for in-flight on stop")


class Settings(BaseSettings):
    """Every knob of a Parley process. Environment: ``PARLEY_KAFKA__BOOTSTRAP`` and so on."""

    model_config = SettingsConfigDict(
        env_prefix="PARLEY_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Field(default=Path(".parley"), description="broker data, SQLite, secret")
    kafka: KafkaSettings = KafkaSettings()
    database: DatabaseSettings = DatabaseSettings()
    gateway: GatewaySettings = GatewaySettings()
    worker: WorkerSettings = WorkerSettings()
    topic_prefix: str = Field(default="", description="prepended to every topic and group name")
    secret: str | None = None
    faults: str = ""

    def topic(self, name: str) -> str:
        """The physical name of a logical topic (``chat.message``) or group (``fn.chat``)."""
        return f"{self.topic_prefix}{name}"

    def database_url(self) -> str:
        """The configured database URL, or a SQLite file in the data dir."""
        return self.database.url or f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'parley.db'}"
