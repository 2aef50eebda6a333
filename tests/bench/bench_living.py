"""Messages that live under load: a mixed stream (70% messages, 15% reactions, 10% edits, 5%
deletes) beside plain messages, at the same rate, on the same system, alternating.

    .venv/bin/python -m tests.bench.bench_living [--rate 200] [--seconds 15] [--rounds 3]
                                                 [--sockets 20] [--rooms 4]
                                                 [--bootstrap HOST:PORT] [--json OUT]

The real pipeline from ``tests.support.system`` with the chat, presence, edit, delete and
react functions. ``--sockets`` sockets (one user each) are spread over ``--rooms`` rooms. One
client process sends ``--rate`` frames per second on a fixed schedule, round robin over the
sockets, without waiting for acks. Latency is end to end at the sender's own socket: from
sending the frame to receiving the frame it caused (the ``message``; the ``edit``, the
``reactions`` holding the new emoji, the ``delete``). Edits and deletes go to the socket's own
acked messages, reactions to any acked message of the room; a deleted message is not touched
again. The first ``--warmup`` seconds of each run are left out. Each round runs "plain" (only
messages) then "mixed"; reported are per-kind p50/p99 of each run and their medians over the
rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import tempfile
import time
import uuid
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.bench.broker import bench_broker
from tests.bench.servers import raise_nofile
from tests.support.harness import eventually
from tests.support.system import System, http, running

FUNCTIONS = ("chat", "presence", "edit", "delete", "react")
MIX = "message:70,react:15,edit:10,delete:5"
KINDS = ("message", "react", "edit", "delete")


class Socket:
    """One user's socket: what it sent and is waiting for, and the latencies it measured."""

    def __init__(self, bench: Bench, ws: ClientConnection, room: str) -> None:
        self.bench, self.ws, self.room = bench, ws, room
        self.mine: deque[str] = deque(maxlen=50)  # own acked messages, for edits and deletes
        self.sent: dict[str, tuple[str, int]] = {}  # client_id -> (kind, sent ns) of messages
        self.waiting: dict[tuple[str, str], tuple[str, int]] = {}  # (id, what) -> (kind, ns)
        self.joined = asyncio.Event()

    async def read(self) -> None:
        async for data in self.ws:
            now = time.time_ns()
            frame = json.loads(data)
            kind, id = frame.get("type"), frame.get("id")
            if kind == "presence":
                self.joined.set()
            elif kind == "ack" and frame["client_id"] in self.sent:
                what, _ = self.sent[frame["client_id"]]
                if what == "message":
                    self.mine.append(id)
                    self.bench.acked[self.room].append(id)
            elif kind == "message" and frame.get("text", "").startswith(self.bench.tag):
                _, cid = frame["text"].split(" ")
                if (sent := self.sent.pop(cid, None)) is not None:
                    self.bench.record(*sent, now)
                    # Where the time went: to the gateway's accepting it (the frame's ts).
                    accepted = int(datetime.fromisoformat(frame["ts"]).timestamp() * 1e9)
                    self.bench.record("accepted", sent[1], accepted)
            elif kind in ("edit", "delete", "reactions"):
                for what in _changed(frame):
                    if (sent := self.waiting.pop((id, what), None)) is not None:
                        self.bench.record(*sent, now)
            elif kind == "error" and len(self.bench.errors) < 5:
                self.bench.errors.append(frame)

    async def send(self, kind: str) -> None:
        """Send one frame of ``kind`` (a message when there is nothing to change yet)."""
        cid, now = uuid.uuid4().hex, time.time_ns()
        target = self._target(kind)
        frame: dict[str, Any] = {"type": kind, "client_id": cid}
        if target is None:  # a message (also when there is nothing to change yet)
            frame |= {"type": "message", "room": self.room, "text": f"{self.bench.tag} {cid}"}
            self.sent[cid] = ("message", now)
        elif kind == "edit":
            text = f"edited {cid}"
            frame |= {"id": target, "text": text}
            self.waiting[target, text] = ("edit", now)
        elif kind == "delete":
            frame["id"] = target
            self.waiting[target, "delete"] = ("delete", now)
        else:
            emoji = f"r{cid[:8]}"  # a new emoji each time: the toggle always adds
            frame |= {"id": target, "emoji": emoji}
            self.waiting[target, emoji] = ("react", now)
        await self.ws.send(json.dumps(frame))

    def _target(self, kind: str) -> str | None:
        if kind == "message":
            return None
        if kind == "react":
            pool = self.bench.acked[self.room]
            return random.choice(pool) if pool else None
        if not self.mine:
            return None
        if kind == "delete":
            id = self.mine.popleft()
            self.bench.gone(self.room, id)
            return id
        return random.choice(self.mine)


def _changed(frame: dict[str, Any]) -> list[str]:
    """What a change frame shows, as ``Socket.waiting`` keys it (with the message id)."""
    if frame["type"] == "edit":
        return [frame["text"]]
    if frame["type"] == "delete":
        return ["delete"]
    return list(frame["reactions"])


class Bench:
    """Every socket, and the latencies of the current run by kind."""

    def __init__(self) -> None:
        self.tag = f"t{uuid.uuid4().hex[:10]}"
        self.sockets: list[Socket] = []
        self.acked: dict[str, list[str]] = {}
        self.latency: dict[str, list[int]] = {}
        self.after_ns = 0
        self.errors: list[dict[str, Any]] = []

    def record(self, kind: str, sent: int, now: int) -> None:
        if sent >= self.after_ns:
            self.latency.setdefault(kind, []).append(now - sent)

    def gone(self, room: str, id: str) -> None:
        pool = self.acked[room]
        if id in pool:
            pool.remove(id)
        for socket in self.sockets:
            if id in socket.mine:
                socket.mine.remove(id)

    async def connect(self, system: System, sockets: int, rooms: int) -> None:
        tokens = await asyncio.gather(*(system.register() for _ in range(sockets)))
        for n, token in enumerate(tokens):
            room = f"living-{n % rooms}"
            self.acked.setdefault(room, [])
            ws = await connect(system.gateway.ws_url(token), compression=None, max_queue=None)
            socket = Socket(self, ws, room)
            self.sockets.append(socket)
            asyncio.create_task(socket.read())  # noqa: RUF006 - ends when the socket closes
            await ws.send(json.dumps({"type": "join", "room": room}))
            await asyncio.wait_for(socket.joined.wait(), 60)

    async def run(
        self, mix: dict[str, int], rate: float, seconds: float, warmup: float
    ) -> dict[str, Any]:
        """One run at ``rate`` for ``seconds``; per-kind latency quantiles in ms."""
        self.latency, self.errors = {}, []
        count = int(rate * seconds)
        kinds = random.Random(7).choices(list(mix), weights=list(mix.values()), k=count)
        start = time.time_ns() + 100_000_000
        self.after_ns = start + int(warmup * 1e9)
        interval, late = 1e9 / rate, []
        sockets = itertools.cycle(self.sockets)
        for n, kind in enumerate(kinds):
            due = start + int(n * interval)
            if (wait := (due - time.time_ns()) / 1e9) > 0:
                await asyncio.sleep(wait)
            late.append((time.time_ns() - due) / 1e6)
            await next(sockets).send(kind)
        await asyncio.sleep(3.0)  # the stragglers arrive
        late.sort()
        out: dict[str, Any] = {"late_p99": late[int(0.99 * (len(late) - 1))], "kinds": {}}
        for kind, values in sorted(self.latency.items()):
            values.sort()
            out["kinds"][kind] = {
                "count": len(values),
                "p50": values[len(values) // 2] / 1e6,
                "p99": values[min(len(values) - 1, int(0.99 * len(values)))] / 1e6,
            }
        out["errors"] = self.errors[:3]
        return out


async def main_async(args: argparse.Namespace, bootstrap: str) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="parley-living-"))
    async with running(
        bootstrap,
        data_dir,
        database_url=args.database_url,
        functions=FUNCTIONS,
        rate=1000.0,
        burst=1000,
        user_rate=1000.0,
        user_burst=1000,
        sockets_per_user=10_000,
        sockets_per_address=10_000,
    ) as system:
        token = await system.register()

        async def declared() -> bool:
            _, body = await http(system.gateway, "GET", "/api/actions", token=token)
            known = {a["type"] for a in (body or {}).get("actions", [])}
            return {"edit", "delete", "react"} <= known

        await eventually(declared, timeout=60, what="edit, delete and react declared")
        bench = Bench()
        await bench.connect(system, args.sockets, args.rooms)
        mixes = {"plain": {"message": 1}, "mixed": args.mix}
        await bench.run(args.mix, args.rate, 3.0, 3.0)  # warm every path up, not counted
        runs: dict[str, list[dict[str, Any]]] = {"plain": [], "mixed": []}
        for n in range(args.rounds):
            for label in runs:
                result = await bench.run(mixes[label], args.rate, args.seconds, args.warmup)
                runs[label].append(result)
                print(f"round {n + 1} {label}: {json.dumps(result['kinds'])}", flush=True)
        for socket in bench.sockets:
            await socket.ws.close()
    summary = {
        label: {
            kind: {
                q: statistics.median(r["kinds"][kind][q] for r in results if kind in r["kinds"])
                for q in ("p50", "p99")
            }
            for kind in KINDS
            if any(kind in r["kinds"] for r in results)
        }
        for label, results in runs.items()
    }
    for label, kinds in summary.items():
        for kind, q in kinds.items():
            print(f"{label} {kind}: median p50 {q['p50']:.1f} ms, p99 {q['p99']:.1f} ms")
    return {"runs": runs, "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200.0, help="frames per second offered")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sockets", type=int, default=20)
    parser.add_argument("--rooms", type=int, default=4)
    parser.add_argument("--bootstrap", help="an existing broker; default: start one")
    parser.add_argument("--database-url", help="default: a SQLite file of the run's own")
    parser.add_argument("--mix", default=MIX, help=f"kind:weight,... (default {MIX})")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    args.mix = {k: int(w) for k, _, w in (part.partition(":") for part in args.mix.split(","))}
    raise_nofile()
    with bench_broker(args.bootstrap) as bootstrap:
        out = asyncio.run(main_async(args, bootstrap))
    if args.json:
        params = {k: getattr(args, k) for k in ("rate", "seconds", "warmup", "rounds", "sockets")}
        args.json.write_text(json.dumps({"params": params, **out}))


if __name__ == "__main__":
    main()
