"""The Kafka admin client, made in one place (topic creation, health, lag)."""

from __future__ import annotations

from typing import Any

from confluent_kafka.admin import AdminClient


def admin_client(bootstrap: str, **config: Any) -> AdminClient:
    """An admin client for ``bootstrap``. It logs nothing itself (log_level 0): its errors
    come back as exceptions from the calls, where the caller can say what to do."""
    return AdminClient({"bootstrap.servers": bootstrap, "log_level": 0, **config})
