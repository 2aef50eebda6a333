"""``parley bench``: every benchmark case with its baseline, then the report and plots.

    .venv/bin/python -m tests.bench [--quick] [--cases runtime,fanout | 1,3] [--out docs]
    parley bench --report        # only rewrite BENCHMARKS.md and the plots from results.json

One broker (free ports) serves every case but the cold start, which starts its own. Each case
is a ``python -m tests.bench.bench_*`` process in its own process group, started with a marker
in its environment; on failure, timeout, Ctrl-C or SIGTERM its group gets SIGINT (so its own
clean-up runs), then SIGKILL, and at the end every process still carrying the marker (a
supervisor's children live in their own sessions) is killed by pid. A failed case is recorded
as failed and the others still run. Results merge into ``<out>/bench/results.json`` (cases not
run keep their last figures), from which ``<out>/BENCHMARKS.md`` and the PNGs are written.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.bench import plots, report
from tests.bench.broker import bench_broker
from tests.bench.servers import raise_nofile

REPO = Path(__file__).resolve().parents[2]
CASES = (
    "runtime",
    "scaling",
    "fanout",
    "latency",
    "memory",
    "coldstart",
    "presence",
    "living",
    "search",
    "batch",
    "timers",
    "wake",
)
NUMBERS = {
    "1": ("runtime",),
    "2": ("scaling",),
    "3": ("fanout",),
    "4": ("latency",),
    "5": ("memory", "coldstart"),
    "6": ("presence",),
    "7": ("living",),
    "8": ("search",),
    "9": ("batch",),
    "10": ("timers",),
    "11": ("wake",),
}
MARKER = "PARLEY_BENCH_RUN"
QUICK_SKIPS = (
    "--quick: 5,000 events and 1 round for the runtime, 1,500 events for scaling, "
    "1,000 sockets only (no 5,000) and 20 messages x 1 round for fan-out, loads 100 "
    "to 1,000 msg/s for 5 s each for latency, memory at 1,000 sockets, one cold "
    "start, presence with 1,000 and 300 joiners, messages that live for 8 s x 1 round, "
    "search over 100,000 messages and 20 uploads, 5,000 events x 1 round for batches, "
    "timers for 10 s per load, 5 wakes and 20 s idle (20 and 30 s in a full run)"
)


class CaseFailed(Exception):
    def __init__(self, case: str, reason: str) -> None:
        super().__init__(f"{case}: {reason}")


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a smaller run (about 2 minutes)")
    parser.add_argument("--cases", help=f"comma-separated, of {', '.join(CASES)} or 1-11")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "docs",
        help="where BENCHMARKS.md and bench/ go (default: docs/)",
    )
    parser.add_argument(
        "--report", action="store_true", help="only rewrite the report and plots from results.json"
    )


def selected(cases: str | None) -> list[str]:
    """Case names, in the suite's order, from ``runtime,fanout`` or ``1,3`` (5 = memory and
    cold start); every case when ``cases`` is empty."""
    if not cases:
        return list(CASES)
    wanted: set[str] = set()
    for item in (c.strip() for c in cases.split(",") if c.strip()):
        if item in NUMBERS:
            wanted.update(NUMBERS[item])
        elif item in CASES:
            wanted.add(item)
        else:
            raise SystemExit(
                f"parley bench: unknown case {item!r}; choose from {', '.join(CASES)} or 1-11"
            )
    return [c for c in CASES if c in wanted]


# --- running one case process ----------------------------------------------------------------


class Runner:
    """Starts case processes with the marker, streams their output, stops them."""

    def __init__(self, bootstrap: str | None, timeout: float) -> None:
        self.bootstrap = bootstrap
        self.timeout = timeout
        self.marker = uuid.uuid4().hex
        self.scratch = Path(tempfile.mkdtemp(prefix="parley-bench-run-"))

    def run(self, case: str, module: str, args: list[str]) -> dict[str, Any]:
        out = self.scratch / f"{module}-{uuid.uuid4().hex[:6]}.json"
        command = [sys.executable, "-u", "-m", f"tests.bench.{module}", *args]
        if self.bootstrap and module != "bench_coldstart":
            command += ["--bootstrap", self.bootstrap]
        print(f"\n== {case}: python {' '.join(command[2:])}", flush=True)
        command += ["--json", str(out)]
        env = {**os.environ, MARKER: self.marker}
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        tail: deque[str] = deque(maxlen=15)
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            interrupt(proc)

        timer = threading.Timer(self.timeout, expire)
        timer.start()
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode(errors="replace")
                tail.append(line.rstrip())
                print("   " + line, end="", flush=True)
            proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                interrupt(proc)
        if proc.returncode != 0 or not out.exists():
            why = (
                f"timed out after {self.timeout:.0f}s"
                if timed_out.is_set()
                else (f"exit {proc.returncode}")
            )
            raise CaseFailed(case, f"{module} failed ({why}):\n" + "\n".join(tail))
        loaded: dict[str, Any] = json.loads(out.read_text())
        return loaded

    def sweep(self) -> int:
        """Kill (by pid) every process still carrying this run's marker; how many there were."""
        needle = f"{MARKER}={self.marker}".encode()
        killed = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    os.kill(int(entry.name), signal.SIGKILL)
                    killed += 1
            except OSError:
                continue
        return killed


def interrupt(proc: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """SIGINT to the case's process group (its finally blocks run), then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --- the cases -------------------------------------------------------------------------------


def run_case(name: str, quick: bool, runner: Runner, done: dict[str, Any]) -> dict[str, Any]:
    """The raw results of one case (several processes for fan-out)."""
    if name == "runtime":
        events, rounds = ("5000", "1") if quick else ("20000", "3")
        return runner.run(name, "bench_runtime", ["--events", events, "--rounds", rounds])
    if name == "scaling":
        events, rounds = ("1500", "1") if quick else ("6000", "2")
        unordered = "6,12" if quick else "6,8,12"
        argv = ["--events", events, "--rounds", rounds, "--unordered", unordered]
        return runner.run(name, "bench_scaling", argv)
    if name == "fanout":
        sizes = (1000,) if quick else (1000, 5000)
        messages, rounds = ("20", "1") if quick else ("50", "3")
        out: dict[str, Any] = {
            "params": {"messages": int(messages), "rounds": int(rounds)},
            "sizes": {},
        }
        for size in sizes:
            out["sizes"][str(size)] = runner.run(
                name,
                "bench_fanout",
                [
                    "--clients",
                    str(size),
                    "--messages",
                    messages,
                    "--rounds",
                    rounds,
                    "--procs",
                    "2" if size <= 1000 else "3",
                ],
            )
        return out
    if name == "latency":
        full = "100,200,300,400,500,600,700,800,1000,2000"
        loads, seconds = ("100,300,1000", "5") if quick else (full, "15")
        return runner.run(name, "bench_latency", ["--sweep", loads, "--seconds", seconds])
    if name == "memory":
        sockets = 1000 if quick else 5000
        fanout = done.get("fanout", {}).get("sizes", {}).get(str(sockets))
        if fanout is None:  # not measured by the fan-out case of this run: connect only
            fanout = runner.run(
                name, "bench_fanout", ["--clients", str(sockets), "--rounds", "0", "--procs", "3"]
            )
        rss = fanout["rss_kb"]
        return {
            "params": {"sockets": sockets},
            "rss_kb": rss,
            "kb_per_socket": {k: v["per_socket"] for k, v in rss.items()},
        }
    if name == "coldstart":
        return runner.run(name, "bench_coldstart", ["--runs", "1" if quick else "3"])
    if name == "presence":
        # Presence v2 at full size, and coalesced vs not at a size the baseline survives.
        crowd, small = ("1000", "300") if quick else ("5000", "1000")
        runs = {"crowd": (crowd, "1.0"), "coalesced": (small, "1.0"), "baseline": (small, "0.001")}
        return {
            label: runner.run(
                name,
                "bench_presence",
                ["--clients", n, "--interval", interval, "--spread", "10" if n == crowd else "5"],
            )
            for label, (n, interval) in runs.items()
        }
    if name == "living":
        # A mixed load (70% messages, 15% reactions, 10% edits, 5% deletes) beside plain
        # messages, 200 frames/s each, alternating on one system.
        # The SQLite default, and PostgreSQL too when PARLEY_TEST_POSTGRES_URL names one.
        seconds, rounds = ("8", "1") if quick else ("15", "3")
        args = ["--seconds", seconds, "--rounds", rounds]
        living = {"sqlite": runner.run(name, "bench_living", args)}
        if postgres := os.environ.get("PARLEY_TEST_POSTGRES_URL"):
            database = ["--database-url", postgres]
            living["postgres"] = runner.run(name, "bench_living", [*args, *database])
        return living
    if name == "search":
        # Search over a generated history (1,000,000 messages; 100,000 with --quick) and
        # uploads of 1 MiB files; on SQLite, and PostgreSQL too when it is given.
        history, files = ("100000", "20") if quick else ("1000000", "60")
        search = ["--messages", history, "--repeat", "10" if quick else "30"]
        found = {"sqlite": runner.run(name, "bench_search", search)}
        uploads = {"sqlite": runner.run(name, "bench_uploads", ["--files", files])}
        if postgres := os.environ.get("PARLEY_TEST_POSTGRES_URL"):
            on_postgres = ["--database-url", postgres]
            found["postgres"] = runner.run(name, "bench_search", [*search, *on_postgres])
            uploads["postgres"] = runner.run(
                name, "bench_uploads", ["--files", files, *on_postgres]
            )
        return {"search": found, "uploads": uploads}
    if name == "batch":
        # A handler writing each event to SQLite: one event per call vs batch=100.
        events, rounds = ("5000", "1") if quick else ("20000", "3")
        return runner.run(name, "bench_batch", ["--events", events, "--rounds", rounds])
    if name == "timers":
        # ctx.later timers set at 100/s (and 500/s) into SQLite, fired by one echo worker.
        seconds = "10" if quick else "20"
        return {
            f"{rate}/s": runner.run(name, "bench_timers", ["--rate", rate, "--seconds", seconds])
            for rate in ("100", "500")
        }
    if name == "wake":
        # 20 wakes of a sleeping function beside a warm one; idle cost of three `parley up`s.
        wakes, idle = ("5", "20") if quick else ("20", "30")
        return runner.run(name, "bench_wake", ["--wakes", wakes, "--idle", idle])
    raise ValueError(name)


@contextlib.contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C here, so every clean-up below runs."""

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(cases: list[str], quick: bool, out: Path, report_only: bool = False) -> int:
    """Run ``cases``, merge their results into ``out/bench/results.json``, write the report."""
    path = out / "bench" / "results.json"
    results = report.load(path)
    failed: list[str] = []
    if not report_only:
        raise_nofile()  # for 5,000 sockets; children inherit it
        started = time.monotonic()
        print(QUICK_SKIPS if quick else "full run", flush=True)
        with terminated_as_interrupt():
            failed = run_cases(cases, quick, results, path)
        print(f"\nbench wall time: {time.monotonic() - started:.0f}s", flush=True)
    if not report_only or "machine" not in results:
        results["machine"] = report.machine()
    write(results, out)
    print(f"wrote {out / 'BENCHMARKS.md'} and {path}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def run_cases(cases: list[str], quick: bool, results: report.Results, path: Path) -> list[str]:
    needs_broker = any(c != "coldstart" for c in cases)
    failed: list[str] = []
    done: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        bootstrap = stack.enter_context(bench_broker(None)) if needs_broker else None
        runner = Runner(bootstrap, timeout=300 if quick else 1500)
        try:
            for case in cases:
                t = time.monotonic()
                try:
                    raw = run_case(case, quick, runner, done)
                except CaseFailed as exc:
                    print(f"!! {exc}", file=sys.stderr, flush=True)
                    raw = {"error": str(exc)}
                    failed.append(case)
                done[case] = raw
                raw.update(
                    quick=quick,
                    seconds=round(time.monotonic() - t, 1),
                    loadavg=round(os.getloadavg()[0], 2),
                    date=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                )
                results.setdefault("cases", {})[case] = raw
                report.save(path, results)  # after every case: a later failure loses nothing
        finally:
            swept = runner.sweep()
            if swept:
                print(f"killed {swept} leftover process(es) of this run", file=sys.stderr)
            shutil.rmtree(runner.scratch, ignore_errors=True)
    return failed


def write(results: report.Results, out: Path) -> None:
    results["plots"] = plots.draw(results, out / "bench")
    report.save(out / "bench" / "results.json", results)
    (out / "BENCHMARKS.md").write_text(report.markdown(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench", description=__doc__.split("\n")[0]
    )
    add_options(parser)
    args = parser.parse_args(argv)
    try:
        return run(selected(args.cases), args.quick, args.out, args.report)
    except KeyboardInterrupt:
        print("interrupted: everything this run started is stopped", file=sys.stderr)
        return 130
