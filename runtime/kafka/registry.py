"""The function registry on Kafka: publish, withdraw and follow descriptors.

``parley.functions`` is compacted and keyed by function name, so reading it from the start
gives every function's latest descriptor; a tombstone (no value) removes one.

    await publish(bus, settings, describe(handler, settings))    # a worker, once assigned
    withdraw(producer, settings, "poll")                          # the supervisor: gone for good
    follower = Follower(settings); await follower.start()        # a gateway: live view
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

from confluent_kafka import OFFSET_BEGINNING, KafkaError, KafkaException
from confluent_kafka import Producer as RawProducer
from confluent_kafka.cimpl import NewTopic
from pydantic import ValidationError

from runtime.bus import Bus, send
from runtime.kafka.admin import admin_client
from runtime.kafka.client import Consumer, Message, TopicPartition
from runtime.names import REGISTRY_TOPIC
from runtime.registry import Descriptor
from runtime.settings import Settings

log = logging.getLogger("parley.registry")
Listener = Callable[[dict[str, Descriptor]], None]


def registry_topic(settings: Settings) -> str:
    return settings.topic(REGISTRY_TOPIC)


def ensure_registry(settings: Settings) -> None:
    """Create the compacted registry topic if it does not exist (blocking)."""
    admin = admin_client(settings.kafka.client_config())
    topic = registry_topic(settings)
    if topic in admin.list_topics(timeout=15).topics:
        return
    config = {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.1"}
    new = NewTopic(topic, num_partitions=1, replication_factor=1, config=config)
    try:
        admin.create_topics([new], operation_timeout=15)[topic].result(timeout=20)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise


async def publish(bus: Bus, settings: Settings, descriptor: Descriptor) -> None:
    """Announce ``descriptor`` (replacing the function's earlier one); returns once acked."""
    value = descriptor.model_dump_json(by_alias=True).encode()
    await send(bus, registry_topic(settings), value, descriptor.name)


def withdraw(settings: Settings, name: str, timeout: float = 10.0) -> bool:
    """Remove function ``name`` from the registry (a tombstone; blocking until Kafka acked
    it). Whether it was acked in time."""
    producer = RawProducer({**settings.kafka.client_config(), "acks": "all"})
    producer.produce(registry_topic(settings), value=None, key=name)
    return producer.flush(timeout) == 0


def apply(known: dict[str, Descriptor], record: Message) -> bool:
    """Fold one registry record into ``known``; whether it changed anything."""
    key = record.key()
    if key is None:
        return False
    name = key.decode()
    raw = record.value()
    if raw is None:
        return known.pop(name, None) is not None
    try:
        descriptor = Descriptor.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        log.warning("skipping an unreadable descriptor of %s: %s", name, exc)
        return False
    if known.get(name) == descriptor:
        return False
    known[name] = descriptor
    return True


class Follower:
    """Every function's latest descriptor, kept up to date from the registry topic.

    ``listener`` is called (on the event loop) with the whole map after each change."""

    def __init__(self, settings: Settings, listener: Listener | None = None) -> None:
        self.settings = settings
        self.topic = registry_topic(settings)
        self.descriptors: dict[str, Descriptor] = {}
        self._listener = listener
        self._consumer = Consumer(
            settings.kafka.client_config(), settings.topic("registry-follower"), start="earliest"
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Read the registry from its start, then follow it in a task."""
        await self.read()
        self._task = asyncio.create_task(self._follow(), name="parley-registry")

    async def read(self) -> None:
        """Read the registry from its start to its end as it is now (outside any group)."""
        await asyncio.to_thread(ensure_registry, self.settings)
        await self._consumer.assign([TopicPartition(self.topic, 0, OFFSET_BEGINNING)])
        await self._catch_up()

    async def _catch_up(self, timeout: float = 10.0) -> None:
        """Read until the end of the topic as it is now (so a fresh view is complete)."""
        end = (await self._consumer.high_watermarks(self.topic)).get(0, 0)
        deadline = asyncio.get_running_loop().time() + timeout
        position = 0
        while position < end and asyncio.get_running_loop().time() < deadline:
            for record in await self._consumer.consume(500, 0.2):
                if record.error() is None:
                    self._fold(record)
                    position = (record.offset() or 0) + 1

    async def _follow(self) -> None:
        while True:
            batch = await self._consumer.consume(500, 0) or await self._consumer.consume(1, 0.25)
            for record in batch:
                if record.error() is not None:
                    log.warning("%s: %s", self.topic, record.error())
                    continue
                self._fold(record)

    def _fold(self, record: Message) -> None:
        if apply(self.descriptors, record) and self._listener is not None:
            try:
                self._listener(dict(self.descriptors))
            except Exception:  # a listener's bug must not stop the registry
                log.exception("registry listener failed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.close()


async def read_registry(settings: Settings) -> list[Descriptor]:
    """The registry's descriptors now, sorted by name (reads the topic once)."""
    follower = Follower(settings)
    try:
        await follower.read()
    finally:
        await follower.close()
    return sorted(follower.descriptors.values(), key=lambda d: d.name)
