"""Test function: fails while data_dir/fail exists, else appends the event id to ok.txt."""

from __future__ import annotations

from runtime import Context, MessageEvent, on_message


@on_message(retries=1)
async def moody(event: MessageEvent, ctx: Context) -> None:
    if (ctx.settings.data_dir / "fail").exists():
        raise RuntimeError("switched off")
    with open(ctx.settings.data_dir / "ok.txt", "a") as out:
        out.write(event.id + "\n")
