"""Cron lines: the five classic fields, in a time zone, and when they next (or last) match.

    line = Cron.parse("*/15 9-17 * * mon-fri", tz="Europe/Paris")
    line.next_after(datetime.now(UTC))       # the next matching minute, as a UTC datetime
    line.last_at_or_before(now)              # the latest one not after now

Fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or jan-dec), day of week
(0-7 or sun-sat; 0 and 7 are Sunday). Each is ``*``, a number, a range ``a-b``, any of these
with a step ``/n``, or a comma-separated list of them. As in Vixie cron, when both the day of
month and the day of week are restricted, a day matching either runs. Times are wall-clock
times of ``tz``: a minute skipped by a daylight-saving jump does not run, a repeated one runs
once (its first occurrence).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, names of the values from lowest on)
FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, DAYS),
)
HORIZON_DAYS = 366 * 5  # a line that matches no day in five years (Feb 30) is refused


class CronError(ValueError):
    """A cron line that cannot be parsed, or that never matches; the message says why."""


@dataclass(frozen=True)
class Cron:
    """A parsed cron line in the time zone ``tz`` (an IANA name)."""

    text: str
    tz: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # the day-of-month field is "*"
    any_weekday: bool  # the day-of-week field is "*"

    @classmethod
    def parse(cls, text: str, tz: str = "UTC") -> Cron:
        """Parse ``text`` (five fields); CronError naming the bad field otherwise."""
        parts = text.split()
        if len(parts) != len(FIELDS):
            raise CronError(
                f"cron {text!r}: expected 5 fields (minute hour day-of-month month "
                f"day-of-week), got {len(parts)}"
            )
        values = [_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in values[4])
        zone(tz)  # a clear error now rather than at the first tick
        line = cls(
            text=" ".join(parts),
            tz=tz,
            minutes=tuple(sorted(values[0])),
            hours=tuple(sorted(values[1])),
            days=frozenset(values[2]),
            months=frozenset(values[3]),
            weekdays=weekdays,
            any_day=parts[2] == "*",
            any_weekday=parts[4] == "*",
        )
        if line.next_after(datetime(2000, 1, 1, tzinfo=UTC)) is None:
            raise CronError(f"cron {text!r} never matches a day (no such date)")
        return line

    def next_after(self, moment: datetime) -> datetime | None:
        """The first matching minute strictly after ``moment`` (aware), in UTC; None when
        none comes within five years."""
        tz = zone(self.tz)
        start = moment.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
        start += timedelta(minutes=1)
        for offset in range(HORIZON_DAYS):
            day = start.date() + timedelta(days=offset)
            if not self.runs_on(day):
                continue
            for hour in self.hours:
                for minute in self.minutes:
                    wall = datetime(day.year, day.month, day.day, hour, minute)
                    if wall >= start and (found := _real(wall, tz)) is not None:
                        return found
        return None

    def last_at_or_before(self, moment: datetime) -> datetime | None:
        """The latest matching minute not after ``moment`` (aware), in UTC; None when none
        came in the five years before."""
        tz = zone(self.tz)
        end = moment.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
        for offset in range(HORIZON_DAYS):
            day = end.date() - timedelta(days=offset)
            if not self.runs_on(day):
                continue
            for hour in reversed(self.hours):
                for minute in reversed(self.minutes):
                    wall = datetime(day.year, day.month, day.day, hour, minute)
                    if wall <= end and (found := _real(wall, tz)) is not None:
                        return found
        return None

    def runs_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_date = day.day in self.days
        by_weekday = (day.isoweekday() % 7) in self.weekdays
        if self.any_day and self.any_weekday:
            return True
        if self.any_day:
            return by_weekday
        if self.any_weekday:
            return by_date
        return by_date or by_weekday


def zone(tz: str) -> ZoneInfo:
    """The IANA time zone ``tz``; CronError when there is no such zone."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(
            f"unknown time zone {tz!r}: use an IANA name such as 'Europe/Paris'"
        ) from None


def _real(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The wall-clock time ``wall`` in ``tz`` as UTC; None when the clocks skip it."""
    aware = wall.replace(tzinfo=tz, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != wall:
        return None  # in a daylight-saving gap
    return utc


def _field(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> set[int]:
    found: set[int] = set()
    for item in text.split(","):
        found |= _item(item, name, low, high, names)
    return found


def _item(item: str, name: str, low: int, high: int, names: tuple[str, ...]) -> set[int]:
    where = f"cron {name} {item!r}"
    body, _, step_text = item.partition("/")
    step = 1
    if step_text:
        if not step_text.isdigit() or int(step_text) < 1:
            raise CronError(f"{where}: a step is a positive number")
        step = int(step_text)
    if body == "*":
        first, last = low, high
    elif "-" in body:
        a, _, b = body.partition("-")
        first, last = _value(a, where, low, high, names), _value(b, where, low, high, names)
        if first > last:
            raise CronError(f"{where}: a range goes from low to high")
    else:
        first = _value(body, where, low, high, names)
        last = high if step_text else first
    return set(range(first, last + 1, step))


def _value(text: str, where: str, low: int, high: int, names: tuple[str, ...]) -> int:
    word = text.lower()
    if names and word in names:
        return names.index(word) + (1 if names is MONTHS else 0)
    if not word.isdigit():
        raise CronError(f"{where}: {text!r} is not a number between {low} and {high}")
    value = int(word)
    if not low <= value <= high:
        raise CronError(f"{where}: {value} is outside {low}-{high}")
    return value
