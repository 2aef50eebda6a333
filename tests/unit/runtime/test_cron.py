"""Cron lines: parsing (fields, ranges, steps, lists, names), bad lines, and the next and last
matching minute, in UTC and across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runtime.cron import Cron, CronError


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_fields_ranges_steps_lists_and_names() -> None:
    line = Cron.parse("*/15 9-17/4 1,15 jan-mar,DEC mon-fri")
    assert line.minutes == (0, 15, 30, 45)
    assert line.hours == (9, 13, 17)
    assert line.days == {1, 15}
    assert line.months == {1, 2, 3, 12}
    assert line.weekdays == {1, 2, 3, 4, 5}
    assert Cron.parse("0 0 * * 7").weekdays == {0}  # 7 is Sunday too
    assert Cron.parse("5/20 * * * *").minutes == (5, 25, 45)  # a start with a step runs on


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("* * * *", "expected 5 fields"),
        ("60 * * * *", "outside 0-59"),
        ("* 24 * * *", "outside 0-23"),
        ("*/0 * * * *", "a step is a positive number"),
        ("5-1 * * * *", "from low to high"),
        ("* * * foo *", "is not a number"),
        ("0 0 30 feb *", "never matches"),
    ],
)
def test_bad_lines_say_why(text: str, says: str) -> None:
    with pytest.raises(CronError, match=says):
        Cron.parse(text)


def test_unknown_time_zone() -> None:
    with pytest.raises(CronError, match="unknown time zone 'Mars/Olympus'"):
        Cron.parse("* * * * *", tz="Mars/Olympus")


def test_next_and_last() -> None:
    line = Cron.parse("*/5 * * * *")
    assert line.next_after(at("2026-12-07T10:02:30")) == at("2026-12-07T10:05:00")
    assert line.next_after(at("2026-12-07T10:05:00")) == at("2026-12-07T10:10:00")
    assert line.last_at_or_before(at("2026-12-07T10:05:00")) == at("2026-12-07T10:05:00")
    assert line.last_at_or_before(at("2026-12-07T10:04:59")) == at("2026-12-07T10:00:00")
    weekdays = Cron.parse("0 9 * * mon-fri")
    # Friday 2026-12-11 after nine: next Monday.
    assert weekdays.next_after(at("2026-12-11T09:00:00")) == at("2026-12-14T09:00:00")
    assert weekdays.last_at_or_before(at("2026-12-13T12:00:00")) == at("2026-12-11T09:00:00")


def test_day_of_month_or_day_of_week_when_both_are_set() -> None:
    line = Cron.parse("0 0 13 * fri")  # the 13th, and every Friday
    assert line.next_after(at("2026-12-07T00:00:00")) == at("2026-12-11T00:00:00")  # a Friday
    assert line.next_after(at("2026-12-11T00:00:00")) == at("2026-12-13T00:00:00")  # the 13th


def test_time_zone_and_daylight_saving() -> None:
    paris = Cron.parse("0 9 * * *", tz="Europe/Paris")
    assert paris.next_after(at("2026-12-07T00:00:00")) == at("2026-12-07T08:00:00")  # CET
    assert paris.next_after(at("2026-07-07T00:00:00")) == at("2026-07-07T07:00:00")  # CEST
    # 2026-03-29 02:30 does not exist in Paris (clocks jump 02:00 -> 03:00): skipped.
    gap = Cron.parse("30 2 * * *", tz="Europe/Paris")
    assert gap.next_after(at("2026-03-28T12:00:00")) == at("2026-03-30T00:30:00")
    # 2026-10-25 02:30 happens twice: it runs once, the first time (CEST, 00:30 UTC).
    assert gap.next_after(at("2026-10-24T12:00:00")) == at("2026-10-25T00:30:00")
    assert gap.next_after(at("2026-10-25T00:30:00")) == at("2026-10-26T01:30:00")
