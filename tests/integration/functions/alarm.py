"""Alarm: sets a timer for the tests of ``ctx.later``. ``{"type": "alarm", "delay": 3}``
answers ``alarm_set`` with the timer's id at once, and ``rang`` with the same id when due."""

from __future__ import annotations

from pydantic import Field

from runtime import Action, Context, Delivery, on_action


class Alarm(Action):
    delay: float = Field(ge=0, le=3600)


@on_action("alarm")
async def alarm(event: Alarm, ctx: Context) -> Delivery:
    rang = Delivery(users=(event.user,), frame={"type": "rang", "set_by": event.id})
    timer = await ctx.later(event.delay, rang)
    return Delivery(users=(event.user,), frame={"type": "alarm_set", "timer": timer})
