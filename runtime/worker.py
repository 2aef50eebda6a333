"""The worker: runs one function against its topic, at least once, in order per key.

    worker = Worker(handler, settings, store, producer)
    await worker.run(stop)          # until ``stop`` is set, then drains and commits

Fetched records become tasks chained per key (one room, one private pair): a key's events run
one after another, different keys run concurrently up to the handler's ``concurrency``. A
record's offset becomes committable only when its handler finished and every output was
acknowledged by Kafka; the commit position only passes contiguous finished offsets. When too
many records are in flight the worker pauses fetching until half of them are done.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from runtime import tracing
from runtime.context import Context
from runtime.events import (
    DecodeError,
    Delivery,
    Event,
    MessageEvent,
    PrivateEvent,
    decode_any,
    encode,
)
from runtime.faults import faults_for
from runtime.kafka import (
    Consumer,
    Headers,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
    ensure_topics,
    header,
    headers_of,
)
from runtime.metrics import KAFKA_STATS_INTERVAL_MS, Histogram
from runtime.offsets import OffsetTracker, Slot
from runtime.settings import Settings
from runtime.store import Store
from runtime.telemetry import EVENT_ID, TRACE_ID
from runtime.triggers import Handler, Reply, Result, Retry

ORIGIN = "parley-origin"
ROUTE = "parley-route"
TRACEPARENT = "traceparent"
DLQ_PREFIX = "parley-dlq-"
PAUSE_AFTER = 1.0  # seconds at the in-flight cap before fetching pauses
log = logging.getLogger("parley.worker")


@dataclass
class WorkerStats:
    """Counters a test, a metrics endpoint or the ops page can read."""

    fetched: int = 0
    processed: int = 0
    failed: int = 0
    retried: int = 0
    dead_lettered: int = 0
    skipped_own: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    pauses: int = 0
    handler_seconds: Histogram = field(default_factory=Histogram)


class Worker:
    """Runs ``handler`` in consumer group ``fn.<name>`` until stopped."""

    def __init__(
        self, handler: Handler, settings: Settings, store: Store, producer: Producer
    ) -> None:
        self.handler = handler
        self.settings = settings
        self.store = store
        self.producer = producer
        self.name = handler.name
        self.topics = [settings.topic(t) for t in handler.topics]
        self.group = settings.topic(f"fn.{handler.name}")
        self.dlq_topic = dlq_topic(settings, handler.name)
        self.cap = max(32 * handler.options.concurrency, 64)
        self.stats = WorkerStats()
        self.kafka_stats = ""  # librdkafka's latest statistics JSON: the consumer lag
        self.faults = faults_for(settings.faults, handler.name)
        self._fn_log = logging.getLogger(f"parley.fn.{handler.name}")
        self._offsets = OffsetTracker()
        # Per key, the turn of its newest event: resolved when that event's outputs are queued.
        self._turns: dict[bytes, asyncio.Future[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(handler.options.concurrency)
        self._consumer: Consumer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_beat = float("-inf")
        self._room = asyncio.Event()  # set when the in-flight count drops below the cap
        self.assigned = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; then finish in-flight events, commit and leave."""
        self._loop = asyncio.get_running_loop()
        if self.faults.active:
            log.warning("fault injection on for %s: %s", self.name, self.faults)
        bootstrap = self.settings.kafka.address()
        partitions = self.settings.kafka.partitions
        topics = [*self.topics, self.dlq_topic]
        await asyncio.to_thread(ensure_topics, bootstrap, topics, partitions)
        consumer = Consumer(
            bootstrap, self.group, start=self.handler.options.start,
            **{"statistics.interval.ms": KAFKA_STATS_INTERVAL_MS, "stats_cb": self._kafka_stats},
        )  # fmt: skip
        self._consumer = consumer
        await consumer.subscribe(self.topics, on_assign=self._on_assign, on_revoke=self._on_revoke)
        paused = False
        last_commit = self._loop.time()
        try:
            while not stop.is_set():
                paused = await self._throttle(consumer, paused)
                # Never fetch past the cap: the in-flight count is the backpressure signal.
                batch = max(1, min(self.settings.worker.batch, self.cap - self.stats.in_flight))
                for message in await consumer.consume(batch, 0.05 if paused else 0.1):
                    self._dispatch(message)
                if self._loop.time() - last_commit >= self.settings.worker.commit_interval:
                    await self._commit()
                    last_commit = self._loop.time()
                    self._beat()
            await self._drain(self._tasks)
            await self._commit()
        finally:
            await consumer.close()

    async def _throttle(self, consumer: Consumer, paused: bool) -> bool:
        """Backpressure. At the cap, wait up to a second for a slot; if handlers are still stuck,
        pause fetching (librdkafka then drops its prefetched records) until half are done.
        Pausing at every brief peak would cost a fetch round trip each time."""
        if paused:
            if self.stats.in_flight <= self.cap // 2:
                await consumer.resume()
                return False
            return True
        if self.stats.in_flight < self.cap:
            return False
        self._room.clear()
        try:
            await asyncio.wait_for(self._room.wait(), PAUSE_AFTER)
        except TimeoutError:
            await consumer.pause()
            self.stats.pauses += 1
            return True
        return False

    def _beat(self) -> None:
        """Touch the heartbeat file (if configured): proof for a health check that the loop runs."""
        path = self.settings.worker.heartbeat
        if path is not None and self._loop is not None and self._loop.time() - self._last_beat >= 1:
            path.touch()
            self._last_beat = self._loop.time()

    def _kafka_stats(self, statistics: str) -> None:
        """librdkafka's statistics (on the consumer thread): kept as text, read on a scrape."""
        self.kafka_stats = statistics

    def consumer(self) -> Consumer:
        """The running consumer (for tests and metrics); only valid inside ``run``."""
        if self._consumer is None:
            raise RuntimeError("the worker is not running")
        return self._consumer

    async def _commit(self) -> None:
        """Commit what is due. A commit refused mid-rebalance is retried on the next round;
        the revoke callback commits anything the partitions' new owner would otherwise redo."""
        due = self._offsets.due()
        if not due:
            return
        try:
            await self.consumer().commit(due)
        except KafkaException as exc:
            log.warning("commit deferred: %s", exc.args[0].str() if exc.args else exc)
            return
        self._offsets.committed(due)

    def _dispatch(self, message: Message) -> None:
        if message.error() is not None:
            log.warning("consumer error: %s", message.error())
            return
        slot = self._offsets.track(
            message.topic() or "", message.partition() or 0, message.offset() or 0
        )
        self.stats.fetched += 1
        if header(message, ORIGIN) == self.name.encode():
            # Loop guard: a function never receives what it produced itself.
            self.stats.skipped_own += 1
            self._offsets.finish(slot)
            return
        key = message.key() or b""
        previous = self._turns.get(key)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._turns[key] = turn
        turn.add_done_callback(lambda t: self._turn_over(t, key))
        task = asyncio.create_task(self._process(message, slot, previous, turn))
        self._tasks.add(task)
        self.stats.in_flight += 1
        self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        task.add_done_callback(self._finished)

    def _turn_over(self, turn: asyncio.Future[None], key: bytes) -> None:
        if self._turns.get(key) is turn:
            del self._turns[key]

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.stats.in_flight -= 1
        if self.stats.in_flight < self.cap:
            self._room.set()

    async def _process(
        self,
        message: Message,
        slot: Slot,
        previous: asyncio.Future[None] | None,
        turn: asyncio.Future[None],
    ) -> None:
        """Wait for the previous event of the key, handle this one, then mark it done."""
        try:
            if previous is not None:
                await previous
            if tracing.enabled():  # a child of the producer's span, from the headers
                with tracing.consuming(message, self.group):
                    await self._handle(message, turn)
            else:
                await self._handle(message, turn)
        except Exception:  # the worker never dies on one event: leave it uncommitted
            log.exception(
                "unexpected failure on %s[%s]@%s",
                message.topic(),
                message.partition(),
                message.offset(),
            )
            return
        finally:
            _release(turn)
        self._offsets.finish(slot)

    async def _handle(self, message: Message, turn: asyncio.Future[None]) -> None:
        """Run the handler with retries; its outputs are acknowledged before this returns.

        The key's next event may start once this one's outputs are queued in the producer
        (which keeps their order), not only once Kafka acknowledged them: a key's events
        pipeline instead of waiting a broker round trip each.
        """
        try:
            event = decode_any(message.value(), self.handler.models)
        except DecodeError as exc:
            await self._dead_letter(message, f"undecodable: {exc.reason}", attempts=0)
            return
        retries = self.handler.options.retries
        for attempt in range(1, retries + 2):
            ctx = self._context(message, event, attempt)
            try:
                async with self._slots:
                    began = time.perf_counter()
                    try:
                        async with asyncio.timeout(self.handler.options.timeout):
                            strike = self.faults.active and await self.faults.before(self.name)
                            result = await self.handler(event, ctx)
                            if strike:
                                self.faults.after(self.name)
                    finally:
                        self.stats.handler_seconds.observe(time.perf_counter() - began)
                    acks = self._enqueue(result, message)
                _release(turn)
                for ack in acks:
                    await ack
            except Exception as exc:  # noqa: BLE001 - any handler failure is retried
                self.stats.failed += 1
                error = _describe(exc)
                if attempt > retries:
                    await self._dead_letter(message, error, attempts=attempt)
                    return
                tracing.failed(error, final=False)
                delay = exc.defer if isinstance(exc, Retry) else self._backoff(attempt)
                ctx.log.warning("attempt %d failed (%s); retrying in %.2fs", attempt, error, delay)
                self.stats.retried += 1
                await asyncio.sleep(delay)
            else:
                self.stats.processed += 1
                return

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: a random delay up to base * 2^(attempt-1)."""
        ceiling = min(
            self.settings.worker.backoff_max, self.settings.worker.backoff_base * 2 ** (attempt - 1)
        )
        return random.uniform(ceiling / 2, ceiling)

    def _context(self, message: Message, event: Event, attempt: int) -> Context:
        adapter = logging.LoggerAdapter(self._fn_log, {"function": self.name, "event_id": event.id})
        # With tracing on, the process span; else the input's own (carried through unchanged).
        traceparent = tracing.current_traceparent() or header(message, TRACEPARENT)
        # This task's log lines carry the event and trace ids (see runtime.telemetry).
        EVENT_ID.set(event.id)
        TRACE_ID.set(tracing.trace_id_of(traceparent))
        tracing.annotate(**{"messaging.message.id": event.id})
        return Context(
            function=self.name,
            settings=self.settings,
            store=self.store,
            log=adapter,
            topic=message.topic() or "",
            partition=message.partition() or 0,
            offset=message.offset() or 0,
            attempt=attempt,
            traceparent=traceparent.decode() if traceparent else None,
        )

    def _enqueue(self, result: Result, source: Message) -> list[asyncio.Future[None]]:
        """Queue the handler's outputs in the producer; the futures complete on Kafka's ack."""
        if result is None:
            return []
        outputs: Sequence[Reply | Event] = result if isinstance(result, Sequence) else [result]
        traced = tracing.enabled()
        trace = None if traced else header(source, TRACEPARENT)  # off: carried through as is
        acks = []
        for output in outputs:
            event = self._as_event(output)
            headers: list[tuple[str, bytes]] = [(ORIGIN, self.name.encode())]
            if isinstance(event, Delivery):
                headers.append((ROUTE, event.route().encode()))
            topic = self.settings.topic(event.topic)
            if traced:
                span, trace = tracing.producing(topic, event.key(), event.id)
            if trace:
                headers.append((TRACEPARENT, trace))
            ack = self.producer.send_nowait(topic, encode(event), event.key(), headers)
            if traced:
                tracing.end_on(span, ack)
            acks.append(ack)
        return acks

    def _as_event(self, output: Reply | Event) -> Event:
        if isinstance(output, Event):
            return output
        if output.room is not None:
            return MessageEvent(room=output.room, user=self.name, text=output.text, bot=True)
        assert output.to is not None  # a Reply validates that it has one target
        return PrivateEvent(sender=self.name, to=output.to, text=output.text, bot=True)

    async def _dead_letter(self, message: Message, error: str, attempts: int) -> None:
        tracing.failed(error, final=True)
        headers: Headers = [
            *[(k, v) for k, v in headers_of(message) if not k.startswith(DLQ_PREFIX)],
            (DLQ_PREFIX + "function", self.name.encode()),
            (DLQ_PREFIX + "topic", (message.topic() or "").encode()),
            (DLQ_PREFIX + "partition", str(message.partition()).encode()),
            (DLQ_PREFIX + "offset", str(message.offset()).encode()),
            (DLQ_PREFIX + "error", error.encode()[:2000]),
            (DLQ_PREFIX + "attempts", str(attempts).encode()),
        ]
        delay = self.settings.worker.backoff_base
        while True:  # the event must land somewhere before its offset may be committed
            try:
                await self.producer.send(
                    self.dlq_topic, message.value() or b"", message.key(), headers
                )
                break
            except Exception as exc:  # noqa: BLE001 - broker trouble: keep trying
                log.warning("dead-letter publish failed (%s); again in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.worker.backoff_max)
        self.stats.dead_lettered += 1
        log.error(
            "dead-lettered %s[%s]@%s after %d attempts: %s",
            message.topic(),
            message.partition(),
            message.offset(),
            attempts,
            error,
        )

    async def _drain(self, tasks: set[asyncio.Task[None]] | list[asyncio.Task[None]]) -> None:
        if tasks:
            await asyncio.wait(list(tasks), timeout=self.settings.worker.drain_timeout)

    # Rebalance callbacks run on the consumer thread while the event loop is free.

    def _on_assign(self, partitions: list[TopicPartition]) -> None:
        if self._consumer is not None and partitions:
            self._consumer.assign_from_start(partitions, self.handler.options.start)
        log.info("assigned %s", [f"{p.topic}[{p.partition}]" for p in partitions])
        if self._loop is not None and partitions:
            self._loop.call_soon_threadsafe(self.assigned.set)

    def _on_revoke(self, partitions: list[TopicPartition]) -> None:
        """Finish in-flight events of the revoked partitions, commit them, then let go."""
        if self._loop is None or self._consumer is None:
            return
        owned = [(p.topic, p.partition) for p in partitions]
        future = asyncio.run_coroutine_threadsafe(self._drain_partitions(owned), self._loop)
        try:
            future.result(timeout=self.settings.worker.drain_timeout + 5)
        except Exception:  # noqa: BLE001 - commit what finished; the rest is redelivered
            log.warning("revoke: in-flight events did not finish in time")
        due = self._offsets.due(owned)
        try:
            self._consumer.commit_sync(due)
        except Exception as exc:  # noqa: BLE001 - e.g. the group already moved on
            log.warning("revoke: commit failed: %s", exc)
        self._offsets.forget(owned)
        log.info("revoked %s", [f"{t}[{p}]" for t, p in owned])

    async def _drain_partitions(self, owned: list[tuple[str, int]]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.worker.drain_timeout
        while self._offsets.in_flight(owned) and self._tasks and loop.time() < deadline:
            await asyncio.wait(list(self._tasks), timeout=deadline - loop.time())


def _release(turn: asyncio.Future[None]) -> None:
    if not turn.done():
        turn.set_result(None)


def dlq_topic(settings: Settings, function: str) -> str:
    return settings.topic(f"chat.dlq.{function}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "TimeoutError: the handler ran past its timeout"
    return f"{type(exc).__name__}: {exc}"
