"""Triggers describe; discovery finds exactly one handler per file."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from parley.cli import main
from runtime.actions import on_action
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


def test_replica_options_are_checked_at_decoration() -> None:
    @on_message(min_replicas=0, max_replicas=3)
    async def sleepy(event: MessageEvent, ctx: Context) -> None:
        return None

    assert (sleepy.options.min_replicas, sleepy.options.max_replicas) == (0, 3)
    assert on_message(lambda_free_default).options.min_replicas is None
    with pytest.raises(ValueError, match="min_replicas must be an integer >= 0"):
        on_message(min_replicas=-1)
    with pytest.raises(ValueError, match="max_replicas must be >= 1"):
        on_message(max_replicas=0)
    with pytest.raises(ValueError, match=r"min_replicas \(4\) must not exceed max_replicas \(2\)"):
        on_message(min_replicas=4, max_replicas=2)
    with pytest.raises(ValueError, match="min_replicas"):
        on_message(min_replicas=True)
    with pytest.raises(ValueError, match="share groups cannot sleep"):
        on_message(ordered=False, min_replicas=0)
    unordered = on_message(ordered=False, min_replicas=2, max_replicas=12)(lambda_free_default)
    assert (unordered.options.min_replicas, unordered.options.max_replicas) == (2, 12)


async def lambda_free_default(event: MessageEvent, ctx: Context) -> None:
    return None


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
        "options": {
            "retries": "8",
            "timeout": "30",
            "concurrency": "16",
            "start": "earliest",
            "ordered": "true",
            "min_replicas": "1",
            "max_replicas": "24",
        },
        "action": None,
        "schema": None,
        "match": None,
        "schedule": None,
        "next_run": None,
    }
    bot = next(r for r in rows if r["name"] == "bot")
    assert bot["match"] == {"text": {"prefix": "/"}}


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


def test_trigger_options_are_kept_and_published_in_the_descriptor() -> None:
    from runtime.registry import describe
    from runtime.settings import Settings

    pattern = {"text": {"prefix": "/"}, "room": ["lobby", "dev"]}

    @on_message(batch=50, window=0.5, match=pattern, max_age=120)
    async def commands(events: list[MessageEvent], ctx: Context) -> None:
        return None

    assert commands.options.batch == 50
    assert commands.options.match == pattern
    descriptor = describe(commands, Settings())
    assert descriptor.match == pattern
    assert descriptor.options["batch"] == "50"
    assert descriptor.options["window"] == "0.5"
    assert descriptor.options["max_age"] == "120"
    assert json.loads(descriptor.model_dump_json())["match"] == pattern


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"batch": 0}, "batch must be between 1 and 10000"),
        ({"window": 1.0}, "give batch=N with it"),
        ({"batch": 5, "window": -1.0}, "window must be between 0 and 300"),
        ({"max_age": 0}, "max_age must be > 0"),
        ({"match": {"text": {"prefix": 1}}}, 'match.text: "prefix" takes a string'),
        ({"match": {}}, "leave match= out"),
    ],
)
def test_bad_trigger_options_are_refused_when_decorating(
    options: dict[str, object], says: str
) -> None:
    async def handle(event: MessageEvent, ctx: Context) -> None:
        return None

    with pytest.raises(ValueError, match=re.escape(says)):
        on_message(**options)(handle)  # type: ignore[call-overload]


def test_a_batch_handler_must_take_a_list_and_a_list_handler_a_batch() -> None:
    async def one(event: MessageEvent, ctx: Context) -> None:
        return None

    async def many(events: list[MessageEvent], ctx: Context) -> None:
        return None

    with pytest.raises(TypeError, match="annotate its first parameter `events: list"):
        on_message(batch=10)(one)
    with pytest.raises(TypeError, match="give its trigger batch=N"):
        on_message(many)
    assert on_message(batch=10)(many).options.batch == 10


def test_a_batch_is_refused_with_unordered_delivery() -> None:
    """``ordered`` comes with share groups (another change); the check waits for it."""

    @dataclasses.dataclass(frozen=True)
    class Shared(Options):
        ordered: bool = True

    assert Shared(batch=10).batch == 10
    with pytest.raises(ValueError, match="batch= needs ordered=True"):
        Shared(batch=10, ordered=False)


def test_an_unknown_option_is_named_with_the_options_there_are() -> None:
    with pytest.raises(TypeError, match=r"unknown trigger option retry; the options: retries"):
        on_message(retry=3)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="unknown trigger option batches"):
        on_action("shout", batches=2)  # type: ignore[call-arg]
