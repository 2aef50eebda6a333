"""Publishing a room message: gRPC ``Publish`` beside the WebSocket ``message`` frame, one run.

    .venv/bin/python -m tests.bench.bench_grpc [--count 2000] [--inflight 64] [--rounds 3]
                                               [--bootstrap HOST:PORT] [--json OUT]

Both paths end at the same place: the gateway answers (``PublishResponse`` / ``ack``) once
Kafka acknowledged the ``chat.message`` record. Each round measures, for each path:

- ``unary``: ``--count`` messages one at a time (send, wait for the answer, send the next);
- ``inflight``: ``--count`` messages with ``--inflight`` unanswered at any moment (gRPC:
  that many concurrent calls on one channel; WebSocket: that many frames sent ahead of their
  acks on one socket).

Latency is send to answer, per message; throughput is messages / wall time. The paths alternate
within each round and the rounds repeat, so drift of a noisy machine hits both alike: quote the
medians over rounds. The client runs in this process on the same machine as the gateway, the
chat worker and the broker (real processes from ``tests.support``), so the numbers are the
whole machine's, not the gateway's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from gateway.rpc.v1 import chat_pb2 as pb
from gateway.rpc.v1 import chat_pb2_grpc
from tests.bench.broker import bench_broker
from tests.support.rpc import api_key, auth, channel, grpc_running
from tests.support.system import System

Send = Callable[[str], Awaitable[None]]


async def measure(send: Send, count: int, inflight: int) -> dict[str, float]:
    """Run ``count`` sends with at most ``inflight`` at once; throughput and percentiles."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(inflight)

    async def one(n: int) -> None:
        async with gate:
            started = time.perf_counter()
            await send(f"{uuid.uuid4().hex[:8]}-{n}")
            latencies.append(time.perf_counter() - started)

    begun = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    wall = time.perf_counter() - begun
    latencies.sort()
    return {
        "per_s": count / wall,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


async def grpc_path(system: System, key: str, room: str, count: int, inflight: int) -> Any:
    async with channel(system.settings.grpc.port) as ch:
        chat = chat_pb2_grpc.ChatServiceStub(ch)
        metadata = auth(key)

        async def send(client_id: str) -> None:
            request = pb.PublishRequest(room=room, text="bench", client_id=client_id)
            await chat.Publish(request, metadata=metadata)

        return await measure(send, count, inflight)


async def ws_path(system: System, token: str, room: str, count: int, inflight: int) -> Any:
    """One socket: frames sent ahead of their acks; a reader task resolves each ack."""
    async with connect(system.gateway.ws_url(token), max_queue=None) as ws:
        await ws.send(json.dumps({"type": "join", "room": room}))
        waiting: dict[str, asyncio.Future[None]] = {}

        async def read() -> None:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") in ("ack", "error") and frame.get("client_id") in waiting:
                    done = waiting.pop(frame["client_id"])
                    if frame["type"] == "error":
                        done.set_exception(RuntimeError(str(frame)))
                    else:
                        done.set_result(None)

        reader = asyncio.create_task(read())

        async def send(client_id: str) -> None:
            waiting[client_id] = asyncio.get_running_loop().create_future()
            frame = {"type": "message", "room": room, "text": "bench", "client_id": client_id}
            await ws.send(json.dumps(frame))
            await waiting[client_id]

        try:
            return await measure(send, count, inflight)
        finally:
            reader.cancel()


async def run(args: argparse.Namespace, bootstrap: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-grpc-") as tmp:
        async with grpc_running(
            bootstrap,
            Path(tmp),
            rate=1e6,
            burst=1_000_000,
            send_queue=100_000,
            user_rate=1e6,
            user_burst=1_000_000,
        ) as system:
            key = await api_key(system, "bench", "publish")
            token = await system.register()
            results: dict[str, list[dict[str, float]]] = {}
            for round_ in range(args.rounds + 1):  # round 0 warms both paths up
                for mode, inflight in (("unary", 1), ("inflight", args.inflight)):
                    count = args.count if round_ else 200
                    room = f"bench-{uuid.uuid4().hex[:8]}"
                    for path in ("grpc", "ws") if round_ % 2 else ("ws", "grpc"):
                        if path == "grpc":
                            got = await grpc_path(system, key, room, count, inflight)
                        else:
                            got = await ws_path(system, token, room, count, inflight)
                        if round_:
                            results.setdefault(f"{path} {mode}", []).append(got)
                            print(f"round {round_} {path:4} {mode:8} {_fmt(got)}", flush=True)
    return results


def _fmt(row: dict[str, float]) -> str:
    return f"{row['per_s']:7.0f} msg/s  p50 {row['p50_ms']:6.2f} ms  p99 {row['p99_ms']:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000, help="messages per path and mode")
    parser.add_argument("--inflight", type=int, default=64, help="unanswered at once")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bootstrap", help="an existing broker; default: start one")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    with bench_broker(args.bootstrap) as bootstrap:
        results = asyncio.run(run(args, bootstrap))
    print(f"\nmedians over {args.rounds} rounds ({args.count} messages each):")
    medians = {
        name: {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        for name, rows in results.items()
    }
    for name, row in medians.items():
        print(f"  {name:14} {_fmt(row)}")
    if args.json:
        args.json.write_text(json.dumps({"rounds": results, "medians": medians}, indent=2))


if __name__ == "__main__":
    main()
