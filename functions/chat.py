"""Chat: store each room message once (by id), then deliver it to the room and tell the members
it names (``@name``) wherever they are."""

from __future__ import annotations

from runtime import (
    Context,
    Delivery,
    MessageEvent,
    StoredMessage,
    mention_frame,
    mentions_in,
    on_message,
)


# "earliest": on a fresh system every acked message must be stored, even one acked before this
# function's first worker owned its partitions. 8 retries (about a minute of backoff): a
# dead-lettered message is one a user saw acked and nobody else ever sees.
@on_message(start="earliest", retries=8, min_replicas=1)  # always warm: every message
async def chat(event: MessageEvent, ctx: Context) -> list[Delivery]:
    names = mentions_in(event.text)
    mentioned = await ctx.store.members_named(event.room, names) if names else []
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
            reply_to=event.reply_to,
            mentions=tuple(mentioned),
            attachments=event.attachments,
        )
    )
    deliveries = [Delivery(room=event.room, frame=stored.frame(), seq=stored.seq)]
    # At least once, like the message: a client knows a mention again by its message id.
    mention = dict(mention_frame(stored.id, event.room, stored.author, stored.text))
    others = (name for name in stored.mentions if name != stored.author)
    return deliveries + [Delivery(users=(name,), frame=mention) for name in others]
