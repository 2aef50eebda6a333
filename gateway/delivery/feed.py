"""This instance's one consumer of chat.deliver, feeding the hub.

Every gateway instance must see every delivery, so each has its own group
(``gateway.<instance>``). It never needs history: sockets that were away resume with ``since``.
So it skips the group protocol altogether and assigns itself every partition at its current end
before the gateway starts serving; no rebalance, no commit, no start-up window of lost frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from gateway.delivery.hub import Hub
from runtime.kafka import tracing
from runtime.kafka.client import Consumer, KafkaException, Message, TopicPartition, header
from runtime.kafka.headers import ROUTE
from runtime.settings import Settings

log = logging.getLogger("parley.gateway")
START_ATTEMPTS = 50
RETRY = 0.5  # seconds before consuming again after the consumer failed


class Feed:
    """Consumes ``chat.deliver`` from its end and hands each record to ``hub.receive``."""

    def __init__(self, settings: Settings, hub: Hub, instance: str) -> None:
        self.topic = settings.topic("chat.deliver")
        self.group = settings.topic(f"gateway.{instance}")
        self.hub = hub
        # Yield to the socket writers this often, so that a burst of records (a batch is up
        # to 500) never overflows the outbox of a client that reads fast enough.
        self.chunk = max(1, settings.gateway.send_queue // 2)
        self._consumer = Consumer(settings.kafka.client_config(), self.group, start="latest")
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Assign every partition at its end offset, then follow it in a task."""
        ends = await self._ends()
        await self._consumer.assign([TopicPartition(self.topic, p, o) for p, o in ends.items()])
        log.info("following %s from its end (%d partitions)", self.topic, len(ends))
        self._task = asyncio.create_task(self._follow(), name="parley-feed")
        self._task.add_done_callback(_ended)

    async def _ends(self) -> dict[int, int]:
        # Right after the topic was created its partitions may have no leader yet.
        for attempt in range(START_ATTEMPTS):
            try:
                ends = await self._consumer.high_watermarks(self.topic)
                if ends:
                    return ends
                problem = "no partitions yet"
            except KafkaException as exc:
                if attempt == START_ATTEMPTS - 1:
                    raise
                problem = str(exc)
            log.info("%s is not ready (%s); retrying", self.topic, problem)
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.topic} has no partitions; is the broker healthy?")

    async def _follow(self) -> None:
        consumer = self._consumer
        while True:
            # consume(n, t) waits for all n records or the whole timeout: take what is there,
            # and when nothing is, wait for the first record only.
            try:
                batch = await consumer.consume(500, 0) or await consumer.consume(1, 0.25)
            except KafkaException as exc:  # a broker restarting, say: the feed must not end
                log.warning("chat.deliver: %s; consuming again in %.1f s", exc, RETRY)
                await asyncio.sleep(RETRY)
                continue
            receive = self._traced if tracing.enabled() else self.hub.receive
            for n, record in enumerate(batch, 1):
                if record.error() is not None:
                    log.warning("chat.deliver: %s", record.error())
                    continue
                try:
                    receive(record)
                except Exception:  # one bad record never stops the feed
                    log.exception("chat.deliver record at %s failed", record.offset())
                if n % self.chunk == 0:
                    await asyncio.sleep(0)

    def _traced(self, record: Message) -> None:
        """``hub.receive`` in a CONSUMER span, for the records this instance has sockets for."""
        route = header(record, ROUTE)
        if route is not None and not self.hub.serves(route):
            self.hub.receive(record)  # skipped unparsed, and not traced
            return
        with tracing.consuming(record, self.group):
            self.hub.receive(record)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.close()


def _ended(task: asyncio.Task[None]) -> None:
    """Say so loudly if the feed ever stops other than by ``close``: no socket here would get
    another delivery."""
    if not task.cancelled() and task.exception() is not None:
        log.error("the chat.deliver feed stopped", exc_info=task.exception())
