"""Triggers describe; discovery finds exactly one handler per file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parley.cli import main
from runtime.context import Context
from runtime.engine.discovery import discover, load
from runtime.errors import DiscoveryError
from runtime.events import JoinEvent, LeaveEvent, MessageEvent
from runtime.triggers import Options, Reply, on, on_message, on_presence

REPO = Path(__file__).resolve().parents[3]


def test_decorator_returns_a_frozen_record_named_by_file() -> None:
    @on_message(retries=5, concurrency=2)
    async def echo(event: MessageEvent, ctx: Context) -> None:
        return None

    assert echo.name == "test_triggers"
    assert echo.topics == ("chat.message",)
    assert echo.options == Options(retries=5, timeout=30.0, concurrency=2, start="latest")
    with pytest.raises(AttributeError):
        echo.name = "other"  # type: ignore[misc]


def test_presence_trigger_listens_on_join_and_leave() -> None:
    @on_presence
    async def who(event: JoinEvent | LeaveEvent, ctx: Context) -> None:
        return None

    assert who.topics == ("chat.join", "chat.leave")
    assert who.models == (JoinEvent, LeaveEvent)


def test_generic_trigger_and_bad_options() -> None:
    @on("audit.events", MessageEvent, start="earliest")
    async def audit(event: MessageEvent, ctx: Context) -> None:
        return None

    assert (audit.topics, audit.options.start) == (("audit.events",), "earliest")
    with pytest.raises(ValueError, match="concurrency"):
        on_message(concurrency=0)


def test_sync_functions_are_refused_at_decoration() -> None:
    def plain(event: MessageEvent, ctx: Context) -> None:
        return None

    with pytest.raises(TypeError, match="must be `async def`"):
        on_message(plain)  # type: ignore[arg-type]


def test_reply_needs_exactly_one_target() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Reply(text="hi")
    with pytest.raises(ValueError, match="exactly one"):
        Reply(text="hi", room="a", to="b")


HEADER = "from runtime import Context, MessageEvent, on_message\n\n"
GOOD = (
    HEADER + "@on_message\nasync def {name}(event: MessageEvent, ctx: Context) -> None:\n    pass\n"
)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("x = 1\n", "no handler"),
        (GOOD.format(name="a") + GOOD.format(name="b").removeprefix(HEADER), "several handlers"),
        (HEADER + "@on_message\ndef f(event, ctx):\n    pass\n", "must be `async def`"),
        ("import does_not_exist\n", "import failed: ModuleNotFoundError"),
        ("def broken(:\n", "import failed: SyntaxError"),
    ],
)
def test_discovery_errors_name_the_file_and_reason(
    tmp_path: Path, source: str, reason: str
) -> None:
    path = tmp_path / "bad.py"
    path.write_text(source)
    with pytest.raises(DiscoveryError, match=reason) as info:
        load(path)
    assert info.value.path == path


def test_discovery_of_the_builtin_functions() -> None:
    handlers = discover(REPO / "functions")
    assert [(h.name, h.trigger) for h in handlers] == [
        ("bot", "on_message"),
        ("chat", "on_message"),
        ("delete", "on_action(delete)"),
        ("edit", "on_action(edit)"),
        ("poll", "on_action(poll)"),
        ("presence", "on_presence"),
        ("private", "on_private"),
        ("react", "on_action(react)"),
        ("remind", "on_action(remind)"),
        ("scheduled", "on_action(scheduled)"),
    ]


def test_parley_functions_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["functions", "--local", "--functions", str(REPO / "functions"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    chat = next(r for r in rows if r["name"] == "chat")
    assert chat == {
        "name": "chat",
        "trigger": "on_message",
        "topic": "chat.message",
        "group": "fn.chat",
        "options": {"retries": "8", "timeout": "30", "concurrency": "16", "start": "earliest"},
        "action": None,
        "schema": None,
        "schedule": None,
        "next_run": None,
    }


def test_parley_functions_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["functions", "--local", "--functions", str(REPO / "functions")]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = ["NAME", "TRIGGER", "ACTION", "TOPIC", "GROUP", "OPTIONS", "NEXT_RUN"]
    assert lines[0].split() == header
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["poll"][:5] == [
        "poll",
        "on_action(poll)",
        "poll",
        "chat.action.poll",
        "fn.poll",
    ]
    assert rows["presence"][:5] == [
        "presence",
        "on_presence",
        "-",
        "chat.join,chat.leave",
        "fn.presence",
    ]
