"""Liveness of gateway instances, and the leaves of the ones that died.

A gateway that exits cleanly announces a leave for each of its sockets. One killed outright
(``kill -9``, a lost host) cannot, and its users would stay "online" in their rooms for good.
So every gateway marks itself alive in the database every ``gateway.heartbeat`` seconds, and
looks for instances silent for ``gateway.dead_after``: for each, it publishes a ``LeaveEvent``
per connection of that instance (the presence function then updates the room as for any
leave) and forgets the instance. Two gateways may both do it; a repeated leave changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from gateway.delivery.publisher import Publisher, Unavailable
from runtime.db.store import Store
from runtime.events import LeaveEvent
from runtime.settings import GatewaySettings

log = logging.getLogger("parley.gateway")


class Reaper:
    """Heartbeats ``instance`` and announces the leaves of dead instances, in a task."""

    def __init__(
        self, instance: str, store: Store, publisher: Publisher, settings: GatewaySettings
    ) -> None:
        self.instance = instance
        self.store = store
        self.publisher = publisher
        self.heartbeat = settings.heartbeat
        self.dead_after = timedelta(seconds=settings.dead_after)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.store.gateway_seen(self.instance)
        self._task = asyncio.create_task(self._run(), name="parley-reaper")

    async def close(self) -> None:
        """Stop; a clean exit announces its own leaves, so forget this instance."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(SQLAlchemyError, OSError):
            await self.store.gateway_gone(self.instance)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await self.store.gateway_seen(self.instance)
                await self.sweep()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("gateway liveness: database trouble (%s); trying again", exc)
            except Unavailable:
                log.warning("gateway liveness: Kafka is unreachable; leaves wait for it")

    async def sweep(self) -> list[str]:
        """Announce the leaves of every instance silent for ``dead_after``; returns them."""
        silent = await self.store.gateways_silent_since(datetime.now(UTC) - self.dead_after)
        dead = [instance for instance in silent if instance != self.instance]
        for instance in dead:
            connections = await self.store.connections(f"{instance}:")
            sent = [
                self.publisher.send(LeaveEvent(room=room, user=user, conn=conn))
                for room, user, conn in connections
            ]
            for ack in sent:
                await self.publisher.settle(ack)  # Unavailable: the instance is kept, retried
            await self.store.gateway_gone(instance)
            log.warning("gateway %s went silent: announced %d leaves", instance, len(sent))
        return dead
