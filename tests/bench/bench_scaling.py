"""Scaling: events/s of a CPU-bound function (1 ms of CPU per event) with 1, 2, 3 replicas,
and of the same function unordered (a share group) past the partition count.

    .venv/bin/python -m tests.bench.bench_scaling [--events 6000] [--replicas 1,2,3]
                                                  [--unordered 6,8,12] [--rounds 1]
                                                  [--bootstrap ...] [--json OUT]

For each replica count: fresh topics (6 partitions), that many ``tests/bench/functions/burn.py``
worker processes in one consumer group, each waited for until it owns partitions; then the
input is prefilled (64 rooms) and the output topic's producer timestamps give the rate after
the first 10%, as in bench_runtime. Baseline: 1 replica; speedup = rate / that.

``--unordered``: ``tests/bench/functions/burnshare.py`` (burn's work, ``ordered=False``) with
that many replicas in one share group on the same 6 partitions. The broker hands a share
group whole producer batches, so the input is produced in batches of 16 records.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from runtime.kafka.topics import ensure_topics
from tests.bench.bench_runtime import REPO, measure, prefill
from tests.bench.broker import bench_broker
from tests.bench.servers import cpu_seconds
from tests.support.ready import assigned

PARTITIONS = 6


def worker(bootstrap: str, prefix: str, data_dir: str, function: str = "burn") -> None:
    """One replica: Parley's worker running ``function`` (burn.py or burnshare.py), logging
    JSON lines to stdout."""
    from runtime.engine.discovery import load
    from runtime.engine.process import serve
    from runtime.settings import KafkaSettings, Settings
    from runtime.telemetry import configure_logging

    configure_logging("worker", function=function)
    kafka = KafkaSettings(bootstrap=bootstrap, partitions=PARTITIONS)
    settings = Settings(kafka=kafka, topic_prefix=prefix, data_dir=Path(data_dir))
    asyncio.run(serve(load(Path(__file__).parent / "functions" / f"{function}.py"), settings))


def run_one(
    bootstrap: str, replicas: int, events: int, logs: Path, function: str = "burn"
) -> tuple[float, list[float]]:
    """(events/s, CPU seconds each replica spent on the events)."""
    prefix = f"scale-{uuid.uuid4().hex[:8]}."
    source, sink = prefix + "chat.message", prefix + "chat.deliver"
    ensure_topics(bootstrap, [source, sink, prefix + f"chat.dlq.{function}"], PARTITIONS)
    procs: list[subprocess.Popen[bytes]] = []
    paths = [logs / f"{prefix}{n}.log" for n in range(replicas)]
    try:
        for index, path in enumerate(paths):
            with open(path, "wb") as out:
                procs.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "tests.bench.bench_scaling",
                            "worker",
                            bootstrap,
                            prefix,
                            str(logs / f"{prefix}{index}"),
                            function,
                        ],
                        cwd=REPO,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.monotonic() + 90
        while not all(assigned(p) for p in paths):
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                raise RuntimeError(
                    "a replica exited or never owned partitions:\n" + paths[0].read_text()[-2000:]
                )
            time.sleep(0.2)
        # The last rebalance settles; a share group assigns partitions to a member a few
        # heartbeats (5 s apart) after it joined.
        time.sleep(2 if function == "burn" else 8)
        cpu = [cpu_seconds(p.pid) for p in procs]
        if function == "burn":
            prefill(bootstrap, source, events)
        else:
            prefill(bootstrap, source, events, **{"batch.num.messages": 16})
        rate = measure(bootstrap, sink, events)
        return rate, [cpu_seconds(p.pid) - c for p, c in zip(procs, cpu, strict=True)]
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def bench(
    bootstrap: str, events: int, replicas: list[int], rounds_: int, unordered: list[int]
) -> dict[str, Any]:
    logs = Path(tempfile.mkdtemp(prefix="parley-scaling-"))  # replicas' logs and data dirs
    try:
        raw = rounds(bootstrap, events, replicas, rounds_, logs)
        if unordered:
            raw["unordered"] = rounds(bootstrap, events, unordered, rounds_, logs, "burnshare")
        return raw
    finally:
        shutil.rmtree(logs, ignore_errors=True)


def rounds(
    bootstrap: str,
    events: int,
    replicas: list[int],
    rounds_: int,
    logs: Path,
    function: str = "burn",
) -> dict[str, Any]:
    rates: dict[str, list[float]] = {str(n): [] for n in replicas}
    cpu: dict[str, list[list[float]]] = {str(n): [] for n in replicas}
    for round_ in range(rounds_):
        for n in replicas if round_ % 2 == 0 else replicas[::-1]:
            rate, used = run_one(bootstrap, n, events, logs, function)
            rates[str(n)].append(rate)
            cpu[str(n)].append(used)
            busy = " ".join(f"{u * rate / events * 100:.0f}" for u in used)
            print(
                f"round {round_ + 1}: {n} {function} replica(s): {rate:8,.0f} events/s; "
                f"{sum(used) / events * 1000:.2f} ms CPU per event; replicas' CPU% {busy}",
                flush=True,
            )
    return {"rates": rates, "replica_cpu_s": cpu}


def main() -> None:
    if sys.argv[1:2] == ["worker"]:
        worker(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument(
        "--unordered", default="", help="replica counts of the unordered function, e.g. 6,12"
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--bootstrap", help="an existing broker; default: start one")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    replicas = [int(n) for n in args.replicas.split(",")]
    unordered = [int(n) for n in args.unordered.split(",") if n]
    with bench_broker(args.bootstrap) as bootstrap:
        raw = bench(bootstrap, args.events, replicas, args.rounds, unordered)
    results = raw["rates"]
    one = statistics.median(results[str(replicas[0])])
    for n in replicas:
        rate = statistics.median(results[str(n)])
        print(f"{n} replica(s): {rate:8,.0f} events/s = {rate / one:.2f}x of {replicas[0]}")
    for n, rates in raw.get("unordered", {}).get("rates", {}).items():
        rate = statistics.median(rates)
        print(f"{n} unordered replica(s): {rate:8,.0f} events/s = {rate / one:.2f}x")
    if args.json:
        params = {
            "events": args.events,
            "rounds": args.rounds,
            "work_ms": 1.0,
            "cores": os.cpu_count(),
            "partitions": PARTITIONS,
        }
        args.json.write_text(json.dumps({"params": params, **raw}))


if __name__ == "__main__":
    main()
