"""Presence: keep who is in each room and tell the room after every join and leave."""

from __future__ import annotations

from runtime import Context, Delivery, JoinEvent, LeaveEvent, on_presence
from runtime.frames import presence_frame


@on_presence(start="earliest")
async def presence(event: JoinEvent | LeaveEvent, ctx: Context) -> Delivery:
    if isinstance(event, LeaveEvent):
        users = await ctx.store.presence_leave(event.room, event.user, event.conn)
    else:
        users = await ctx.store.presence_join(event.room, event.user, event.conn)
    return Delivery(room=event.room, frame=dict(presence_frame(event.room, users)))
