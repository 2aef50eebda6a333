"""The bus seam: what the runner and the gateway's publisher need from Kafka.

The Kafka producer (``runtime.kafka.client.Producer``) implements it, and so does the
in-memory bus of ``runtime.testing``, so retries, backoff, timeouts, refused outputs and
dead-lettering are unit-tested in milliseconds and again against the real broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol

Headers = Sequence[tuple[str, bytes]]
# Headers as a read record carries them (confluent-kafka may hand over either shape).
RecordHeaders = dict[str, str | bytes | None] | list[tuple[str, str | bytes | None]]
# Called on the event loop once the bus acknowledged a record (None) or refused it.
Acknowledged = Callable[[Exception | None], None]


class Record(Protocol):
    """A record read from the bus (confluent-kafka's ``Message`` has this shape)."""

    def topic(self) -> str | None: ...
    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...
    def key(self) -> bytes | None: ...
    def value(self) -> bytes | None: ...
    def headers(self) -> RecordHeaders | None: ...
    def error(self) -> object | None: ...


class Bus(Protocol):
    """Produces records; every record is acknowledged or refused exactly once.

    ``produce`` is the one primitive; ``sent`` and ``send`` below wrap it in a future."""

    def produce(
        self,
        topic: str,
        value: bytes | None,
        key: str | bytes | None,
        headers: list[tuple[str, bytes]],
        done: Acknowledged,
    ) -> None:
        """Queue a record (``value`` None: a tombstone, which deletes ``key`` from a compacted
        topic); ``done`` is called on the event loop with None when the bus acknowledged it,
        or with the exception that refused it."""
        ...

    async def close(self) -> None:
        """Deliver what is queued, then stop."""
        ...


def sent(
    bus: Bus, topic: str, value: bytes | None, key: str | bytes | None = None, headers: Headers = ()
) -> asyncio.Future[None]:
    """Queue a record on ``bus``; the future completes when the bus acknowledged it, or
    raises what refused it. Call it on the event loop."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def done(error: Exception | None) -> None:
        if future.done():
            return
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    bus.produce(topic, value, key, list(headers), done)
    return future


async def send(
    bus: Bus, topic: str, value: bytes | None, key: str | bytes | None = None, headers: Headers = ()
) -> None:
    """Produce one record on ``bus`` and wait for its acknowledgement."""
    await sent(bus, topic, value, key, headers)
