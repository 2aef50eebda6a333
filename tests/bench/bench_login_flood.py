"""A login flood against the gateway: how slow does everyone else's ``/api/ping`` get?

    .venv/bin/python -m tests.bench.bench_login_flood [--logins 200] [--concurrency 20]
                                                      [--rounds 3] [--bootstrap HOST:PORT]
                                                      [--json OUT] [--markdown OUT]

Starts a broker (unless given one) and two gateways on one database, in the same run:

- **unguarded**: the gateway as it was before the login throttle and the hashing pool, by its
  settings: no throttle, and password hashes on 6 threads with no bound (the event loop's
  default executor on 2 cores, which is what the code used then);
- **guarded**: the defaults (throttle on; ``hash_workers`` half the cores, ``hash_queue`` 16).

Each round, for each gateway: ``/api/ping`` alone, then during two floods of ``--logins`` wrong
passwords sent ``--concurrency`` at a time: one account from one address (a guesser), and a
different account from a different address each time (``X-Real-IP``, which both gateways
trust here: spraying, which the throttle does not stop, so the pool alone guards). A pinger
sends one ``/api/ping`` at a time over a kept-alive connection all along. Reported: ping p50
and p99 of each phase (medians over the rounds), the flood's duration and its answers.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import statistics
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.bench.broker import bench_broker
from tests.support.net import unique
from tests.support.system import Gateway, System, running

UNGUARDED = {"login_throttle": False, "hash_workers": 6, "hash_queue": 1_000_000}
PHASES = ("idle", "guesser", "sprayer")


class Pinger:
    """``GET /api/ping`` one at a time on its own thread until stopped; the latencies, ms."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Pinger:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            while not self._stop.is_set():
                started = time.perf_counter()
                conn.request("GET", "/api/ping")
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    self.latencies.append((time.perf_counter() - started) * 1000)
                self._stop.wait(0.01)  # ~100 pings/s at most: a client, not a second flood
        finally:
            conn.close()


def attempt(port: int, username: str, address: str) -> int:
    """One wrong login; its HTTP status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = json.dumps({"username": username, "password": "not the password"})
        headers = {"Content-Type": "application/json", "X-Real-IP": address}
        conn.request("POST", "/api/login", body, headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def flood(port: int, kind: str, logins: int, concurrency: int, account: str) -> dict[str, Any]:
    """``logins`` wrong logins, ``concurrency`` at a time, while a pinger pings."""
    tag = unique("x")
    if kind == "guesser":
        targets = [(account, f"guesser-{tag}")] * logins
    else:
        targets = [(f"{tag}-{n}", f"sprayer-{tag}-{n}") for n in range(logins)]
    with Pinger(port) as pinger, ThreadPoolExecutor(concurrency) as pool:
        started = time.perf_counter()
        statuses = list(pool.map(lambda t: attempt(port, *t), targets))
        took = time.perf_counter() - started
    return {"seconds": took, "answers": dict(Counter(statuses)), **quantiles(pinger.latencies)}


def idle(port: int, seconds: float = 3.0) -> dict[str, Any]:
    with Pinger(port) as pinger:
        time.sleep(seconds)  # the pinger measures meanwhile
    return quantiles(pinger.latencies)


def quantiles(latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    if not ordered:
        return {"pings": 0, "p50": None, "p99": None}
    return {
        "pings": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
    }


async def measure(args: argparse.Namespace, system: System) -> dict[str, Any]:
    guarded = system.gateway
    unguarded = await system.start_gateway(**UNGUARDED, client_ip_header="X-Real-IP")
    gateways: dict[str, Gateway] = {"unguarded": unguarded, "guarded": guarded}
    rounds: list[dict[str, dict[str, Any]]] = []
    for n in range(args.rounds):
        result: dict[str, dict[str, Any]] = {}
        for label, gateway in gateways.items():
            port, name = gateway.port, unique("victim")  # a real account, fresh each time
            await system.register(name)
            result[label] = {
                "idle": await asyncio.to_thread(idle, port),
                "guesser": await asyncio.to_thread(
                    flood, port, "guesser", args.logins, args.concurrency, name
                ),
                "sprayer": await asyncio.to_thread(
                    flood, port, "sprayer", args.logins, args.concurrency, name
                ),
            }
            print(f"round {n + 1} {label}: {json.dumps(result[label])}", flush=True)
        rounds.append(result)
    summary = {
        label: {
            phase: {
                q: statistics.median(r[label][phase][q] for r in rounds)
                for q in ("p50", "p99")
                if all(r[label][phase][q] is not None for r in rounds)
            }
            for phase in PHASES
        }
        for label in gateways
    }
    for label in gateways:
        for phase in ("guesser", "sprayer"):
            took = statistics.median(r[label][phase]["seconds"] for r in rounds)
            summary[label][phase]["seconds"] = took
            summary[label][phase]["answers"] = rounds[-1][label][phase]["answers"]
    return {"rounds": rounds, "summary": summary}


def markdown(out: dict[str, Any], args: argparse.Namespace) -> str:
    """The section of docs/BENCHMARKS.md this benchmark writes."""
    s = out["summary"]

    def row(label: str, phase: str) -> str:
        idle_p50 = s[label]["idle"]["p50"]
        part = s[label][phase]
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(part["answers"].items()))
        return (
            f"| {label} | {phase} | {idle_p50:.1f} ms | {part['p50']:.1f} ms | "
            f"{part['p99']:.1f} ms | {part['seconds']:.1f} s | {answers} |"
        )

    return "\n".join(
        [
            "## Login flood (issue 19)",
            "",
            f"`python -m tests.bench.bench_login_flood`: {args.logins} wrong-password logins, "
            f"{args.concurrency} at a time, against two gateways of one run; `/api/ping` p50 and "
            f"p99 measured meanwhile by a client pinging one request at a time; medians of "
            f"{args.rounds} rounds. *unguarded* is the gateway without the login throttle and "
            "with hashes on 6 unbounded threads (as before issue 19), *guarded* the defaults. "
            "*guesser*: one account from one address; *sprayer*: a new account and address "
            "each time (the throttle does not apply, the hashing pool alone guards). Answers "
            "are those of the last round.",
            "",
            "| gateway | flood | ping p50 idle | ping p50 in flood | ping p99 in flood | "
            "flood took | answers |",
            "|---|---|---|---|---|---|---|",
            *(row(label, phase) for label in s for phase in ("guesser", "sprayer")),
            "",
        ]
    )


async def main_async(args: argparse.Namespace, bootstrap: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="parley-login-flood-") as tmp:
        async with running(bootstrap, Path(tmp), functions=(), client_ip_header="X-Real-IP") as s:
            return await measure(args, s)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bootstrap", help="an existing broker; default: start one")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    parser.add_argument("--markdown", type=Path, help="write the BENCHMARKS.md section here")
    args = parser.parse_args()
    with bench_broker(args.bootstrap) as bootstrap:
        out = asyncio.run(main_async(args, bootstrap))
    section = markdown(out, args)
    print(section)
    if args.json:
        params = {k: getattr(args, k) for k in ("logins", "concurrency", "rounds")}
        args.json.write_text(json.dumps({"params": params, **out}, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(section)


if __name__ == "__main__":
    main()
