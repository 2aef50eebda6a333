"""Delete: the author, or an owner or admin of the room, takes a message back.

A feature in one file, on the public API: a declared action (``delete``), history
(``ctx.store.change_message``: a tombstone stays, with no text and no reactions) and
deliveries.

    {"type": "delete", "id": "<message id>", "client_id": "c1"}

Everyone who sees the message gets ``{"type": "delete", "id", "room" | "from"+"to", "rev"}``;
history shows it as ``deleted: true`` with ``text: ""``. Anyone else is refused with an
``error`` frame (``forbidden``) and nothing changes.
"""

from __future__ import annotations

from runtime import Action, Change, Context, Delivery, MessageId, on_action

MODERATORS = ("owner", "admin")


class Delete(Action):
    target: MessageId


@on_action("delete", retries=8, min_replicas=0)
async def delete(event: Delete, ctx: Context) -> Delivery:
    message = await ctx.store.message(event.target, seen_by=event.user)
    if message is None:
        return event.no_message(event.target, ctx.attempt)
    if message.author != event.user and not (
        message.room is not None
        and await ctx.store.room_role(message.room, event.user) in MODERATORS
    ):
        return event.refuse(
            "forbidden", "only its author, or an owner or admin of its room, may delete it"
        )
    change = Change(
        id=event.id,
        message=message.id,
        actor=event.user,
        kind="delete",
        ts=event.ts,
        client_id=event.client_id,
    )
    changed, _ = await ctx.store.change_message(change)
    return changed.deliver(changed.delete_frame())
