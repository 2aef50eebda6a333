"""Waiting for a wall-clock time (ticks and timers are due at UTC times, not loop times)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

LONGEST_NAP = 30.0  # seconds: wake at least this often to follow wall-clock jumps


async def sleep_until(moment: datetime) -> None:
    """Return once the wall clock reached ``moment`` (aware)."""
    while True:
        left = (moment - datetime.now(UTC)).total_seconds()
        if left <= 0:
            return
        await asyncio.sleep(min(left, LONGEST_NAP))
