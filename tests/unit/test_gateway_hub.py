"""The hub and the outbox alone: routing, dedupe, replay buffering and slow sockets."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import cast

from gateway.hub import Hub
from gateway.outbox import Outbox
from gateway.peer import TRY_AGAIN_LATER, Peer, Recent
from runtime.events import Delivery, encode
from runtime.kafka import Message
from runtime.worker import ROUTE


@dataclass
class Record:
    """The two things the hub reads of a Kafka record."""

    raw: bytes
    route: bytes | None = None
    extra: list[tuple[str, bytes]] = field(default_factory=list)

    def headers(self) -> list[tuple[str, bytes]]:
        return [*self.extra, *([(ROUTE, self.route)] if self.route is not None else [])]

    def value(self) -> bytes:
        return self.raw


def record(delivery: Delivery) -> Message:
    return kafka_record(encode(delivery), delivery.route().encode())


def kafka_record(raw: bytes, route: bytes | None) -> Message:
    return cast(Message, Record(raw, route))


def message(room: str, id: str, text: str = "hi") -> Delivery:
    frame = {"type": "message", "id": id, "room": room, "user": "ada", "text": text, "ts": "t"}
    return Delivery(room=room, frame=frame)


def joined(hub: Hub, user: str, room: str, capacity: int = 16) -> Peer:
    peer = Peer(user, f"gw:{user}", capacity)
    hub.attach(peer)
    hub.subscribe(peer, room, peer.conn).buffer = None  # live at once
    return peer


async def sent(peer: Peer) -> list[dict[str, object]]:
    return [json.loads(await peer.outbox.get()) for _ in range(len(peer.outbox))]


async def test_records_for_rooms_nobody_here_joined_are_skipped_unparsed() -> None:
    hub = Hub()
    joined(hub, "ada", "lobby")
    hub.receive(kafka_record(b"not even json", b"room:elsewhere"))
    hub.receive(kafka_record(b"not even json", b"users:bob,eve"))
    assert hub.stats.skipped == 2


async def test_a_room_frame_reaches_its_room_once_per_id() -> None:
    hub = Hub()
    ada, bob, eve = (
        joined(hub, "ada", "lobby"),
        joined(hub, "bob", "lobby"),
        joined(hub, "eve", "x"),
    )
    for _ in range(2):  # at-least-once: the same message delivered twice
        hub.receive(record(message("lobby", "m1")))
    assert [f["id"] for f in await sent(ada)] == ["m1"]
    assert [f["id"] for f in await sent(bob)] == ["m1"]
    assert await sent(eve) == []
    assert hub.stats.duplicates == 1


async def test_private_frames_reach_only_their_two_users() -> None:
    hub = Hub()
    ada, bob, eve = (
        joined(hub, "ada", "lobby"),
        joined(hub, "bob", "lobby"),
        joined(hub, "eve", "lobby"),
    )
    frame = {"type": "private", "id": "p1", "from": "ada", "to": "bob", "text": "psst", "ts": "t"}
    hub.receive(record(Delivery(users=("ada", "bob"), frame=frame)))
    assert [f["id"] for f in await sent(ada)] == ["p1"]
    assert [f["id"] for f in await sent(bob)] == ["p1"]
    assert await sent(eve) == []


async def test_a_joining_socket_buffers_live_frames_then_skips_replayed_ids() -> None:
    hub = Hub()
    peer = Peer("ada", "gw:1", 16)
    hub.attach(peer)
    sub = hub.subscribe(peer, "lobby", peer.conn)
    hub.receive(record(message("lobby", "m2")))
    assert len(peer.outbox) == 0
    assert sub.buffer is not None
    assert [mid for mid, _ in sub.buffer] == ["m2"]
    sub.buffer, sub.replayed = None, Recent(8)  # as the session does after its replay
    sub.replayed.add("m3")
    hub.receive(record(message("lobby", "m3")))  # its live copy, late
    hub.receive(record(message("lobby", "m4")))
    assert [f["id"] for f in await sent(peer)] == ["m4"]


async def test_a_full_outbox_closes_that_socket_only() -> None:
    hub = Hub()
    slow, fast = joined(hub, "slow", "lobby", capacity=2), joined(hub, "fast", "lobby", 10)
    for n in range(3):
        hub.receive(record(message("lobby", f"m{n}")))
    assert slow.close_code == TRY_AGAIN_LATER
    assert fast.close_code is None
    assert len(fast.outbox) == 3


async def test_outbox_put_waits_while_more_than_half_full() -> None:
    outbox = Outbox(4)
    for n in range(3):
        assert outbox.offer(str(n))
    waiting = asyncio.create_task(outbox.put("late"))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    assert await outbox.get() == "0"
    await asyncio.wait_for(waiting, 1)
    assert [await outbox.get() for _ in range(3)] == ["1", "2", "late"]
    assert outbox.offer("a")
    assert outbox.offer("b")
    assert outbox.offer("c")
    assert outbox.offer("d")
    assert not outbox.offer("e")
