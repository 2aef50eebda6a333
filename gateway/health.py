"""Readiness: can this gateway reach Kafka and its database right now?

Answers are cached for ``ttl`` seconds so a load balancer polling ``/api/health`` costs one
metadata request and one ``SELECT 1`` per second at most.
"""

from __future__ import annotations

import asyncio
import time

from confluent_kafka.admin import AdminClient

from runtime.db.store import Store
from runtime.kafka.client import KafkaException

OK, DOWN = "ok", "unavailable"


class Health:
    """``check()`` -> ``{"status", "kafka", "db"}``, each ``"ok"`` or ``"unavailable"``."""

    def __init__(
        self, admin: AdminClient, store: Store, topic: str, ttl: float = 1.0, timeout: float = 1.0
    ) -> None:
        self.admin = admin
        self.store = store
        self.topic = topic
        self.ttl = ttl
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._at = -ttl
        self._last: dict[str, str] = {}

    async def check(self) -> dict[str, str]:
        async with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                kafka, db = await asyncio.gather(
                    asyncio.to_thread(self._kafka_answers), self.store.ping(self.timeout)
                )
                status = OK if kafka and db else DOWN
                self._last = {"status": status, "kafka": _word(kafka), "db": _word(db)}
                self._at = time.monotonic()
            return dict(self._last)

    def _kafka_answers(self) -> bool:
        try:
            metadata = self.admin.list_topics(self.topic, timeout=self.timeout)
        except KafkaException:
            return False
        return bool(metadata.brokers)


def _word(ok: bool) -> str:
    return OK if ok else DOWN
