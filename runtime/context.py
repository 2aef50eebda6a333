"""Context: what a handler gets beside its event."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runtime.settings import Settings

if TYPE_CHECKING:
    from runtime.db.store import Store


@dataclass(slots=True)  # not frozen: that would cost each event a microsecond; read it only
class Context:
    """Where the event came from and what the handler may use.

    ``store`` is the history database; ``log`` carries the function and event id on every line;
    ``attempt`` starts at 1 and grows with each retry.
    """

    function: str
    settings: Settings
    store: Store
    log: logging.LoggerAdapter[logging.Logger]
    topic: str = ""
    partition: int = -1
    offset: int = -1
    attempt: int = 1
    traceparent: str | None = None
