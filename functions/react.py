"""React: toggle an emoji on a message; everyone who sees it gets its reactions as they are now.

A feature in one file, on the public API: a declared action (``react``), history
(``ctx.store.change_message``: reactions show in history and replay in the room's order) and
deliveries.

    {"type": "react", "id": "<message id>", "emoji": "🎉", "client_id": "c1"}

The first toggle adds the sender's reaction, the next removes it; a retried frame (same
``client_id``) toggles once. Everyone who sees the message gets ``{"type": "reactions", "id",
"room" | "from"+"to", "reactions": {"🎉": ["ada", ...]}, "rev"}``. Anyone who may see the
message may react; a deleted message takes none.
"""

from __future__ import annotations

from pydantic import Field

from runtime import Action, Change, Context, Delivery, MessageId, on_action


class React(Action):
    target: MessageId
    emoji: str = Field(min_length=1, max_length=32, pattern=r"^\S+$")


@on_action("react", retries=8, min_replicas=0)
async def react(event: React, ctx: Context) -> Delivery:
    message = await ctx.store.message(event.target, seen_by=event.user)
    if message is None:
        return event.no_message(event.target, ctx.attempt)
    change = Change(
        id=event.id,
        message=message.id,
        actor=event.user,
        kind="react",
        ts=event.ts,
        client_id=event.client_id,
        emoji=event.emoji,
    )
    changed, _ = await ctx.store.change_message(change)
    if changed.deleted:
        return event.refuse("invalid", f"message {message.id!r} was deleted")
    return changed.deliver(changed.reactions_frame())
