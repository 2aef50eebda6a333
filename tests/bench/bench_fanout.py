"""Fan-out: deliveries per second to N sockets in one room: Parley vs bare websockets vs
python-socketio.

    .venv/bin/python -m tests.bench.bench_fanout [--clients 1000] [--messages 50] [--rounds 3]
                                                 [--procs 2] [--users 8] [--bootstrap HOST:PORT]
                                                 [--contenders parley,bare,socketio] [--json OUT]

Parley: the whole pipeline (gateway -> Kafka -> chat worker -> Kafka -> gateway) from
``tests.support.system``, with only the chat function running: a join makes the presence
function send the room's user list to the whole room, so joining N sockets would cost N^2/2
presence frames and that is not what this measures. A handful of users are registered (argon2
per registration), N sockets are opened over them (several sockets per user), each joins the
room and is known to be subscribed when its ``ping`` (sent after the join) is answered; a
sender then posts M messages back to back. Bare: a minimal ``websockets`` server that, for each
trigger frame from the sender, sends that same pre-encoded frame to every receiver with
``websockets.broadcast``; the frame is the size of a Parley message frame. Socket.IO:
python-socketio's ASGI app on uvicorn, every receiver in one room, each trigger event emitted to
the room (``tests/bench/servers.py``). Receivers of all three are the same ``websockets`` client
code (Engine.IO spoken by hand: open, namespace connect, pong).

The N receiver sockets live in ``--procs`` separate processes, connected once and kept for all
rounds; each counts the frames carrying the round's tag and reports the wall-clock time
(``time.time_ns``, one machine) at which all its sockets had all M. Elapsed = last report - first
send; deliveries/s = N * M / elapsed. Rounds rotate the order of the contenders. Clients do
not offer permessage-deflate (the gateway never compresses), so no server compresses.

The load generator is checked by recording, per round, the CPU% of the receiver processes next
to the server's (gateway for Parley); rerun with a larger ``--procs`` to see the figure does not
move. On a shared machine a starved server shows well under 100% CPU, so each round also records
the server's CPU time per delivery, which does not depend on how much CPU it was given. Memory:
each server's RSS before and after its N sockets connected, per socket (``--rounds 0`` measures
only that).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.bench.broker import bench_broker
from tests.bench.servers import cpu_seconds, raise_nofile, wait_listening
from tests.support.net import free_port
from tests.support.system import REPO, System, running

CONTENDERS = ("parley", "bare", "socketio")
ROOM = "fanout"
SOCKETIO_PATH = "/socket.io/?EIO=4&transport=websocket"


def rss_kb(pid: int) -> int:
    """Resident set size of process ``pid`` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


# --- receiver processes -----------------------------------------------------------------------


class Group:
    """The sockets of one contender in one receiver process, counting tagged frames."""

    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.ready: list[asyncio.Event] = []
        self.marker: str | None = None
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
            elif text == "2":  # an Engine.IO ping wants its pong
                await ws.send("3")
            elif self.marker is not None and self.marker in text:
                self.ready[index].set()

    async def add(self, url: str, hello: list[str], marker: str | None) -> None:
        """Connect, send ``hello`` and wait for a frame containing ``marker`` (if any)."""
        ws = await connect(
            url, compression=None, open_timeout=60, ping_interval=None, max_queue=None
        )
        index = len(self.sockets)
        self.marker = marker
        self.sockets.append(ws)
        self.ready.append(asyncio.Event())
        self.readers.append(asyncio.create_task(self.read(index, ws)))
        for frame in hello:
            await ws.send(frame)
        if marker is not None:
            await asyncio.wait_for(self.ready[index].wait(), 120)

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
        if command[0] == "connect":  # ("connect", contender, urls, hello frames, marker)
            _, name, urls, hello, marker = command
            group = groups.setdefault(name, Group())
            for start in range(0, len(urls), 50):  # in batches
                await asyncio.gather(
                    *(group.add(u, hello, marker) for u in urls[start : start + 50])
                )
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
            theirs.close()  # so a receiver that dies is an EOFError here, not a hang
            self.conns.append(mine)
            self.procs.append(proc)

    async def ask(self, commands: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        for conn, command in zip(self.conns, commands, strict=True):
            conn.send(command)
        return list(await asyncio.gather(*(asyncio.to_thread(c.recv) for c in self.conns)))

    async def connect(
        self, name: str, urls: list[str], hello: list[str], marker: str | None
    ) -> None:
        k = len(self.conns)
        await self.ask([("connect", name, urls[i::k], hello, marker) for i in range(k)])

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


def bare_frame(tag: str, n: int) -> dict[str, str]:
    """A delivery the size and shape of a Parley message frame."""
    return {
        "type": "message",
        "id": uuid.uuid4().hex + "abcdef",
        "room": ROOM,
        "user": "u-0123456789ab",
        "text": message_text(tag, n),
        "ts": "2026-11-27T03:15:25.123456+00:00",
    }


class Server:
    """A baseline server process (``tests/bench/servers.py``) on a free port."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.servers", kind, str(self.port)], cwd=REPO
        )

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


async def run(args: argparse.Namespace, bootstrap: str, receivers: Receivers) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="parley-fanout-"))
    servers = {k: Server(k) for k in ("bare", "socketio") if k in args.contenders}
    try:
        for server in servers.values():
            await asyncio.to_thread(wait_listening, server.port)
        # the sender posts M frames at once: let its socket's rate limit allow that
        burst = max(args.messages + 10, 40)
        async with running(
            bootstrap,
            data_dir,
            functions=("chat",),
            rate=float(burst),
            burst=burst,
            user_rate=float(burst),
            user_burst=burst,
            sockets_per_user=args.clients,
            sockets_per_address=args.clients + 16,
        ) as system:
            return await rounds(args, system, receivers, servers)
    finally:
        for server in servers.values():
            server.stop()


async def connect_all(
    args: argparse.Namespace, system: System, receivers: Receivers, servers: dict[str, Server]
) -> dict[str, dict[str, float]]:
    """Connect N sockets to each contender; (RSS KiB before, after, per socket) of each."""
    n = args.clients
    tokens = list(await asyncio.gather(*(system.register() for _ in range(args.users))))
    pids = {"parley": system.gateway.proc.pid, **{k: s.proc.pid for k, s in servers.items()}}
    rss: dict[str, dict[str, float]] = {}
    for name in args.contenders:
        t = time.monotonic()
        before = rss_kb(pids[name])
        if name == "parley":
            urls = [system.gateway.ws_url(tokens[i % len(tokens)]) for i in range(n)]
            hello = [json.dumps({"type": "join", "room": ROOM}), json.dumps({"type": "ping"})]
            await receivers.connect(name, urls, hello, '"pong"')
        elif name == "bare":
            await receivers.connect(
                name, [f"ws://127.0.0.1:{servers[name].port}/recv"] * n, [], None
            )
        else:
            url = f"ws://127.0.0.1:{servers[name].port}{SOCKETIO_PATH}"
            await receivers.connect(name, [url] * n, ["40"], "40{")
        await asyncio.sleep(2)  # in-flight join work settles
        after = rss_kb(pids[name])
        rss[name] = {"before": before, "after": after, "per_socket": (after - before) / n}
        print(
            f"{name:>8}: {n} sockets connected in {time.monotonic() - t:5.1f}s; RSS "
            f"{before / 1024:.1f} -> {after / 1024:.1f} MiB = "
            f"{(after - before) / n:.1f} KiB per socket",
            flush=True,
        )
    return rss


async def rounds(
    args: argparse.Namespace, system: System, receivers: Receivers, servers: dict[str, Server]
) -> dict[str, Any]:
    n, m = args.clients, args.messages
    rss = await connect_all(args, system, receivers, servers)
    print(
        f"{n} sockets per contender ({args.procs} receiver processes; Parley: {args.users} "
        f"users, all in room {ROOM!r})",
        flush=True,
    )
    out: dict[str, Any] = {
        "rss_kb": rss,
        "procs": args.procs,
        **{
            key: {k: [] for k in args.contenders}
            for key in ("rates", "server_us", "server_cpu", "client_cpu")
        },
    }
    sender_token = await system.register()
    async with system.connect(sender_token) as sender:
        await sender.send({"type": "join", "room": ROOM})
        await sender.pong()  # answered after the join: subscribed (no presence function here)
        senders: dict[str, ClientConnection] = {}
        pongs: asyncio.Task[None] | None = None
        if "bare" in servers:
            senders["bare"] = await connect(
                f"ws://127.0.0.1:{servers['bare'].port}/send", compression=None, ping_interval=None
            )
        if "socketio" in servers:
            sio = await connect(
                f"ws://127.0.0.1:{servers['socketio'].port}{SOCKETIO_PATH}&role=send",
                compression=None,
                ping_interval=None,
            )
            await sio.recv()  # the Engine.IO open packet
            await sio.send("40")
            while not str(await sio.recv()).startswith("40"):
                pass
            senders["socketio"] = sio
            pongs = asyncio.create_task(answer_pings(sio))  # or the server drops it in ~45 s
        pids = {"parley": system.gateway.proc.pid, **{k: s.proc.pid for k, s in servers.items()}}
        try:
            await asyncio.sleep(1)
            for round_ in range(args.rounds):
                k = round_ % len(args.contenders)
                for name in args.contenders[k:] + args.contenders[:k]:
                    tag = f"t{uuid.uuid4().hex[:10]}"
                    if name == "parley":

                        async def send_parley(tag: str = tag) -> None:
                            for i in range(m):
                                await sender.send(
                                    {
                                        "type": "message",
                                        "room": ROOM,
                                        "text": message_text(tag, i),
                                        "client_id": f"{tag}-{i}",
                                    }
                                )

                    else:
                        frames = [json.dumps(bare_frame(tag, i)) for i in range(m)]
                        if name == "socketio":
                            frames = [f'42["send",{f}]' for f in frames]

                        async def send_frames(
                            frames: list[str] = frames, ws: ClientConnection = senders[name]
                        ) -> None:
                            for frame in frames:
                                await ws.send(frame)

                    send = send_parley if name == "parley" else send_frames

                    elapsed, server, load = await measure(receivers, name, tag, m, pids[name], send)
                    rate = n * m / elapsed
                    cost = server / 100 * elapsed / (n * m) * 1e6  # server CPU per delivery
                    for key, value in (
                        ("rates", rate),
                        ("server_us", cost),
                        ("server_cpu", server),
                        ("client_cpu", load),
                    ):
                        out[key][name].append(value)
                    print(
                        f"round {round_ + 1} {name:>8}: {rate:10,.0f} deliveries/s "
                        f"({n}x{m} in {elapsed * 1000:7.1f} ms; server CPU {server:5.1f}% = "
                        f"{cost:4.1f} us/delivery, receivers CPU {load:5.1f}% over "
                        f"{args.procs} procs)",
                        flush=True,
                    )
                    sender.frames.clear()
                    await sender.quiet(0.5)
                    await asyncio.sleep(1)
        finally:
            for ws in senders.values():
                await ws.close()
            if pongs is not None:
                pongs.cancel()
    return out


async def answer_pings(ws: ClientConnection) -> None:
    """Answer Engine.IO pings on a socket nothing else reads."""
    async for frame in ws:
        if frame == "2":
            await ws.send("3")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000, help="receiver sockets (N)")
    parser.add_argument("--messages", type=int, default=50, help="messages per round (M)")
    parser.add_argument("--rounds", type=int, default=3, help="0: connect and measure memory")
    parser.add_argument("--procs", type=int, default=2, help="receiver processes")
    parser.add_argument("--users", type=int, default=8, help="Parley users behind the sockets")
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--bootstrap", help="an existing broker; default: start one")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    args.contenders = tuple(args.contenders.split(","))
    raise_nofile()
    receivers = Receivers(args.procs)  # forked before any thread or event loop exists

    try:
        with bench_broker(args.bootstrap) as bootstrap:
            out = asyncio.run(run(args, bootstrap, receivers))
    finally:
        receivers.stop()
    if args.rounds:
        medians = {k: statistics.median(v) for k, v in out["rates"].items()}
        print("median deliveries/s:", {k: round(v) for k, v in medians.items()})
        for name in args.contenders[1:]:
            print(f"parley / {name} = {medians['parley'] / medians[name]:.2f}x")
    if args.json:
        out["params"] = {
            "clients": args.clients,
            "messages": args.messages,
            "rounds": args.rounds,
            "procs": args.procs,
            "users": args.users,
        }
        args.json.write_text(json.dumps(out))


if __name__ == "__main__":
    main()
