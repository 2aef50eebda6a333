"""Benchmark function: the trivial handler every contender runs (one delivery per message)."""

from __future__ import annotations

from runtime import Context, Delivery, MessageEvent, on_message


def relay_delivery(event: MessageEvent) -> Delivery:
    return Delivery(room=event.room, frame={"type": "message", "id": event.id, "text": event.text})


@on_message(concurrency=64, start="earliest")
async def relay(event: MessageEvent, ctx: Context) -> Delivery:
    return relay_delivery(event)
