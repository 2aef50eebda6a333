"""Kafka share groups (KIP-932), wrapped once for asyncio.

confluent-kafka's ``ShareConsumer`` (a preview in librdkafka 2.16) is not thread-safe and has
no asyncio variant: ``ShareConsumer`` here runs every call on one dedicated thread, as
``runtime.kafka.client.Consumer`` does. Acknowledgement is explicit: every record of a poll
gets a verdict (ACCEPT, RELEASE or REJECT) before the next poll, which sends them.

``configure_share_group`` sets the group's own configs on the broker before a member joins:
where a new share group starts (``share.auto.offset.reset``; the broker's default is the
latest offset) and how many deliveries it allows a record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from confluent_kafka import AcknowledgeType, Message
from confluent_kafka import ShareConsumer as _ShareConsumer
from confluent_kafka.admin._config import AlterConfigOpType, ConfigEntry, ConfigResource
from confluent_kafka.admin._resource import ResourceType

from runtime.kafka.admin import Connection, admin_client, connection_config
from runtime.kafka.client import LIBRDKAFKA_LOG

T = TypeVar("T")
Verdict = tuple[Message, AcknowledgeType]
# The broker's bounds on a group's delivery count limit
# (group.share.min.delivery.count.limit, group.share.max.delivery.count.limit).
DELIVERY_LIMIT_BOUNDS = (2, 10)

__all__ = ["AcknowledgeType", "ShareConsumer", "Verdict", "configure_share_group"]


def share_group_configs(start: Literal["latest", "earliest"], retries: int) -> dict[str, str]:
    """The group configs an unordered handler needs: start where ``start`` says, and allow
    ``retries + 2`` deliveries (the runtime dead-letters after ``retries + 1``; one spare for a
    replica killed while it held the record), within the broker's bounds."""
    low, high = DELIVERY_LIMIT_BOUNDS
    return {
        "share.auto.offset.reset": start,
        "share.delivery.count.limit": str(min(high, max(low, retries + 2))),
    }


def configure_share_group(
    connection: Connection, group: str, configs: dict[str, str], timeout: float = 10.0
) -> None:
    """Set ``configs`` on share group ``group`` (an incremental alter of the GROUP resource;
    it works before the group exists). Raises the broker's KafkaException when refused."""
    admin = admin_client(connection)
    entries = [
        ConfigEntry(name, value, incremental_operation=AlterConfigOpType.SET)
        for name, value in configs.items()
    ]
    resource = ConfigResource(ResourceType.GROUP, group, incremental_configs=entries)
    for future in admin.incremental_alter_configs([resource], request_timeout=timeout).values():
        future.result()


class ShareConsumer:
    """A share-group member whose every call runs on one thread (explicit acknowledgement)."""

    def __init__(self, bootstrap: Connection, group: str, **config: Any) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"kafka-share-{group}")
        self._consumer = _ShareConsumer(
            {
                **connection_config(bootstrap),
                "group.id": group,
                "share.acknowledgement.mode": "explicit",
                "socket.nagle.disable": True,
                "logger": LIBRDKAFKA_LOG,
                "log_level": 3,  # errors: not the "preview" warning every start
                **config,
            }
        )

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args))

    async def subscribe(self, topics: list[str]) -> None:
        await self._call(self._consumer.subscribe, topics)

    async def poll(self, verdicts: Sequence[Verdict], timeout: float = 0.1) -> list[Message]:
        """Record the previous batch's ``verdicts``, then fetch the next batch (waiting at most
        ``timeout`` seconds); the poll sends the verdicts to the broker."""
        return await self._call(self._poll, verdicts, timeout)

    def _poll(self, verdicts: Sequence[Verdict], timeout: float) -> list[Message]:
        self._record(verdicts)
        return list(self._consumer.poll(timeout))

    async def acknowledge(self, verdicts: Sequence[Verdict]) -> None:
        """Send ``verdicts`` now (records of the current batch; the rest follow later)."""
        if verdicts:
            await self._call(self._send, verdicts)

    def _send(self, verdicts: Sequence[Verdict]) -> None:
        self._record(verdicts)
        self._consumer.commit_async()

    def _record(self, verdicts: Sequence[Verdict]) -> None:
        for message, verdict in verdicts:
            self._consumer.acknowledge(message, verdict)

    async def close(self, verdicts: Sequence[Verdict] = ()) -> None:
        """Send the last ``verdicts``, leave the group and free the thread. A record left
        without a verdict goes back to the group when its acquisition lock expires."""

        def close() -> None:
            try:
                self._record(verdicts)
            finally:
                self._consumer.close()

        await self._call(close)
        self._executor.shutdown(wait=True)
