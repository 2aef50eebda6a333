"""Timer lateness: how long after its time a ``ctx.later`` timer reaches Kafka.

    .venv/bin/python -m tests.bench.bench_timers [--rate 100] [--seconds 20] [--lead 1.0]
                                                 [--replicas 1] [--bootstrap HOST:PORT]
                                                 [--json OUT]

A ``parley worker`` process (``--replicas`` of them) runs ``tests/bench/functions/echo.py``;
its alarms fire that function's timers. This process sets ``--rate`` timers a second for
``--seconds`` seconds into the same SQLite database, as ``ctx.later`` does, each due ``--lead``
seconds after it was set, each a delivery naming its due time. A reader takes every delivery
from Kafka: lateness = the record's producer timestamp (when the worker produced it) - its
due time. Reported: p50, p99 and max lateness, and how many fired.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer

from runtime.db.store import Store
from runtime.events import Delivery
from runtime.kafka.topics import ensure_topics
from runtime.settings import DatabaseSettings, KafkaSettings, Settings
from runtime.timers import Timers
from tests.bench.broker import bench_broker
from tests.support.harness import eventually
from tests.support.ready import assigned
from tests.support.system import env_of

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS = REPO / "tests" / "bench" / "functions"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def set_timers(settings: Settings, rate: float, seconds: float, lead: float) -> int:
    """Set ``rate`` timers a second on a fixed schedule; how many were set."""
    async with Store(settings.database_url()) as store:
        timers = Timers(store.timers(), "echo")
        total = int(rate * seconds)
        start = time.monotonic()
        for n in range(total):
            wait = start + n / rate - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            due = datetime.now(UTC) + timedelta(seconds=lead)
            frame = {"type": "timer", "n": n, "due_ms": int(due.timestamp() * 1000)}
            await timers.later(due, Delivery(users=("bench",), frame=frame))
        return total


def read(settings: Settings, count: int, timeout: float) -> list[float]:
    """Lateness in ms of the first ``count`` timer deliveries."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka.address(),
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([settings.topic("chat.deliver")])
    late: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(late) < count and time.monotonic() < deadline:
            for message in consumer.consume(500, 0.5):
                if message.error() is not None:
                    continue
                frame = json.loads(message.value() or b"")["data"]["frame"]
                if frame.get("type") == "timer":
                    late.setdefault(frame["n"], message.timestamp()[1] - frame["due_ms"])
    finally:
        consumer.close()
    return list(late.values())


async def run(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    async with Store(settings.database_url()) as store:
        await store.migrate()
    topics = [settings.topic("chat.deliver")]
    await asyncio.to_thread(ensure_topics, settings.kafka.client_config(), topics, 6)
    logs = Path(tempfile.mkdtemp(prefix="parley-bench-timers-"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "worker", "echo", "--functions", str(FUNCTIONS)],
            env=env_of(settings),
            stdout=(logs / f"echo-{n}.log").open("wb"),
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        for n in range(args.replicas)
    ]
    try:
        # Timers are set once every worker runs (its alarms poll from its start).
        for n, proc in enumerate(procs):
            log = logs / f"echo-{n}.log"
            await eventually(
                lambda p=proc, f=log: p.poll() is not None or assigned(f),
                timeout=120,
                what="the worker assigned",
            )
            assert proc.poll() is None, log.read_text()
        count = await set_timers(settings, args.rate, args.seconds, args.lead)
        lateness = await asyncio.to_thread(read, settings, count, args.lead + 60)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    return {
        "params": {
            "rate": args.rate,
            "seconds": args.seconds,
            "lead": args.lead,
            "replicas": args.replicas,
        },
        "set": count,
        "fired": len(lateness),
        "p50_ms": percentile(lateness, 0.5),
        "p99_ms": percentile(lateness, 0.99),
        "max_ms": max(lateness, default=float("nan")),
        "mean_ms": statistics.fmean(lateness) if lateness else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--lead", type=float, default=1.0)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--bootstrap")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with bench_broker(args.bootstrap) as bootstrap:
        data = Path(tempfile.mkdtemp(prefix="parley-bench-timers-data-"))
        settings = Settings(
            data_dir=data,
            kafka=KafkaSettings(bootstrap=bootstrap, partitions=6),
            database=DatabaseSettings(url=f"sqlite+aiosqlite:///{data / 'parley.db'}"),
            topic_prefix=f"bt{uuid.uuid4().hex[:8]}.",
        )
        result = asyncio.run(run(settings, args))
    print(
        f"timers at {args.rate:g}/s for {args.seconds:g}s, {args.replicas} replica(s): "
        f"fired {result['fired']} of {result['set']}; lateness p50 {result['p50_ms']:.0f} ms, "
        f"p99 {result['p99_ms']:.0f} ms, max {result['max_ms']:.0f} ms"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
