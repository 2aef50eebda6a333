"""Helpers for tests that run functions against the real broker."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path

from confluent_kafka import Consumer as RawConsumer
from confluent_kafka import TopicPartition

from runtime.bus import sent
from runtime.db.store import Store
from runtime.engine.worker import Worker
from runtime.events import Event, encode
from runtime.kafka.client import Consumer, Message, Producer
from runtime.kafka.topics import ensure_topics
from runtime.settings import DatabaseSettings, GrpcSettings, KafkaSettings, Settings, WorkerSettings
from runtime.triggers import Handler
from tests.support.net import unique

POSTGRES_URL = "PARLEY_TEST_POSTGRES_URL"  # a PostgreSQL for the tests (`.ci/run` sets it)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def make_settings(bootstrap: str, data_dir: Path, partitions: int = 6) -> Settings:
    """Settings with unique topic and group names and fast retries."""
    return Settings(
        data_dir=data_dir,
        kafka=KafkaSettings(bootstrap=bootstrap, partitions=partitions),
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{data_dir / 'parley.db'}"),
        worker=WorkerSettings(backoff_base=0.01, backoff_max=0.05, commit_interval=0.05),
        topic_prefix=unique("p") + ".",
        grpc=GrpcSettings(port=0),  # any free port: tests start gateways side by side
    )


async def produce(
    settings: Settings, events: Iterable[Event], producer: Producer | None = None
) -> None:
    """Publish events to their topics (keyed as the gateway does) and wait for the acks."""
    own = producer is None
    producer = producer or Producer(settings.kafka.client_config())
    try:
        await asyncio.gather(
            *(sent(producer, settings.topic(e.topic), encode(e), e.key()) for e in events)
        )
    finally:
        if own:
            await producer.close()


async def produce_raw(
    settings: Settings, topic: str, values: list[bytes], key: bytes = b"k"
) -> None:
    producer = Producer(settings.kafka.client_config())
    try:
        await asyncio.gather(*(sent(producer, settings.topic(topic), v, key) for v in values))
    finally:
        await producer.close()


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool],
    timeout: float = 30.0,
    what: str = "condition",
) -> None:
    """Poll ``check`` until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextlib.asynccontextmanager
async def running(handler: Handler, settings: Settings, store: Store) -> AsyncIterator[Worker]:
    """A worker running in this event loop, assigned its partitions, stopped on exit."""
    producer = Producer(settings.kafka.client_config())
    worker = Worker(handler, settings, store, store.state(handler.name), producer)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.wait_for(worker.assigned.wait(), 30)
        yield worker
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
        await producer.close()


def committed(settings: Settings, group: str, topic: str) -> dict[int, int]:
    """The committed offset per partition of ``topic`` for ``group`` (-1001 when none)."""
    consumer = RawConsumer({"bootstrap.servers": settings.kafka.address(), "group.id": group})
    try:
        meta = consumer.list_topics(topic, timeout=10)
        parts = [TopicPartition(topic, p) for p in meta.topics[topic].partitions]
        return {tp.partition: tp.offset for tp in consumer.committed(parts, timeout=10)}
    finally:
        consumer.close()


async def read_all(
    settings: Settings, topic: str, count: int, timeout: float = 30.0
) -> list[Message]:
    """At least ``count`` records of ``topic`` from the beginning (fails on timeout)."""
    await asyncio.to_thread(
        ensure_topics, settings.kafka.client_config(), [topic], settings.kafka.partitions
    )
    consumer = Consumer(settings.kafka.client_config(), unique("reader"), start="earliest")
    await consumer.subscribe([topic])
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        while len(got) < count and time.monotonic() < deadline:
            got += [m for m in await consumer.consume(500, 0.2) if m.error() is None]
    finally:
        await consumer.close()
    assert len(got) >= count, f"read {len(got)} of {count} records from {topic}"
    return got


async def read_to_end(settings: Settings, topic: str, timeout: float = 30.0) -> list[Message]:
    """Every record of ``topic`` up to its current end: nothing more, nothing missed."""
    topic = settings.topic(topic)
    await asyncio.to_thread(
        ensure_topics, settings.kafka.client_config(), [topic], settings.kafka.partitions
    )
    consumer = Consumer(settings.kafka.client_config(), unique("reader"), start="earliest")
    try:
        ends = await consumer.high_watermarks(topic)
        await consumer.assign([TopicPartition(topic, p, 0) for p in ends if ends[p] > 0])
        left = {p: end for p, end in ends.items() if end > 0}
        got: list[Message] = []
        deadline = time.monotonic() + timeout
        while left and time.monotonic() < deadline:
            for m in await consumer.consume(500, 0.2):
                if m.error() is None and (m.offset() or 0) < ends[m.partition() or 0]:
                    got.append(m)
                    if (m.offset() or 0) + 1 >= ends[m.partition() or 0]:
                        left.pop(m.partition() or 0, None)
        assert not left, f"{topic}: partitions {sorted(left)} not read to their end in {timeout}s"
        return got
    finally:
        await consumer.close()
