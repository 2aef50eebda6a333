"""The Kafka admin client, made in one place (topic creation, health, lag), and the shape
every client takes its connection in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from confluent_kafka.admin import AdminClient

# A bootstrap address, or librdkafka settings with bootstrap.servers and the security ones
# (``KafkaSettings.client_config()``).
Connection = str | Mapping[str, Any]


def connection_config(connection: Connection) -> dict[str, Any]:
    """librdkafka settings for ``connection``."""
    if isinstance(connection, str):
        return {"bootstrap.servers": connection}
    return dict(connection)


def admin_client(connection: Connection, **config: Any) -> AdminClient:
    """An admin client for ``connection``. It logs nothing itself (log_level 0): its errors
    come back as exceptions from the calls, where the caller can say what to do."""
    return AdminClient({**connection_config(connection), "log_level": 0, **config})
