"""Telemetry: structured logs, one JSON object per line (human-readable on a terminal).

    configure_logging("worker", function="chat")
    log.info("assigned %s", parts, extra={"event_id": event.id})

Every line carries ts, level, logger, msg, service and, when known, function, event_id,
trace_id and request_id.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

CONTEXT_FIELDS = ("function", "event_id", "trace_id", "request_id")


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
    if sys.stderr.isatty():
        prefix = f"{service}/{function}" if function else service
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {prefix} %(message)s"))
    else:
        handler.setFormatter(JsonFormatter(service, function))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
