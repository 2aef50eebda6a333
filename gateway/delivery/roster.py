"""Presence v2 for this gateway's sockets: a snapshot on join, then coalesced changes.

The presence function sends one small change per arrival or departure (``joined`` or ``left``
one user). Sending each to every socket of the room would cost joins x members frames; instead
this gateway keeps, for every room it has sockets in, who is there (its view), gives a joining
socket the whole view at once, and sends the room's net changes at most once per
``gateway.presence_interval`` (one second). N sockets joining one room then cost N snapshots plus
one change frame per socket per second, not N^2/2 frames.

    roster = Roster(send=hub.broadcast, load=store.room_users, sockets=hub.sockets_in)
    users = await roster.snapshot("lobby")     # who is there now (loaded once per room)
    roster.change("lobby", ["ada"], [])        # from a delivered change frame
    await roster.run()                         # flushes each interval, until cancelled

A view is loaded from the store the first time a socket here joins the room. Changes are in room
order (one partition) and each names the user's new state, so applying them after the load
converges even when some were already in it. A room with no socket here is forgotten.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections.abc import Awaitable, Callable

from runtime.frames import PresenceChangeFrame, presence_change_frame

log = logging.getLogger("parley.gateway")
CROWD = 1000  # sockets in a room here beyond which its changes go out less often


class _View:
    def __init__(self) -> None:
        self.users: list[str] = []  # sorted: a snapshot is a copy, not a sort
        self.loaded = asyncio.Event()
        self.early: list[tuple[str, bool]] = []  # changes that came while loading
        self.pending: dict[str, bool] = {}  # user -> present, since the last flush
        self.due = 0.0  # time.monotonic() before which no change frame goes out

    def apply(self, user: str, present: bool) -> None:
        at = bisect.bisect_left(self.users, user)
        here = at < len(self.users) and self.users[at] == user
        if present and not here:
            self.users.insert(at, user)
        elif not present and here:
            del self.users[at]


class Roster:
    """Who is in each room served here; changes coalesced per room per interval."""

    def __init__(
        self,
        send: Callable[[str, PresenceChangeFrame], None],
        load: Callable[[str], Awaitable[list[str]]],
        sockets: Callable[[str], int],
        interval: float = 1.0,
    ) -> None:
        self._send = send
        self._load = load
        self._sockets = sockets
        self.interval = interval
        self._views: dict[str, _View] = {}
        self.flushed = 0  # change frames handed to the hub (each goes to every socket)

    async def snapshot(self, room: str, joiner: str | None = None) -> list[str]:
        """Who is in ``room`` now, as this gateway knows it (loaded from the store once),
        sorted; with ``joiner`` too (whose own arrival may still be on its way)."""
        view = self._views.get(room)
        if view is None:
            view = self._views[room] = _View()
            try:
                users = await self._load(room)
            except BaseException:
                del self._views[room]
                view.loaded.set()
                raise
            view.users = sorted(set(users))
            for user, present in view.early:
                view.apply(user, present)
            view.early.clear()
            view.loaded.set()
        else:
            await view.loaded.wait()
            if self._views.get(room) is not view:  # its load failed: try again
                return await self.snapshot(room, joiner)
        users = list(view.users)
        if joiner is not None:
            at = bisect.bisect_left(users, joiner)
            if at == len(users) or users[at] != joiner:
                users.insert(at, joiner)
        return users

    def change(self, room: str, joined: list[str], left: list[str]) -> None:
        """Apply a change frame; it goes to the room's sockets at the next flush."""
        view = self._views.get(room)
        if view is None:
            return  # nobody here has loaded the room: its first joiner will
        for user, present in [(u, False) for u in left] + [(u, True) for u in joined]:
            if view.loaded.is_set():
                view.apply(user, present)
            else:
                view.early.append((user, present))
            view.pending[user] = present

    def flush(self, now: float | None = None) -> None:
        """Send each room's net changes since its last change frame, unless it is not due
        yet (a crowded room); forget rooms nobody here is in."""
        now = time.monotonic() if now is None else now
        for room in list(self._views):
            view = self._views[room]
            sockets = self._sockets(room)
            if not sockets:
                if view.loaded.is_set():
                    del self._views[room]
                continue
            if not view.pending or now < view.due:
                continue
            # Due again after one interval per CROWD sockets (less half an interval, so the
            # next tick after it is never just early).
            view.due = now + self.interval * (max(1.0, sockets / CROWD) - 0.5)
            joined = sorted(u for u, present in view.pending.items() if present)
            left = sorted(u for u, present in view.pending.items() if not present)
            view.pending.clear()
            self.flushed += 1
            self._send(room, presence_change_frame(room, joined, left))

    async def run(self) -> None:
        """Flush every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.flush()
            except Exception:  # one bad room never stops presence for the others
                log.exception("presence flush failed")
