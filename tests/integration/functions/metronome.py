"""Metronome: a fast schedule for the schedule tests; each tick it handles becomes one
delivery naming the tick, so a test counts how often each tick ran."""

from __future__ import annotations

from runtime import Context, Delivery, Tick, every


@every(seconds=0.25)
async def metronome(tick: Tick, ctx: Context) -> Delivery:
    frame = {"type": "ticked", "id": tick.id, "scheduled": tick.scheduled.isoformat()}
    return Delivery(users=("observer",), frame=frame)
