"""Wake: how long an event waits for a sleeping function, and what an idle system costs.

    .venv/bin/python -m tests.bench.bench_wake --bootstrap HOST:PORT [--wakes 20] [--idle 60]

Wake latency: ``parley up --autoscale --no-gateway`` runs two functions on ``chat.message``, a
sleeper (``min_replicas=0``, idle after 1 s) and a warm one; each writes when it handled an
event. Each round waits until the supervisor says the sleeper is asleep, produces one message
and times both: from just before the produce to each function's handling (wall clocks of one
machine). The warm function is the baseline: the same event, handled with nothing to wake.

Idle cost: ``parley up`` (gateway and every function in ``functions/``) on the given broker,
left alone: CPU seconds per minute and RSS summed over the supervisor and its children (the
broker is not counted: it is the bench's, shared by every variant), measured for ``--idle``
seconds once it settled. Variants: all warm (today's ``parley up``), ``--autoscale`` with the
built-ins' own options (edit, delete, react, poll and bot sleep; chat, private and presence stay
warm), and ``--autoscale`` with a copy of ``functions/`` where every function may sleep.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from runtime.kafka.client import Producer
from runtime.settings import Settings
from runtime.testing import message
from tests.support.harness import make_settings, produce
from tests.support.net import free_port

REPO = Path(__file__).resolve().parents[2]
HANDLER = """
import time
from runtime import Context, MessageEvent, on_message

@on_message(min_replicas={minimum})
async def {name}(event: MessageEvent, ctx: Context) -> None:
    with open(ctx.settings.data_dir / "{name}.handled", "a") as out:
        out.write(f"{{event.id}} {{time.time()}}\\n")
"""
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


class Up:
    """A ``parley up`` with its log, stopped by ``stop``."""

    def __init__(self, settings: Settings, args: list[str], env: dict[str, str]) -> None:
        self.log = settings.data_dir / f"up-{time.monotonic_ns()}.log"
        full = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")},
            "PARLEY_KAFKA__BOOTSTRAP": settings.kafka.address(),
            "PARLEY_DATA_DIR": str(settings.data_dir),
            "PARLEY_TOPIC_PREFIX": settings.topic_prefix,
            "PARLEY_SUPERVISOR__METRICS_PORT": "0",
            "PARLEY_GATEWAY__PORT": str(free_port()),
            "PARLEY_GRPC__PORT": str(free_port()),
            **env,
        }
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "parley.cli", "up", *args],
                cwd=REPO,
                env=full,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def states(self) -> dict[str, str]:
        tables = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                msg = json.loads(line).get("msg", "")
                if msg.startswith("processes:"):
                    tables.append(msg)
        if not tables:
            return {}
        rows = re.findall(r"^\s+(\S+)\s+(\S+)\s+(\S.*)$", tables[-1], re.MULTILINE)
        return {name: state for name, _, state in rows}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def handled(settings: Settings, name: str) -> dict[str, float]:
    path = settings.data_dir / f"{name}.handled"
    if not path.exists():
        return {}
    rows = (line.split() for line in path.read_text().splitlines() if line.strip())
    return {event: float(at) for event, at in rows}


def wakes(bootstrap: str, count: int) -> dict[str, list[float]]:
    data = Path(tempfile.mkdtemp(prefix="parley-wake-"))
    folder = data / "functions"
    folder.mkdir()
    (folder / "sleeper.py").write_text(HANDLER.format(name="sleeper", minimum=0))
    (folder / "warm.py").write_text(HANDLER.format(name="warm", minimum=1))
    settings = make_settings(bootstrap, data / "data")
    settings.data_dir.mkdir(parents=True)
    up = Up(
        settings,
        ["--no-gateway", "--autoscale", "--functions", str(folder)],
        {"PARLEY_AUTOSCALE__IDLE_AFTER": "1"},
    )
    try:
        return asyncio.run(_wakes(up, settings, count))
    finally:
        up.stop()
        shutil.rmtree(data, ignore_errors=True)


async def _wakes(up: Up, settings: Settings, count: int) -> dict[str, list[float]]:
    """The rounds, with one producer (connected and warm: its start is not timed)."""
    out: dict[str, list[float]] = {"sleeper": [], "warm": []}
    producer = Producer(settings.kafka.client_config())
    try:
        # Both own their partitions ("latest": only what is produced from then on counts).
        first = message("warm-up", room="r0")
        deadline = time.monotonic() + 120
        while not (
            first.id in handled(settings, "warm") and first.id in handled(settings, "sleeper")
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("timed out waiting for both functions to handle events")
            await produce(settings, [first], producer)
            await asyncio.sleep(0.5)
        for n in range(count):
            await until(lambda: up.states().get("fn-sleeper") == "asleep", "the sleeper asleep")
            event = message(f"wake {n}", room=f"r{n % 6}")
            sent = time.time()
            await produce(settings, [event], producer)
            await until(
                lambda wanted=event.id: (
                    wanted in handled(settings, "sleeper") and wanted in handled(settings, "warm")
                ),
                "the event handled by both",
            )
            sleeper = handled(settings, "sleeper")[event.id] - sent
            warm = handled(settings, "warm")[event.id] - sent
            out["sleeper"].append(sleeper)
            out["warm"].append(warm)
            print(f"wake {n + 1}: sleeper {sleeper:.2f}s, warm {warm * 1000:.0f}ms", flush=True)
    finally:
        await producer.close()
    return out


async def until(check: Any, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


def tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def usage(pids: list[int]) -> tuple[float, float, int]:
    """(CPU seconds, RSS MiB, processes) summed over ``pids``."""
    cpu, rss, alive = 0.0, 0.0, 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        cpu += (int(fields[11]) + int(fields[12])) / TICKS
        rss += pages * PAGE_KB / 1024
        alive += 1
    return cpu, rss, alive


def idle(bootstrap: str, variant: str, seconds: float) -> dict[str, float]:
    data = Path(tempfile.mkdtemp(prefix="parley-idle-"))
    folder = data / "functions"
    shutil.copytree(REPO / "functions", folder)
    if variant == "every":
        for path in folder.glob("*.py"):
            path.write_text(path.read_text().replace("min_replicas=1", "min_replicas=0"))
    settings = make_settings(bootstrap, data / "data")
    settings.data_dir.mkdir(parents=True)
    args = ["--functions", str(folder)] + ([] if variant == "warm" else ["--autoscale"])
    up = Up(settings, args, {"PARLEY_AUTOSCALE__IDLE_AFTER": "5"})
    try:
        names = [f"fn-{p.stem}" for p in folder.glob("*.py") if not p.name.startswith("_")]
        sleeping = {
            "warm": set(),
            "builtin": {"fn-edit", "fn-delete", "fn-react", "fn-poll", "fn-bot"},
            "every": set(names),
        }[variant]

        def settled() -> bool:
            states = up.states()
            running = {n.rsplit(".", 1)[0] for n, s in states.items() if s == "running"}
            asleep = {n for n, s in states.items() if s == "asleep"}
            return asleep == sleeping and running >= set(names) - sleeping

        wait_for(settled, 180, f"parley up ({variant}) settled")
        time.sleep(5)  # start-up work (imports, joins, migrations) done before measuring
        pids = tree(up.proc.pid)
        cpu0, _, _ = usage(pids)
        started = time.monotonic()
        time.sleep(seconds)
        pids = tree(up.proc.pid)
        cpu1, rss, processes = usage(pids)
        elapsed = time.monotonic() - started
        result = {
            "cpu_s_per_min": (cpu1 - cpu0) / elapsed * 60,
            "rss_mib": rss,
            "processes": processes,
            "seconds": elapsed,
        }
        print(
            f"idle {variant}: {result['cpu_s_per_min']:.2f} CPU s/min, {rss:.0f} MiB RSS, "
            f"{processes} processes",
            flush=True,
        )
        return result
    finally:
        up.stop()
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--wakes", type=int, default=20)
    parser.add_argument("--idle", type=float, default=60.0, help="seconds measured idle")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    out: dict[str, Any] = {"params": {"wakes": args.wakes, "idle_seconds": args.idle}}
    out["wake"] = wakes(args.bootstrap, args.wakes)
    out["idle"] = {v: idle(args.bootstrap, v, args.idle) for v in ("warm", "builtin", "every")}
    sleeper = out["wake"]["sleeper"]
    print(
        f"wake p50 {statistics.median(sleeper):.2f}s "
        f"(warm {statistics.median(out['wake']['warm']) * 1000:.0f}ms)"
    )
    if args.json:
        args.json.write_text(json.dumps(out))


if __name__ == "__main__":
    main()
