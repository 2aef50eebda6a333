"""A token bucket: at most ``burst`` frames at once, refilled at ``rate`` frames per second."""

from __future__ import annotations

import time


class Bucket:
    """Per-connection rate limit. ``take()`` is False when the frame must be refused."""

    __slots__ = ("_level", "_stamp", "burst", "rate")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._level = float(burst)
        self._stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._level = min(self.burst, self._level + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._level < 1.0:
            return False
        self._level -= 1.0
        return True
