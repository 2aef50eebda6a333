"""Context: what a handler gets beside its event."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from runtime.history import History
from runtime.settings import Settings
from runtime.state import State


@dataclass(slots=True)  # not frozen: that would cost each event a microsecond; read it only
class Context:
    """Where the event came from and what the handler may use.

    ``store`` is history and presence (a ``History``: not accounts, not gateway state);
    ``state`` is the function's own durable key-value state (``runtime.state``); ``log``
    carries the function and event id on every line; ``attempt`` starts at 1 and grows with
    each retry. ``delivery_count`` is how many times Kafka has handed this record out: 1 on
    first delivery; for an ``ordered=False`` handler (a share group) it is the broker's count,
    which also grows when a replica died holding the record; an ordered handler's consumer
    group counts nothing, so it stays 1 there.
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
