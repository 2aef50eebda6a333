"""Telemetry: structured logs, one JSON object per line (human-readable on a terminal).

    configure_logging("worker", function="chat")
    log.info("assigned %s", parts, extra={"event_id": event.id})

Every line carries ts, level, logger, msg, service and, when known, function, event_id,
trace_id and request_id. The last three come from context variables (``EVENT_ID``, ``TRACE_ID``,
``REQUEST_ID``) that the worker sets while it processes an event and the gateway while it
handles a frame or an HTTP request; a value passed in ``extra`` wins.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

CONTEXT_FIELDS = ("function", "event_id", "trace_id", "request_id")
EVENT_ID: ContextVar[str | None] = ContextVar("parley_event_id", default=None)
TRACE_ID: ContextVar[str | None] = ContextVar("parley_trace_id", default=None)
REQUEST_ID: ContextVar[str | None] = ContextVar("parley_request_id", default=None)


def new_request_id() -> str:
    """An id for one frame or HTTP request that brought none of its own."""
    return os.urandom(8).hex()


class ContextFilter(logging.Filter):
    """Stamps each record with the event, trace and request ids of the context it was logged
    in (unless the call passed its own in ``extra``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for field, var in (
            ("event_id", EVENT_ID),
            ("trace_id", TRACE_ID),
            ("request_id", REQUEST_ID),
        ):
            if getattr(record, field, None) is None:
                setattr(record, field, var.get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def __init__(self, service: str, function: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.function = function

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "service": self.service,
        }
        if self.function:
            line["function"] = self.function
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(service: str, function: str | None = None, level: int = logging.INFO) -> None:
    """Send every log record to stderr: JSON lines, or plain text when stderr is a terminal."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if sys.stderr.isatty():
        prefix = f"{service}/{function}" if function else service
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {prefix} %(message)s"))
    else:
        handler.setFormatter(JsonFormatter(service, function))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
