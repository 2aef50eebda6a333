"""Lanes: a key's events, one after another, in one task.

Events with one key (a room, a private pair) are handled in order; events of different keys
run concurrently. A lane is a key's queue and the one task working through it. It exists while
the key has work, so a burst of one room's events costs one task, not one per event.

    lanes = Lanes(work)            # work(item, lane) handles one item
    lanes.add(b"lobby", item)      # appended to lobby's lane, started if it was idle

A lane also keeps the deadline of the handler call it is in: ``watch`` cancels a lane that
ran past it (``Lane.expired`` then tells the cancellation from a shutdown), which costs an
event two attribute writes instead of a timer of its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("parley.worker")


class Lane(Generic[T]):
    """One key's queue of items and the task working through it."""

    __slots__ = ("deadline", "expired", "key", "queue", "task")

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.queue: deque[T] = deque()
        self.task: asyncio.Task[None] | None = None
        self.deadline: float | None = None  # time.monotonic() by which the current call ends
        self.expired = False  # the watchdog cancelled the task for passing ``deadline``

    async def within(self, deadline: float, call: Awaitable[R]) -> R:
        """Await ``call``; TimeoutError if it is still running at ``deadline`` (a
        ``time.monotonic()``, enforced by ``Lanes.watch`` to within its tick)."""
        self.deadline = deadline
        try:
            return await call
        except asyncio.CancelledError:
            if not self.expired:
                raise  # a shutdown, not a timeout
            self.expired = False
            assert self.task is not None
            self.task.uncancel()
            raise TimeoutError from None
        finally:
            self.deadline = None


class Gate:
    """At most ``size`` holders at once, served in arrival order: asyncio.Semaphore's job at a
    fifth of its cost when there is room (a record pays it once per attempt).

        if not gate.try_enter():  # a free place costs no coroutine
            await gate.enter()
        try: ...
        finally: gate.leave()
    """

    __slots__ = ("_waiters", "free")

    def __init__(self, size: int) -> None:
        self.free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_enter(self) -> bool:
        """Take a place if one is free right now (no waiting)."""
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return True
        return False

    async def enter(self) -> None:
        if self.try_enter():
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # resolved by ``leave``, which hands its place over
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # handed a place it will not use: pass it on
            else:
                self._waiters.remove(waiter)
            raise

    def leave(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class Lanes(Generic[T]):
    """Every key's lane; ``work`` is awaited for each item, in order per key."""

    def __init__(self, work: Callable[[T, Lane[T]], Awaitable[None]]) -> None:
        self._work = work
        self._lanes: dict[bytes, Lane[T]] = {}

    def add(self, key: bytes, item: T) -> None:
        """Queue ``item`` behind the key's earlier ones (starting the key's lane if idle)."""
        lane = self._lanes.get(key)
        if lane is not None:
            lane.queue.append(item)
            return
        lane = self._lanes[key] = Lane(key)
        lane.queue.append(item)
        lane.task = asyncio.create_task(self._run(lane))

    async def _run(self, lane: Lane[T]) -> None:
        queue = lane.queue
        try:
            while queue:
                item = queue.popleft()
                try:
                    await self._work(item, lane)
                except Exception:  # work handles its own failures: this is a bug, not an event
                    log.exception("lane %r: unexpected failure", lane.key)
        finally:
            del self._lanes[lane.key]  # no await since the queue was found empty

    def tasks(self) -> list[asyncio.Task[None]]:
        """The running lanes' tasks (to wait for them)."""
        return [lane.task for lane in self._lanes.values() if lane.task is not None]

    def __len__(self) -> int:
        return len(self._lanes)

    async def watch(self, tick: float) -> None:
        """Forever: every ``tick`` seconds, cancel the lanes whose current call is overdue."""
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for lane in self._lanes.values():
                if lane.deadline is not None and now >= lane.deadline and not lane.expired:
                    lane.expired = True
                    assert lane.task is not None
                    lane.task.cancel()
