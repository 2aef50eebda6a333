"""Batches: a handler that writes each event to the database, one event per call vs batches.

    .venv/bin/python -m tests.bench.bench_batch [--events 20000] [--rounds 3] [--json OUT]

Each round prefills a fresh topic (6 partitions, 64 rooms) and runs a worker in this process
over it from the start, once per mode (the order alternates): ``single`` (``@on_message``:
one INSERT and one COMMIT per event) and ``batch`` (``batch=100, window=0.05``: one
``executemany`` and one COMMIT per batch). The database is SQLite with the store's settings
(WAL, synchronous=NORMAL). Rate: events over the time from the first call to the last event
finished; CPU: this process' CPU time (the SQLite thread included) over the same run, per
event. Prints per-round figures and the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite
from confluent_kafka import Producer

from runtime import Context, MessageEvent, on
from runtime.db.store import SQLITE_PRAGMAS, Store
from runtime.engine.worker import Worker
from runtime.events import encode
from runtime.kafka.client import Producer as AsyncProducer
from runtime.kafka.topics import ensure_topics
from runtime.settings import Settings
from runtime.triggers import Handler
from tests.bench.broker import bench_broker
from tests.support.harness import make_settings

MODES = ("single", "batch")
BATCH, WINDOW = 100, 0.05
INSERT = "INSERT INTO seen (id, room, text) VALUES (?, ?, ?)"


def prefill(settings: Settings, count: int) -> None:
    topic = settings.topic("chat.message")
    ensure_topics(settings.kafka.client_config(), [topic], settings.kafka.partitions)
    producer = Producer({"bootstrap.servers": settings.kafka.address(), "linger.ms": 20})
    for n in range(count):
        event = MessageEvent(room=f"room-{n % 64}", user="bench", text=f"message {n}")
        while True:
            try:
                producer.produce(topic, encode(event), event.key())
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(60)


def handler(mode: str, db: aiosqlite.Connection, first: Callable[[], None]) -> Handler:
    """The mode's handler; ``first`` is called on every call (it notes the first one)."""
    lock = asyncio.Lock()  # one connection: each call's writes are one transaction

    async def single(event: MessageEvent, ctx: Context) -> None:
        first()
        async with lock:
            await db.execute(INSERT, (event.id, event.room, event.text))
            await db.commit()

    async def batch(events: list[MessageEvent], ctx: Context) -> None:
        first()
        async with lock:
            await db.executemany(INSERT, [(e.id, e.room, e.text) for e in events])
            await db.commit()

    if mode == "single":
        return on("chat.message", MessageEvent, start="earliest")(single)
    return on("chat.message", MessageEvent, start="earliest", batch=BATCH, window=WINDOW)(batch)


async def run_one(bootstrap: str, mode: str, count: int, folder: Path) -> tuple[float, float]:
    """(events/s, CPU microseconds per event) of one mode over a fresh prefilled topic."""
    settings = make_settings(bootstrap, folder)
    await asyncio.to_thread(prefill, settings, count)
    began: list[float] = []

    def first() -> None:
        if not began:
            began.append(time.monotonic())

    async with Store(settings.database_url()) as store, aiosqlite.connect(folder / "b.db") as db:
        await store.migrate()
        for pragma in SQLITE_PRAGMAS:
            await db.execute(f"PRAGMA {pragma}")
        await db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY, room TEXT, text TEXT)")
        producer = AsyncProducer(settings.kafka.client_config())
        worker = Worker(handler(mode, db, first), settings, store, store.state("b"), producer)
        stop = asyncio.Event()
        cpu = time.process_time()
        task = asyncio.create_task(worker.run(stop))
        try:
            await until(lambda: worker.stats.processed >= count, 300)
            elapsed = time.monotonic() - began[0]
            cost = (time.process_time() - cpu) / count * 1e6
        finally:
            stop.set()
            await asyncio.wait_for(task, 60)
            await producer.close()
        (stored,) = await (await db.execute("SELECT count(*) FROM seen")).fetchone() or (0,)
    if stored != count:
        raise RuntimeError(f"{mode}: {stored} rows stored for {count} events")
    return count / elapsed, cost


async def until(check: Callable[[], bool] | Callable[[], Awaitable[bool]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not done in {timeout}s")
        await asyncio.sleep(0.02)


async def bench(bootstrap: str, events: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    rates: dict[str, list[float]] = {m: [] for m in MODES}
    cpu: dict[str, list[float]] = {m: [] for m in MODES}
    for round_ in range(rounds):
        for mode in MODES if round_ % 2 == 0 else MODES[::-1]:
            with tempfile.TemporaryDirectory(prefix="parley-bench-batch-") as folder:
                rate, cost = await run_one(bootstrap, mode, events, Path(folder))
            rates[mode].append(rate)
            cpu[mode].append(cost)
            print(
                f"round {round_ + 1} {mode:>6}: {rate:9,.0f} events/s, {cost:6.1f} us CPU/event",
                flush=True,
            )
    return {"rates": rates, "cpu_us": cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bootstrap", help="an existing broker; default: start one")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()

    with bench_broker(args.bootstrap) as bootstrap:
        raw = asyncio.run(bench(bootstrap, args.events, args.rounds))
    medians = {m: statistics.median(v) for m, v in raw["rates"].items()}
    print("\nmedian events/s:", {m: round(v) for m, v in medians.items()})
    print(f"batch / single = {medians['batch'] / medians['single']:.2f}x")
    if args.json:
        params = {"events": args.events, "rounds": args.rounds, "batch": BATCH, "window": WINDOW}
        args.json.write_text(json.dumps({"params": params, **raw}))


if __name__ == "__main__":
    main()
