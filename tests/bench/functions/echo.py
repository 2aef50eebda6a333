"""Echo: a declared action that keeps a per-room count in ``ctx.state`` and delivers the text
back to the room, for the action path of tests/bench/bench_latency.py (the message path
stores the message; this one writes its state)."""

from __future__ import annotations

from runtime import Action, Context, Delivery, Room, Text, on_action


class Echo(Action):
    room: Room
    text: Text


@on_action("echo")
async def echo(event: Echo, ctx: Context) -> Delivery:
    n = await ctx.state.incr(f"echoes:{event.room}")
    frame = {"type": "echo", "room": event.room, "user": event.user, "text": event.text, "n": n}
    return Delivery(room=event.room, frame=frame)
