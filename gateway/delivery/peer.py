"""A connected socket as the hub sees it: its user, joined rooms and outbox."""

from __future__ import annotations

import asyncio
from collections import deque

from gateway.delivery.outbox import Outbox
from gateway.delivery.wire import Encoded, Link

# Live frames held for one room while its ``join`` replays history: past this the socket cannot
# keep up with the room and is closed like any slow socket.
BUFFER_LIMIT = 10_000
TRY_AGAIN_LATER = 1013  # RFC 6455: the server is overloaded (here: for this client)
GOING_AWAY = 1001


class Recent:
    """The last ``size`` ids seen: a set that forgets the oldest first."""

    __slots__ = ("_ids", "_order", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._ids: set[str] = set()
        self._order: deque[str] = deque()

    def __contains__(self, item: str) -> bool:
        return item in self._ids

    def add(self, item: str) -> bool:
        """Remember ``item``; False when it was already there."""
        if item in self._ids:
            return False
        self._ids.add(item)
        self._order.append(item)
        if len(self._order) > self.size:
            self._ids.discard(self._order.popleft())
        return True


class Subscription:
    """One socket's membership of one room.

    ``conn`` is the presence connection id used for this room (normally the socket's own, or
    that of a just-closed socket of the same user whose leave this join cancelled). While
    ``buffer`` is a list, live frames wait there (a ``join`` is replaying history). ``seq`` is
    the storage order of the last room message this socket got (from a replay or live): one at
    or before it is a copy or older, and is not sent.
    """

    __slots__ = ("buffer", "conn", "seq")

    def __init__(self, conn: str, seq: int = 0) -> None:
        self.conn = conn
        self.buffer: list[tuple[int | None, Encoded]] | None = []
        self.seq = seq

    def admits(self, seq: int | None) -> bool:
        """Whether a frame with this ``seq`` is new to the socket (then it counts as sent)."""
        if seq is None:
            return True
        if seq <= self.seq:
            return False
        self.seq = seq
        return True


class Peer:
    """One open WebSocket: who is on it, which rooms it joined, what waits to be sent."""

    __slots__ = (
        "barred",
        "close_code",
        "close_reason",
        "closing",
        "conn",
        "link",
        "outbox",
        "patience",
        "rooms",
        "user",
    )

    def __init__(
        self,
        user: str,
        conn: str,
        capacity: int,
        link: Link | None = None,
        patience: float = 10.0,
    ) -> None:
        self.user = user
        self.patience = patience  # how long ``put`` waits for the client to read
        self.conn = conn
        self.link = link  # direct writes to the socket; None: the session's writer sends
        self.outbox: Outbox[Encoded] = Outbox(capacity)
        self.rooms: dict[str, Subscription] = {}
        self.barred: set[str] = set()  # rooms its user was removed from while it was open
        self.closing = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""

    def __repr__(self) -> str:
        return f"Peer({self.user!r}, {self.conn!r})"

    def offer(self, frame: Encoded) -> None:
        """Send a frame now if nothing waits before it and the socket keeps up; else queue it.
        A socket whose outbox is full is closed instead (1013)."""
        if self.close_code is not None:
            return
        link = self.link
        if link is not None and not self.outbox.frames and link.send(frame.wire):
            return
        if not self.outbox.offer(frame):
            self.evict(TRY_AGAIN_LATER, "too slow: the send queue is full")

    async def put(self, frame: Encoded) -> bool:
        """Queue a frame of the socket's own session (a replay), waiting while the outbox is
        over half full. A client that reads nothing for ``patience`` seconds meanwhile is closed
        with 1013, like one whose outbox filled; False then (and once closing)."""
        if self.close_code is not None:
            return False
        if await self.outbox.put(frame, self.patience):
            return True
        self.evict(TRY_AGAIN_LATER, "too slow: the replay could not be sent")
        return False

    def hold(self, sub: Subscription, seq: int | None, frame: Encoded) -> None:
        """Buffer a live frame for a room that is replaying (``sub.buffer`` is a list)."""
        assert sub.buffer is not None
        if len(sub.buffer) >= BUFFER_LIMIT:
            self.evict(TRY_AGAIN_LATER, "too slow: the room outpaced the replay")
        else:
            sub.buffer.append((seq, frame))

    def evict(self, code: int, reason: str) -> None:
        """Ask the socket's session to close with ``code`` (it does so on its own task)."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
            self.closing.set()
