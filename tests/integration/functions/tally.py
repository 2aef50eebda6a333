"""Tally: marks each (user, n) a client sends in one shared state value; for the race and
kill -9 tests. Actions are keyed by their sender, so replicas update the value concurrently."""

from __future__ import annotations

from pydantic import Field, JsonValue

from runtime import Action, Context, Delivery, on_action


class Tally(Action):
    n: int = Field(ge=0, le=100_000)


@on_action("tally", concurrency=8)
async def tally(event: Tally, ctx: Context) -> Delivery:
    mark = f"{event.user}:{event.n}"

    def add(marks: JsonValue) -> JsonValue:
        known = marks if isinstance(marks, list) else []
        return known if mark in known else [*known, mark]

    marks = await ctx.state.update("marks", add)
    count = len(marks) if isinstance(marks, list) else 0
    return Delivery(users=(event.user,), frame={"type": "tallied", "mark": mark, "count": count})
