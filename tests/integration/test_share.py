"""Unordered functions (ordered=False): a Kafka share group past the partition count.

Twelve replica processes share a 6-partition topic; killing some with SIGKILL loses nothing
(their records come back when the acquisition lock expires); a poison event is dead-lettered
with the broker's delivery count after ``retries``; a slow record does not let the locks of
the records fetched with it expire.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from runtime.db.store import Store
from runtime.kafka.client import Producer
from runtime.kafka.dlq import DeadLetter, list_dead_letters
from runtime.kafka.share import configure_share_group
from runtime.names import group_of
from runtime.settings import Settings
from runtime.testing import message
from tests.support.harness import eventually, produce
from tests.support.system import Workers

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FIXTURES = Path(__file__).resolve().parent / "functions"


def handled(settings: Settings) -> dict[str, set[str]]:
    """Event ids handled so far, per replica (its pid file)."""
    folder = settings.data_dir / "spread"
    return {
        path.stem: {line.split()[0] for line in path.read_text().splitlines() if line}
        for path in (folder.glob("*.txt") if folder.exists() else ())
    }


def all_handled(settings: Settings) -> set[str]:
    return set().union(*handled(settings).values())


async def test_twelve_replicas_on_six_partitions_all_work_and_poison_is_dead_lettered(
    settings: Settings, store: Store, workers: Workers
) -> None:
    # ``store`` migrated the database: twelve replicas starting at once on 2 cores need not.
    assert settings.kafka.partitions == 6
    replicas = await workers.start_many(["spread"] * 12, FIXTURES)
    poison = message("poison", room="room-0")
    # The broker hands out whole producer batches (librdkafka 2.16 has no "record_limit"
    # acquire mode; max.poll.records is best effort), and a replica gets partitions a few
    # heartbeats after it joined: send small batches, as chat traffic does, until every
    # replica has handled some.
    producer = Producer(settings.kafka.client_config(), **{"batch.num.messages": 4})
    sent: list[str] = []
    try:
        await produce(settings, [poison], producer)
        deadline = time.monotonic() + 120
        while len(handled(settings)) < 12 and time.monotonic() < deadline:
            wave = [message(f"m{len(sent) + n}", room=f"room-{n}") for n in range(24)]
            await produce(settings, wave, producer)
            sent += [e.id for e in wave]
            await asyncio.sleep(0.2)  # a steady trickle, not a burst one replica takes whole
    finally:
        await producer.close()
    wanted = set(sent)
    await eventually(lambda: wanted <= all_handled(settings), timeout=120, what="all handled")
    per_replica = handled(settings)
    assert len(per_replica) == 12, {pid: len(ids) for pid, ids in per_replica.items()}
    assert poison.id not in all_handled(settings)

    letters: list[DeadLetter] = []

    async def dead_lettered() -> bool:
        letters[:] = await list_dead_letters(settings, "spread")
        return bool(letters)

    await eventually(dead_lettered, timeout=60, what="the poison event dead-lettered")
    (letter,) = letters
    assert letter.error == "RuntimeError: poison"
    assert letter.attempts == 3  # retries=2: three deliveries, each one attempt
    assert letter.delivery_count == 3
    assert all(proc.poll() is None for proc in replicas)


async def test_kill_9_of_replicas_mid_stream_loses_nothing(
    settings: Settings, store: Store, workers: Workers
) -> None:
    replicas = await workers.start_many(["spread"] * 4, FIXTURES)
    events = [message(f"m{n}", room=f"room-{n % 24}") for n in range(1000)]
    producing = asyncio.create_task(produce(settings, events))
    await eventually(lambda: len(all_handled(settings)) >= 100, timeout=60, what="100 handled")
    for proc in replicas[:2]:
        proc.send_signal(signal.SIGKILL)
    await producing  # every event acked by Kafka
    wanted = {e.id for e in events}
    # The killed replicas' acquired records come back once their locks expire (30 s).
    await eventually(lambda: wanted <= all_handled(settings), timeout=150, what="all handled")
    assert all(proc.poll() is None for proc in replicas[2:])


async def test_a_slow_record_does_not_let_its_batch_neighbours_locks_expire(
    settings: Settings, store: Store, workers: Workers
) -> None:
    # A 15 s lock (the broker's lowest) and a 20 s handler: verdicts sent only at the next
    # poll would come too late, and the broker would deliver the fast records a second time.
    connection = settings.kafka.client_config()
    group = group_of(settings, "spread")
    await asyncio.to_thread(
        configure_share_group, connection, group, {"share.record.lock.duration.ms": "15000"}
    )
    await workers.start("spread", FIXTURES)
    slow = message("slow", room="room-0")
    fast = [message(f"m{n}", room=f"room-{n}") for n in range(20)]
    await produce(settings, [slow, *fast])  # one producer batch: one poll's batch
    lines: list[str] = []

    wanted = {slow.id} | {e.id for e in fast}

    def all_done() -> bool:
        lines[:] = [
            line
            for path in (settings.data_dir / "spread").glob("*.txt")
            for line in path.read_text().splitlines()
        ]
        return wanted <= {line.split()[0] for line in lines}

    await eventually(all_done, timeout=120, what="every record handled")
    counts = [line.split() for line in lines if not line.startswith(slow.id)]
    assert sorted(i for i, _ in counts) == sorted(e.id for e in fast)  # each exactly once
    assert {n for _, n in counts} == {"1"}
