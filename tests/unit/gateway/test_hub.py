"""The hub and the outbox alone: routing, dedupe, replay buffering and slow sockets."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import cast

from gateway.delivery.hub import Hub
from gateway.delivery.outbox import Outbox
from gateway.delivery.peer import TRY_AGAIN_LATER, Peer
from gateway.delivery.wire import Encoded
from runtime.events import Delivery, encode
from runtime.kafka.client import Message
from runtime.kafka.headers import ROUTE


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


def message(room: str, id: str, text: str = "hi", seq: int | None = None) -> Delivery:
    """A room message delivery; ``m7`` is stored seventh unless ``seq`` says otherwise."""
    frame = {"type": "message", "id": id, "room": room, "user": "ada", "text": text, "ts": "t"}
    return Delivery(room=room, frame=frame, seq=seq if seq is not None else int(id[1:]))


def joined(hub: Hub, user: str, room: str, capacity: int = 16) -> Peer:
    peer = Peer(user, f"gw:{user}", capacity)
    hub.attach(peer)
    hub.subscribe(peer, room, peer.conn).buffer = None  # live at once
    return peer


async def sent(peer: Peer) -> list[dict[str, object]]:
    return [json.loads((await peer.outbox.get()).text) for _ in range(len(peer.outbox))]


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


async def test_a_redelivery_long_after_is_still_dropped_and_a_late_joiner_gets_no_old_copy() -> (
    None
):
    hub = Hub(window=16)
    ada = joined(hub, "ada", "lobby", capacity=200)
    for n in range(1, 101):  # far more than any window of remembered ids
        hub.receive(record(message("lobby", f"m{n}")))
    bob = joined(hub, "bob", "lobby")
    hub.receive(record(message("lobby", "m3")))  # a worker restart redelivers an old one
    hub.receive(record(message("lobby", "m101")))
    assert [f["id"] for f in await sent(ada)] == [f"m{n}" for n in range(1, 102)]
    assert [f["id"] for f in await sent(bob)] == ["m101"]


async def test_a_socket_that_replayed_ahead_of_the_room_skips_only_its_own_copies() -> None:
    """A gateway that just started (nothing delivered yet) has a socket resume with ``since``:
    its replay reaches m9 while the live m8 and m9 are still on their way. The socket skips
    them; another socket of the room, live since before, gets them."""
    hub = Hub()
    live = joined(hub, "bob", "lobby")
    resumed = Peer("ada", "gw:ada", 16)
    hub.attach(resumed)
    sub = hub.subscribe(resumed, "lobby", resumed.conn)
    sub.buffer, sub.seq = None, 9  # as the session leaves it after replaying up to m9
    for n in (8, 9, 10):
        hub.receive(record(message("lobby", f"m{n}")))
    assert [f["id"] for f in await sent(resumed)] == ["m10"]
    assert [f["id"] for f in await sent(live)] == ["m8", "m9", "m10"]


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


async def test_a_redelivered_private_message_is_dropped_but_a_functions_frame_may_repeat() -> None:
    hub = Hub()
    ada = joined(hub, "ada", "lobby")
    private = {"type": "private", "id": "p1", "from": "bob", "to": "ada", "text": "x", "ts": "t"}
    poll = {"type": "poll", "id": "poll-1", "room": "lobby", "totals": [0, 1]}
    for frame in (private, private, poll, {**poll, "totals": [1, 1]}):
        hub.receive(record(Delivery(users=("ada",), frame=frame)))
    assert [(f["type"], f["id"]) for f in await sent(ada)] == [
        ("private", "p1"),
        ("poll", "poll-1"),
        ("poll", "poll-1"),  # a poll's new state under the same id: not a copy
    ]


async def test_a_joining_socket_buffers_live_frames_then_skips_replayed_ones() -> None:
    hub = Hub()
    peer = Peer("ada", "gw:1", 16)
    hub.attach(peer)
    sub = hub.subscribe(peer, "lobby", peer.conn)
    hub.receive(record(message("lobby", "m2")))
    assert len(peer.outbox) == 0
    assert sub.buffer is not None
    assert [seq for seq, _ in sub.buffer] == [2]
    sub.buffer, sub.seq = None, 3  # as the session does after replaying up to m3
    hub.receive(record(message("lobby", "m3")))  # its live copy, late
    hub.receive(record(message("lobby", "m4")))
    assert [f["id"] for f in await sent(peer)] == ["m4"]


async def test_a_full_outbox_closes_that_socket_only() -> None:
    hub = Hub()
    slow, fast = joined(hub, "slow", "lobby", capacity=2), joined(hub, "fast", "lobby", 10)
    for n in range(1, 4):
        hub.receive(record(message("lobby", f"m{n}")))
    assert slow.close_code == TRY_AGAIN_LATER
    assert fast.close_code is None
    assert len(fast.outbox) == 3


async def test_outbox_put_waits_while_more_than_half_full() -> None:
    outbox: Outbox[str] = Outbox(4)
    for n in range(3):
        assert outbox.offer(str(n))
    waiting = asyncio.create_task(outbox.put("late", timeout=60))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    assert await outbox.get() == "0"
    assert await asyncio.wait_for(waiting, 1)
    assert [await outbox.get() for _ in range(3)] == ["1", "2", "late"]
    assert outbox.offer("a")
    assert outbox.offer("b")
    assert outbox.offer("c")
    assert outbox.offer("d")
    assert not outbox.offer("e")


async def test_outbox_put_gives_up_on_a_client_that_does_not_read() -> None:
    outbox: Outbox[str] = Outbox(4)
    for n in range(3):
        assert outbox.offer(str(n))
    assert not await outbox.put("never", timeout=0.01)
    assert list(outbox.frames) == ["0", "1", "2"]


async def test_a_replay_to_a_socket_that_does_not_read_closes_it_with_1013() -> None:
    peer = Peer("ada", "gw:ada", 4, patience=0.01)
    sent = [await peer.put(Encoded(f'{{"n":{n}}}')) for n in range(4)]
    assert sent == [True, True, True, False]  # nobody reads: the third is over half full
    assert peer.close_code == TRY_AGAIN_LATER
    assert peer.closing.is_set()
    assert not await peer.put(Encoded('{"n":5}'))  # closing: nothing more is queued
    assert len(peer.outbox) == 3
