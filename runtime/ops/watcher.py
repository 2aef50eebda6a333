"""The wake watcher: one thread and one Kafka consumer that look at what waits for the
functions asleep, and say which to wake.

    watcher = Watcher(settings.kafka.client_config(), "parley.watcher")
    watcher.start()
    watcher.watch(Sleeper("poll", "fn.poll", {("chat.action.vote", 0): 42, ...}))
    ...
    for name in watcher.woken():     # each tick of the autoscaler
        start_a_replica(name); watcher.forget(name)
    watcher.close()

Every sleeper is a function with no replica: its group's committed offsets (``positions``,
where a woken replica resumes) are what it has handled. The watcher's consumer is outside every
group: it assigns each partition of the sleepers' topics by hand, at the lowest of their
positions there, reads records and never commits, so a sleeper's own offsets stay where they
are. A record at or past a sleeper's position that the sleeper ``wants`` wakes it; records a
function produced itself never do (its worker skips them: the loop guard). ``wants`` is the
hook for a function's event filter (``wants_of``: its ``match`` pattern), so an event the
function would skip does not wake it; without a filter every record does.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer as RawConsumer
from confluent_kafka import KafkaException, Message, TopicPartition

from runtime.filters import event_fields, matches
from runtime.kafka.admin import Connection, connection_config
from runtime.kafka.headers import ORIGIN
from runtime.registry import Descriptor

log = logging.getLogger("parley.watcher")
Partition = tuple[str, int]
Wants = Callable[[Message], bool]
POLL = 0.2  # seconds one consume waits for a record before the watcher looks at its sleepers


def wants_everything(record: Message) -> bool:
    """The default predicate: every waiting record wakes the function."""
    return True


def wants_of(descriptor: Descriptor) -> Wants:
    """Which waiting records wake the function ``descriptor`` describes: those its ``match``
    filter takes (runtime.filters, as its worker evaluates it), every record when it has
    none. A value that is not a JSON envelope wakes it too: its worker dead-letters it."""
    pattern = descriptor.match
    if pattern is None:
        return wants_everything

    def wants(record: Message) -> bool:
        try:
            envelope = json.loads(record.value() or b"")
        except ValueError:
            return True
        if not isinstance(envelope, dict):
            return True
        return matches(pattern, event_fields(envelope))

    return wants


@dataclass(frozen=True)
class Sleeper:
    """A function asleep: its name, and where its group resumes on each of its partitions."""

    name: str
    group: str
    positions: dict[Partition, int]
    wants: Wants = field(default=wants_everything, compare=False)


class Watcher:
    """One thread reading, for every sleeper, the records past its group's positions."""

    def __init__(self, connection: Connection, group: str, **config: Any) -> None:
        self.group = group
        self._config = {
            **connection_config(connection),
            # Required by the client; the watcher never joins it nor commits to it.
            "group.id": group,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "enable.partition.eof": False,
            "log_level": 3,
            **config,
        }
        self._lock = threading.Lock()
        self._sleepers: dict[str, Sleeper] = {}
        self._woken: set[str] = set()
        self._changed = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (it idles, without a consumer, while nobody sleeps)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="parley-watcher", daemon=True)
            self._thread.start()

    def watch(self, sleeper: Sleeper) -> None:
        """Watch for what wakes ``sleeper`` (replacing an earlier entry of the same name)."""
        with self._lock:
            self._sleepers[sleeper.name] = sleeper
            self._woken.discard(sleeper.name)
        self._changed.set()

    def forget(self, name: str) -> None:
        """Stop watching ``name`` (it has a replica again, or is gone)."""
        with self._lock:
            self._sleepers.pop(name, None)
            self._woken.discard(name)
        self._changed.set()

    def sleeping(self) -> set[str]:
        with self._lock:
            return set(self._sleepers)

    def woken(self) -> set[str]:
        """The sleepers an event waits for (still watched until ``forget``)."""
        with self._lock:
            return set(self._woken)

    def close(self) -> None:
        self._closed.set()
        self._changed.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        consumer: RawConsumer | None = None
        by_topic: dict[str, list[Sleeper]] = {}
        try:
            while not self._closed.is_set():
                if self._changed.is_set():
                    self._changed.clear()
                    by_topic, assignment = self._plan()
                    if assignment and consumer is None:
                        consumer = RawConsumer(self._config)
                    if consumer is not None:
                        # Every change starts over from the sleepers' positions: a record
                        # read again is judged again, with the same answer.
                        consumer.assign(assignment)
                if consumer is None or not by_topic:
                    self._changed.wait(POLL * 5)
                    continue
                try:
                    records = consumer.consume(500, POLL)
                except KafkaException as exc:
                    log.warning("watcher: %s", exc)
                    self._closed.wait(1.0)
                    continue
                for record in records:
                    if record.error() is None:
                        self._judge(record, by_topic.get(record.topic() or "", []))
        except Exception:  # the supervisor goes on; sleepers then wake by lag alone
            log.exception("the wake watcher stopped")
        finally:
            if consumer is not None:
                consumer.close()

    def _plan(self) -> tuple[dict[str, list[Sleeper]], list[TopicPartition]]:
        """The sleepers by topic, and each partition at the lowest of their positions."""
        with self._lock:
            sleepers = [s for s in self._sleepers.values() if s.name not in self._woken]
        by_topic: dict[str, list[Sleeper]] = {}
        lowest: dict[Partition, int] = {}
        for sleeper in sleepers:
            for (topic, partition), offset in sleeper.positions.items():
                if sleeper not in by_topic.setdefault(topic, []):
                    by_topic[topic].append(sleeper)
                key = (topic, partition)
                lowest[key] = min(offset, lowest.get(key, offset))
        assignment = [TopicPartition(t, p, offset) for (t, p), offset in sorted(lowest.items())]
        return by_topic, assignment

    def _judge(self, record: Message, sleepers: list[Sleeper]) -> None:
        key = (record.topic() or "", record.partition() or 0)
        offset = record.offset() or 0
        origin = _origin(record)
        for sleeper in sleepers:
            position = sleeper.positions.get(key)
            if position is None or offset < position or origin == sleeper.name:
                continue
            try:
                wanted = sleeper.wants(record)
            except Exception:  # a broken filter must not keep work waiting: wake it
                log.exception("%s: its wake predicate failed; waking it", sleeper.name)
                wanted = True
            if wanted:
                with self._lock:
                    if sleeper.name in self._sleepers:
                        self._woken.add(sleeper.name)
                self._changed.set()  # it is off the assignment until forgotten or watched


def _origin(record: Message) -> str | None:
    raw = record.headers() or ()
    for name, value in raw.items() if isinstance(raw, dict) else raw:
        if name == ORIGIN and isinstance(value, bytes):
            return value.decode(errors="replace")
    return None
