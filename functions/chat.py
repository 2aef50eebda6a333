"""Chat: store each room message once (by id), then deliver it to the room."""

from __future__ import annotations

from runtime import Context, Delivery, MessageEvent, StoredMessage, on_message


# "earliest": on a fresh system every acked message must be stored, even one acked before this
# function's first worker owned its partitions. 8 retries (about a minute of backoff): a
# dead-lettered message is one a user saw acked and nobody else ever sees.
@on_message(start="earliest", retries=8)
async def chat(event: MessageEvent, ctx: Context) -> Delivery:
    # A redelivered event (or a client's retry) finds the stored row and delivers it again with
    # the same id; gateways drop frames they already sent, so nobody sees it twice.
    stored, _ = await ctx.store.save_message(
        StoredMessage(
            id=event.id,
            author=event.user,
            text=event.text,
            ts=event.ts,
            room=event.room,
            client_id=event.client_id,
            bot=event.bot,
        )
    )
    return Delivery(room=event.room, frame=stored.frame(), seq=stored.seq)
