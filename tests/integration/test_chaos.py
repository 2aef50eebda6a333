"""Chaos: a stream of messages from several clients in several rooms survives a ``kill -9`` of
a worker replica, a broker stop and restart, and a gateway ``kill -9`` and restart.

Afterwards: every acked message is stored exactly once, and every client (those that stayed
joined and those that resumed with ``since``) received every message of its rooms once, in the
room's stored order. Clients behave as docs/PROTOCOL.md asks: a frame that got no ack (an
``unavailable`` error, a dropped socket) is sent again with the same ``client_id``.

The test runs its own broker (it stops it halfway), never the session's shared one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from runtime.db.store import Store
from tests.support.broker import embedded_broker
from tests.support.harness import eventually, make_settings
from tests.support.net import unique
from tests.support.system import Gateway, System, http

pytestmark = [pytest.mark.timeout(300), pytest.mark.e2e, pytest.mark.slow]

ROOMS = 3
MEMBERS_PER_GATEWAY = 3
STEP = 300  # acked messages between two faults
TOTAL = 2400  # at least this many messages in the stream


@dataclass
class Member:
    """One chat user on one gateway: resumes its rooms with ``since`` after a dropped socket
    and sends a frame again, with the same ``client_id``, until it is acked."""

    name: str
    token: str
    gateway: Gateway
    rooms: list[str]
    received: dict[str, list[str]] = field(default_factory=dict)
    acked: dict[str, str] = field(default_factory=dict)  # client_id -> id in the ack
    unavailable: int = 0
    drops: int = 0
    _ws: ClientConnection | None = None
    _reader: asyncio.Task[None] | None = None
    _waiting: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _joined: dict[str, asyncio.Event] = field(default_factory=dict)

    async def connect(self, settle: bool = True) -> None:
        """Open the socket (retrying while the gateway is away) and (re)join every room; with
        ``settle``, wait until each join is announced (the presence function answered).

        A resuming client need not wait: its frames are handled in order, so its next message
        follows its joins, and ``since`` covers what it missed. Right after a broker restart
        the presence function may take a while to rejoin its group."""
        deadline = time.monotonic() + 60
        while True:
            try:
                self._ws = await connect(self.gateway.ws_url(self.token), open_timeout=5)
                break
            except (OSError, TimeoutError):
                assert time.monotonic() < deadline, f"{self.name} could not reconnect"
                await asyncio.sleep(0.2)  # polling a restarting server, like a browser would
        self._reader = asyncio.create_task(self._read(self._ws))
        for room in self.rooms:
            self._joined[room] = asyncio.Event()
            seen = self.received.setdefault(room, [])
            frame = {"type": "join", "room": room} | ({"since": seen[-1]} if seen else {})
            await self._ws.send(json.dumps(frame))
        for room in self.rooms if settle else ():
            await asyncio.wait_for(self._joined[room].wait(), 30)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    self.received[frame["room"]].append(frame["id"])
                elif kind == "presence" and frame.get("room") in self._joined:
                    self._joined[frame["room"]].set()
                elif kind in ("ack", "error") and frame.get("client_id") in self._waiting:
                    waiter = self._waiting.pop(frame["client_id"])
                    if not waiter.done():
                        waiter.set_result(frame)
        except ConnectionClosed:
            pass
        finally:
            for waiter in self._waiting.values():
                if not waiter.done():
                    waiter.set_exception(ConnectionError("socket closed"))
            self._waiting.clear()

    async def send(self, room: str, text: str) -> None:
        """Send one message and return once it is acked, whatever happens meanwhile."""
        client_id = unique("c")
        while True:
            ws = self._ws
            assert ws is not None
            waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._waiting[client_id] = waiter
            try:
                frame = {"type": "message", "room": room, "text": text, "client_id": client_id}
                await ws.send(json.dumps(frame))
                answer = await asyncio.wait_for(waiter, 30)
            except (ConnectionClosed, ConnectionError):
                await self.resume(ws)
                continue
            if answer["type"] == "ack":
                self.acked[client_id] = answer["id"]
                return
            assert answer["error"] == "unavailable", answer
            self.unavailable += 1
            await asyncio.sleep(0.2)  # the client's retry backoff

    async def resume(self, dropped: ClientConnection) -> None:
        """Reconnect unless another send already did."""
        if self._ws is dropped:
            self.drops += 1
            await self.connect(settle=False)

    async def stream(self, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            await self.send(self.rooms[n % len(self.rooms)], f"{self.name} {n}")
            n += 1

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader


async def test_chaos_worker_kill_broker_restart_gateway_restart(tmp_path: Path) -> None:
    broker = embedded_broker(tmp_path / "kafka")
    broker.start()
    settings = make_settings(broker.bootstrap, tmp_path)
    settings = settings.model_copy(
        update={
            "faults": "chat:fail=0.05,seed=3",
            "gateway": settings.gateway.model_copy(
                update={
                    "rate": 1000.0,
                    "burst": 1000,
                    "user_rate": 1000.0,
                    "user_burst": 1000,
                    "produce_timeout": 2.0,
                }
            ),
        }
    )
    system = System(settings, tmp_path)
    rooms = [unique("room") for _ in range(ROOMS)]
    members: list[Member] = []
    stop = asyncio.Event()
    streams: list[asyncio.Task[None]] = []
    try:
        await system.start(("chat", "presence"))
        await system.workers.start("chat")  # a second chat replica
        first, second = system.gateway, await system.start_gateway()
        for gateway in (first, second):
            for _ in range(MEMBERS_PER_GATEWAY):
                name = unique("u")
                members.append(Member(name, await system.register(name), gateway, rooms))
        await asyncio.gather(*(m.connect() for m in members))
        streams = [asyncio.create_task(m.stream(stop)) for m in members]

        def acked() -> int:
            """Messages acked so far; a client that failed fails the test with its error."""
            for task in streams:
                if task.done():
                    task.result()
            return sum(len(m.acked) for m in members)

        async def flowing(more: int, what: str) -> None:
            target = acked() + more
            await eventually(lambda: acked() >= target, timeout=120, what=what)

        await flowing(STEP, "a first stretch of messages")

        victim = system.workers.procs[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        await system.workers.start("chat")  # what the supervisor does after a crash
        await flowing(STEP, "messages after a worker kill -9")

        await asyncio.to_thread(broker.stop)
        await eventually(
            lambda: sum(m.unavailable for m in members) > 0, what="clients told unavailable"
        )
        status, _ = await http(first, "GET", "/api/health")
        assert status == 503
        await asyncio.to_thread(broker.start)
        await eventually(
            lambda: _healthy(first, second), timeout=60, what="both gateways healthy again"
        )
        await flowing(STEP, "messages after the broker came back")
        assert all(m.drops == 0 for m in members), "a broker outage closed sockets"

        second.stop(signal.SIGKILL)
        system.gateways.remove(second)
        await system.start_gateway(port=second.port)
        await flowing(STEP, "messages after a gateway restart")
        await eventually(lambda: acked() >= TOTAL, timeout=120, what=f"{TOTAL} messages")

        stop.set()
        await asyncio.wait_for(asyncio.gather(*streams), 60)

        sent = {(m.name, cid): ack for m in members for cid, ack in m.acked.items()}
        async with Store(settings.database_url()) as store:

            async def settled() -> bool:
                """Every acked message stored, every client showing its rooms' history."""
                history = {room: await store.room_messages(room, limit=100_000) for room in rooms}
                if len({(s.author, s.client_id) for ms in history.values() for s in ms}) < len(
                    sent
                ):
                    return False
                return all(
                    m.received[r] == [s.id for s in history[r]] for m in members for r in rooms
                )

            with contextlib.suppress(AssertionError):  # the assertions below say what is wrong
                await eventually(settled, timeout=120, what="every message stored and delivered")
            stored = {room: await store.room_messages(room, limit=100_000) for room in rooms}

        kept = Counter((s.author, s.client_id) for msgs in stored.values() for s in msgs)
        ids = {(s.author, s.client_id): s.id for msgs in stored.values() for s in msgs}
        renamed = sum(1 for key, ack in sent.items() if ids.get(key) != ack)
        print(
            f"\nchaos: acked={len(sent)} stored={sum(kept.values())} "
            f"unavailable answers={sum(m.unavailable for m in members)} "
            f"reconnects={sum(m.drops for m in members)} acks naming a retry's id={renamed}"
        )
        missing = set(sent) - set(kept)
        assert not missing, f"{len(missing)} acked messages not stored, e.g. {sorted(missing)[:3]}"
        assert set(kept) == set(sent), "a message nobody got an ack for was stored"
        assert max(kept.values()) == 1, "a message was stored twice"
        assert len(sent) >= TOTAL
        for room in rooms:
            order = [s.id for s in stored[room]]
            for m in members:
                got = m.received[room]
                assert len(got) == len(set(got)), f"{m.name} got a message of {room} twice"
                assert got == order, _difference(m, room, got, order)
        assert sum(m.drops for m in members) >= MEMBERS_PER_GATEWAY, "nobody had to resume"
        assert all(p.poll() is None for p in system.workers.procs[1:]), "a worker died"
    finally:
        stop.set()
        for task in streams:
            task.cancel()
        await asyncio.gather(*(m.close() for m in members), return_exceptions=True)
        system.stop()
        broker.stop()


async def _healthy(*gateways: Gateway) -> bool:
    for gateway in gateways:
        if (await http(gateway, "GET", "/api/health", timeout=2.0))[0] != 200:
            return False
    return True


def _difference(member: Member, room: str, got: list[str], order: list[str]) -> str:
    """Where a client's view of a room first departs from the stored order, for the failure."""
    at = next((i for i, (a, b) in enumerate(zip(got, order, strict=False)) if a != b), None)
    at = min(len(got), len(order)) if at is None else at
    return (
        f"{member.name} (on :{member.gateway.port}, {member.drops} reconnects) saw {room} "
        f"differently from index {at}: got {len(got)} messages, stored {len(order)}; "
        f"got[{at}:{at + 3}]={got[at : at + 3]} stored[{at}:{at + 3}]={order[at : at + 3]}; "
        f"those are stored at {[order.index(i) if i in order else None for i in got[at : at + 3]]}"
    )
