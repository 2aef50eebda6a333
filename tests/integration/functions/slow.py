"""Test function: takes 20 ms per event and appends its id to data_dir/handled.txt."""

from __future__ import annotations

import asyncio

from runtime import Context, MessageEvent, on_message


@on_message(concurrency=8)
async def slow(event: MessageEvent, ctx: Context) -> None:
    await asyncio.sleep(0.02)
    with open(ctx.settings.data_dir / "handled.txt", "a") as out:
        out.write(event.id + "\n")
