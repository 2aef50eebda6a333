"""Test function (unordered: a share group): appends "<event id> <delivery count>" to
data_dir/spread/<pid>.txt, one file per replica; the text "poison" always fails."""

from __future__ import annotations

import os

from runtime import Context, MessageEvent, on_message


@on_message(ordered=False, start="earliest", retries=2, concurrency=4)
async def spread(event: MessageEvent, ctx: Context) -> None:
    if event.text == "poison":
        raise RuntimeError("poison")
    folder = ctx.settings.data_dir / "spread"
    folder.mkdir(exist_ok=True)
    with open(folder / f"{os.getpid()}.txt", "a") as out:
        out.write(f"{event.id} {ctx.delivery_count}\n")
