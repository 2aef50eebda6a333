"""Poll: ask a room a question; each member votes once; everyone sees the totals live.

A feature in one file, on the public API only: a declared action (``poll``), the function's
own state (``ctx.state``) and deliveries of its own frame type. Clients send

    {"type": "poll", "room": "lobby", "question": "Lunch?", "options": ["pizza", "soup"],
     "client_id": "c1"}                                         to open a poll, and
    {"type": "poll", "room": "lobby", "poll": "<id>", "vote": 1, "client_id": "c2"}

to vote for option 1, and ``{"type": "poll", "room": "lobby", "client_id": "c3"}`` (no other
field) to be sent the room's latest polls, as a client does when it joins. Everyone in the
room gets the poll as it is now:

    {"type": "poll", "id", "room", "question", "options", "totals": [n, ...], "votes":
     {"<user>": <option>}, "by"}

A user's first vote counts; a second one changes nothing. A vote for an unknown poll or
option is answered to the sender alone with an ``error`` frame.
"""

from __future__ import annotations

from pydantic import Field, JsonValue

from runtime import Action, Context, Delivery, Room, Text, on_action


class Poll(Action):
    room: Room
    question: Text | None = None
    options: list[Text] | None = Field(default=None, min_length=2, max_length=10)
    poll: str | None = Field(default=None, min_length=1, max_length=64)
    vote: int | None = Field(default=None, ge=0, le=9)


KEPT = 20  # polls a room lists to a client that joins


@on_action("poll", min_replicas=0)
async def poll(event: Poll, ctx: Context) -> Delivery | list[Delivery]:
    if event.poll is not None:
        return await _vote(event, event.poll, ctx)
    if event.question is None and event.options is None and event.vote is None:
        return await _list(event, ctx)
    return await _open(event, ctx)


async def _list(event: Poll, ctx: Context) -> list[Delivery]:
    """The room's latest polls, to the sender's sockets only."""
    ids = await ctx.state.get(f"room:{event.room}")
    listed = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
    found = [(i, await ctx.state.get(f"poll:{i}")) for i in listed]
    return [Delivery(users=(event.user,), frame=_frame(i, p)) for i, p in found if p is not None]


async def _open(event: Poll, ctx: Context) -> Delivery:
    if event.question is None or event.options is None:
        return event.refuse("invalid", "a new poll needs a question and 2-10 options")
    # At least once: a redelivered event, or the client's retry of the same request through
    # another gateway (a new event id), must open one poll. The request picks the poll's id
    # once, and the poll is written only if absent.
    request = f"request:{event.user}:{event.client_id or event.id}"
    poll_id = str(await ctx.state.update(request, lambda known: known or event.id))
    fresh: dict[str, JsonValue] = {
        "room": event.room,
        "question": event.question,
        "options": [*event.options],
        "votes": {},
        "by": event.user,
    }
    current = await ctx.state.update(f"poll:{poll_id}", lambda known: known or fresh)

    def listed(ids: JsonValue) -> JsonValue:
        known = ids if isinstance(ids, list) else []
        return known if poll_id in known else [*known, poll_id][-KEPT:]

    await ctx.state.update(f"room:{event.room}", listed)
    return Delivery(room=event.room, frame=_frame(poll_id, current))


async def _vote(event: Poll, poll_id: str, ctx: Context) -> Delivery:
    current = await ctx.state.get(f"poll:{poll_id}")
    if not isinstance(current, dict) or current.get("room") != event.room:
        return event.refuse("invalid", f"there is no poll {poll_id!r} in #{event.room}")
    options = current["options"]
    count = len(options) if isinstance(options, list) else 0
    if event.vote is None or event.vote >= count:
        return event.refuse("invalid", f"vote for an option between 0 and {count - 1}")
    choice, user = event.vote, event.user

    def cast(known: JsonValue) -> JsonValue:
        if not isinstance(known, dict) or not isinstance(known["votes"], dict):
            return known
        if user in known["votes"]:
            return known  # the first vote counts (and a redelivered vote changes nothing)
        return {**known, "votes": {**known["votes"], user: choice}}

    updated = await ctx.state.update(f"poll:{poll_id}", cast)
    return Delivery(room=event.room, frame=_frame(poll_id, updated))


def _frame(poll_id: str, poll: JsonValue) -> dict[str, JsonValue]:
    if not isinstance(poll, dict):
        raise TypeError(f"poll {poll_id} in state is {poll!r}, not an object")
    options, votes = poll["options"], poll["votes"]
    count = len(options) if isinstance(options, list) else 0
    chosen = list(votes.values()) if isinstance(votes, dict) else []
    totals: list[JsonValue] = [chosen.count(n) for n in range(count)]
    return {"type": "poll", "id": poll_id, **poll, "totals": totals}
