"""Batches: a function with ``batch=N`` gets up to N events per call, as a list.

    batcher = Batcher(runner)       # the runner hands it each record instead of a lane
    batcher.add(item)               # gathered; a batch leaves when full or ``window`` old
    batcher.release(item)           # the item is finished: its key may go on

Gathering keeps each key's order: records are taken in fetch order, and a key with an item in
a batch still running (being retried, say) keeps its later items waiting, so they never
overtake it. At most ``concurrency`` batches run at once.

A batch call's outcome, like Lambda's Kafka and SQS triggers:

- outputs (as a one-event handler returns them): every event is done once Kafka acknowledged
  them (an output refused: the whole batch is tried again);
- ``BatchFailures(ids=...)``: the others are done; the failed ones are tried again, as a smaller
  batch after a backoff, and dead-lettered after ``retries``;
- ``Retry``: the whole batch is tried again after ``defer`` (an attempt for each event);
- an exception or a timeout: the batch is split in halves, run one after the other (the
  earlier half first, for order), until the failing event is alone; a lone event that fails
  is retried and dead-lettered as with ``batch`` unset. A split is not an attempt.

The batcher is the runner's own part, kept in a module of its own for size: it uses the
runner's bookkeeping (attempts, backoff, dead letters, outputs) as the lanes' path does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from runtime.bus import sent
from runtime.events import DecodeError, Delivery, Event, decode_any, encode
from runtime.kafka.headers import ROUTE
from runtime.triggers import BatchFailures, Output, Reply, Result, Retry

if TYPE_CHECKING:
    from runtime.engine.runner import Item, Runner

log = logging.getLogger("parley.worker")


class Batcher:
    """Gathers a batch handler's items and runs each batch through it."""

    def __init__(self, runner: Runner) -> None:
        options = runner.handler.options
        assert options.batch is not None
        self.runner = runner
        self.size = options.batch
        self.window = options.window
        self.concurrency = options.concurrency
        self.pending: deque[Item] = deque()
        self.busy: dict[bytes, int] = {}  # key -> its items in a running batch
        self.running: set[asyncio.Task[None]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._flushing = False

    def add(self, item: Item) -> None:
        """Queue ``item``; a full batch leaves now, a partial one when its window is over."""
        loop = asyncio.get_running_loop()
        item.arrived = loop.time()
        self.pending.append(item)
        if len(self.pending) >= self.size or self._flushing:
            self._pump()
        elif self._timer is None:
            self._timer = loop.call_later(self.window, self._due)

    def release(self, item: Item) -> None:
        """``item`` is finished (done or dead-lettered): its key's later items may run."""
        key = item.message.key() or b""
        left = self.busy.get(key, 0) - 1
        if left > 0:
            self.busy[key] = left
        else:
            self.busy.pop(key, None)

    def flush(self) -> None:
        """Send whatever is waiting without waiting for its window, until nothing is left."""
        self._flushing = True
        self._pump()

    def _due(self) -> None:
        self._timer = None
        self._pump()

    def _pump(self) -> None:
        """Start every batch that may start now; arm the timer for the next window."""
        loop = asyncio.get_running_loop()
        while self.pending and len(self.running) < self.concurrency:
            ripe = self._flushing or loop.time() - self.pending[0].arrived >= self.window
            batch = self.take(full_only=not ripe)
            if not batch:
                break
            task = asyncio.create_task(self._process(batch))
            self.running.add(task)
            task.add_done_callback(self._ended)
        if self.pending and self._timer is None:
            wait = self.pending[0].arrived + self.window - loop.time()
            if wait > 0:  # else the oldest waits for its key or a free place: _ended pumps
                self._timer = loop.call_later(wait, self._due)
        if not self.pending and not self.running:
            self._flushing = False  # drained (a revoke, say): gather as usual again

    def take(self, full_only: bool) -> list[Item]:
        """Up to ``size`` pending items in fetch order, skipping every item of a key that has
        one running or one skipped before it; none unless full when ``full_only``."""
        batch: list[Item] = []
        blocked: set[bytes] = set()
        for item in self.pending:
            key = item.message.key() or b""
            if key in self.busy or key in blocked:
                blocked.add(key)
                continue
            batch.append(item)
            if len(batch) == self.size:
                break
        if not batch or (full_only and len(batch) < self.size):
            return []
        taken = {id(item) for item in batch}
        self.pending = deque(item for item in self.pending if id(item) not in taken)
        for item in batch:
            key = item.message.key() or b""
            self.busy[key] = self.busy.get(key, 0) + 1
        return batch

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("batch: unexpected failure", exc_info=task.exception())
        self._pump()

    # --- one batch through the function -----------------------------------------------------

    async def _process(self, batch: list[Item]) -> None:
        """Decode the batch (dead-lettering what cannot be, or is too old), then attempt it."""
        runner = self.runner
        ready: list[Item] = []
        for item in batch:
            try:
                item.event = decode_any(item.message.value(), runner.handler.models)
            except DecodeError as exc:
                await runner._dead_letter(item, f"undecodable: {exc.reason}", 0, "undecodable")
                continue
            too_old = runner.expired(item.event)
            if too_old is not None:
                await runner._dead_letter(item, too_old, 0, "expired")
                continue
            ready.append(item)
        await self._attempt(ready)

    async def _attempt(self, items: list[Item]) -> None:
        """Call the function until every item is done or dead-lettered."""
        runner = self.runner
        retries = runner.handler.options.retries
        while items:
            alive = []
            for item in items:
                if item.error is not None and item.attempt > retries + 1:
                    await runner._dead_letter(item, item.error, item.attempt - 1)
                else:
                    alive.append(item)
            if not alive:
                return
            delay = max((item.delay for item in alive if item.error is not None), default=0.0)
            if delay:
                runner.stats.retried += sum(1 for item in alive if item.error is not None)
                await asyncio.sleep(delay)
            try:
                result = await self._call(alive)
            except Retry as exc:
                for item in alive:
                    runner._failed(item, exc)
                items = alive
                continue
            except Exception as exc:  # noqa: BLE001 - a failed batch is split, then retried
                if len(alive) == 1:
                    runner._failed(alive[0], exc)
                    items = alive
                    continue
                runner.stats.failed += 1
                runner.stats.splits += 1
                half = len(alive) // 2
                log.warning(
                    "%s: a batch of %d failed (%s); splitting it",
                    runner.name,
                    len(alive),
                    f"{type(exc).__name__}: {exc}",
                )
                await self._attempt(alive[:half])
                await self._attempt(alive[half:])
                return
            items = await self._settle(alive, result)

    async def _call(self, items: list[Item]) -> Result | BatchFailures:
        runner = self.runner
        options = runner.handler.options
        events = [item.event for item in items]
        first = items[0]
        ctx = runner._context(first, events, first.traceparent)
        ctx.attempt = max(item.attempt for item in items)
        runner.stats.batches += 1
        began = time.monotonic()
        try:
            async with asyncio.timeout(options.timeout):
                return await runner._call(events, ctx)  # type: ignore[arg-type]
        except TimeoutError:
            raise TimeoutError("the handler ran past its timeout") from None
        finally:
            runner.stats.handler_seconds.observe(time.monotonic() - began)

    async def _settle(self, items: list[Item], result: Result | BatchFailures) -> list[Item]:
        """Finish the items the call handled (once their outputs are acknowledged); return
        those to try again."""
        runner = self.runner
        failed: list[Item] = []
        reason: Exception | str = ""
        if isinstance(result, BatchFailures):
            ids = set(result.ids)
            failed = [item for item in items if item.event is not None and item.event.id in ids]
            unknown = ids - {item.event.id for item in items if item.event is not None}
            if unknown:
                log.warning("%s: BatchFailures names unknown ids %s", runner.name, unknown)
            reason, result = result.reason, result.outputs
        ok = [item for item in items if not any(item is f for f in failed)]
        refused = await self._produce(result)
        if refused is not None:  # an output was refused: the handled ones go round again
            failed, reason = items, refused
        else:
            for item in ok:
                runner._done(item)
        for item in failed:
            runner._failed(item, reason)
        return failed

    async def _produce(self, result: Result) -> Exception | None:
        """Send the batch's outputs; the first refusal, or None when Kafka has them all."""
        runner = self.runner
        outputs: Sequence[Output] = (
            () if result is None else (result,) if isinstance(result, (Event, Reply)) else result
        )
        futures = []
        for output in outputs:
            event = runner._as_event(output)
            headers = list(runner._origin)
            if isinstance(event, Delivery):
                headers.append((ROUTE, event.route().encode()))
            topic = runner._topics.get(event.topic) or runner._topic(event.topic)
            futures.append(sent(runner.bus, topic, encode(event), event.key(), headers))
        answers = await asyncio.gather(*futures, return_exceptions=True)
        return next((a for a in answers if isinstance(a, Exception)), None)
