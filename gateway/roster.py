"""Presence v2 for this gateway's sockets: a snapshot on join, then coalesced changes.

The presence function sends one small change per arrival or departure (``joined`` or ``left``
one user). Sending each to every socket of the room would cost joins x members frames; instead
this gateway keeps, for every room it has sockets in, who is there (its view), gives a joining
socket the whole view at once, and sends the room's net changes at most once per
``gateway.presence_interval`` (one second). N sockets joining one room then cost N snapshots plus
one change frame per socket per second, not N^2/2 frames.

    roster = Roster(send=hub.broadcast, load=store.room_users, serves=hub.serves_room)
    users = await roster.snapshot("lobby")     # who is there now (loaded once per room)
    roster.change("lobby", ["ada"], [])        # from a delivered change frame
    await roster.run()                         # flushes each interval, until cancelled

A view is loaded from the store the first time a socket here joins the room. Changes are in room
order (one partition) and each names the user's new state, so applying them after the load
converges even when some were already in it. A room with no socket here is forgotten.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from runtime.frames import PresenceChangeFrame, presence_change_frame

log = logging.getLogger("parley.gateway")


class _View:
    def __init__(self) -> None:
        self.users: set[str] = set()
        self.loaded = asyncio.Event()
        self.early: list[tuple[str, bool]] = []  # changes that came while loading
        self.pending: dict[str, bool] = {}  # user -> present, since the last flush


class Roster:
    """Who is in each room served here; changes coalesced per room per interval."""

    def __init__(
        self,
        send: Callable[[str, PresenceChangeFrame], None],
        load: Callable[[str], Awaitable[list[str]]],
        serves: Callable[[str], bool],
        interval: float = 1.0,
    ) -> None:
        self._send = send
        self._load = load
        self._serves = serves
        self.interval = interval
        self._views: dict[str, _View] = {}
        self.flushed = 0  # change frames handed to the hub (each goes to every socket)

    async def snapshot(self, room: str) -> list[str]:
        """Who is in ``room`` now, as this gateway knows it (loaded from the store once)."""
        view = self._views.get(room)
        if view is None:
            view = self._views[room] = _View()
            try:
                users = await self._load(room)
            except BaseException:
                del self._views[room]
                view.loaded.set()
                raise
            view.users.update(users)
            for user, present in view.early:
                _apply(view.users, user, present)
            view.early.clear()
            view.loaded.set()
        else:
            await view.loaded.wait()
            if self._views.get(room) is not view:  # its load failed: try again
                return await self.snapshot(room)
        return sorted(view.users)

    def change(self, room: str, joined: list[str], left: list[str]) -> None:
        """Apply a change frame; it goes to the room's sockets at the next flush."""
        view = self._views.get(room)
        if view is None:
            return  # nobody here has loaded the room: its first joiner will
        for user, present in [(u, False) for u in left] + [(u, True) for u in joined]:
            if view.loaded.is_set():
                _apply(view.users, user, present)
            else:
                view.early.append((user, present))
            view.pending[user] = present

    def flush(self) -> None:
        """Send each room's net changes since the last flush; forget rooms nobody is in."""
        for room in list(self._views):
            view = self._views[room]
            if not self._serves(room):
                if view.loaded.is_set():
                    del self._views[room]
                continue
            if not view.pending:
                continue
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


def _apply(users: set[str], user: str, present: bool) -> None:
    if present:
        users.add(user)
    else:
        users.discard(user)
