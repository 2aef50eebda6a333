"""A socket's bounded send queue, drained by one writer task.

The hub only ever ``offer``s (never waits): a full outbox means the client is not reading, and
the hub closes that socket instead of slowing everyone else down. The socket's own session may
``put`` (a replay after ``join``), which waits while the outbox is more than half full so that
live deliveries always find room.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Outbox(Generic[T]):
    """Frames (already encoded) waiting to be sent to one socket."""

    __slots__ = ("_frames", "_ready", "_roomy", "capacity")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._frames: deque[T] = deque()
        self._ready = asyncio.Event()
        self._roomy = asyncio.Event()
        self._roomy.set()

    def __len__(self) -> int:
        return len(self._frames)

    def offer(self, frame: T) -> bool:
        """Queue ``frame`` unless the outbox is full; False means the reader is too slow."""
        if len(self._frames) >= self.capacity:
            return False
        self._frames.append(frame)
        self._changed()
        return True

    async def put(self, frame: T) -> None:
        """Queue ``frame``, first waiting until the outbox is at most half full."""
        while len(self._frames) > self.capacity // 2:
            await self._roomy.wait()
        self._frames.append(frame)
        self._changed()

    async def get(self) -> T:
        """The oldest frame, waiting for one."""
        while not self._frames:
            await self._ready.wait()
        frame = self._frames.popleft()
        self._changed()
        return frame

    def _changed(self) -> None:
        if self._frames:
            self._ready.set()
        else:
            self._ready.clear()
        if len(self._frames) <= self.capacity // 2:
            self._roomy.set()
        else:
            self._roomy.clear()
