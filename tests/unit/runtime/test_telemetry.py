"""Log lines: one JSON object each, with the event, trace and request ids of their context."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_app
from runtime.settings import Settings
from runtime.telemetry import (
    EVENT_ID,
    REQUEST_ID,
    TRACE_ID,
    ContextFilter,
    JsonFormatter,
    configure_logging,
)


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON lines through the context filter into a buffer."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter("worker", function="chat"))
    logger = logging.getLogger("parley.test.telemetry")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, out
    finally:
        logger.removeHandler(handler)


def parsed(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_line_without_context_has_only_the_base_fields(
    lines: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = lines
    logger.info("hello %s", "there")
    (line,) = parsed(out)
    assert line.keys() == {"ts", "level", "logger", "msg", "service", "function"}
    assert (line["msg"], line["service"], line["function"]) == ("hello there", "worker", "chat")


def test_context_variables_fill_event_trace_and_request_ids(
    lines: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = lines
    tokens = [EVENT_ID.set("e-1"), TRACE_ID.set("ab" * 16), REQUEST_ID.set("c-7")]
    try:
        logger.warning("inside")
    finally:
        for var, token in zip((EVENT_ID, TRACE_ID, REQUEST_ID), tokens, strict=True):
            var.reset(token)
    logger.warning("outside")
    inside, outside = parsed(out)
    ids = ("event_id", "trace_id", "request_id")
    assert [inside[field] for field in ids] == ["e-1", "ab" * 16, "c-7"]
    assert not set(ids) & outside.keys()


def test_extra_wins_over_the_context(lines: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = lines
    token = EVENT_ID.set("from-context")
    try:
        logger.info("explicit", extra={"event_id": "from-extra"})
    finally:
        EVENT_ID.reset(token)
    assert parsed(out)[0]["event_id"] == "from-extra"


async def test_each_task_logs_its_own_ids(lines: tuple[logging.Logger, io.StringIO]) -> None:
    """What the worker relies on: an event's task sets the ids, its neighbours never see them."""
    logger, out = lines

    async def handle(event_id: str, pause: float) -> None:
        EVENT_ID.set(event_id)
        await asyncio.sleep(pause)
        logger.info("handled")

    await asyncio.gather(handle("first", 0.02), handle("second", 0.0))
    logger.info("after")
    assert [line.get("event_id") for line in parsed(out)] == ["second", "first", None]


def test_configure_logging_stamps_context_on_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("gateway")  # stderr is captured, not a terminal: JSON lines
    try:
        token = REQUEST_ID.set("req-1")
        try:
            logging.getLogger("parley.gateway").info("a frame")
        finally:
            REQUEST_ID.reset(token)
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (line["service"], line["msg"], line["request_id"]) == ("gateway", "a frame", "req-1")


async def test_an_http_request_has_an_id_for_its_log_lines(tmp_path: Path) -> None:
    """The caller's ``X-Request-ID`` when it sends one, else a new one; echoed either way."""
    app = create_app(Settings(data_dir=tmp_path))
    client = app.test_client()  # /api/ping needs none of the resources the lifespan opens
    given = await client.get("/api/ping", headers={"X-Request-ID": "req-42"})
    made, other = await client.get("/api/ping"), await client.get("/api/ping")
    assert given.headers["X-Request-ID"] == "req-42"
    assert len(made.headers["X-Request-ID"]) == 16
    assert made.headers["X-Request-ID"] != other.headers["X-Request-ID"]
