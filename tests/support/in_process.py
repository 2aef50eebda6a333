"""The gateway's socket session in-process: the real app, its ``/ws`` route and ``Session`` over
Quart's test client, with the in-memory bus of ``runtime.testing`` where Kafka would be and a
migrated SQLite store in ``tmp_path``. No broker, no server, no port. tests/unit/gateway's
``gateway`` fixture is one with the default limits.

    async with in_process(tmp_path, burst=3) as gateway:
        async with gateway.socket(await gateway.token("ada")) as ws:
            await ws.send('{"type": "ping"}')
            assert (await next_frame(ws))["type"] == "pong"
        gateway.records("chat.message")     # what reached "Kafka", oldest first

``Resources`` is filled the way its ``open()`` fills it for what a socket uses (store, login
sessions, auth, publisher, presence, roster); the app's ``while_serving`` lifespan, which would
open Kafka clients, never runs under the test client. No delivery comes back from Kafka (there
is no feed): a test sees what the session answers itself and what it produced.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quart import Quart
from quart.typing import TestWebsocketConnectionProtocol

from gateway.app import create_app, resources_of
from gateway.delivery.presence import Presence
from gateway.delivery.publisher import Publisher
from gateway.delivery.roster import Roster
from gateway.files.signed_urls import Links
from gateway.guard.auth import Auth, load_secret
from gateway.guard.hashing import HashPool
from gateway.resources import Resources
from runtime.settings import GatewaySettings, Settings
from runtime.testing import InMemoryBus, MemoryRecord, test_store

DEADLINE = 5.0  # seconds a test waits for a frame it expects before failing


@dataclass
class InProcess:
    """One gateway app, its resources and the bus standing in for Kafka."""

    app: Quart
    res: Resources
    bus: InMemoryBus

    async def token(self, user: str) -> str:
        """An access token of a new login session of ``user``, registered on first use (with a
        placeholder hash: nobody logs in by password here)."""
        await self.res.people.add(user, "no password: the test issues tokens itself")
        opened = await self.res.sessions.open(user, self.res.settings.gateway.session_ttl)
        return self.res.auth.issue(user, opened.id)

    def socket(self, token: str) -> TestWebsocketConnectionProtocol:
        """A WebSocket to ``/ws`` with ``token`` (``async with`` it)."""
        return self.app.test_client().websocket("/ws", query_string={"token": token})

    def records(self, topic: str) -> list[MemoryRecord]:
        """What the gateway produced to logical ``topic`` (``chat.message``), oldest first."""
        return self.bus.on(self.res.settings.topic(topic))


@contextlib.asynccontextmanager
async def in_process(folder: Path, **limits: Any) -> AsyncIterator[InProcess]:
    """A gateway on a store in ``folder``; ``limits`` are ``GatewaySettings`` fields."""
    settings = Settings(data_dir=folder, gateway=GatewaySettings(static_dir=None, **limits))
    app = create_app(settings)
    res, bus = resources_of(app), InMemoryBus()
    async with test_store(folder) as store:
        secret = load_secret(settings)
        res.auth = Auth(secret, settings.gateway)
        res.links = Links(secret, settings.files.url_ttl)
        res.hashing = HashPool(settings.gateway.hash_workers, settings.gateway.hash_queue)
        res.store, res.sessions = store, store.sessions()
        res.people, res.rooms = store.people(), store.rooms()
        res.reads, res.uploads = store.reads(), store.uploads()
        res.publisher = Publisher(settings, bus)
        res.presence = Presence(res.publisher, settings.gateway.leave_debounce)
        hub = res.hub
        res.roster = Roster(
            hub.broadcast, store.room_users, hub.sockets_in, settings.gateway.presence_interval
        )
        hub.on_presence, hub.on_removed = res.roster.change, res.presence.removed
        try:
            yield InProcess(app, res, bus)
        finally:
            await res.presence.flush()  # the leaves of closed sockets, before the bus closes
            await res.publisher.close()
            res.hashing.close()


async def next_frame(ws: TestWebsocketConnectionProtocol) -> dict[str, Any]:
    """The next frame the socket got, as JSON; fails after ``DEADLINE`` seconds without one."""
    async with asyncio.timeout(DEADLINE):
        data = await ws.receive()
    frame = json.loads(data)
    assert isinstance(frame, dict)
    return frame


async def frames_until(ws: TestWebsocketConnectionProtocol, kind: str) -> list[dict[str, Any]]:
    """The frames the socket got up to and including the first of type ``kind``."""
    frames = [await next_frame(ws)]
    while frames[-1]["type"] != kind:
        frames.append(await next_frame(ws))
    return frames
