"""Topics: created before anything subscribes to them (their names: runtime.names).

ensure_topics(settings.kafka.client_config(), [settings.topic(t) for t in CHAT_TOPICS])

Replication is the cluster's ``default.replication.factor`` (3 on the 3-node cluster).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from runtime.errors import KafkaAccessDenied
from runtime.kafka.admin import admin_client

_REFUSED = (KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED)


def ensure_topics(
    bootstrap: str | Mapping[str, Any],
    partitions: Mapping[str, int] | Iterable[str],
    default: int = 6,
) -> None:
    """Create the topics that do not exist yet and wait until every partition has a leader
    (blocking; call it at start-up). Without the wait, a consumer subscribing right away may
    get an empty first assignment, and offset look-ups fail with NOT_LEADER_FOR_PARTITION."""
    wanted = (
        dict(partitions) if isinstance(partitions, Mapping) else dict.fromkeys(partitions, default)
    )
    connection = {"bootstrap.servers": bootstrap} if isinstance(bootstrap, str) else bootstrap
    refused: list[str] = []  # librdkafka reports a failed login only to the error callback

    def on_error(error: KafkaError) -> None:
        if error.code() in _REFUSED:
            refused.append(error.str())

    admin = admin_client(connection, error_cb=on_error)
    deadline = time.monotonic() + 15
    while True:  # in short tries, so that a refused login is told at once
        try:
            existing = set(admin.list_topics(timeout=1.0).topics)
            break
        except KafkaException as exc:
            admin.poll(0)  # serve the error callbacks queued meanwhile
            if refused or exc.args[0].code() in _REFUSED:
                reason = refused[0] if refused else exc.args[0].str()
                raise KafkaAccessDenied(str(connection["bootstrap.servers"]), reason) from None
            if time.monotonic() >= deadline:
                raise
    new = [
        # -1: the cluster's default.replication.factor (and its min.insync.replicas applies)
        NewTopic(name, num_partitions=n, replication_factor=-1)
        for name, n in wanted.items()
        if name not in existing
    ]
    if not new:
        return
    for name, future in admin.create_topics(new, operation_timeout=15).items():
        try:
            future.result(timeout=20)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise RuntimeError(f"could not create topic {name}: {exc}") from exc
    _await_leaders(admin, {t.topic for t in new})


def _await_leaders(admin: AdminClient, topics: set[str], wait: float = 15.0) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        meta = admin.list_topics(timeout=5).topics
        if all(
            t in meta
            and meta[t].partitions
            and all(p.leader >= 0 for p in meta[t].partitions.values())
            for t in topics
        ):
            return
        time.sleep(0.05)
    raise RuntimeError(
        f"topics {sorted(topics)} have no leader after {wait:.0f}s: is the broker healthy?"
    )
