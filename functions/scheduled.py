"""Scheduled messages: write now, send later, as yourself; edit or cancel before it goes.

A feature in one file, on ``ctx.later`` (durable timers) and ``ctx.state``. Clients send

    {"type": "scheduled", "room": "lobby", "text": "hi", "at": "2026-12-08T09:00:00Z",
     "client_id": "c1"}                                       to schedule a message,
    {"type": "scheduled", "room": "lobby", "id": "<id>", "text": "hello", "client_id": "c2"}
                                     to change its text and/or ``at`` before it goes,
    {"type": "scheduled", "room": "lobby", "id": "<id>", "cancel": true, "client_id": "c3"}
    {"type": "scheduled", "room": "lobby", "client_id": "c4"}  to be sent the list.

The gateway accepts them only from someone who may post in the room. Each answer is the
sender's pending messages for that room, ``{"type": "scheduled", "room", "messages": [{"id",
"room", "text", "at"}]}``, to the sender alone. When one is due, its timer wakes this function,
which posts it to the room as its author (a ``message`` like any other, ``bot`` false) if the
author is still a member then; otherwise it is not sent, and the author is told: a
``{"type": "scheduled_failed", "id", "room", "text", "reason"}`` frame and a direct message
from ``scheduled``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pydantic import Field, JsonValue

from runtime import Action, Context, Delivery, Event, MessageEvent, PrivateEvent, Room, on_action

KEPT = 50  # pending scheduled messages per user
LONGEST = timedelta(days=366)
FORGET_SENT = timedelta(days=1)  # a sent one is kept this long, for a redelivered wake-up
Entries = list[dict[str, JsonValue]]


class Scheduled(Action):
    room: Room
    text: str | None = Field(default=None, min_length=1, max_length=4000)
    at: datetime | None = None
    target: str | None = Field(default=None, min_length=1, max_length=64)
    cancel: bool = False
    send: bool = False  # set by the timer


@on_action("scheduled", min_replicas=1)  # warm: its ctx.later timers fire from its workers
async def scheduled(event: Scheduled, ctx: Context) -> list[Event] | Event:
    if event.send:
        return await _send(event, ctx)
    if event.target is not None:
        if event.cancel:
            return await _cancel(event, event.target, ctx)
        return await _edit(event, event.target, ctx)
    if event.text is None and event.at is None:
        return await _listing(event.user, event.room, ctx)
    return await _create(event, ctx)


def _check(text: str | None, at: datetime | None) -> str | None:
    """What is wrong with this text and time, or None."""
    if text is not None and not text.strip():
        return "the message is empty: write something"
    if at is None:
        return None
    if at.tzinfo is None:
        return "give the time with its offset or Z (RFC 3339)"
    now = datetime.now(UTC)
    if at <= now:
        return "that time has passed: pick a time in the future"
    if at - now > LONGEST:
        return "a message can be scheduled at most a year ahead"
    return None


async def _create(event: Scheduled, ctx: Context) -> Event:
    if event.text is None or event.at is None:
        return event.refuse("invalid", "a scheduled message needs text and at")
    problem = _check(event.text, event.at)
    if problem is not None:
        return event.refuse("invalid", problem)
    # At least once: a redelivery, or the client's retry with its client_id, schedules one.
    request = f"request:{event.user}:{event.client_id or event.id}"
    if await ctx.state.get(request) is not None:
        return await _listing(event.user, event.room, ctx)
    if len(_pending(await _entries(event.user, ctx))) >= KEPT:
        return event.refuse("invalid", f"you have {KEPT} scheduled messages: cancel one first")
    timer = await ctx.later(event.at, _wake(event))
    entry: dict[str, JsonValue] = {
        "id": timer,
        "timer": timer,
        "room": event.room,
        "text": event.text.strip(),
        "at": _rfc(event.at),
    }
    await _change(event.user, ctx, lambda entries: [*_fresh(entries), entry])
    await ctx.state.set(request, timer)
    return await _listing(event.user, event.room, ctx)


async def _edit(event: Scheduled, id: str, ctx: Context) -> Event:
    entry = _find(await _entries(event.user, ctx), id, event.room)
    if entry is None:
        return event.refuse("not_found", f"no scheduled message {id!r} in #{event.room}")
    if event.text is None and event.at is None:
        return event.refuse("invalid", "say what to change: text, at, or cancel")
    problem = _check(event.text, event.at)
    if problem is not None:
        return event.refuse("invalid", problem)
    if not await ctx.cancel(str(entry["timer"])):
        return event.refuse("not_found", "it is being sent already: too late to change it")
    text = event.text.strip() if event.text is not None else str(entry["text"])
    at = event.at if event.at is not None else datetime.fromisoformat(str(entry["at"]))
    timer = await ctx.later(at, _wake(event))
    changed = {**entry, "timer": timer, "text": text, "at": _rfc(at)}
    await _change(
        event.user, ctx, lambda entries: [changed if e.get("id") == id else e for e in entries]
    )
    return await _listing(event.user, event.room, ctx)


async def _cancel(event: Scheduled, id: str, ctx: Context) -> Event:
    entry = _find(await _entries(event.user, ctx), id, event.room)
    if entry is None:
        return event.refuse("not_found", f"no scheduled message {id!r} in #{event.room}")
    if not await ctx.cancel(str(entry["timer"])):
        return event.refuse("not_found", "it is being sent already: too late to cancel it")
    await _change(event.user, ctx, lambda entries: [e for e in entries if e.get("id") != id])
    return await _listing(event.user, event.room, ctx)


async def _send(event: Scheduled, ctx: Context) -> list[Event]:
    """A timer is due: ``event.id`` is its id, which no client can send."""
    entries = await _entries(event.user, ctx)
    entry = next((e for e in entries if e.get("timer") == event.id), None)
    if entry is None:
        return []  # cancelled or edited meanwhile, or not from a timer
    id, room, text = str(entry["id"]), str(entry["room"]), str(entry["text"])
    if entry.get("sent") is None:  # a redelivered wake-up sends the same again
        sent = {**entry, "sent": _rfc(datetime.now(UTC))}
        await _change(
            event.user, ctx, lambda known: [sent if e.get("id") == id else e for e in known]
        )
    if await ctx.store.room_role(room, event.user) is None:
        reason = f"you are no longer a member of #{room}"
        failed: dict[str, JsonValue] = {
            "type": "scheduled_failed",
            "id": id,
            "room": room,
            "text": text,
            "reason": reason,
        }
        told = f"Your scheduled message to #{room} was not sent ({reason}): {text}"
        return [
            Delivery(users=(event.user,), frame=failed),
            PrivateEvent(id=id, sender=ctx.function, to=event.user, text=told, bot=True),
            await _listing(event.user, room, ctx),
        ]
    # The message's id is the scheduled one's: sent twice, it is stored once.
    message = MessageEvent(id=id, room=room, user=event.user, text=text)
    return [message, await _listing(event.user, room, ctx)]


def _wake(event: Scheduled) -> Scheduled:
    return event.model_copy(update={"send": True, "text": None, "at": None, "target": None})


def _find(entries: list[dict[str, JsonValue]], id: str, room: str) -> dict[str, JsonValue] | None:
    return next((e for e in _pending(entries) if e.get("id") == id and e.get("room") == room), None)


def _pending(entries: list[dict[str, JsonValue]]) -> list[dict[str, JsonValue]]:
    return [e for e in entries if e.get("sent") is None]


def _fresh(entries: list[dict[str, JsonValue]]) -> list[dict[str, JsonValue]]:
    """Without the ones sent more than ``FORGET_SENT`` ago."""
    horizon = _rfc(datetime.now(UTC) - FORGET_SENT)
    return [e for e in entries if not (isinstance(e.get("sent"), str) and str(e["sent"]) < horizon)]


def _key(user: str) -> str:
    return f"scheduled:{user}"


async def _entries(user: str, ctx: Context) -> list[dict[str, JsonValue]]:
    known = await ctx.state.get(_key(user))
    return [e for e in known if isinstance(e, dict)] if isinstance(known, list) else []


async def _change(user: str, ctx: Context, fn: Callable[[Entries], Entries]) -> None:
    def apply(known: JsonValue) -> JsonValue:
        entries = [e for e in known if isinstance(e, dict)] if isinstance(known, list) else []
        changed: list[JsonValue] = [dict(e) for e in fn(entries)]
        return sorted(changed, key=lambda e: str(e["at"]) if isinstance(e, dict) else "")

    await ctx.state.update(_key(user), apply)


async def _listing(user: str, room: str, ctx: Context) -> Delivery:
    mine = [e for e in _pending(await _entries(user, ctx)) if e.get("room") == room]
    messages: list[JsonValue] = [
        {"id": e["id"], "room": e["room"], "text": e["text"], "at": e["at"]} for e in mine
    ]
    frame: dict[str, JsonValue] = {"type": "scheduled", "room": room, "messages": messages}
    return Delivery(users=(user,), frame=frame)


def _rfc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
