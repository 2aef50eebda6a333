"""Private: store a direct message, then deliver it to its two parties only."""

from __future__ import annotations

from runtime import Context, Delivery, PrivateEvent, StoredMessage, on_private


# Like chat: every acked message is stored, retried for about a minute before dead-lettering.
@on_private(start="earliest", retries=8, min_replicas=1)
async def private(event: PrivateEvent, ctx: Context) -> Delivery:
    stored, _ = await ctx.store.save_message(
        StoredMessage(
            id=event.id,
            author=event.sender,
            text=event.text,
            ts=event.ts,
            recipient=event.to,
            client_id=event.client_id,
            bot=event.bot,
            reply_to=event.reply_to,
            attachments=event.attachments,
        )
    )
    return stored.deliver(stored.frame())
