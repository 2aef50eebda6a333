"""A socket's bounded send queue, drained by one writer task.

The hub only ever ``offer``s (never waits): a full outbox means the client is not reading, and
the hub closes that socket instead of slowing everyone else down. The socket's own session may
``put`` (a replay after ``join``), which waits while the outbox is more than half full so that
live deliveries always find room, but not for ever: past its ``timeout`` the client counts as
not reading, and the caller closes the socket (``Peer.put``: 1013) as the hub would.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Outbox(Generic[T]):
    """Frames (already encoded) waiting to be sent to one socket."""

    __slots__ = ("_ready", "_roomy", "capacity", "frames")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.frames: deque[T] = deque()  # oldest first; read it, change it only through here
        self._ready = asyncio.Event()
        self._roomy = asyncio.Event()
        self._roomy.set()

    def __len__(self) -> int:
        return len(self.frames)

    def offer(self, frame: T) -> bool:
        """Queue ``frame`` unless the outbox is full; False means the reader is too slow."""
        if len(self.frames) >= self.capacity:
            return False
        self.frames.append(frame)
        self._changed()
        return True

    async def put(self, frame: T, timeout: float) -> bool:
        """Queue ``frame``, first waiting until the outbox is at most half full; False (and
        nothing queued) when it stayed fuller than that for ``timeout`` seconds."""
        if len(self.frames) > self.capacity // 2:
            try:
                async with asyncio.timeout(timeout):
                    while len(self.frames) > self.capacity // 2:
                        await self._roomy.wait()
            except TimeoutError:
                return False
        self.frames.append(frame)
        self._changed()
        return True

    async def get(self) -> T:
        """The oldest frame, waiting for one."""
        while not self.frames:
            await self._ready.wait()
        frame = self.frames.popleft()
        self._changed()
        return frame

    def _changed(self) -> None:
        if self.frames:
            self._ready.set()
        else:
            self._ready.clear()
        if len(self.frames) <= self.capacity // 2:
            self._roomy.set()
        else:
            self._roomy.clear()
