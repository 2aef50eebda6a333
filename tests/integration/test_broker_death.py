"""A Kafka node dies mid-stream: three KRaft nodes (replication 3, min.insync.replicas 2), a
stream of chat messages through a real gateway and real function workers, ``kill -9`` of one
node, later its restart.

Afterwards every acked message is stored once and every client saw every message of its rooms
once, in the stored order; and no client was ever told ``unavailable``, because two nodes lived
throughout. The test prints the pause clients saw: the longest gap between two deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from runtime.db.store import Store
from runtime.ops.cluster import KafkaCluster
from runtime.settings import Settings
from tests.integration.test_chaos import Member
from tests.support.harness import eventually, make_settings
from tests.support.net import free_port, unique
from tests.support.system import System

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(420)]

ROOMS = 2
MEMBERS = 4
STEP = 200  # acked messages between two events of the test


class Gaps:
    """When each delivery reached a watching client: the longest gap is the pause it saw."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def pause(self) -> float:
        return max((b - a for a, b in zip(self.times, self.times[1:], strict=False)), default=0)


async def test_kill_9_of_one_of_three_kafka_nodes(tmp_path: Path) -> None:
    ports = [(free_port(), free_port()) for _ in range(3)]
    cluster = KafkaCluster.on_ports(tmp_path / "kafka", ports, Settings().kafka.jars(), heap="384m")
    cluster.start()
    settings = make_settings(cluster.bootstrap, tmp_path)
    # On a cluster the produce deadline must outlast a failover (fencing after 3 s, then new
    # leaders), so set PARLEY_GATEWAY__PRODUCE_TIMEOUT well above it; the default (5 s) is
    # for telling a client quickly that its only broker is gone.
    gateway = settings.gateway.model_copy(
        update={
            "rate": 1000.0,
            "burst": 1000,
            "user_rate": 1000.0,
            "user_burst": 1000,
            "produce_timeout": 15.0,
        }
    )
    settings = settings.model_copy(update={"gateway": gateway})
    system = System(settings, tmp_path)
    rooms = [unique("room") for _ in range(ROOMS)]
    members: list[Member] = []
    stop = asyncio.Event()
    streams: list[asyncio.Task[None]] = []
    gaps = Gaps()
    try:
        await system.start(("chat", "presence"))
        for _ in range(MEMBERS):
            name = unique("u")
            members.append(Member(name, await system.register(name), system.gateway, rooms))
        await asyncio.gather(*(m.connect() for m in members))
        streams = [asyncio.create_task(m.stream(stop)) for m in members]
        watcher = asyncio.create_task(_watch(members[0], gaps, stop))

        def acked() -> int:
            for task in streams:
                if task.done():
                    task.result()
            return sum(len(m.acked) for m in members)

        async def flowing(more: int, what: str) -> None:
            target = acked() + more
            await eventually(lambda: acked() >= target, timeout=120, what=what)

        await flowing(STEP, "a first stretch of messages")
        victim = cluster.nodes[0]
        pid = victim.status().pid
        assert pid is not None
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        await flowing(STEP, "messages with one node dead")
        with_two = time.monotonic() - killed_at
        await asyncio.to_thread(victim.start)
        await flowing(STEP, "messages after the node came back")

        stop.set()
        await asyncio.wait_for(asyncio.gather(*streams), 60)
        await _check(settings, members, rooms)
        watcher.cancel()
        print(
            f"\nbroker death: acked={acked()} unavailable={sum(m.unavailable for m in members)} "
            f"max gap between deliveries={gaps.pause() * 1000:.0f} ms "
            f"({len(gaps.times)} deliveries watched, {with_two:.1f} s on two nodes)"
        )
        assert sum(m.unavailable for m in members) == 0, "told unavailable while two nodes lived"
        assert sum(m.drops for m in members) == 0, "a socket dropped"
    finally:
        stop.set()
        for task in streams:
            task.cancel()
        await asyncio.gather(*(m.close() for m in members), return_exceptions=True)
        system.stop()
        cluster.stop()


async def _watch(member: Member, gaps: Gaps, stop: asyncio.Event) -> None:
    """Note when each of ``member``'s deliveries arrives (it appends to ``received``)."""
    seen = 0
    while not stop.is_set():
        count = sum(len(ids) for ids in member.received.values())
        if count > seen:
            gaps.times.append(time.monotonic())
            seen = count
        await asyncio.sleep(0.005)  # a sampling clock, not synchronisation


async def _check(settings: Settings, members: list[Member], rooms: list[str]) -> None:
    """Every acked message stored once; every member saw each room in the stored order."""
    sent = {(m.name, cid) for m in members for cid in m.acked}
    async with Store(settings.database_url()) as store:

        async def settled() -> bool:
            history = {room: await store.room_messages(room, limit=100_000) for room in rooms}
            if len({(s.author, s.client_id) for ms in history.values() for s in ms}) < len(sent):
                return False
            return all(m.received[r] == [s.id for s in history[r]] for m in members for r in rooms)

        with contextlib.suppress(AssertionError):  # the assertions below say what is wrong
            await eventually(settled, timeout=120, what="every message stored and delivered")
        stored = {room: await store.room_messages(room, limit=100_000) for room in rooms}
    kept = Counter((s.author, s.client_id) for msgs in stored.values() for s in msgs)
    assert set(kept) == sent, f"acked but not stored: {len(sent - set(kept))}"
    assert max(kept.values()) == 1, "a message was stored twice"
    for room in rooms:
        order = [s.id for s in stored[room]]
        for m in members:
            assert m.received[room] == order, f"{m.name} saw {room} differently from the store"
