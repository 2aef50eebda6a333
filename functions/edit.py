"""Edit: a message's author changes its text; everyone who sees the message gets the new one.

A feature in one file, on the public API: a declared action (``edit``), history
(``ctx.store.change_message``: the text is history, so the store keeps it) and deliveries.

    {"type": "edit", "id": "<message id>", "text": "fixed typo", "client_id": "c1"}

Everyone who sees the message gets ``{"type": "edit", "id", "room" | "from"+"to", "text",
"edited_at", "rev"}``; members the new text names for the first time get a ``mention``. Only
the author edits; a deleted message stays deleted. A refusal is an ``error`` frame to the
sender (``not_found``, ``forbidden``, ``invalid``) and changes nothing.
"""

from __future__ import annotations

from runtime import (
    Action,
    Change,
    Context,
    Delivery,
    MessageId,
    Text,
    mention_frame,
    mentions_in,
    on_action,
)


class Edit(Action):
    target: MessageId
    text: Text


# Like chat: an acked edit is applied, retried for about a minute before dead-lettering.
@on_action("edit", retries=8, min_replicas=0)
async def edit(event: Edit, ctx: Context) -> Delivery | list[Delivery]:
    message = await ctx.store.message(event.target, seen_by=event.user)
    if message is None:
        return event.no_message(event.target, ctx.attempt)
    if message.author != event.user:
        return event.refuse("forbidden", "only its author may edit a message")
    mentioned = []
    if message.room is not None:  # direct messages mention nobody
        mentioned = await ctx.store.members_named(message.room, mentions_in(event.text))
    change = Change(
        id=event.id,
        message=message.id,
        actor=event.user,
        kind="edit",
        ts=event.ts,
        client_id=event.client_id,
        text=event.text,
        mentions=tuple(mentioned),
    )
    changed, applied = await ctx.store.change_message(change)
    if changed.deleted:
        return event.refuse("invalid", f"message {message.id!r} was deleted")
    deliveries = [changed.deliver(changed.edit_frame())]
    if applied and changed.room is not None:
        fresh = [n for n in changed.mentions if n not in message.mentions and n != event.user]
        frame = dict(mention_frame(changed.id, changed.room, changed.author, changed.text))
        deliveries += [Delivery(users=(name,), frame=frame) for name in fresh]
    return deliveries
