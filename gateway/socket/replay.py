"""A ``join`` (docs/PROTOCOL.md 3.4): the room entered, the socket subscribed, the presence
snapshot, with ``since`` what the socket missed (3.8), then live.

``join_room`` subscribes the socket first (live frames wait in ``sub.buffer``), then ``replay``
sends the room's messages after ``since`` and, in their places, the changes (edits, deletes,
reactions) of any message since then, each as the message is now; ``go_live`` sends the held
frames the replay did not already cover and lets the next ones through.

A replay is bounded twice over. Per join: at most ``replay_limit`` messages (the newest), and as
many change frames; past that a ``replay`` frame with ``truncated: true`` comes first, and the
client pages the rest over REST. Per socket: frames go through ``Peer.put``, so a client that
does not read is closed with 1013 (``send_timeout``) instead of pinning the replay in memory.
"""

from __future__ import annotations

from collections import deque

from gateway.delivery.peer import Peer, Subscription
from gateway.delivery.publisher import Unavailable
from gateway.delivery.wire import Encoded
from gateway.protocol.inbound import Refusal
from gateway.resources import Resources
from runtime.errors import UserError
from runtime.events import JoinEvent
from runtime.frames import presence_frame, replay_frame
from runtime.history import StoredMessage

PAGE = 200  # messages read at a time


async def join_room(res: Resources, peer: Peer, room: str, since: str | None) -> None:
    """Enter ``room`` (``Refusal`` when the user may not), subscribe (buffering live frames),
    send the presence snapshot, replay after ``since``, then go live: every message once, in
    order."""
    try:
        await res.rooms.enter(room, peer.user, limit=res.settings.gateway.room_limit)
    except UserError as exc:
        raise Refusal(exc.code, exc.detail) from None
    peer.barred.discard(room)
    current = peer.rooms.get(room)
    conn = current.conn if current else res.presence.adopt(peer.user, room) or peer.conn
    sub = res.hub.subscribe(peer, room, conn)
    announced = res.publisher.send(JoinEvent(room=room, user=peer.user, conn=conn))
    # Who is here: the roster's view, and this user (whose own join may still be on its
    # way). Changes follow, coalesced, as presence frames with joined and left.
    users = await res.roster.snapshot(room, peer.user)
    res.metrics.frames_out["presence"] += 1
    await peer.put(Encoded.of(presence_frame(room, users)))  # False: closing (1013)
    if since is not None:
        # Live frames wait in ``sub.buffer`` meanwhile; those at or before ``since`` (which
        # the client has) or a replayed message are copies. This gateway may have started
        # after the client's last message: its own record of the room says nothing of it.
        sub.seq = await res.store.room_mark(room, since)
        await replay(res, peer, room, since, sub)
    await go_live(peer, sub)
    try:
        await res.publisher.settle(announced)
    except Unavailable:
        raise Refusal(
            "unavailable",
            f"joined {room!r}, but presence could not be announced (Kafka is unreachable)",
        ) from None


async def replay(res: Resources, peer: Peer, room: str, since: str, sub: Subscription) -> None:
    """Send ``room``'s messages after ``since`` (the newest ``replay_limit`` of them), with
    the changes since, in room order."""
    store, limit = res.store, res.settings.gateway.replay_limit
    after, first = await _start(res, room, since, sub.seq, limit)
    changed = await store.changed_after(room, since)
    truncated = first is not None or len(changed) > limit
    changes = deque(changed[-limit:])  # the newest changes, in the room's order

    async def send(frames: list[dict[str, object]]) -> bool:
        for frame in frames:
            res.metrics.frames_out[str(frame["type"])] += 1
            if not await peer.put(Encoded.of(frame)):
                return False  # the client does not read: the socket is closing (1013)
        return True

    if truncated and not await send([dict(replay_frame(room, first))]):
        return
    while True:
        page = await store.room_messages(room, after=after, limit=PAGE)
        for message in page:
            while changes and changes[0].after < (message.seq or 0):
                if not await send(changes.popleft().frames()):
                    return
            sub.seq = message.seq or sub.seq
            if not await send([dict(message.frame())]):
                return
        if len(page) < PAGE:
            break
        after = page[-1].id
    while changes:
        if not await send(changes.popleft().frames()):
            return


async def _start(
    res: Resources, room: str, since: str, mark: int, limit: int
) -> tuple[str, str | None]:
    """Where the replay starts: ``(after, None)`` when at most ``limit`` messages follow
    ``since`` (at storage position ``mark``; 0: not a message of the room); otherwise
    ``(id of the message before the newest limit, id of the first of them)``: the replay is
    cut, and the client pages what came before that first one over REST."""
    newest: list[StoredMessage] = await res.store.room_messages(room, limit=limit + 1)
    if len(newest) <= limit or (newest[0].seq or 0) <= mark:
        return since, None
    return newest[0].id, newest[1].id


async def go_live(peer: Peer, sub: Subscription) -> None:
    """Send the frames held during the replay (but the room messages it already sent)."""
    while sub.buffer:
        held, sub.buffer = sub.buffer, []
        for seq, frame in held:
            if sub.admits(seq) and not await peer.put(frame):
                sub.buffer = None
                return
    sub.buffer = None
