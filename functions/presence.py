"""Presence: keep who is in each room; tell the room when someone comes or goes.

A user is present while any of their connections is in the room, so a second tab changes
nothing. Each change is one small frame; every gateway coalesces the changes of a room into at
most one frame per second for its sockets, and gives a joining socket the whole list.
"""

from __future__ import annotations

from runtime import Context, Delivery, JoinEvent, LeaveEvent, on_presence, presence_change_frame


@on_presence(start="earliest", min_replicas=1)
async def presence(event: JoinEvent | LeaveEvent, ctx: Context) -> Delivery | None:
    room, user = event.room, event.user
    if isinstance(event, LeaveEvent):
        if await ctx.store.presence_leave(room, user, event.conn):
            return Delivery(room=room, frame=dict(presence_change_frame(room, [], [user])))
        return None
    if await ctx.store.presence_join(room, user, event.conn):
        return Delivery(room=room, frame=dict(presence_change_frame(room, [user], [])))
    return None
