"""Context: what a handler gets beside its event."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from runtime.events import Event
from runtime.history import History
from runtime.settings import Settings
from runtime.state import State
from runtime.timers import NO_TIMERS, NoTimers, Timers, When
from runtime.triggers import Reply


@dataclass(slots=True)  # not frozen: that would cost each event a microsecond; read it only
class Context:
    """Where the event came from and what the handler may use.

    ``store`` is history and presence (a ``History``: not accounts, not gateway state);
    ``state`` is the function's own durable key-value state (``runtime.state``); ``log``
    carries the function and event id on every line; ``attempt`` starts at 1 and grows with
    each retry. ``delivery_count`` is how many times Kafka has handed this record out: 1 on
    first delivery; for an ``ordered=False`` handler (a share group) it is the broker's count,
    which also grows when a replica died holding the record; an ordered handler's consumer
    group counts nothing, so it stays 1 there. ``later`` and ``cancel`` set and cancel the
    function's durable timers (``runtime.timers``).
    """

    function: str
    settings: Settings
    store: History
    state: State
    log: logging.LoggerAdapter[logging.Logger]
    topic: str = ""
    partition: int = -1
    offset: int = -1
    attempt: int = 1
    traceparent: str | None = None
    delivery_count: int = 1
    timers: Timers | NoTimers = NO_TIMERS

    async def later(self, when: When, output: Reply | Event) -> str:
        """Send ``output`` (a ``Reply`` or an event, such as this function's own action) at
        ``when``: an aware datetime, a ``timedelta`` or seconds from now. Durable (it survives
        restarts); delivered at least once, normally within a second of its time. Returns the
        timer's id, which is also the id of the event it sends."""
        return await self.timers.later(when, output)

    async def cancel(self, timer: str) -> bool:
        """Cancel the timer ``timer`` (an id from ``later``); False when it already fired,
        was cancelled, or belongs to another function."""
        return await self.timers.cancel(timer)
