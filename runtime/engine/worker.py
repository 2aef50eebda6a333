"""The worker: runs one function against its topics, at least once, in order per key.

    worker = Worker(handler, settings, store, state, bus)
    await worker.run(stop)          # until ``stop`` is set, then drains and commits

The worker fetches records and commits offsets; the ``Runner`` (runtime.engine.runner) takes each
record through the function in its key's lane. A record's offset becomes committable only when
it is finished (handled and every output acknowledged by Kafka, or dead-lettered); the commit
position only passes contiguous finished offsets (runtime.engine.offsets). When too many records are
in flight the worker pauses fetching until half of them are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from runtime.bus import Bus
from runtime.engine.alarms import Timing, timing
from runtime.engine.offsets import OffsetTracker, Slot
from runtime.engine.runner import Runner
from runtime.engine.stats import KAFKA_STATS_INTERVAL_MS, WorkerStats
from runtime.engine.ticker import Ticker
from runtime.history import History
from runtime.kafka.client import Consumer, KafkaException, Message, TopicPartition
from runtime.kafka.headers import ORIGIN, TRACEPARENT
from runtime.kafka.registry import ensure_registry, publish
from runtime.kafka.topics import ensure_topics
from runtime.registry import describe
from runtime.schedules import schedule_of
from runtime.settings import Settings
from runtime.state import State
from runtime.triggers import Handler

PAUSE_AFTER = 1.0  # seconds at the in-flight cap before fetching pauses
TICKER_WAIT = 10.0  # seconds a replica that owns no partition waits before producing ticks
log = logging.getLogger("parley.worker")


class Worker:
    """Runs ``handler`` in consumer group ``fn.<name>`` until stopped.

    With ``timers`` its handler may use ``ctx.later`` and this replica fires the function's
    due timers (``runtime.engine.alarms``); a scheduled function's replica also produces its
    ticks (``runtime.engine.ticker``).
    """

    def __init__(
        self,
        handler: Handler,
        settings: Settings,
        store: History,
        state: State,
        bus: Bus,
        timers: Timing | None = None,
    ) -> None:
        self.handler = handler
        self.settings = settings
        self.name = handler.name
        self.topics = [settings.topic(t) for t in handler.topics]
        # A batch handler needs room for at least two full batches in flight.
        self.cap = max(32 * handler.options.concurrency, 64, 2 * (handler.options.batch or 0))
        self.stats = WorkerStats()
        ctx_timers, self.alarms = timing(handler, settings, timers, bus)
        self.runner = Runner(
            handler,
            settings,
            store,
            state,
            bus,
            self.stats,
            self._finished,
            timers=ctx_timers,
        )
        schedule = schedule_of(handler)
        self.ticker = None if schedule is None else Ticker(handler, schedule, settings, state, bus)
        self.group = self.runner.group
        self.dlq_topic = self.runner.dlq_topic
        self._own = self.name.encode()
        self._offsets = OffsetTracker()
        self._consumer: Consumer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_beat = float("-inf")
        self._room = asyncio.Event()  # set whenever a record is finished
        self.assigned = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; then finish in-flight events, commit and leave."""
        self._loop = asyncio.get_running_loop()
        if self.runner.faults.active:
            log.warning("fault injection on for %s: %s", self.name, self.runner.faults)
        connection = self.settings.kafka.client_config()
        partitions = self.settings.kafka.partitions
        topics = [*self.topics, self.dlq_topic]
        await asyncio.to_thread(ensure_topics, connection, topics, partitions)
        await asyncio.to_thread(ensure_registry, self.settings)
        consumer = Consumer(
            connection,
            self.group,
            start=self.handler.options.start,
            **{"statistics.interval.ms": KAFKA_STATS_INTERVAL_MS, "stats_cb": self._kafka_stats},
        )
        self._consumer = consumer
        await consumer.subscribe(self.topics, on_assign=self._on_assign, on_revoke=self._on_revoke)
        paused = False
        last_commit = self._loop.time()
        watchdog = asyncio.create_task(self.runner.watch())
        announce = asyncio.create_task(
            announce_when(self.assigned, self.handler, self.settings, self.runner.bus)
        )
        clocks = [asyncio.create_task(c) for c in self._clocks()]
        ahead: asyncio.Future[list[Message]] | None = None  # the next batch, being fetched
        try:
            while not stop.is_set():
                paused = await self._throttle(consumer, paused)
                batch = await (ahead or self._fetch(consumer, paused, 0))
                # Fetch the next batch (on the consumer thread) while this one is dispatched,
                # unless this one fills the cap.
                room = self.cap - self.stats.in_flight - len(batch)
                ahead = self._fetch(consumer, paused, len(batch)) if batch and room > 0 else None
                for message in batch:
                    self._dispatch(message)
                if self._loop.time() - last_commit >= self.settings.worker.commit_interval:
                    await self._commit()
                    last_commit = self._loop.time()
                    self._beat()
            await self._drain()
            await self._commit()
        finally:
            for task in (watchdog, announce, *clocks):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if ahead is not None:  # fetched, never dispatched nor committed: redelivered later
                with contextlib.suppress(Exception):
                    await ahead
            await consumer.close()

    def _clocks(self) -> list[Coroutine[Any, Any, None]]:
        """The loops beside consuming: firing timers, and producing ticks once assigned."""
        found: list[Coroutine[Any, Any, None]] = []
        if self.alarms is not None:
            found.append(self.alarms.run())
        if self.ticker is not None:
            found.append(self._tick(self.ticker))
        return found

    async def _tick(self, ticker: Ticker) -> None:
        # Produce once this replica owns partitions (its group reads from the end until it
        # has committed, so a tick produced earlier could be missed), or after a while when
        # other replicas own them all.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.assigned.wait(), TICKER_WAIT)
        delay = self.settings.worker.backoff_base
        while True:
            try:
                await ticker.run()
            except Exception as exc:  # noqa: BLE001 - the database is away: try again
                log.warning("ticker of %s: %s; again in %.1fs", self.name, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.worker.backoff_max)

    def _fetch(
        self, consumer: Consumer, paused: bool, arriving: int
    ) -> asyncio.Future[list[Message]]:
        """Start fetching a batch, ``arriving`` records not dispatched yet. Never fetch past
        the cap: the in-flight count is the backpressure signal."""
        room = self.cap - self.stats.in_flight - arriving
        size = max(1, min(self.settings.worker.batch, room))
        return asyncio.ensure_future(consumer.consume(size, 0.05 if paused else 0.1))

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
        self.stats.kafka_statistics = statistics

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
        origin = traceparent = None
        raw = message.headers() or ()
        for name, value in raw.items() if isinstance(raw, dict) else raw:
            if name == ORIGIN:
                origin = value
            elif name == TRACEPARENT:
                traceparent = value
        if isinstance(traceparent, str):
            traceparent = traceparent.encode()
        if origin == self._own:
            # Loop guard: a function never receives what it produced itself.
            self.stats.skipped_own += 1
            self._offsets.finish(slot)
            return
        stats = self.stats
        stats.in_flight += 1
        if stats.in_flight > stats.max_in_flight:
            stats.max_in_flight = stats.in_flight
        self.runner.submit(message, slot, traceparent)

    def _finished(self, slot: Slot) -> None:
        """The runner is done with a record: its offset may be committed."""
        self._offsets.finish(slot)
        self.stats.in_flight -= 1
        self._room.set()

    async def _drain(self) -> None:
        """Wait (up to the drain timeout) until nothing is in flight."""
        self.runner.flush()  # a batch being gathered leaves now
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.worker.drain_timeout
        while self.stats.in_flight and loop.time() < deadline:
            self._room.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._room.wait(), deadline - loop.time())

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
        self.runner.flush()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.worker.drain_timeout
        while self._offsets.in_flight(owned) and loop.time() < deadline:
            self._room.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._room.wait(), deadline - loop.time())


async def announce_when(
    assigned: asyncio.Event, handler: Handler, settings: Settings, bus: Bus
) -> None:
    """Once ``assigned`` is set (this replica owns partitions, or joined its share group),
    publish the function's descriptor to the registry: from then on gateways accept its
    action (events sent to it are handled)."""
    await assigned.wait()
    descriptor = describe(handler, settings)
    delay = settings.worker.backoff_base
    while True:
        try:
            await publish(bus, settings, descriptor)
            log.info("announced %s in the registry", handler.name)
            return
        except Exception as exc:  # noqa: BLE001 - the broker is away: try again
            log.warning("could not announce %s (%s); again in %.1fs", handler.name, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, settings.worker.backoff_max)
