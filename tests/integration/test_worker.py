"""The worker's semantics, each against the real broker with in-process workers."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from pathlib import Path

from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from runtime.context import Context
from runtime.db.store import Store
from runtime.events import Delivery, MessageEvent, decode
from runtime.kafka.client import headers_of
from runtime.kafka.headers import ORIGIN
from runtime.names import dlq_topic
from runtime.settings import Settings
from runtime.testing import message
from runtime.triggers import Reply, Retry, on_message
from tests.support.harness import (
    committed,
    eventually,
    make_settings,
    produce,
    produce_raw,
    read_all,
    read_to_end,
    running,
)


async def test_same_key_in_order_different_keys_concurrently(
    settings: Settings, store: Store
) -> None:
    seen: dict[str, list[int]] = defaultdict(list)
    active: dict[str, int] = defaultdict(int)
    overlap = {"max_keys": 0, "same_key": 0}

    @on_message(concurrency=4)
    async def record(event: MessageEvent, ctx: Context) -> None:
        active[event.room] += 1
        overlap["same_key"] = max(overlap["same_key"], active[event.room])
        overlap["max_keys"] = max(overlap["max_keys"], sum(1 for n in active.values() if n))
        await asyncio.sleep(0.005)
        seen[event.room].append(int(event.text))
        active[event.room] -= 1

    rooms = [f"room-{i}" for i in range(8)]
    events = [message(str(n), room=rooms[n % len(rooms)]) for n in range(400)]
    async with running(record, settings, store) as worker:
        await produce(settings, events)
        await eventually(lambda: worker.stats.processed == 400, what="400 events processed")

    for room in rooms:
        assert seen[room] == sorted(seen[room]), f"{room} out of order"
        assert len(seen[room]) == 50
    assert overlap["same_key"] == 1, "two events of one room ran at once"
    assert 1 < overlap["max_keys"] <= 4, overlap


async def test_commits_only_contiguous_completed_offsets(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = make_settings(kafka_bootstrap, tmp_path, partitions=1)
    release = asyncio.Event()

    @on_message
    async def blocker(event: MessageEvent, ctx: Context) -> None:
        if event.room == "slow":
            await release.wait()

    async with Store(settings.database_url()) as store, running(blocker, settings, store) as worker:
        await produce(settings, [message("first", room="slow")])
        await produce(settings, [message(str(n), room="fast") for n in range(20)])
        await eventually(lambda: worker.stats.processed == 20, what="the fast room")
        await asyncio.sleep(0.3)  # several commit intervals pass with offset 0 still in flight
        topic = settings.topic("chat.message")
        assert committed(settings, worker.group, topic)[0] == 0, (
            "committed past an unfinished event"
        )
        release.set()
        await eventually(lambda: worker.stats.processed == 21, what="the slow event")
        await eventually(
            lambda: committed(settings, worker.group, topic)[0] == 21, what="commit of all 21"
        )


async def test_backpressure_pauses_at_the_in_flight_cap(settings: Settings, store: Store) -> None:
    release = asyncio.Event()
    started = 0

    @on_message(concurrency=2)
    async def slow(event: MessageEvent, ctx: Context) -> None:
        nonlocal started
        started += 1
        await release.wait()

    async with running(slow, settings, store) as worker:
        await produce(settings, [message(str(n), room=f"r{n}") for n in range(300)])
        await eventually(lambda: worker.stats.in_flight == worker.cap, what="the cap reached")
        await eventually(lambda: worker.stats.pauses >= 1, what="a pause")
        await asyncio.sleep(0.3)
        assert worker.stats.fetched == worker.cap == 64
        assert started == 2, "more handlers ran than concurrency allows"
        release.set()
        await eventually(lambda: worker.stats.processed == 300, what="all 300 after resume")
    assert worker.stats.max_in_flight == worker.cap


async def test_retries_with_backoff_then_dead_letter(settings: Settings, store: Store) -> None:
    attempts: list[int] = []

    @on_message(retries=2)
    async def broken(event: MessageEvent, ctx: Context) -> None:
        attempts.append(ctx.attempt)
        raise ValueError("database on fire")

    async with running(broken, settings, store) as worker:
        await produce(settings, [message("doomed", room="r")])
        letters = await read_all(settings, dlq_topic(settings, "test_worker"), 1)
        await eventually(lambda: worker.stats.dead_lettered == 1, what="the dead letter counted")
    headers = {k: v.decode() for k, v in headers_of(letters[0])}
    assert attempts == [1, 2, 3]
    assert headers["parley-dlq-topic"] == settings.topic("chat.message")
    assert headers["parley-dlq-attempts"] == "3"
    assert "ValueError: database on fire" in headers["parley-dlq-error"]
    assert int(headers["parley-dlq-offset"]) >= 0
    assert decode(letters[0].value(), MessageEvent).text == "doomed"
    assert worker.stats.retried == 2


async def test_transient_failures_recover_without_dead_letter(
    settings: Settings, store: Store
) -> None:
    calls = 0

    @on_message(retries=3)
    async def flaky(event: MessageEvent, ctx: Context) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise Retry(defer=0.01, reason="not yet")

    async with running(flaky, settings, store) as worker:
        await produce(settings, [message("eventually", room="r")])
        await eventually(lambda: worker.stats.processed == 1, what="success on attempt 3")
    assert (calls, worker.stats.retried, worker.stats.dead_lettered) == (3, 2, 0)


async def test_bad_input_goes_to_dead_letters_and_the_worker_goes_on(
    settings: Settings, store: Store
) -> None:
    handled: list[str] = []

    @on_message
    async def picky(event: MessageEvent, ctx: Context) -> None:
        handled.append(event.text)

    invalid = json.dumps(
        {
            "id": "x",
            "type": "message",
            "ts": "2026-01-01T00:00:00Z",
            "data": {"room": "NOT A ROOM", "user": "ada", "text": "hi"},
        }
    )
    async with running(picky, settings, store) as worker:
        await produce_raw(settings, "chat.message", [b"\xff not json", invalid.encode()])
        await produce(settings, [message("fine", room="k")])
        letters = await read_all(settings, dlq_topic(settings, "test_worker"), 2)
        await eventually(lambda: handled == ["fine"], what="the valid event")
    errors = sorted(dict(headers_of(m))["parley-dlq-error"].decode() for m in letters)
    assert errors[0].startswith("undecodable: invalid message event: room")
    assert errors[1].startswith("undecodable: not JSON")
    assert all(dict(headers_of(m))["parley-dlq-attempts"] == b"0" for m in letters)
    assert worker.stats.dead_lettered == 2


async def test_graceful_stop_finishes_in_flight_and_commits(
    settings: Settings, store: Store
) -> None:
    done: list[str] = []

    @on_message(concurrency=8)
    async def steady(event: MessageEvent, ctx: Context) -> None:
        await asyncio.sleep(0.05)
        done.append(event.id)

    async with running(steady, settings, store) as worker:
        await produce(settings, [message(str(n), room=f"r{n % 16}") for n in range(200)])
        await eventually(lambda: len(done) >= 20, what="some progress")
        assert worker.stats.in_flight > 0
    # running() set the stop flag and waited: everything fetched was finished and committed.
    offsets = committed(settings, worker.group, settings.topic("chat.message"))
    assert len(done) == worker.stats.fetched
    assert sum(o for o in offsets.values() if o > 0) == len(done)


async def test_two_replicas_split_partitions_and_process_everything(
    settings: Settings, store: Store
) -> None:
    by_worker: dict[int, set[str]] = defaultdict(set)

    def handler_for(index: int) -> object:
        @on_message
        async def split(event: MessageEvent, ctx: Context) -> None:
            by_worker[index].add(event.id)

        return split

    events = [message(str(n), room=f"r{n % 24}") for n in range(300)]
    async with (
        running(handler_for(0), settings, store) as first,  # type: ignore[arg-type]
        running(handler_for(1), settings, store) as second,  # type: ignore[arg-type]
    ):
        parts: list[set[int]] = [set(), set()]

        async def split_evenly() -> bool:
            for i, worker in enumerate((first, second)):
                parts[i] = {p.partition for p in await worker.consumer().assignment()}
            return len(parts[0]) == len(parts[1]) == 3

        await eventually(split_evenly, what="three partitions each")
        await produce(settings, events)
        await eventually(
            lambda: len(by_worker[0] | by_worker[1]) == 300, what="all events by the pair"
        )
    assert not parts[0] & parts[1]
    assert by_worker[0]
    assert by_worker[1]


async def test_earliest_start_processes_the_backlog(settings: Settings, store: Store) -> None:
    await produce(settings, [message(f"old-{n}", room="r") for n in range(10)])
    seen: list[str] = []

    @on_message(start="earliest")
    async def newcomer(event: MessageEvent, ctx: Context) -> None:
        seen.append(event.text)

    async with running(newcomer, settings, store):
        await eventually(lambda: len(seen) == 10, what="the backlog")
    assert seen == [f"old-{n}" for n in range(10)]


async def test_latest_start_skips_the_backlog(settings: Settings, store: Store) -> None:
    await produce(settings, [message("old", room="r")])
    seen: list[str] = []

    @on_message
    async def newcomer(event: MessageEvent, ctx: Context) -> None:
        seen.append(event.text)

    async with running(newcomer, settings, store):
        await produce(settings, [message("new", room="r")])
        await eventually(lambda: seen == ["new"], what="only the new event")


async def test_a_function_never_receives_its_own_output(settings: Settings, store: Store) -> None:
    calls: list[str] = []

    @on_message
    async def parrot(event: MessageEvent, ctx: Context) -> Reply:
        calls.append(event.text)
        return Reply(room=event.room, text=f"you said {event.text}")

    async with running(parrot, settings, store) as worker:
        await produce(settings, [message("hello", room="r")])
        records = await read_all(settings, settings.topic("chat.message"), 2)
        await eventually(lambda: worker.stats.skipped_own == 1, what="the reply skipped")
    reply = decode(records[1].value(), MessageEvent)
    assert (reply.user, reply.text, reply.bot) == ("test_worker", "you said hello", True)
    assert dict(headers_of(records[1]))[ORIGIN] == b"test_worker"
    assert calls == ["hello"]


async def test_outputs_carry_origin_and_route_headers(settings: Settings, store: Store) -> None:
    @on_message
    async def fanout(event: MessageEvent, ctx: Context) -> list[Delivery]:
        frame = {"type": "message", "id": event.id, "room": event.room}
        return [Delivery(room=event.room, frame=frame), Delivery(users=("ada",), frame=frame)]

    async with running(fanout, settings, store):
        await produce(settings, [message("x", room="r")])
        deliveries = await read_all(settings, settings.topic("chat.deliver"), 2)
    routes = sorted(dict(headers_of(m))["parley-route"].decode() for m in deliveries)
    assert routes == ["room:r", "users:ada"]
    assert all(dict(headers_of(m))[ORIGIN] == b"test_worker" for m in deliveries)


async def test_revoked_partitions_are_committed_on_rebalance(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    # Periodic commits are off (a minute apart), so only the revoke callback can commit.
    base = make_settings(kafka_bootstrap, tmp_path)
    settings = base.model_copy(
        update={"worker": base.worker.model_copy(update={"commit_interval": 60.0})}
    )
    seen: list[str] = []

    @on_message
    async def keep(event: MessageEvent, ctx: Context) -> None:
        seen.append(event.id)

    topic = settings.topic("chat.message")
    async with Store(settings.database_url()) as store, running(keep, settings, store) as first:
        await produce(settings, [message(str(n), room=f"r{n}") for n in range(60)])
        await eventually(lambda: len(seen) == 60, what="the first worker to finish")
        assert all(o <= 0 for o in committed(settings, first.group, topic).values())
        async with running(keep, settings, store) as second:
            moved: set[int] = set()

            async def some_moved() -> bool:
                moved.update(p.partition for p in await second.consumer().assignment())
                return len(moved) == 3

            await eventually(some_moved, what="three partitions moved to the second worker")
            offsets = committed(settings, first.group, topic)
            assert all(offsets[p] > 0 for p in moved), "revoked partitions were not committed"
    assert len(seen) == 60, "an event was processed again after the rebalance"


async def test_a_handler_past_its_timeout_is_retried_then_dead_lettered(
    settings: Settings, store: Store
) -> None:
    attempts: list[int] = []

    @on_message(retries=1, timeout=0.2)
    async def stuck(event: MessageEvent, ctx: Context) -> None:
        attempts.append(ctx.attempt)
        if event.text == "hang":
            await asyncio.Event().wait()  # never set: only the timeout ends it

    async with running(stuck, settings, store) as worker:
        await produce(settings, [message("hang", room="r"), message("after", room="r")])
        letters = await read_all(settings, dlq_topic(settings, "test_worker"), 1)
        await eventually(lambda: worker.stats.processed == 1, what="the next event of the room")
    assert attempts == [1, 2, 1]  # the room waited for both attempts, then went on
    error = dict(headers_of(letters[0]))["parley-dlq-error"].decode()
    assert error == "TimeoutError: the handler ran past its timeout"
    assert (worker.stats.failed, worker.stats.dead_lettered) == (2, 1)


async def test_an_output_the_broker_refuses_sends_the_event_round_again(
    settings: Settings, store: Store
) -> None:
    """chat.deliver here takes records of at most 2,000 bytes: one of the first attempt's two
    outputs is refused by the broker (asynchronously, in its delivery report), so the event goes
    round again; the second attempt's fit. The first "small" is refused too when it shared the
    big one's record batch, and sent twice otherwise (at least once)."""
    deliver = settings.topic("chat.deliver")
    admin = AdminClient({"bootstrap.servers": settings.kafka.address()})
    small = NewTopic(deliver, 6, 1, config={"max.message.bytes": "2000"})
    admin.create_topics([small])[deliver].result(20)

    @on_message(retries=2)
    async def bloated(event: MessageEvent, ctx: Context) -> list[Delivery]:
        text = "x" * 3000 if ctx.attempt == 1 else "fits"
        texts = ["small", text]
        return [Delivery(room=event.room, frame={"type": "message", "text": t}) for t in texts]

    async with running(bloated, settings, store) as worker:
        await produce(settings, [message("grow", room="r")])
        await eventually(lambda: worker.stats.processed == 1, what="the second attempt")
        delivered = await read_to_end(settings, "chat.deliver")
    texts = [str(decode(m.value(), Delivery).frame["text"]) for m in delivered]
    assert texts.count("fits") == 1
    assert texts.count("small") in (1, 2)
    assert len(texts) == 1 + texts.count("small")
    assert (worker.stats.failed, worker.stats.retried, worker.stats.dead_lettered) == (1, 1, 0)
