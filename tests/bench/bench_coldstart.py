"""Cold start: ``parley up`` from launch to the first message delivered to a client.

    .venv/bin/python -m tests.bench.bench_coldstart [--runs 3] [--json OUT]

Each run gets a fresh data directory and free ports (broker, controller, gateway), so the broker
formats its storage, topics are created and the database migrated, as on a first start. The
clock stops when a client has registered, joined a room, posted a message and received it back.
Baseline: the embedded broker alone started the same way (format, start, until a metadata
request succeeds). Kafka's jars are already resolved in both. Everything started is stopped
after each run (SIGTERM to ``parley up``, which stops its children and broker; SIGKILL to its
process group after 30 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runtime.ops.broker import EmbeddedBroker
from runtime.settings import Settings
from tests.support.net import free_port
from tests.support.system import REPO, Gateway, client, http


async def first_delivery(gateway: Gateway, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for the gateway, then register, join, post and receive the message back."""
    deadline = time.monotonic() + 180
    while (await http(gateway, "GET", "/api/ping", timeout=1.0))[0] != 200:
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = (await asyncio.to_thread(log.read_text))[-3000:]
            raise RuntimeError("parley up exited or never answered:\n" + tail)
        await asyncio.sleep(0.05)
    status, body = await http(
        gateway, "POST", "/api/register", {"username": "first", "password": "correct horse"}
    )
    assert status == 201, body
    async with client(gateway, str(body["token"])) as ada:
        await ada.send({"type": "join", "room": "lobby"})
        await ada.pong()
        await ada.send({"type": "message", "room": "lobby", "text": "hello", "client_id": "c1"})
        await ada.expect(
            lambda f: f.get("type") == "message" and f.get("text") == "hello", timeout=120
        )


def parley_up_once() -> float:
    data = Path(tempfile.mkdtemp(prefix="parley-cold-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(
        {
            "PARLEY_DATA_DIR": str(data),
            "PARLEY_KAFKA__PORT": str(free_port()),
            "PARLEY_KAFKA__CONTROLLER_PORT": str(free_port()),
            "PARLEY_GATEWAY__PORT": str(port),
        }
    )
    log = data / "up.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "up"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        asyncio.run(first_delivery(Gateway(proc, port, log), proc, log))
        return time.monotonic() - started
    finally:
        stop(proc)
        shutil.rmtree(data, ignore_errors=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (``parley up`` stops what it started), then SIGKILL to its group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def broker_once() -> float:
    home = Path(tempfile.mkdtemp(prefix="parley-cold-broker-"))
    broker = EmbeddedBroker(
        home=home, port=free_port(), controller_port=free_port(), libs=Settings().kafka.jars()
    )
    started = time.monotonic()
    try:
        broker.start(tied=True)
        return time.monotonic() - started
    finally:
        broker.stop()
        shutil.rmtree(home, ignore_errors=True)


def bench(runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"parley_up": [], "broker": []}
    for run in range(runs):
        out["broker"].append(broker_once())
        out["parley_up"].append(parley_up_once())
        print(
            f"run {run + 1}: broker alone {out['broker'][-1]:5.1f}s, parley up to first "
            f"delivery {out['parley_up'][-1]:5.1f}s",
            flush=True,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    out = bench(args.runs)
    up, broker = statistics.median(out["parley_up"]), statistics.median(out["broker"])
    print(f"median: parley up {up:.1f}s, broker alone {broker:.1f}s ({up / broker:.2f}x)")
    if args.json:
        args.json.write_text(json.dumps({"params": {"runs": args.runs}, **out}))


if __name__ == "__main__":
    main()
