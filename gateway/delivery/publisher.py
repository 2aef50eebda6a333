"""The gateway's producer: every inbound event goes to Kafka here, acknowledged or refused.

``publish`` returns only after Kafka acknowledged the record (idempotent producer, acks=all), or
raises ``Unavailable`` once ``gateway.produce_timeout`` passed: the client then gets an
``unavailable`` error instead of an ``ack``, and may retry with the same ``client_id``.
"""

from __future__ import annotations

import asyncio
import logging

from runtime.bus import Bus, Headers, sent
from runtime.events import Delivery, Event, encode
from runtime.kafka import tracing
from runtime.kafka.client import Producer
from runtime.kafka.headers import ROUTE, TRACEPARENT
from runtime.settings import Settings

log = logging.getLogger("parley.gateway")


class Unavailable(Exception):
    """Kafka did not acknowledge the record in time (broker down or unreachable)."""


class Publisher:
    """Produces events to their topics, keyed by ``event.key()``, with a delivery deadline."""

    def __init__(self, settings: Settings, bus: Bus) -> None:
        self.settings = settings
        self.timeout = settings.gateway.produce_timeout
        self._bus = bus

    @classmethod
    def to_kafka(cls, settings: Settings) -> Publisher:
        """A publisher on a Kafka producer that gives up on a record after the produce timeout
        (librdkafka's message.timeout.ms), so a dead broker turns into ``Unavailable`` here
        instead of a send that waits forever."""
        timeout_ms = int(settings.gateway.produce_timeout * 1000)
        return cls(
            settings, Producer(settings.kafka.client_config(), **{"message.timeout.ms": timeout_ms})
        )

    def send(self, event: Event) -> asyncio.Future[None]:
        """Queue ``event``; the future completes when Kafka acknowledged it."""
        route = event.route() if isinstance(event, Delivery) else None
        return self.send_raw(event.topic, event.key(), event.id, encode(event), route)

    def send_raw(
        self, topic: str, key: str, event_id: str, value: bytes, route: str | None = None
    ) -> asyncio.Future[None]:
        """Queue an encoded event (``runtime.events.envelope``) on logical ``topic``."""
        physical = self.settings.topic(topic)
        if tracing.enabled():  # a PRODUCER span, child of the frame's, ended on Kafka's ack
            span, traceparent = tracing.producing(physical, key, event_id)
        else:
            span, traceparent = None, tracing.new_traceparent()
        headers: Headers = [(TRACEPARENT, traceparent)]
        if route is not None:
            headers = [*headers, (ROUTE, route.encode())]
        queued = sent(self._bus, physical, value, key, headers)
        if span is not None:
            tracing.end_on(span, queued)
        return queued

    async def publish(self, event: Event) -> None:
        """Produce ``event`` and wait for the acknowledgement; ``Unavailable`` on failure."""
        await self.settle(self.send(event))

    async def settle(self, sent: asyncio.Future[None]) -> None:
        """Wait for a record queued by ``send``; ``Unavailable`` when Kafka did not take it."""
        try:
            await asyncio.wait_for(sent, self.timeout + 1.0)
        except Exception as exc:  # noqa: BLE001 - refused by the bus, or timed out
            raise Unavailable(f"Kafka did not acknowledge the event: {exc}") from None

    def fire(self, event: Event) -> None:
        """Produce ``event`` without waiting (typing notices); failures are only logged."""
        self.send(event).add_done_callback(_log_failure)

    async def close(self) -> None:
        await self._bus.close()


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("a fire-and-forget event was not delivered: %s", future.exception())
