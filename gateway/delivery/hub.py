"""The hub: which sockets serve which rooms and users, and fan-out of deliveries to them.

    hub.attach(peer); hub.subscribe(peer, "lobby", conn)
    hub.receive(record)           # a chat.deliver record: routed, decoded once, encoded once

A record whose ``parley-route`` header names no room or user of this instance is dropped before
its JSON is parsed. A frame is encoded once (text, then WebSocket bytes) and the same bytes go
to every target socket, written at once or queued in its outbox; nothing here waits for a
socket. The runtime delivers at least once:
room messages carry their storage order (``seq``), so an older one is a copy; for users the
message ids seen recently are remembered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from gateway.delivery.peer import Peer, Recent, Subscription
from gateway.delivery.wire import Encoded
from gateway.metrics import GatewayMetrics, HubStats
from runtime.events import DecodeError, Delivery, decode
from runtime.kafka import tracing
from runtime.kafka.client import Message, header
from runtime.kafka.headers import ROUTE

log = logging.getLogger("parley.gateway")


class Hub:
    """Room -> sockets and user -> sockets, for one gateway instance."""

    def __init__(self, window: int = 1024, metrics: GatewayMetrics | None = None) -> None:
        self.window = window
        self.stats = HubStats()
        self.metrics = metrics or GatewayMetrics()
        # A room's presence changes, for the roster to coalesce (None: sent on at once).
        self.on_presence: Callable[[str, list[str], list[str]], None] | None = None
        # Sockets a ``removed`` frame unsubscribed: (user, room, their connection ids).
        self.on_removed: Callable[[str, str, list[str]], None] | None = None
        self._peers: set[Peer] = set()
        self._rooms: dict[str, set[Peer]] = {}
        self._users: dict[str, set[Peer]] = {}
        self._room_seq: dict[str, int] = {}  # per room, the newest message seq delivered
        self._user_ids: dict[str, Recent] = {}

    @property
    def peers(self) -> frozenset[Peer]:
        return frozenset(self._peers)

    def attach(self, peer: Peer) -> None:
        self._peers.add(peer)
        self.stats.connections = len(self._peers)
        if peer.user not in self._users:
            self._users[peer.user], self._user_ids[peer.user] = set(), Recent(self.window)
        self._users[peer.user].add(peer)

    def detach(self, peer: Peer) -> list[tuple[str, str]]:
        """Forget ``peer`` everywhere; returns the (room, conn) pairs it had joined."""
        left = [(room, sub.conn) for room, sub in peer.rooms.items()]
        for room, _ in left:
            self.unsubscribe(peer, room)
        self._peers.discard(peer)
        self.stats.connections = len(self._peers)
        sockets = self._users.get(peer.user)
        if sockets is not None:
            sockets.discard(peer)
            if not sockets:
                del self._users[peer.user], self._user_ids[peer.user]
        return left

    def subscribe(self, peer: Peer, room: str, conn: str) -> Subscription:
        """Join ``peer`` to ``room``; live frames are buffered until ``go_live``."""
        sub = peer.rooms.get(room)
        if sub is None:
            sub = peer.rooms[room] = Subscription(conn, self._room_seq.get(room, 0))
        elif sub.buffer is None:
            sub.buffer = []
        if room not in self._rooms:
            self._rooms[room] = set()
            self._room_seq.setdefault(room, 0)
        self._rooms[room].add(peer)
        return sub

    def unsubscribe(self, peer: Peer, room: str) -> Subscription | None:
        sub = peer.rooms.pop(room, None)
        sockets = self._rooms.get(room)
        if sockets is not None:
            sockets.discard(peer)
            if not sockets:
                del self._rooms[room], self._room_seq[room]
        return sub

    def sockets_in(self, room: str) -> int:
        """How many sockets here are in ``room``."""
        return len(self._rooms.get(room, ()))

    def broadcast(self, room: str, frame: Mapping[str, object]) -> None:
        """Send a frame made here (not from Kafka) to every socket of ``room`` here."""
        peers = self._rooms.get(room)
        if peers:
            encoded = Encoded.of(frame)
            self._to_room(room, peers, None, encoded)
            kind = frame.get("type")
            self.metrics.frames_out[kind if isinstance(kind, str) else "unknown"] += len(peers)

    def serves(self, route: bytes) -> bool:
        """Whether a delivery with this ``parley-route`` header may concern a socket here."""
        kind, _, target = route.partition(b":")
        if kind == b"room":
            return target.decode() in self._rooms
        if kind == b"users":
            return any(user in self._users for user in target.decode().split(","))
        return True  # a route this version does not know: decode and decide

    def receive(self, record: Message) -> None:
        """Route one chat.deliver record to the sockets it is for."""
        self.stats.received += 1
        route = header(record, ROUTE)
        if route is not None and not self.serves(route):
            self.stats.skipped += 1
            return
        try:
            delivery = decode(record.value(), Delivery)
        except DecodeError as exc:
            log.warning("dropping a chat.deliver record: %s", exc.reason)
            return
        if not tracing.enabled():
            self.deliver(delivery)
            return
        tracing.annotate(**{"messaging.message.id": delivery.id})  # on the feed's span
        with tracing.fanout() as span:  # one span for all the sockets, not one per socket
            queued = self.stats.frames
            self.deliver(delivery)
            span.set_attribute(tracing.SOCKETS, self.stats.frames - queued)

    def deliver(self, delivery: Delivery) -> None:
        """Queue ``delivery.frame`` on every socket of its room, or of its users."""
        queued = self.stats.frames + self.stats.held
        self._route(delivery)
        if sockets := self.stats.frames + self.stats.held - queued:
            self.metrics.delivered(delivery, sockets)

    def _route(self, delivery: Delivery) -> None:
        frame = delivery.frame
        if delivery.room is not None:
            room, seq = delivery.room, delivery.seq
            peers = self._rooms.get(room)
            if not peers:
                return
            if self.on_presence is not None and _presence_change(frame):
                self.on_presence(room, _names(frame["joined"]), _names(frame["left"]))
                return
            if seq is not None:
                # A room's messages arrive in storage order; an older seq is a redelivery.
                if seq <= self._room_seq[room]:
                    self.stats.duplicates += 1
                    return
                self._room_seq[room] = seq
            self._to_room(room, peers, seq, Encoded.of(delivery.frame))
            return
        # Private messages come from many pairs (many partitions): no one order per user, so
        # the recent ids are what catches a redelivery. Only a stored message's id means "the
        # same thing again": a function's own frames (a poll's state, say) may repeat an id.
        found = frame.get("id") if frame.get("type") == "private" else None
        message_id = found if isinstance(found, str) else None
        encoded: Encoded | None = None
        for user in set(delivery.users):
            sockets = self._users.get(user)
            if sockets and self._fresh(self._user_ids[user], message_id):
                if frame.get("type") == "removed" and isinstance(frame.get("room"), str):
                    self._remove(user, sockets, str(frame["room"]))
                encoded = encoded or Encoded.of(frame)
                self._to_all(sockets, encoded)

    def _remove(self, user: str, sockets: Iterable[Peer], room: str) -> None:
        """``user`` was removed from ``room``: their sockets leave it and may not post there."""
        conns = []
        for peer in sockets:
            sub = self.unsubscribe(peer, room)
            peer.barred.add(room)
            if sub is not None:
                conns.append(sub.conn)
        if conns and self.on_removed is not None:
            self.on_removed(user, room, conns)

    def evict_all(self, code: int, reason: str) -> None:
        for peer in list(self._peers):
            peer.evict(code, reason)

    def _fresh(self, recent: Recent, message_id: str | None) -> bool:
        if message_id is None or recent.add(message_id):
            return True
        self.stats.duplicates += 1
        return False

    def _to_room(self, room: str, peers: Iterable[Peer], seq: int | None, frame: Encoded) -> None:
        sent = 0
        for peer in peers:
            sub = peer.rooms[room]
            if sub.buffer is not None:
                self.stats.held += 1
                peer.hold(sub, seq, frame)
            elif sub.admits(seq):  # False when this socket's replay already sent it
                sent += 1
                peer.offer(frame)
        self.stats.frames += sent

    def _to_all(self, peers: Iterable[Peer], frame: Encoded) -> None:
        for peer in peers:
            self.stats.frames += 1
            peer.offer(frame)


def _presence_change(frame: Mapping[str, object]) -> bool:
    return frame.get("type") == "presence" and "users" not in frame


def _names(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
