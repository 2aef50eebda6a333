"""Benchmark function: burn.py's work (about 1 ms of CPU per message, then one delivery),
unordered: a share group, so replicas past the partition count get work too."""

from __future__ import annotations

import time

from runtime import Context, Delivery, MessageEvent, on_message

WORK_SECONDS = 0.001


def spin(seconds: float = WORK_SECONDS) -> int:
    """Spin for ``seconds`` of this thread's CPU time (as burn.py does)."""
    end = time.thread_time() + seconds
    total = 0
    while time.thread_time() < end:
        for i in range(200):
            total += i * i
    return total


@on_message(start="earliest", ordered=False)
async def burnshare(event: MessageEvent, ctx: Context) -> Delivery:
    spin()
    return Delivery(room=event.room, frame={"type": "message", "id": event.id})
