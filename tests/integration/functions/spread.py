"""Test function (unordered: a share group): appends "<event id> <delivery count>" to
data_dir/spread/<pid>.txt, one file per replica; the text "poison" always fails, and "slow"
takes 20 s (past a 15 s acquisition lock)."""

from __future__ import annotations

import asyncio
import os

from runtime import Context, MessageEvent, on_message


@on_message(ordered=False, start="earliest", retries=2, concurrency=4)
async def spread(event: MessageEvent, ctx: Context) -> None:
    if event.text == "poison":
        raise RuntimeError("poison")
    if event.text == "slow":
        await asyncio.sleep(20)
    folder = ctx.settings.data_dir / "spread"
    folder.mkdir(exist_ok=True)
    with open(folder / f"{os.getpid()}.txt", "a") as out:
        out.write(f"{event.id} {ctx.delivery_count}\n")
