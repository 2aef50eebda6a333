"""``ordered=False``: option validation, what the registry publishes, replica ceilings, the
share group's configs and the parsing of Kafka's ShareGroupCommand output."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.cli import main
from runtime import Action, Context, MessageEvent, on_action, on_message
from runtime.kafka.dlq import DELIVERY_COUNT, dead_letter_headers
from runtime.kafka.share import share_group_configs
from runtime.ops.lag import check_replicas, replica_ceiling
from runtime.ops.shares import parse_lag, parse_members
from runtime.registry import describe
from runtime.settings import Settings
from runtime.testing import MemoryRecord
from runtime.triggers import Options

REPO = Path(__file__).resolve().parents[3]


async def index(event: MessageEvent, ctx: Context) -> None:
    return None


def test_ordered_is_the_default_and_unordered_is_published() -> None:
    assert Options().ordered is True
    handler = on_message(ordered=False, max_replicas=12)(index)
    descriptor = describe(handler, Settings())
    assert descriptor.options["ordered"] == "false"
    assert descriptor.options["max_replicas"] == "12"
    assert descriptor.ordered is False
    assert describe(on_message(index), Settings()).ordered is True


def test_on_action_takes_ordered() -> None:
    class Poke(Action):
        room: str

    async def poke(event: Poke, ctx: Context) -> None:
        return None

    handler = on_action("poke", model=Poke, ordered=False)(poke)
    assert handler.options.ordered is False


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_replicas": 0}, "max_replicas must be >= 1"),
        ({"ordered": "no"}, "ordered must be True or False"),
        ({"ordered": False, "retries": 9}, "retries must be <= 8 with ordered=False"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        on_message(**options)(index)  # type: ignore[call-overload]


def test_ordered_with_many_retries_is_fine() -> None:
    assert on_message(retries=20)(index).options.retries == 20


def test_ceilings_and_the_scale_check() -> None:
    ordered, unordered = Options(), Options(ordered=False, max_replicas=24)
    assert replica_ceiling(ordered, 6) == 6
    assert replica_ceiling(unordered, 6) == 24
    check_replicas("index", unordered, 12, 6)  # past the partitions: fine when unordered
    with pytest.raises(ValueError, match=r"is ordered: at most 6 replicas.*ordered=False"):
        check_replicas("chat", ordered, 7, 6)
    with pytest.raises(ValueError, match=r"at most 24 replicas \(its max_replicas\)"):
        check_replicas("index", unordered, 25, 6)


def test_share_group_configs_follow_start_and_retries() -> None:
    assert share_group_configs("earliest", 3) == {
        "share.auto.offset.reset": "earliest",
        "share.delivery.count.limit": "5",
    }
    assert share_group_configs("latest", 0)["share.delivery.count.limit"] == "2"
    assert share_group_configs("latest", 8)["share.delivery.count.limit"] == "10"


OFFSETS = """
GROUP           TOPIC           PARTITION  START-OFFSET  LAG
fn.index        chat.message    0          10            5
fn.index        chat.message    1          0             -
fn.index        chat.message    2          7             12
"""
STATE = """
GROUP           COORDINATOR (ID)          STATE           #MEMBERS
fn.index        127.0.0.1:9092  (1)       Stable          12
"""


def test_share_group_command_output_is_parsed() -> None:
    assert parse_lag(OFFSETS) == 17
    assert parse_lag("Share group 'x' has no active members.\n") is None
    assert parse_members(STATE) == 12
    assert parse_members("") is None


def test_parley_up_refuses_to_scale_an_ordered_function_past_the_partitions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["up", "--scale", "chat=7", "--functions", str(REPO / "functions"), "--no-gateway"]
    assert main(argv) == 2  # refused before anything starts
    error = capsys.readouterr().err
    assert "function chat is ordered: at most 6 replicas" in error
    assert "ordered=False" in error


def test_dead_letter_headers_carry_the_delivery_count_when_given() -> None:
    record = MemoryRecord("chat.message", 7, b"k", b"{}", [("traceparent", b"t")])
    counted = dict(dead_letter_headers(record, "index", "boom", 3, delivery_count=4))
    assert counted[DELIVERY_COUNT] == b"4"
    assert DELIVERY_COUNT not in dict(dead_letter_headers(record, "chat", "boom", 3))
