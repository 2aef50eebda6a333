"""Join and leave events for sockets, with the leave of a closed socket debounced.

A page reload or a dropped connection closes a socket and opens another a moment later. So a
close does not announce the leave at once: it waits ``gateway.leave_debounce`` seconds, and if
the same user joins the same room on this gateway meanwhile, the new socket takes over the old
connection id in that room instead. The room sees no leave and no second join: no flapping, and
no stale presence row either (the row now belongs to the new socket, which leaves it later).
An explicit ``leave`` frame is announced at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from gateway.delivery.publisher import Publisher, Unavailable
from runtime.events import LeaveEvent

log = logging.getLogger("parley.gateway")
LEAVE_ATTEMPTS = 5


class Presence:
    """Publishes JoinEvent and LeaveEvent for this gateway's sockets."""

    def __init__(self, publisher: Publisher, debounce: float) -> None:
        self.publisher = publisher
        self.debounce = debounce
        self._pending: dict[tuple[str, str], dict[str, asyncio.Task[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def adopt(self, user: str, room: str) -> str | None:
        """Cancel a pending leave of ``user`` in ``room`` and return its connection id."""
        pending = self._pending.get((user, room))
        if not pending:
            return None
        conn, task = pending.popitem()
        if not pending:
            del self._pending[(user, room)]
        task.cancel()
        return conn

    async def leave(self, room: str, user: str, conn: str) -> None:
        await self.publisher.publish(LeaveEvent(room=room, user=user, conn=conn))

    def removed(self, user: str, room: str, conns: list[str]) -> None:
        """``user`` was removed from ``room``: their connections there leave it now."""
        for conn in conns:
            task = asyncio.create_task(self._announce(room, user, conn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def closed(self, user: str, rooms: list[tuple[str, str]]) -> None:
        """A socket of ``user`` closed while in these (room, conn) pairs: leave them later."""
        for room, conn in rooms:
            task = asyncio.create_task(self._leave_later(room, user, conn))
            self._pending.setdefault((user, room), {})[conn] = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def flush(self, timeout: float = 10.0) -> None:
        """Announce every pending leave now (shutdown), waiting at most ``timeout`` seconds."""
        waiting = [
            (user, room, conn, task)
            for (user, room), c in self._pending.items()
            for conn, task in c.items()
        ]
        self._pending.clear()
        for *_, task in waiting:
            task.cancel()
        announcing = [t for t in self._tasks if all(t is not w[3] for w in waiting)]
        sends = [self._announce(room, user, conn) for user, room, conn, _ in waiting]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*sends, *announcing), timeout)

    async def _leave_later(self, room: str, user: str, conn: str) -> None:
        await asyncio.sleep(self.debounce)
        pending = self._pending.get((user, room), {})
        pending.pop(conn, None)
        if not pending:
            self._pending.pop((user, room), None)
        await self._announce(room, user, conn)

    async def _announce(self, room: str, user: str, conn: str) -> None:
        delay = 0.5
        for attempt in range(1, LEAVE_ATTEMPTS + 1):
            try:
                await self.leave(room, user, conn)
                return
            except Unavailable as exc:
                if attempt == LEAVE_ATTEMPTS:
                    log.warning(
                        "%s stays present in %s: the leave was not published: %s", user, room, exc
                    )
                    return
                await asyncio.sleep(delay)
                delay *= 2
