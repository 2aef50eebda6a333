"""Runtime throughput: Parley's worker vs a bare confluent-kafka loop vs FastStream 0.7.

    .venv/bin/python -m tests.bench.bench_runtime [--events 50000] [--rounds 3] [--json OUT]

Three first, uncounted passes warm the broker up. Each round prefills a fresh input topic
(6 partitions, 64 rooms), runs each contender as its own process from the beginning of that
topic, and reads its output topic. Throughput is taken
from the output records' producer timestamps, after the first 10% (warm-up, group join), so
neither start-up nor the reader's speed counts. Prints per-round figures and the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer

from runtime.events import MessageEvent, encode
from runtime.kafka.topics import ensure_topics
from tests.bench.broker import bench_broker
from tests.bench.servers import cpu_seconds

CONTENDERS = ("bare", "parley", "faststream")
REPO = Path(__file__).resolve().parents[2]


def prefill(bootstrap: str, topic: str, count: int, **config: Any) -> None:
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 20, "enable.idempotence": True, **config}
    )
    for n in range(count):
        event = MessageEvent(room=f"room-{n % 64}", user="bench", text=f"message {n}")
        while True:
            try:
                producer.produce(topic, encode(event), event.key())
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(60)


def measure(bootstrap: str, topic: str, count: int, timeout: float = 300.0) -> float:
    """Events per second in the output topic, from producer timestamps after the first 10%."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    stamps: list[int] = []
    deadline = time.monotonic() + timeout
    try:
        while len(stamps) < count and time.monotonic() < deadline:
            stamps += [m.timestamp()[1] for m in consumer.consume(1000, 0.5) if m.error() is None]
    finally:
        consumer.close()
    if len(stamps) < count:
        raise RuntimeError(f"only {len(stamps)} of {count} outputs in {timeout}s")
    stamps.sort()
    window = stamps[count // 10 :]
    return (len(window) - 1) / max((window[-1] - window[0]) / 1000, 1e-3)


def run_one(bootstrap: str, kind: str, count: int) -> tuple[float, float]:
    """(events/s, CPU microseconds per event of the contender's process, start-up included)."""
    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    source, sink = prefix + "chat.message", prefix + ("chat.deliver" if kind == "parley" else "out")
    ensure_topics(bootstrap, [source, sink, prefix + "chat.dlq.relay"], 6)
    prefill(bootstrap, source, count)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.bench.contenders",
            kind,
            bootstrap,
            source,
            sink,
            prefix + "group",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        rate = measure(bootstrap, sink, count)
        return rate, cpu_seconds(proc.pid) / count * 1e6
    finally:
        proc.kill()
        proc.wait()


def bench(bootstrap: str, events: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Events/s and CPU us/event of each contender per round (the order rotates)."""
    rates: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    cpu: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    # The broker's JIT compiles its hot paths during the first tens of thousands of records:
    # measured, a first contender on a fresh broker got 20-50% less than the same one later.
    for _ in range(3):
        rate, _ = run_one(bootstrap, "bare", events)
        print(f"warm-up (not counted): bare {rate:,.0f} events/s", flush=True)
    for round_ in range(rounds):
        order = CONTENDERS[round_ % 3 :] + CONTENDERS[: round_ % 3]
        for kind in order:
            rate, cost = run_one(bootstrap, kind, events)
            rates[kind].append(rate)
            cpu[kind].append(cost)
            print(
                f"round {round_ + 1} {kind:>10}: {rate:10,.0f} events/s, {cost:6.1f} us CPU/event",
                flush=True,
            )
    return {"rates": rates, "cpu_us": cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bootstrap", help="an existing broker; default: start one")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()

    with bench_broker(args.bootstrap) as bootstrap:
        raw = bench(bootstrap, args.events, args.rounds)
    results = raw["rates"]
    medians = {k: statistics.median(v) for k, v in results.items()}
    print("\nmedian events/s:", {k: round(v) for k, v in medians.items()})
    print(f"parley / bare       = {medians['parley'] / medians['bare']:.2f}x (target >= 0.6)")
    print(f"parley / faststream = {medians['parley'] / medians['faststream']:.2f}x (target >= 3)")
    if args.json:
        params = {"events": args.events, "rounds": args.rounds}
        args.json.write_text(json.dumps({"params": params, **raw}))


if __name__ == "__main__":
    main()
