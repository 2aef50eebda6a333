"""Fan-out: deliveries per second to N sockets in one room, Parley vs a bare websockets server.

    .venv/bin/python -m tests.bench.bench_fanout [--clients 1000] [--messages 50] [--rounds 3]
                                                 [--procs 2] [--users 8] [--bootstrap HOST:PORT]

Parley: the whole pipeline (gateway -> Kafka -> chat worker -> Kafka -> gateway) from
``tests.integration.system``. A handful of users are registered (argon2 per registration), N
sockets are opened over them (several sockets per user) and all join one room; a sender then
posts M messages back to back. Bare: a minimal ``websockets`` server that, for each trigger
frame from the sender, sends that same pre-encoded frame to every receiver with
``websockets.broadcast``; the frame is the size of a Parley message frame.

The N receiver sockets live in ``--procs`` separate processes, connected once and kept for all
rounds; each counts the frames carrying the round's tag and reports the wall-clock time
(``time.time_ns``, one machine) at which all its sockets had all M. Elapsed = last report - first
send; deliveries/s = N * M / elapsed. Rounds alternate the order of the contenders. Clients do
not offer permessage-deflate (the gateway never compresses), so neither server compresses.

The load generator is checked by printing, per round, the CPU% of the receiver processes next to
the server's (gateway for Parley); rerun with a larger ``--procs`` to see the figure does not move.
On a shared machine a starved server shows well under 100% CPU, so each round also prints the
server's CPU time per delivery, which does not depend on how much CPU it was given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import statistics
import tempfile
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

from tests.bench.broker import bench_broker
from tests.conftest import free_port
from tests.integration.system import System, running

CONTENDERS = ("parley", "bare")
ROOM = "fanout"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 20_000 if hard == resource.RLIM_INFINITY else min(hard, 20_000)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# --- the bare contender: a minimal websockets broadcast server, in its own process -----------


def bare_server(port: int, ready: Connection) -> None:
    receivers: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path == "/send":
            async for frame in ws:  # the trigger is the pre-encoded frame itself
                broadcast(receivers, frame)
            return
        receivers.add(ws)
        try:
            await ws.wait_closed()
        finally:
            receivers.discard(ws)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None):
            ready.send("ready")
            await asyncio.Future()

    raise_nofile()
    asyncio.run(main())


# --- receiver processes -----------------------------------------------------------------------


class Group:
    """The sockets of one contender in one receiver process, counting tagged frames."""

    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.presence: list[asyncio.Event] = []
        self.tag = ""
        self.want = 0
        self.counts: list[int] = []
        self.remaining = 0
        self.last_ns = 0
        self.done = asyncio.Event()

    async def read(self, index: int, ws: ClientConnection) -> None:
        async for frame in ws:
            text = frame if isinstance(frame, str) else frame.decode()
            if self.tag and self.tag in text:
                self.counts[index] += 1
                if self.counts[index] == self.want:
                    self.remaining -= 1
                    if self.remaining == 0:
                        self.last_ns = time.time_ns()
                        self.done.set()
            elif '"presence"' in text:
                self.presence[index].set()

    async def add(self, url: str, room: str | None) -> None:
        ws = await connect(url, compression=None, open_timeout=30, ping_interval=None,
                           max_queue=None)  # fmt: skip
        index = len(self.sockets)
        self.sockets.append(ws)
        self.presence.append(asyncio.Event())
        self.readers.append(asyncio.create_task(self.read(index, ws)))
        if room is not None:
            await ws.send(json.dumps({"type": "join", "room": room}))
            await asyncio.wait_for(self.presence[index].wait(), 60)

    def expect(self, tag: str, want: int) -> None:
        self.tag, self.want = tag, want
        self.counts = [0] * len(self.sockets)
        self.remaining = len(self.sockets)
        self.done = asyncio.Event()

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


def receiver(conn: Connection) -> None:
    raise_nofile()
    asyncio.run(receive_loop(conn))


async def receive_loop(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    groups: dict[str, Group] = {}
    while True:
        command: tuple[Any, ...] = await loop.run_in_executor(None, conn.recv)
        if command[0] == "connect":  # ("connect", contender, urls, room or None)
            _, name, urls, room = command
            group = groups.setdefault(name, Group())
            for start in range(0, len(urls), 25):  # joins in small batches
                await asyncio.gather(*(group.add(u, room) for u in urls[start : start + 25]))
            conn.send(("ready", len(group.sockets)))
        elif command[0] == "expect":  # ("expect", contender, tag, frames per socket)
            _, name, tag, want = command
            group = groups[name]
            group.expect(tag, want)
            conn.send(("armed",))
            cpu = time.process_time()
            await group.done.wait()
            conn.send(("done", group.last_ns, time.process_time() - cpu))
        else:
            await asyncio.gather(*(g.close() for g in groups.values()))
            conn.send(("closed",))
            return


class Receivers:
    def __init__(self, procs: int) -> None:
        ctx = multiprocessing.get_context("fork")
        self.conns: list[Connection] = []
        self.procs: list[multiprocessing.process.BaseProcess] = []
        for _ in range(procs):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=receiver, args=(theirs,), daemon=True)
            proc.start()
            self.conns.append(mine)
            self.procs.append(proc)

    async def ask(self, commands: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        for conn, command in zip(self.conns, commands, strict=True):
            conn.send(command)
        return list(await asyncio.gather(*(asyncio.to_thread(c.recv) for c in self.conns)))

    async def connect(self, name: str, urls: list[str], room: str | None) -> None:
        k = len(self.conns)
        await self.ask([("connect", name, urls[i::k], room) for i in range(k)])

    def stop(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop",))
                conn.poll(10) and conn.recv()
            except (OSError, EOFError):
                pass
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()


# --- one round --------------------------------------------------------------------------------


async def measure(
    receivers: Receivers, name: str, tag: str, messages: int, server_pid: int, send: Any
) -> tuple[float, float, float]:
    """(elapsed seconds, server CPU%, receivers' CPU%) of one round; ``send`` sends M frames."""
    await receivers.ask([("expect", name, tag, messages)] * len(receivers.conns))
    waits = [asyncio.to_thread(c.recv) for c in receivers.conns]
    server_cpu = cpu_seconds(server_pid)
    start = time.time_ns()
    await send()
    results = await asyncio.wait_for(asyncio.gather(*waits), 300)
    elapsed = (max(r[1] for r in results) - start) / 1e9
    server = (cpu_seconds(server_pid) - server_cpu) / elapsed * 100
    load = sum(r[2] for r in results) / elapsed * 100
    return elapsed, server, load


def message_text(tag: str, n: int) -> str:
    return f"{tag} message {n:04d} " + "x" * 40


async def run(args: argparse.Namespace, bootstrap: str, receivers: Receivers) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="parley-fanout-"))
    port = free_port()
    ctx = multiprocessing.get_context("fork")
    ready, theirs = ctx.Pipe()
    bare = ctx.Process(target=bare_server, args=(port, theirs), daemon=True)
    bare.start()
    try:
        ready.recv()
        # the sender posts M frames at once: let its socket's rate limit allow that
        burst = max(args.messages + 10, 40)
        async with running(bootstrap, data_dir, rate=float(burst), burst=burst) as system:
            await rounds(args, system, receivers, port, bare.pid or 0)
    finally:
        bare.kill()
        bare.join()


async def rounds(
    args: argparse.Namespace, system: System, receivers: Receivers, port: int, bare_pid: int
) -> None:
    n, m = args.clients, args.messages
    t = time.monotonic()
    tokens = list(await asyncio.gather(*(system.register() for _ in range(args.users))))
    sender_token = await system.register()
    parley_urls = [system.gateway.ws_url(tokens[i % len(tokens)]) for i in range(n)]
    await receivers.connect("parley", parley_urls, ROOM)
    await receivers.connect("bare", [f"ws://127.0.0.1:{port}/recv"] * n, None)
    print(f"{n} sockets per contender connected (Parley: {args.users} users, all in room "
          f"{ROOM!r}) in {time.monotonic() - t:.1f}s; {args.procs} receiver processes",
          flush=True)  # fmt: skip

    results: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    async with system.connect(sender_token) as sender:
        await sender.join(ROOM)
        ws = await connect(f"ws://127.0.0.1:{port}/send", compression=None, ping_interval=None)
        gateway_pid = system.gateway.proc.pid
        sample = ""
        try:
            await asyncio.sleep(2)  # let the join storm's presence frames drain

            for round_ in range(args.rounds):
                order = CONTENDERS if round_ % 2 == 0 else CONTENDERS[::-1]
                for name in order:
                    tag = f"t{uuid.uuid4().hex[:10]}"
                    if name == "parley":

                        async def send_parley(tag: str = tag) -> None:
                            for i in range(m):
                                await sender.send({"type": "message", "room": ROOM,
                                                   "text": message_text(tag, i),
                                                   "client_id": f"{tag}-{i}"})  # fmt: skip

                        elapsed, server, load = await measure(
                            receivers, name, tag, m, gateway_pid, send_parley
                        )
                        sample = sample or next(
                            json.dumps(f)
                            for f in sender.frames + await sender.quiet(0.5)
                            if f.get("type") == "message"
                        )
                    else:
                        frames = [
                            json.dumps({"type": "message", "id": uuid.uuid4().hex + "abcdef",
                                        "room": ROOM, "user": "u-0123456789ab",
                                        "text": message_text(tag, i),
                                        "ts": "2026-11-27T03:15:25.123456+00:00"})
                            for i in range(m)
                        ]  # fmt: skip

                        async def send_bare(frames: list[str] = frames) -> None:
                            for frame in frames:
                                await ws.send(frame)

                        elapsed, server, load = await measure(
                            receivers, name, tag, m, bare_pid, send_bare
                        )
                    rate = n * m / elapsed
                    results[name].append(rate)
                    cost = server / 100 * elapsed / (n * m) * 1e6  # server CPU per delivery
                    print(f"round {round_ + 1} {name:>6}: {rate:10,.0f} deliveries/s "
                          f"({n}x{m} in {elapsed * 1000:7.1f} ms; server CPU {server:5.1f}% = "
                          f"{cost:4.1f} us/delivery, receivers CPU {load:5.1f}% over "
                          f"{args.procs} procs)", flush=True)  # fmt: skip
                    sender.frames.clear()
                    await sender.quiet(0.5)
                    await asyncio.sleep(1)
        finally:
            await ws.close()
    print(f"\nParley message frame ({len(sample)} bytes): {sample}")
    medians = {k: statistics.median(v) for k, v in results.items()}
    print("median deliveries/s:", {k: round(v) for k, v in medians.items()})
    print(f"parley / bare = {medians['parley'] / medians['bare']:.2f}x (target >= 0.7)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000, help="receiver sockets (N)")
    parser.add_argument("--messages", type=int, default=50, help="messages per round (M)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--procs", type=int, default=2, help="receiver processes")
    parser.add_argument("--users", type=int, default=8, help="Parley users behind the sockets")
    parser.add_argument("--bootstrap", help="an existing broker; default: start one")
    args = parser.parse_args()
    raise_nofile()
    receivers = Receivers(args.procs)  # forked before any thread or event loop exists

    try:
        with bench_broker(args.bootstrap) as bootstrap:
            asyncio.run(run(args, bootstrap, receivers))
    finally:
        receivers.stop()


if __name__ == "__main__":
    main()
