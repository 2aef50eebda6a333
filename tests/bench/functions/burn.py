"""Benchmark function: about 1 ms of pure-Python CPU work per message, then one delivery."""

from __future__ import annotations

import time

from runtime import Context, Delivery, MessageEvent, on_message

WORK_SECONDS = 0.001


def spin(seconds: float = WORK_SECONDS) -> int:
    """Spin for ``seconds`` of this thread's CPU time (not wall time, so a descheduled
    replica does not get its work done for free)."""
    end = time.thread_time() + seconds
    total = 0
    while time.thread_time() < end:
        for i in range(200):
            total += i * i
    return total


@on_message(start="earliest")
async def burn(event: MessageEvent, ctx: Context) -> Delivery:
    spin()
    return Delivery(room=event.room, frame={"type": "message", "id": event.id})
