"""Trigger options against the real broker: batches (partial failures, splitting), filters
before invocation, and the age limit."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import generate_latest

from runtime import BatchFailures, Context, MessageEvent, on_message
from runtime.db.store import Store
from runtime.engine.stats import worker_registry
from runtime.kafka.dlq import list_dead_letters
from runtime.testing import message
from tests.support.harness import committed, eventually, make_settings, produce, running

NAME = "test_trigger_options"  # the handlers' name: this file's stem


async def test_a_partial_failure_retries_only_the_failed_event(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = make_settings(kafka_bootstrap, tmp_path, partitions=1)
    calls: list[list[str]] = []

    @on_message(batch=10, window=1.0, retries=2)
    async def picky(events: list[MessageEvent], ctx: Context) -> BatchFailures | None:
        calls.append([e.text for e in events])
        poison = [e.id for e in events if e.text == "poison"]
        return BatchFailures(ids=poison, reason="poison refused") if poison else None

    texts = ["a", "b", "poison", "c", "d"]
    async with Store(settings.database_url()) as store:
        await store.migrate()
        async with running(picky, settings, store) as worker:
            await produce(settings, [message(t, room=f"room-{t}") for t in texts])
            await eventually(
                lambda: worker.stats.dead_lettered == 1 and worker.stats.processed == 4,
                what="four handled and the poison dead-lettered",
            )
            letters = await list_dead_letters(settings, NAME)
    handled = Counter(t for call in calls for t in call)
    assert handled == {"a": 1, "b": 1, "c": 1, "d": 1, "poison": 3}, calls
    assert [c for c in calls if "poison" in c][1:] == [["poison"], ["poison"]]
    [letter] = letters
    assert (letter.reason, letter.attempts, letter.error) == ("failed", 3, "poison refused")


async def test_a_raising_batch_is_split_until_the_poison_is_alone(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = make_settings(kafka_bootstrap, tmp_path, partitions=1)
    calls: list[list[str]] = []

    @on_message(batch=8, window=1.0, retries=1)
    async def fragile(events: list[MessageEvent], ctx: Context) -> None:
        calls.append([e.text for e in events])
        if any(e.text == "poison" for e in events):
            raise ValueError("cannot store the poison")

    texts = ["0", "1", "2", "poison", "4", "5", "6", "7"]
    async with Store(settings.database_url()) as store:
        await store.migrate()
        async with running(fragile, settings, store) as worker:
            await produce(settings, [message(t, room=f"r{t}") for t in texts])
            await eventually(
                lambda: worker.stats.dead_lettered == 1 and worker.stats.processed == 7,
                what="seven handled and the poison dead-lettered",
            )
            letters = await list_dead_letters(settings, NAME)
    assert ["poison"] in calls, calls
    assert calls.count(["poison"]) == 2  # alone: its attempt and its one retry
    succeeded = [t for call in calls if "poison" not in call for t in call]
    assert sorted(succeeded) == sorted(t for t in texts if t != "poison")
    [letter] = letters
    assert letter.reason == "failed"
    assert "ValueError: cannot store the poison" in letter.error
    if len(calls[0]) > 1:  # the poison came in a batch: it was split
        assert worker.stats.splits >= 1


async def test_a_filtered_event_never_reaches_the_function_and_is_committed(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = make_settings(kafka_bootstrap, tmp_path, partitions=1)
    seen: list[str] = []

    @on_message(match={"text": {"prefix": "/"}})
    async def commands(event: MessageEvent, ctx: Context) -> None:
        seen.append(event.text)

    texts = ["hi", "/help", "how are you", "/roll 2d6", "bye", "/who", "ok"]
    topic = settings.topic("chat.message")
    async with Store(settings.database_url()) as store:
        await store.migrate()
        async with running(commands, settings, store) as worker:
            await produce(settings, [message(t, room="lobby") for t in texts])
            await eventually(
                lambda: committed(settings, worker.group, topic)[0] == len(texts),
                what="every record committed: the group's lag is 0",
            )
            scraped = generate_latest(worker_registry(worker.stats, NAME)).decode()
    assert seen == ["/help", "/roll 2d6", "/who"]
    assert (worker.stats.filtered, worker.stats.processed) == (4, 3)
    assert f'parley_function_filtered_total{{function="{NAME}"}} 4.0' in scraped


async def test_an_expired_event_is_dead_lettered_as_expired(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = make_settings(kafka_bootstrap, tmp_path)
    seen: list[str] = []

    @on_message(max_age=60)
    async def fresh(event: MessageEvent, ctx: Context) -> None:
        seen.append(event.text)

    stale = message("stale", room="lobby", ts=datetime.now(UTC) - timedelta(minutes=10))
    async with Store(settings.database_url()) as store:
        await store.migrate()
        async with running(fresh, settings, store) as worker:
            await produce(settings, [stale, message("new", room="lobby")])
            await eventually(
                lambda: worker.stats.dead_lettered == 1 and worker.stats.processed == 1,
                what="the fresh one handled, the stale one dead-lettered",
            )
            letters = await list_dead_letters(settings, NAME)
    assert seen == ["new"]
    [letter] = letters
    assert (letter.reason, letter.attempts) == ("expired", 0)
    assert letter.error.startswith("expired: the event is 6")  # 600 s and some
    assert worker.stats.expired == 1


async def test_stopping_hands_a_gathering_batch_over_and_commits_it(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = make_settings(kafka_bootstrap, tmp_path, partitions=1)
    calls: list[list[str]] = []

    @on_message(batch=100, window=300)
    async def patient(events: list[MessageEvent], ctx: Context) -> None:
        calls.append([e.text for e in events])

    topic = settings.topic("chat.message")
    async with Store(settings.database_url()) as store:
        await store.migrate()
        async with running(patient, settings, store) as worker:
            await produce(settings, [message(t, room="lobby") for t in ("a", "b", "c")])
            await eventually(lambda: worker.stats.fetched == 3, what="three fetched")
            assert calls == [], "a partial batch left before its window"
        # leaving ``running`` stopped the worker: it drained the batch, then committed
    assert calls == [["a", "b", "c"]]
    assert committed(settings, worker.group, topic)[0] == 3
