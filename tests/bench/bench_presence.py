"""Presence v2: N sockets (N users) join one room; how many presence frames, how long until
every socket's view holds all N users.

    .venv/bin/python -m tests.bench.bench_presence [--clients 5000] [--spread 10]
                                                   [--interval 1.0] [--procs 2]
                                                   [--bootstrap HOST:PORT] [--json OUT]

The real pipeline (gateway -> Kafka -> presence worker -> Kafka -> gateway) from
``tests.support.system``, with only the presence function. N users get tokens signed with the
gateway's secret (registering 5,000 accounts would mostly measure argon2). Their sockets live
in ``--procs`` receiver processes and connect first (not timed); then each process sends its
sockets' ``join`` frames evenly over ``--spread`` seconds. Every socket keeps its own view of
the room from the frames it gets (a snapshot replaces it, a change edits it) and notes when it
holds exactly the N users. Reported: frames of type presence received by all sockets, the time
from the first join sent to the last join sent, and to the moment the last view converged.

``--interval`` is the gateway's presence_interval: 1 s is the product; a tiny interval
(0.001 s) is the baseline without coalescing (each change goes to every socket on its own,
about N^2/2 frames). v1's full list per change, the issue's reference, sent N(N+1)/2 frames
too, each carrying up to N names.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import tempfile
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from gateway.guard.auth import Auth, load_secret
from runtime.db.store import Store
from tests.bench.broker import bench_broker
from tests.bench.servers import raise_nofile
from tests.support.system import System, running

ROOM = "presence-bench"


class View:
    """One socket's idea of who is in the room."""

    def __init__(self, everyone: frozenset[str]) -> None:
        self.everyone = everyone
        self.users: set[str] = set()
        self.frames = 0
        self.converged_ns = 0

    def apply(self, frame: dict[str, Any]) -> None:
        if frame.get("type") != "presence":
            return
        self.frames += 1
        if "users" in frame:
            self.users = set(frame["users"])
        self.users.difference_update(frame.get("left", []))
        self.users.update(frame.get("joined", []))
        if self.users == self.everyone:
            self.converged_ns = self.converged_ns or time.time_ns()
        else:
            self.converged_ns = 0


async def read(ws: ClientConnection, view: View, done: asyncio.Event, views: list[View]) -> None:
    async for raw in ws:
        view.apply(json.loads(raw))
        if view.converged_ns and all(v.converged_ns for v in views):
            done.set()


def receiver(conn: Connection) -> None:
    raise_nofile()
    asyncio.run(receive_loop(conn))


async def receive_loop(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    _, urls, everyone = await loop.run_in_executor(None, conn.recv)  # ("connect", urls, names)
    views = [View(frozenset(everyone)) for _ in urls]
    done = asyncio.Event()
    sockets: list[ClientConnection] = []
    for start in range(0, len(urls), 50):
        batch = urls[start : start + 50]
        sockets += await asyncio.gather(
            *(connect(u, open_timeout=60, max_queue=None, compression=None) for u in batch)
        )
    readers = [
        asyncio.create_task(read(ws, view, done, views))
        for ws, view in zip(sockets, views, strict=True)
    ]
    conn.send(("connected", len(sockets)))
    _, start_at, spread, timeout = await loop.run_in_executor(None, conn.recv)  # ("join", ...)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    first = time.time_ns()
    gap = spread / max(1, len(sockets))
    for n, ws in enumerate(sockets):
        await ws.send(json.dumps({"type": "join", "room": ROOM}))
        await asyncio.sleep(max(0.0, start_at + (n + 1) * gap - time.time()))
    last = time.time_ns()
    try:
        await asyncio.wait_for(done.wait(), timeout)
        converged = max(v.converged_ns for v in views)
    except TimeoutError:
        converged = 0
    conn.send(("done", first, last, converged, sum(v.frames for v in views)))
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def run(args: argparse.Namespace, bootstrap: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="parley-presence-") as tmp:
        async with running(
            bootstrap,
            Path(tmp),
            functions=("presence",),
            leave_debounce=0.0,
            presence_interval=args.interval,
            send_queue=1024,
            sockets_per_address=args.clients + 16,
        ) as system:
            return await measure(args, system)


async def signed_in(system: System, auth: Auth, names: list[str]) -> list[str]:
    """An access token for each of ``names``, made straight in the store: their accounts (with
    a hash nobody logs in with, to spare a thousand argon2 runs) and a session each."""
    async with Store(system.settings.database_url()) as store:
        people, sessions = store.people(), store.sessions()
        tokens = []
        for name in names:
            await people.add(name, "not-a-password-hash")
            opened = await sessions.open(name, ttl=3600)
            tokens.append(auth.issue(name, opened.id, ttl=3600))
    return tokens


async def measure(args: argparse.Namespace, system: System) -> dict[str, Any]:
    auth = Auth(load_secret(system.settings), system.settings.gateway)
    tag = uuid.uuid4().hex[:6]
    names = [f"p{tag}{n}" for n in range(args.clients)]
    urls = [system.gateway.ws_url(token) for token in await signed_in(system, auth, names)]
    ctx = multiprocessing.get_context("fork")
    pipes, procs = [], []
    for _ in range(args.procs):
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(target=receiver, args=(theirs,), daemon=True)
        proc.start()
        theirs.close()
        pipes.append(mine)
        procs.append(proc)
    try:
        k = len(pipes)
        for i, pipe in enumerate(pipes):
            pipe.send(("connect", urls[i::k], names))
        connected = sum(
            r[1] for r in await asyncio.gather(*(asyncio.to_thread(p.recv) for p in pipes))
        )
        start_at = time.time() + 1.0
        for pipe in pipes:
            pipe.send(("join", start_at, args.spread, args.timeout))
        reports = await asyncio.gather(*(asyncio.to_thread(p.recv) for p in pipes))
    finally:
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
    first = min(r[1] for r in reports)
    last = max(r[2] for r in reports)
    converged = all(r[3] for r in reports)
    frames = sum(r[4] for r in reports)
    n = args.clients
    return {
        "clients": n,
        "connected": connected,
        "interval": args.interval,
        "spread": args.spread,
        "joins_seconds": round((last - first) / 1e9, 2),
        "converged": converged,
        "converged_seconds": round((max(r[3] for r in reports) - first) / 1e9, 2)
        if converged
        else None,
        "presence_frames": frames,
        "frames_per_socket": round(frames / n, 1),
        "full_list_frames": n * (n + 1) // 2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--spread", type=float, default=10.0, help="seconds to send the joins in")
    parser.add_argument("--interval", type=float, default=1.0, help="gateway presence_interval")
    parser.add_argument("--procs", type=int, default=2, help="receiver processes")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up converging after")
    parser.add_argument("--bootstrap", help="an existing broker (default: start one)")
    parser.add_argument("--json", type=Path, help="write the result here too")
    args = parser.parse_args()
    raise_nofile()
    with bench_broker(args.bootstrap) as bootstrap:
        result = asyncio.run(run(args, bootstrap))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
