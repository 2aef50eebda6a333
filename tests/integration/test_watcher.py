"""The wake watcher and settled positions against the real broker: a sleeper's missing
offsets are committed where a new replica would start; only a record past its group's
committed offset that it wants wakes it, never one it produced itself; the watcher commits
nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from runtime.kafka.client import Message, Producer
from runtime.kafka.headers import ORIGIN
from runtime.kafka.topics import ensure_topics
from runtime.ops.positions import committed, settle
from runtime.ops.watcher import Sleeper, Watcher
from runtime.settings import Settings
from tests.support.harness import eventually, make_settings
from tests.support.net import unique

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    return make_settings(kafka_bootstrap, tmp_path, partitions=2)


@pytest.fixture
def watcher(settings: Settings) -> Iterator[Watcher]:
    started = Watcher(settings.kafka.client_config(), unique("watcher"))
    started.start()
    yield started
    started.close()


async def send(
    settings: Settings, topic: str, values: list[bytes], partition_key: bytes, origin: str = ""
) -> None:
    producer = Producer(settings.kafka.client_config())
    headers = [(ORIGIN, origin.encode())] if origin else []
    loop = asyncio.get_running_loop()
    try:
        done: list[asyncio.Future[None]] = []
        for value in values:
            future: asyncio.Future[None] = loop.create_future()
            done.append(future)
            producer.produce(topic, value, partition_key, headers, partial(_settle, future))
        await asyncio.gather(*done)
    finally:
        await producer.close()


def _settle(future: asyncio.Future[None], error: Exception | None) -> None:
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


async def test_settle_commits_where_a_new_replica_would_start(settings: Settings) -> None:
    topic = settings.topic("chat.message")
    ensure_topics(settings.kafka.client_config(), [topic], 2)
    await send(settings, topic, [b"old"] * 3, b"k")
    connection = settings.kafka.client_config()
    latest, earliest = unique("g"), unique("g")
    assert set(committed(connection, latest, [topic]).values()) == {-1001}

    at_end = await asyncio.to_thread(settle, connection, latest, [topic], "latest")
    at_start = await asyncio.to_thread(settle, connection, earliest, [topic], "earliest")
    assert sum(at_end.values()) == 3  # "latest": the end, as a new replica commits it
    assert set(at_start.values()) == {0}  # "earliest": the beginning
    assert committed(connection, latest, [topic]) == at_end  # and they are committed


async def test_only_a_wanted_record_past_the_position_wakes_a_sleeper(
    settings: Settings, watcher: Watcher
) -> None:
    topic = settings.topic("chat.message")
    ensure_topics(settings.kafka.client_config(), [topic], 2)
    await send(settings, topic, [b"handled before the sleep"] * 4, b"k")
    connection = settings.kafka.client_config()
    groups = {name: unique("g") for name in ("choosy", "plain", "sentinel")}
    for group in groups.values():
        await asyncio.to_thread(settle, connection, group, [topic], "latest")
    positions = committed(connection, groups["plain"], [topic])

    def only(value: bytes) -> Callable[[Message], bool]:
        return lambda record: record.value() == value

    watcher.watch(Sleeper("choosy", groups["choosy"], positions, only(b"wake me")))
    watcher.watch(Sleeper("plain", groups["plain"], positions))
    watcher.watch(Sleeper("sentinel", groups["sentinel"], positions, only(b"sentinel")))
    watcher.watch(Sleeper("elsewhere", unique("g"), {(unique("t"), 0): 0}))

    # Same key, same partition: once the sentinel is woken, the watcher has judged what came
    # before it. Neither the records before the positions nor plain's own replies (the
    # sentinel is one too) woke plain.
    await send(settings, topic, [b"its own reply", b"sentinel"], b"k", origin="plain")
    await eventually(lambda: "sentinel" in watcher.woken(), timeout=20, what="sentinel woken")
    assert watcher.woken() == {"sentinel"}

    await send(settings, topic, [b"not for choosy"], b"k", origin="someone")
    await eventually(lambda: "plain" in watcher.woken(), timeout=20, what="plain woken")
    assert watcher.woken() == {"sentinel", "plain"}  # choosy judged the same record: refused

    await send(settings, topic, [b"wake me"], b"k")
    await eventually(lambda: "choosy" in watcher.woken(), timeout=20, what="choosy woken")
    assert watcher.sleeping() == {"choosy", "plain", "sentinel", "elsewhere"}
    watcher.forget("plain")
    assert watcher.woken() == {"sentinel", "choosy"}
    assert committed(connection, groups["plain"], [topic]) == positions  # it commits nothing
