"""Bot: answers slash commands in the room they were typed in.

/help           what the bot understands
/roll 2d6       dice: N dice of S sides (at most 100 dice of 1000 sides)
/who            who is in this room

Its trigger only wants messages whose text starts with "/": the others never wake it.
"""

from __future__ import annotations

import random
import re

from runtime import Context, MessageEvent, Reply, on_message

DICE = re.compile(r"^(\d{1,3})d(\d{1,4})$")
HELP = "commands: /help, /roll NdS (e.g. /roll 2d6), /who"


# min_replicas=0: sleeps when idle under --autoscale, and only a command ("/...") wakes it
@on_message(match={"text": {"prefix": "/"}}, min_replicas=0)
async def bot(event: MessageEvent, ctx: Context) -> Reply | None:
    if not event.text.startswith("/"):  # the filter says so too; a direct call may not
        return None
    command, _, arg = event.text[1:].partition(" ")
    if command == "help":
        return Reply(room=event.room, text=HELP)
    if command == "roll":
        return Reply(room=event.room, text=roll(event.user, arg.strip() or "1d6"))
    if command == "who":
        users = await ctx.store.room_users(event.room)
        return Reply(room=event.room, text=f"in #{event.room}: {', '.join(users) or 'nobody'}")
    return Reply(room=event.room, text=f"unknown command /{command}; {HELP}")


def roll(user: str, spec: str) -> str:
    match = DICE.match(spec)
    if match is None:
        return f"{user}: cannot roll {spec!r}; write NdS, e.g. 2d6"
    count, sides = int(match.group(1)), int(match.group(2))
    if not (1 <= count <= 100 and 1 <= sides <= 1000):
        return f"{user}: roll between 1d1 and 100d1000"
    dice = [random.randint(1, sides) for _ in range(count)]
    return f"{user} rolled {spec}: {' + '.join(map(str, dice))} = {sum(dice)}"
