"""The runner: each fetched record through its function, at least once, in order per key.

    runner = Runner(handler, settings, store, state, bus, stats, finished)
    runner.submit(message, slot)     # queued in its key's lane (see runtime.engine.lanes)
    ...
    finished(slot)                   # called once the record is fully handled

A record is decoded once, then attempted: the handler runs under its timeout (after the
injected faults, when on), and its outputs are queued in the producer. The lane then goes on
to the key's next record while Kafka acknowledges these outputs, so a key's records pipeline
instead of waiting a broker round trip each. Once every output is acknowledged the record is
finished: its offset may be committed. A failed attempt is retried in the lane after a backoff
(the key waits); an output Kafka refused makes the record go round again, queued at the back of
its lane. After ``retries`` the original record goes to the dead-letter topic and is finished.

Trigger options (runtime.triggers.Options) act here too: a record that does not ``match`` the
function's filter is finished at once, never handled; one whose event is older than
``max_age`` is dead-lettered as ``expired``; with ``batch`` the records go through a
``Batcher`` (runtime.engine.batches) instead of the lanes.

For an unordered handler (a share group, runtime.engine.share) a failed attempt is not retried
here: after the backoff the record is handed to ``release`` (the broker delivers it again,
maybe to another replica, with its delivery count grown), and the attempt number is that count.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from runtime.bus import Acknowledged, Bus, Record, send
from runtime.context import Context
from runtime.engine.batches import Batcher
from runtime.engine.lanes import Gate, Lane, Lanes
from runtime.engine.offsets import Slot
from runtime.engine.stats import WorkerStats
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
from runtime.filters import event_fields, matches
from runtime.history import History
from runtime.kafka import tracing
from runtime.kafka.dlq import Reason, dead_letter_headers
from runtime.kafka.headers import ORIGIN, ROUTE, TRACEPARENT
from runtime.names import dlq_topic, group_of
from runtime.settings import Settings
from runtime.state import State
from runtime.telemetry import EVENT_ID, TRACE_ID
from runtime.timers import NO_TIMERS, NoTimers, Timers
from runtime.triggers import BatchFailures, Handler, Reply, Result, Retry

log = logging.getLogger("parley.worker")


@dataclass(slots=True)
class Item:
    """A record on its way through the function, and how far it got."""

    message: Record
    slot: Slot
    traceparent: bytes | None  # the record's own ``traceparent`` header
    event: Event | None = None  # once decoded
    attempt: int = 1  # the attempt to run next
    key: bytes = b""  # its lane: the record's key, or its own position when unordered
    delivery: int = 1  # how many times Kafka delivered it (a share group counts; else 1)
    error: str | None = None  # why the previous attempt failed
    delay: float = 0.0  # how long to wait before the next attempt
    arrived: float = 0.0  # when it was submitted (loop time; for a batch's window)


class Runner:
    """Runs ``handler`` on submitted records; ``finished(slot)`` marks each one done."""

    def __init__(
        self,
        handler: Handler,
        settings: Settings,
        store: History,
        state: State,
        bus: Bus,
        stats: WorkerStats,
        finished: Callable[[Slot], None],
        release: Callable[[Slot], None] | None = None,
        timers: Timers | NoTimers = NO_TIMERS,
    ) -> None:
        self.handler = handler
        self.timers = timers
        self.settings = settings
        self.store = store
        self.state = state
        self.bus = bus
        self.stats = stats
        self.name = handler.name
        self.group = group_of(settings, handler.name)
        self.dlq_topic = dlq_topic(settings, handler.name)
        self.faults = faults_for(settings.faults, handler.name)
        self.lanes: Lanes[Item] = Lanes(self._run)
        self._finished = finished
        self._release = release
        self._origin = [(ORIGIN, self.name.encode())]
        self._fn_log = logging.getLogger(f"parley.fn.{handler.name}")
        self._ctx_log = logging.LoggerAdapter(self._fn_log, {"function": self.name})
        self._gate = Gate(handler.options.concurrency)
        self._topics: dict[str, str] = {}  # logical name -> physical (prefixed)
        self._match = handler.options.match
        self.batcher = Batcher(self) if handler.options.batch is not None else None

    def submit(
        self,
        message: Record,
        slot: Slot,
        traceparent: bytes | None,
        key: bytes | None = None,
        delivery: int = 1,
    ) -> None:
        """Queue a fetched record behind the earlier ones of its key (or of ``key``, its lane,
        when given), or finish it now when it does not match the function's filter.
        ``delivery`` is its delivery count; with ``release`` set it is also the attempt it is
        on."""
        if self._match is not None and not self._wanted(message):
            self.stats.filtered += 1
            self._finished(slot)
            return
        lane = (message.key() or b"") if key is None else key
        attempt = delivery if self._release is not None else 1
        item = Item(message, slot, traceparent, attempt=attempt, key=lane, delivery=delivery)
        if self.batcher is not None:
            self.batcher.add(item)
        else:
            self.lanes.add(lane, item)

    def flush(self) -> None:
        """Stop gathering: hand every waiting record to the function now (on shutdown)."""
        if self.batcher is not None:
            self.batcher.flush()

    def _wanted(self, message: Record) -> bool:
        """Whether the record matches the filter. A value that is not a JSON envelope is let
        through: decoding it dead-letters it as undecodable, as without a filter."""
        assert self._match is not None
        try:
            envelope = json.loads(message.value() or b"")
        except ValueError:
            return True
        if not isinstance(envelope, dict):
            return True
        return matches(self._match, event_fields(envelope))

    def expired(self, event: Event) -> str | None:
        """Why ``event`` is too old to handle (past the function's ``max_age``), or None."""
        limit = self.handler.options.max_age
        if limit is None:
            return None
        age = (datetime.now(UTC) - event.ts).total_seconds()
        if age <= limit:
            return None
        return f"expired: the event is {age:.1f}s old (its ts), past max_age={limit:g}s"

    async def watch(self) -> None:
        """Enforce the handler's timeout (forever; run it beside the consuming loop)."""
        await self.lanes.watch(tick=min(1.0, self.handler.options.timeout / 10))

    async def _run(self, item: Item, lane: Lane[Item]) -> None:
        if tracing.enabled():  # a child of the producer's span, from the headers
            with tracing.consuming(item.message, self.group):
                await self._attempts(item, lane)
        else:
            await self._attempts(item, lane)

    async def _attempts(self, item: Item, lane: Lane[Item]) -> None:
        """Attempt until the outputs are queued, or the record is dead-lettered."""
        message = item.message
        if item.event is None:
            try:
                item.event = decode_any(message.value(), self.handler.models)
            except DecodeError as exc:
                await self._dead_letter(item, f"undecodable: {exc.reason}", 0, "undecodable")
                return
            too_old = self.expired(item.event)
            if too_old is not None:
                await self._dead_letter(item, too_old, 0, "expired")
                return
        event = item.event
        # This lane's log lines carry the event and trace ids (see runtime.telemetry).
        EVENT_ID.set(event.id)
        traceparent = item.traceparent
        if tracing.enabled():  # the process span's, else the record's own, carried through
            traceparent = tracing.current_traceparent() or traceparent
            tracing.annotate(**{"messaging.message.id": event.id})
        TRACE_ID.set(tracing.trace_id_of(traceparent))
        options = self.handler.options
        retries = options.retries
        while True:
            if item.error is not None:
                if item.attempt > retries + 1:
                    await self._dead_letter(item, item.error, attempts=item.attempt - 1)
                    return
                self._fn_log.warning(
                    "attempt %d failed (%s); retrying in %.2fs",
                    item.attempt - 1,
                    item.error,
                    item.delay,
                )
                self.stats.retried += 1
                await asyncio.sleep(item.delay)
                if self._release is not None:  # the broker delivers it again
                    self._release(item.slot)
                    return
            ctx = self._context(item, event, traceparent)
            try:
                if not self._gate.try_enter():
                    await self._gate.enter()
                try:
                    began = time.monotonic()  # the event loop's clock
                    try:
                        call = self._call(event, ctx)
                        result = await lane.within(began + options.timeout, call)
                    finally:
                        self.stats.handler_seconds.observe(time.monotonic() - began)
                    if isinstance(result, BatchFailures):
                        raise TypeError(
                            "BatchFailures is for batch handlers: give the trigger batch=N"
                        )
                    self._send(result, item)
                finally:
                    self._gate.leave()
                return
            except Exception as exc:  # noqa: BLE001 - any handler failure is retried
                self._failed(item, exc)

    def _call(self, event: Event | list[Event], ctx: Context) -> Awaitable[Result | BatchFailures]:
        if self.faults.active:
            return self._faulty(event, ctx)
        return self.handler.fn(event, ctx)

    async def _faulty(self, event: Event | list[Event], ctx: Context) -> Result | BatchFailures:
        """The handler between the injected faults (see runtime.faults)."""
        strike = await self.faults.before(self.name)
        result = await self.handler.fn(event, ctx)
        if strike:
            self.faults.after(self.name)
        return result

    def _failed(self, item: Item, exc: BaseException | str) -> None:
        """Count a failed attempt and schedule the next one."""
        self.stats.failed += 1
        item.error = exc if isinstance(exc, str) else _describe(exc)
        tracing.failed(item.error, final=item.attempt > self.handler.options.retries)
        item.delay = exc.defer if isinstance(exc, Retry) else self._backoff(item.attempt)
        item.attempt += 1

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: a random delay up to base * 2^(attempt-1)."""
        worker = self.settings.worker
        ceiling = min(worker.backoff_max, worker.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _context(self, item: Item, event: object, traceparent: bytes | None) -> Context:
        topic, partition = item.slot.partition
        # Positional, in field order (a per-event call: keywords cost a fifth more). The log's
        # event id comes from EVENT_ID, set for this lane.
        return Context(
            self.name,
            self.settings,
            self.store,
            self.state,
            self._ctx_log,
            topic,
            partition,
            item.slot.offset,
            item.attempt,
            traceparent.decode() if traceparent else None,
            item.delivery,
            self.timers,
        )

    def _send(self, result: Result, item: Item) -> None:
        """Queue the handler's outputs; the record is finished when Kafka acknowledged them."""
        outputs: Sequence[Reply | Event] = (
            () if result is None else (result,) if isinstance(result, (Event, Reply)) else result
        )
        if not outputs:
            self._done(item)
            return
        # One output (the usual case) reports straight back; several are counted down.
        ack: Acknowledged = (
            partial(self._acknowledged, item)
            if len(outputs) == 1
            else _Acks(self, item, len(outputs)).one
        )
        traced = tracing.enabled()
        trace = None if traced else item.traceparent  # off: carried through as is
        for output in outputs:
            event = self._as_event(output)
            headers = list(self._origin)
            if isinstance(event, Delivery):
                headers.append((ROUTE, event.route().encode()))
            topic = self._topics.get(event.topic) or self._topic(event.topic)
            done: Acknowledged = ack
            if traced:
                span, trace = tracing.producing(topic, event.key(), event.id)
                done = tracing.ending(span, ack)
            if trace:
                headers.append((TRACEPARENT, trace))
            self.bus.produce(topic, encode(event), event.key(), headers, done)

    def _topic(self, name: str) -> str:
        self._topics[name] = topic = self.settings.topic(name)
        return topic

    def _acknowledged(self, item: Item, error: Exception | None) -> None:
        """Every output of ``item`` was answered by Kafka (on the loop)."""
        if error is None:
            self._done(item)
            return
        self._failed(item, error)  # an output was refused: go round again
        self.lanes.add(item.key, item)

    def _done(self, item: Item) -> None:
        self.stats.processed += 1
        self._finish(item)

    def _finish(self, item: Item) -> None:
        if self.batcher is not None:
            self.batcher.release(item)
        self._finished(item.slot)

    def _as_event(self, output: Reply | Event) -> Event:
        if isinstance(output, Event):
            return output
        if output.room is not None:
            return MessageEvent(room=output.room, user=self.name, text=output.text, bot=True)
        assert output.to is not None  # a Reply validates that it has one target
        return PrivateEvent(sender=self.name, to=output.to, text=output.text, bot=True)

    async def _dead_letter(
        self, item: Item, error: str, attempts: int, reason: Reason = "failed"
    ) -> None:
        """Publish the original record to the dead-letter topic (until that works), then
        finish it: the event must land somewhere before its offset may be committed."""
        message = item.message
        tracing.failed(error, final=True)
        delivery = item.delivery if self._release is not None else None
        headers = dead_letter_headers(message, self.name, error, attempts, reason, delivery)
        delay = self.settings.worker.backoff_base
        while True:
            try:
                await send(self.bus, self.dlq_topic, message.value() or b"", message.key(), headers)
                break
            except Exception as exc:  # noqa: BLE001 - broker trouble: keep trying
                log.warning("dead-letter publish failed (%s); again in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.worker.backoff_max)
        self.stats.dead_lettered += 1
        if reason == "expired":
            self.stats.expired += 1
        log.error(
            "dead-lettered %s[%s]@%s after %d attempts: %s",
            message.topic(),
            message.partition(),
            message.offset(),
            attempts,
            error,
        )
        self._finish(item)


class _Acks:
    """Counts down one record's outputs as Kafka answers them."""

    __slots__ = ("error", "item", "left", "runner")

    def __init__(self, runner: Runner, item: Item, outputs: int) -> None:
        self.runner = runner
        self.item = item
        self.left = outputs
        self.error: Exception | None = None

    def one(self, error: Exception | None) -> None:
        if error is not None and self.error is None:
            self.error = error
        self.left -= 1
        if self.left == 0:
            self.runner._acknowledged(self.item, self.error)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "TimeoutError: the handler ran past its timeout"
    return f"{type(exc).__name__}: {exc}"
