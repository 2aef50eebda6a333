"""The share worker: runs an ``ordered=False`` function through a Kafka share group (KIP-932).

    worker = ShareWorker(handler, settings, store, state, bus)
    await worker.run(stop)          # until ``stop`` is set, then drains and acknowledges

Any number of replicas share the partitions; the broker hands each record to one of them and
each record is acknowledged on its own instead of an offset committed. The ``Runner`` does the
rest as for an ordered function (timeout, outputs, dead letters), in a lane of the record's
own, so records of one key run concurrently. A record's verdict:

- ACCEPT once it is handled and Kafka acknowledged its outputs, or once it is dead-lettered
  (the dead letter is the record's home from then on; REJECT would only make the broker
  archive it a second time, and ACCEPT keeps the share group's counts of "handled" true);
- RELEASE after a failed attempt and its backoff: the broker delivers it again, maybe to
  another replica, with its delivery count grown (the attempt number);
- RELEASE for records still in flight when the worker stops and the drain timeout passed.

The share consumer wants a verdict for every record of a poll before the next poll, so the
worker handles one batch at a time (concurrently within it, up to the handler's concurrency).
While a batch is still running, the verdicts reached so far are sent every ``FLUSH`` seconds:
a record's acquisition lock (30 s by default) runs from its delivery, and a slow neighbour in
its batch must not make it expire (the broker would hand the record to another replica).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from runtime.bus import Bus
from runtime.engine.alarms import Timing, timing
from runtime.engine.offsets import Slot
from runtime.engine.runner import Runner
from runtime.engine.stats import WorkerStats
from runtime.engine.worker import announce_when
from runtime.history import History
from runtime.kafka.client import Message, header
from runtime.kafka.headers import ORIGIN, TRACEPARENT
from runtime.kafka.registry import ensure_registry
from runtime.kafka.share import (
    AcknowledgeType,
    ShareConsumer,
    Verdict,
    configure_share_group,
    share_group_configs,
)
from runtime.kafka.topics import ensure_topics
from runtime.settings import Settings
from runtime.state import State
from runtime.triggers import Handler

FLUSH = 0.2  # seconds between sending the verdicts of a batch still running
log = logging.getLogger("parley.worker")


class ShareWorker:
    """Runs ``handler`` in share group ``fn.<name>`` until stopped."""

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
            self._released,
            timers=ctx_timers,
        )
        self.group = self.runner.group
        self.dlq_topic = self.runner.dlq_topic
        self._own = self.name.encode()
        self._pending: dict[Slot, Message] = {}  # this batch's records without a verdict
        self._verdicts: list[Verdict] = []
        self._last_beat = float("-inf")
        self._settled = asyncio.Event()  # set when the batch's last record got its verdict
        self.assigned = asyncio.Event()  # set once the first poll came back (the group joined)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; then finish the batch in flight and leave."""
        connection = self.settings.kafka.client_config()
        topics = [*self.topics, self.dlq_topic]
        await asyncio.to_thread(ensure_topics, connection, topics, self.settings.kafka.partitions)
        await asyncio.to_thread(ensure_registry, self.settings)
        options = self.handler.options
        configs = share_group_configs(options.start, options.retries)
        await asyncio.to_thread(configure_share_group, connection, self.group, configs)
        # A poll's records are handled as one batch; a small one leaves the rest of a burst to
        # the other replicas instead of one replica acquiring all of it.
        consumer = ShareConsumer(
            connection, self.group, **{"max.poll.records": 2 * options.concurrency}
        )
        await consumer.subscribe(self.topics)
        watchdog = asyncio.create_task(self.runner.watch())
        announce = asyncio.create_task(
            announce_when(self.assigned, self.handler, self.settings, self.runner.bus)
        )
        clocks = [] if self.alarms is None else [asyncio.create_task(self.alarms.run())]
        verdicts: list[Verdict] = []
        try:
            while not stop.is_set():
                batch = await consumer.poll(verdicts, 0.1)
                if not self.assigned.is_set():
                    log.info("assigned %s", [f"{t}[share]" for t in self.topics])
                    self.assigned.set()
                verdicts = await self._handle(batch, stop, consumer)
                self._beat()
        finally:
            for task in (watchdog, announce, *clocks):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await consumer.close(verdicts)

    def _beat(self) -> None:
        """Touch the heartbeat file (if configured): proof for a health check that we poll."""
        path = self.settings.worker.heartbeat
        now = asyncio.get_running_loop().time()
        if path is not None and now - self._last_beat >= 1:
            path.touch()
            self._last_beat = now

    async def _handle(
        self, batch: list[Message], stop: asyncio.Event, consumer: ShareConsumer
    ) -> list[Verdict]:
        """Every record of ``batch`` through the function; the verdicts not sent yet."""
        self._verdicts = []
        self._settled.clear()
        for message in batch:
            self._dispatch(message)
        await self._settle(stop, consumer)
        for slot, message in self._pending.items():  # stopping: give the rest back
            self.stats.in_flight -= 1
            self._verdicts.append((message, AcknowledgeType.RELEASE))
            log.warning("released %s@%s unfinished", slot.partition, slot.offset)
        self._pending.clear()
        return self._verdicts

    async def _settle(self, stop: asyncio.Event, consumer: ShareConsumer) -> None:
        """Until the batch is settled (once ``stop`` is set, at most the drain timeout more),
        sending the verdicts reached so far every ``FLUSH`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = float("inf")
        while self._pending:
            if stop.is_set():
                deadline = min(deadline, loop.time() + self.settings.worker.drain_timeout)
                if loop.time() >= deadline:
                    return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settled.wait(), FLUSH)
            if self._pending and self._verdicts:
                verdicts, self._verdicts = self._verdicts, []
                await consumer.acknowledge(verdicts)

    def _dispatch(self, message: Message) -> None:
        if message.error() is not None:
            log.warning("share consumer error: %s", message.error())
            return
        topic, partition, offset = message.topic() or "", message.partition(), message.offset()
        slot = Slot((topic, partition or 0), offset or 0)
        self.stats.fetched += 1
        if header(message, ORIGIN) == self._own:
            # Loop guard: a function never receives what it produced itself.
            self.stats.skipped_own += 1
            self._verdicts.append((message, AcknowledgeType.ACCEPT))
            return
        self._pending[slot] = message
        stats = self.stats
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        lane = f"{topic}/{partition}/{offset}".encode()  # its own: no order between records
        delivery = message.delivery_count() or 1
        self.runner.submit(message, slot, header(message, TRACEPARENT), lane, delivery)

    def _finished(self, slot: Slot) -> None:
        """Handled with its outputs acknowledged, or dead-lettered: accept it."""
        self._verdict(slot, AcknowledgeType.ACCEPT)

    def _released(self, slot: Slot) -> None:
        """An attempt failed and its backoff passed: the broker delivers it again."""
        self._verdict(slot, AcknowledgeType.RELEASE)

    def _verdict(self, slot: Slot, verdict: AcknowledgeType) -> None:
        message = self._pending.pop(slot, None)
        if message is None:  # released at shutdown while its handler still ran
            return
        self.stats.in_flight -= 1
        self._verdicts.append((message, verdict))
        if not self._pending:
            self._settled.set()
