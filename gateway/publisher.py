"""The gateway's producer: every inbound event goes to Kafka here, acknowledged or refused.

``publish`` returns only after Kafka acknowledged the record (idempotent producer, acks=all), or
raises ``Unavailable`` once ``gateway.produce_timeout`` passed: the client then gets an
``unavailable`` error instead of an ``ack``, and may retry with the same ``client_id``.
"""

from __future__ import annotations

import asyncio
import logging

from runtime.events import Delivery, Event, encode
from runtime.kafka import tracing
from runtime.kafka.client import Headers, KafkaException, Producer
from runtime.kafka.headers import ROUTE, TRACEPARENT
from runtime.settings import Settings

log = logging.getLogger("parley.gateway")


class Unavailable(Exception):
    """Kafka did not acknowledge the record in time (broker down or unreachable)."""


class Publisher:
    """Produces events to their topics, keyed by ``event.key()``, with a delivery deadline."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timeout = settings.gateway.produce_timeout
        # librdkafka gives up on a record after message.timeout.ms, so a dead broker turns into
        # an error here instead of a send that waits forever.
        self._producer = Producer(
            settings.kafka.client_config(), **{"message.timeout.ms": int(self.timeout * 1000)}
        )

    def send(self, event: Event) -> asyncio.Future[None]:
        """Queue ``event``; the future completes when Kafka acknowledged it."""
        topic = self.settings.topic(event.topic)
        if tracing.enabled():  # a PRODUCER span, child of the frame's, ended on Kafka's ack
            span, traceparent = tracing.producing(topic, event.key(), event.id)
        else:
            span, traceparent = None, tracing.new_traceparent()
        headers: Headers = [(TRACEPARENT, traceparent)]
        if isinstance(event, Delivery):
            headers = [*headers, (ROUTE, event.route().encode())]
        sent = self._producer.send_nowait(topic, encode(event), event.key(), headers)
        if span is not None:
            tracing.end_on(span, sent)
        return sent

    async def publish(self, event: Event) -> None:
        """Produce ``event`` and wait for the acknowledgement; ``Unavailable`` on failure."""
        await self.settle(self.send(event))

    async def settle(self, sent: asyncio.Future[None]) -> None:
        """Wait for a record queued by ``send``; ``Unavailable`` when Kafka did not take it."""
        try:
            await asyncio.wait_for(sent, self.timeout + 1.0)
        except (KafkaException, TimeoutError) as exc:
            raise Unavailable(f"Kafka did not acknowledge the event: {exc}") from None

    def fire(self, event: Event) -> None:
        """Produce ``event`` without waiting (typing notices); failures are only logged."""
        self.send(event).add_done_callback(_log_failure)

    async def close(self) -> None:
        await self._producer.close()


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("a fire-and-forget event was not delivered: %s", future.exception())
