"""Remind: ``/remind me in 10m stand up``, ``/remind #team tomorrow 09:00 retro``.

A feature in one file, on ``ctx.later`` (durable timers) and ``ctx.state``. The composer sends
what follows ``/remind`` as an action, with the client's time zone:

    {"type": "remind", "text": "me in 10m stand up", "tz": "Europe/Paris", "client_id": "c1"}
    {"type": "remind", "text": "list", "client_id": "c2"}              # or no text at all
    {"type": "remind", "cancel": "<reminder id>", "client_id": "c3"}

Times: ``in 10m``, ``in 1h30m``, ``in 2 hours``, ``at 17:30`` (today, or tomorrow once past),
``tomorrow`` (09:00), ``tomorrow 09:00``, ``2026-12-24 18:00``. Each answer is the sender's
pending reminders, ``{"type": "reminders", "reminders": [{"id", "at", "text", "room"}]}``, to
the sender alone; a command it cannot read is refused with an ``error`` frame saying how.

When a reminder is due its timer wakes this function (the same action, with the timer's id as
the event's id, which no client can send): the reminder arrives as a direct message from
``remind`` (or in the room, if the user may still post there; otherwise privately, saying
so) together with a ``{"type": "reminder", "id", "text", "room"}`` frame, which the UI shows
as a browser notification.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, JsonValue

from runtime import Action, Context, Delivery, Event, MessageEvent, PrivateEvent, on_action

USAGE = "/remind me|#room in 10m|at 17:30|tomorrow 09:00 what to remember"
KEPT = 25  # pending reminders per user
LONGEST = timedelta(days=366)
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Unit words -> the letter of UNITS.
WORDS = {
    word: unit
    for unit, words in {
        "s": ("sec", "secs", "second", "seconds"),
        "m": ("min", "mins", "minute", "minutes"),
        "h": ("hr", "hrs", "hour", "hours"),
        "d": ("day", "days"),
    }.items()
    for word in words
}
DURATION = re.compile(r"^(?:(\d+)\s*([a-z]+)\s*)+$")
PART = re.compile(r"(\d+)\s*([a-z]+)")
CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


class Remind(Action):
    text: str | None = Field(default=None, max_length=1000)
    tz: str | None = Field(default=None, min_length=1, max_length=64)
    cancel: str | None = Field(default=None, min_length=1, max_length=64)
    due: str | None = Field(default=None, min_length=1, max_length=64)  # set by the timer


class Unclear(ValueError):
    """A command this function cannot read; the message says how to write it."""


@on_action("remind", min_replicas=1)  # warm: its ctx.later timers fire from its workers
async def remind(event: Remind, ctx: Context) -> list[Event] | Event:
    if event.due is not None:
        return await _fire(event, ctx)
    if event.cancel is not None:
        return await _cancel(event, event.cancel, ctx)
    text = (event.text or "").strip()
    if text in ("", "list"):
        return await _listing(event.user, ctx)
    if text.startswith("cancel "):
        return await _cancel(event, text.removeprefix("cancel ").strip(), ctx)
    try:
        room, at, what = parse(text, datetime.now(UTC), _zone(event.tz))
    except Unclear as exc:
        return event.refuse("invalid", str(exc))
    if room is not None and await ctx.store.room_role(room, event.user) is None:
        return event.refuse("forbidden", f"you are not a member of #{room}")
    return await _set(event, room, at, what, ctx)


def parse(text: str, now: datetime, tz: ZoneInfo) -> tuple[str | None, datetime, str]:
    """``me|#room <when> <what>`` as (the room or None, when (UTC), what); Unclear else."""
    target, _, rest = text.partition(" ")
    if target == "me":
        room = None
    elif re.fullmatch(r"#[a-z0-9_-]{1,64}", target):
        room = target[1:]
    else:
        raise Unclear(f"say who to remind, me or #room: {USAGE}")
    words = rest.split()
    at, used = _when(words, now, tz)
    what = " ".join(words[used:]).strip()
    if not what:
        raise Unclear(f"say what to remember after the time: {USAGE}")
    if at <= now:
        raise Unclear("that time has passed: pick a time in the future")
    if at - now > LONGEST:
        raise Unclear("a reminder can be at most a year away")
    return room, at, what


def _when(words: list[str], now: datetime, tz: ZoneInfo) -> tuple[datetime, int]:
    """The time the first words name, and how many words that took."""
    lowered = [w.lower() for w in words]
    if lowered[:1] == ["in"]:
        for end in range(min(len(words), 7), 1, -1):  # the longest duration that reads
            seconds = _duration(" ".join(lowered[1:end]))
            if seconds is not None:
                return now + timedelta(seconds=seconds), end
        raise Unclear(f"write a duration such as 10m, 1h30m or 2 hours: {USAGE}")
    local = now.astimezone(tz)
    if lowered[:1] == ["tomorrow"]:
        day, used = local.date() + timedelta(days=1), 1
        if lowered[1:2] == ["at"]:
            used += 1
        clock = _clock(lowered[used]) if len(lowered) > used else None
        if clock is None:
            return _at(day, time(9, 0), tz), used  # tomorrow morning
        return _at(day, clock, tz), used + 1
    if lowered[:1] == ["at"] and len(lowered) > 1 and (clock := _clock(lowered[1])) is not None:
        today = _at(local.date(), clock, tz)
        return (today if today > now else _at(local.date() + timedelta(days=1), clock, tz)), 2
    if lowered and re.fullmatch(r"\d{4}-\d{2}-\d{2}", lowered[0]):
        try:
            day = date.fromisoformat(lowered[0])
        except ValueError:
            raise Unclear(f"{words[0]} is not a date") from None
        clock = _clock(lowered[1]) if len(lowered) > 1 else None
        return _at(day, clock or time(9, 0), tz), 1 if clock is None else 2
    raise Unclear(f"say when: in 10m, at 17:30, tomorrow 09:00 or 2026-12-24 18:00: {USAGE}")


def _duration(text: str) -> int | None:
    if not DURATION.fullmatch(text):
        return None
    total = 0
    for number, unit in PART.findall(text):
        unit = WORDS.get(unit, unit)
        if unit not in UNITS:
            return None
        total += int(number) * UNITS[unit]
    return total or None


def _clock(word: str) -> time | None:
    found = CLOCK.fullmatch(word)
    return None if found is None else time(int(found[1]), int(found[2]))


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _key(user: str) -> str:
    return f"reminders:{user}"


async def _set(
    event: Remind, room: str | None, at: datetime, what: str, ctx: Context
) -> list[Event] | Event:
    # At least once: a redelivered request (or a client's retry with its client_id) must set
    # one reminder. The request's timer is set once and remembered under the request.
    request = f"request:{event.user}:{event.client_id or event.id}"
    if await ctx.state.get(request) is not None:
        return await _listing(event.user, ctx)
    listed = await _reminders(event.user, ctx)
    if len(listed) >= KEPT:
        return event.refuse("invalid", f"you have {KEPT} reminders: cancel one first")
    wake = event.model_copy(update={"due": "pending", "text": None, "cancel": None})
    timer = await ctx.later(at, wake)
    reminder: dict[str, JsonValue] = {"id": timer, "at": _rfc(at), "text": what, "room": room}

    def add(known: JsonValue) -> JsonValue:
        items = known if isinstance(known, list) else []
        return sorted([*items, reminder], key=lambda r: str(r["at"]) if isinstance(r, dict) else "")

    await ctx.state.update(_key(event.user), add)
    await ctx.state.set(request, timer)
    return await _listing(event.user, ctx)


async def _cancel(event: Remind, id: str, ctx: Context) -> Event:
    listed = await _reminders(event.user, ctx)
    if not any(r.get("id") == id for r in listed):
        return event.refuse("not_found", f"you have no pending reminder {id!r}")
    await ctx.cancel(id)
    await _forget(event.user, id, ctx)
    return await _listing(event.user, ctx)


async def _fire(event: Remind, ctx: Context) -> list[Event] | Event:
    """The timer of reminder ``event.id`` is due (the event's id is the timer's)."""
    known = await ctx.state.get(_key(event.user))
    listed = [r for r in known if isinstance(r, dict)] if isinstance(known, list) else []
    reminder = next((r for r in listed if r.get("id") == event.id), None)
    if reminder is None:
        return []  # cancelled, or not from a timer
    if reminder.get("sent") is None:  # a redelivered wake-up sends the same again
        await _mark_sent(event.user, event.id, ctx)
    what, room = str(reminder["text"]), reminder.get("room")
    frame: dict[str, JsonValue] = {"type": "reminder", "id": event.id, "text": what, "room": room}
    outputs: list[Event] = [Delivery(users=(event.user,), frame=frame)]
    # The message's id is the reminder's: a redelivered wake-up stores it once.
    me, user = ctx.function, event.user
    if isinstance(room, str) and await ctx.store.room_role(room, user) is not None:
        text = f"⏰ Reminder for @{user}: {what}"
        outputs.append(MessageEvent(id=event.id, room=room, user=me, text=text, bot=True))
    else:
        note = f" (not posted in #{room}: you are no longer a member)" if room else ""
        text = f"⏰ Reminder{note}: {what}"
        outputs.append(PrivateEvent(id=event.id, sender=me, to=user, text=text, bot=True))
    return [*outputs, await _listing(user, ctx)]


async def _forget(user: str, id: str, ctx: Context) -> None:
    def drop(known: JsonValue) -> JsonValue:
        items = known if isinstance(known, list) else []
        return [r for r in items if not (isinstance(r, dict) and r.get("id") == id)]

    await ctx.state.update(_key(user), drop)


async def _mark_sent(user: str, id: str, ctx: Context) -> None:
    """Keep a sent reminder for a day (a redelivered wake-up finds it), out of the list."""
    now = datetime.now(UTC)
    horizon = _rfc(now - timedelta(days=1))

    def mark(known: JsonValue) -> JsonValue:
        items = [r for r in known if isinstance(r, dict)] if isinstance(known, list) else []
        kept = [
            r for r in items if not (isinstance(r.get("sent"), str) and str(r["sent"]) < horizon)
        ]
        return [{**r, "sent": _rfc(now)} if r.get("id") == id else r for r in kept]

    await ctx.state.update(_key(user), mark)


async def _reminders(user: str, ctx: Context) -> list[dict[str, JsonValue]]:
    """The user's pending reminders (not the ones sent)."""
    known = await ctx.state.get(_key(user))
    found = [r for r in known if isinstance(r, dict)] if isinstance(known, list) else []
    return [r for r in found if r.get("sent") is None]


async def _listing(user: str, ctx: Context) -> Delivery:
    reminders: list[JsonValue] = [dict(r) for r in await _reminders(user, ctx)]
    return Delivery(users=(user,), frame={"type": "reminders", "reminders": reminders})


def _rfc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
