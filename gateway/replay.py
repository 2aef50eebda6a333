"""A ``join`` with ``since``: what the socket missed, then live (docs/PROTOCOL.md 3.8).

The session subscribes the socket first (live frames wait in ``sub.buffer``), then ``replay``
sends the room's messages after ``since`` and, in their places, the changes (edits, deletes,
reactions) of any message since then, each as the message is now; ``go_live`` sends the held
frames the replay did not already cover and lets the next ones through.
"""

from __future__ import annotations

from collections import deque

from gateway.link import Encoded
from gateway.peer import Peer, Subscription
from gateway.resources import Resources

PAGE = 200  # messages read at a time


async def replay(res: Resources, peer: Peer, room: str, since: str, sub: Subscription) -> None:
    """Send ``room``'s messages after ``since``, with the changes since, in room order."""
    store, after = res.store, since
    changed = deque(await store.changed_after(room, since))

    async def send(frames: list[dict[str, object]]) -> None:
        for frame in frames:
            res.metrics.frames_out[str(frame["type"])] += 1
            await peer.outbox.put(Encoded.of(frame))

    while True:
        page = await store.room_messages(room, after=after, limit=PAGE)
        for message in page:
            while changed and changed[0].after < (message.seq or 0):
                await send(changed.popleft().frames())
            sub.seq = message.seq or sub.seq
            await send([dict(message.frame())])
        if len(page) < PAGE:
            break
        after = page[-1].id
    while changed:
        await send(changed.popleft().frames())


async def go_live(peer: Peer, sub: Subscription) -> None:
    """Send the frames held during the replay (but the room messages it already sent)."""
    while sub.buffer:
        held, sub.buffer = sub.buffer, []
        for seq, frame in held:
            if sub.admits(seq):
                await peer.outbox.put(frame)
    sub.buffer = None
