"""The benchmark report: raw results (JSON) in, ``BENCHMARKS.md`` table and machine line out.

    results = load(Path("docs/bench/results.json"))
    Path("docs/BENCHMARKS.md").write_text(markdown(results))

Every ratio is Parley / baseline, so above 1 means "Parley is higher": better for rates, worse
for memory and time (each row's note says which way is better). Figures of several rounds are
medians. Nothing here needs a broker, so the table can be regenerated from ``results.json``.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.settings import Settings

Results = dict[str, Any]
DASH = "—"


@dataclass(frozen=True)
class Row:
    """One line of the table, already formatted."""

    case: str
    parley: str
    baseline: str
    ratio: str
    note: str = ""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(parley: float, baseline: float) -> str:
    """Parley / baseline as ``0.62x``; a dash when either side is missing or zero."""
    if not baseline or parley != parley or baseline != baseline:  # nan != nan
        return DASH
    return f"{parley / baseline:.2f}x"


def number(value: float, unit: str = "") -> str:
    """A figure with a sensible number of digits: 12,345 / 123 / 12.3 / 1.23."""
    if value != value:
        return DASH
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip()


def compare(case: str, parley: float, baseline: float, unit: str, note: str = "") -> Row:
    return Row(case, number(parley, unit), number(baseline, unit), ratio(parley, baseline), note)


# --- rows per case -------------------------------------------------------------------------


def runtime_rows(raw: Results) -> list[Row]:
    rates = {k: median(v) for k, v in raw["rates"].items()}
    cpu = {k: median(v) for k, v in raw.get("cpu_us", {}).items()}
    note = f"median of {raw['params']['rounds']} round(s), {raw['params']['events']:,} events"
    out = []
    for name, label in (
        ("bare", "bare confluent-kafka loop"),
        ("faststream", "FastStream 0.7 (confluent)"),
    ):
        out.append(
            compare(
                f"1. runtime per worker: Parley vs {label}",
                rates["parley"],
                rates[name],
                "events/s",
                note + "; higher is better",
            )
        )
        if name in cpu:
            out.append(
                compare(
                    f"1. runtime CPU per event: Parley vs {label}",
                    cpu["parley"],
                    cpu[name],
                    "us",
                    "process CPU time / events (start-up included); lower is better",
                )
            )
    return out


def scaling_rows(raw: Results) -> list[Row]:
    rates = {int(k): median(v) for k, v in raw["rates"].items()}
    one = rates.get(1, float("nan"))
    cores = raw["params"].get("cores", os.cpu_count())
    work = raw["params"]["work_ms"]
    rows = []
    for n, rate in sorted(rates.items()):
        note = f"{cores} cores on this machine: more than {cores} replicas cannot go faster"
        used = raw.get("replica_cpu_s", {}).get(str(n))
        events = raw["params"].get("events", 0)
        if used and events:  # the first round: how much CPU the replicas got and spent
            busy = " + ".join(f"{u * rate / events * 100:.0f}" for u in used[0])
            note = (
                f"replicas' CPU% {busy}, {sum(used[0]) / events * 1000:.2f} ms CPU per "
                "event; " + note
            )
        rows.append(
            Row(
                f"2. scaling: {n} replica(s), {work:g} ms CPU per event",
                number(rate, "events/s"),
                number(one, "events/s") + " (1 replica)",
                ratio(rate, one).replace("x", "x speedup"),
                note,
            )
        )
    return rows + unordered_rows(raw, one)


def unordered_rows(raw: Results, one: float) -> list[Row]:
    """The unordered function (a share group) past the partition count, against 1 ordered
    replica: CPU per event per replica shows where the time goes once cores run out."""
    unordered = raw.get("unordered")
    if not unordered:
        return []
    cores = raw["params"].get("cores", os.cpu_count())
    events = raw["params"].get("events", 0)
    rows = []
    for n, rate in sorted((int(k), median(v)) for k, v in unordered["rates"].items()):
        used = unordered.get("replica_cpu_s", {}).get(str(n))
        note = f"{cores} cores: past {cores} busy replicas the speedup flattens"
        if used and events:
            each = " + ".join(f"{u / events * 1000:.2f}" for u in used[0])
            note = (
                f"ms CPU per event per replica {each} (total {sum(used[0]) / events * 1000:.2f}); "
                + note
            )
        rows.append(
            Row(
                f"2. scaling: {n} replica(s) unordered (share group, 6 partitions), "
                f"{raw['params']['work_ms']:g} ms CPU per event",
                number(rate, "events/s"),
                number(one, "events/s") + " (1 replica)",
                ratio(rate, one).replace("x", "x speedup"),
                note,
            )
        )
    return rows


def fanout_rows(raw: Results) -> list[Row]:
    rows = []
    for size, one in sorted(raw["sizes"].items(), key=lambda kv: int(kv[0])):
        rates = {k: median(v) for k, v in one["rates"].items()}
        cost = {k: median(v) for k, v in one.get("server_us", {}).items()}
        server = {k: median(v) for k, v in one.get("server_cpu", {}).items()}
        clients = {k: median(v) for k, v in one.get("client_cpu", {}).items()}
        procs = one.get("procs", "?")
        for name, label in (("bare", "bare websockets broadcast"), ("socketio", "python-socketio")):
            if name not in rates:
                continue
            note = "higher is better"
            if name in server and name in clients:
                note = (
                    f"CPU% server / receivers ({procs} procs): Parley "
                    f"{server['parley']:.0f} / {clients['parley']:.0f}, {label} "
                    f"{server[name]:.0f} / {clients[name]:.0f}; " + note
                )
            rows.append(
                compare(
                    f"3. fan-out to {int(size):,} sockets: Parley vs {label}",
                    rates["parley"],
                    rates[name],
                    "deliveries/s",
                    note,
                )
            )
            if name in cost:
                rows.append(
                    compare(
                        f"3. fan-out to {int(size):,} sockets, server CPU per "
                        f"delivery: Parley vs {label}",
                        cost["parley"],
                        cost[name],
                        "us",
                        "does not depend on the CPU share the server got; lower is better",
                    )
                )
    return rows


def latency_rows(raw: Results) -> list[Row]:
    rows = []
    for load in raw["loads"]:
        room = load["room"]
        kept = load["delivered"] / load["offered"] if load["offered"] else float("nan")
        rows.append(
            Row(
                f"4. end-to-end latency at {load['offered']:,.0f} msg/s, 100 clients",
                f"p50 {number(room['p50'])} / p99 {number(room['p99'])} / "
                f"p999 {number(room['p999'])} ms",
                DASH,
                DASH,
                f"delivered {kept:.0%} of offered;"
                f" sender lateness p99 {number(load['late_p99'])} ms",
            )
        )
    if "stopped_because" in raw:
        best = raw.get("saturation")
        rows.append(
            Row(
                "4. highest offered load kept up (>= 95% back, p99 not exploded)",
                DASH if best is None else number(best, "msg/s"),
                DASH,
                DASH,
                raw["stopped_because"],
            )
        )
    return rows


def memory_rows(raw: Results) -> list[Row]:
    per = raw["kb_per_socket"]
    sockets = raw["params"]["sockets"]
    note = "server RSS delta / sockets (joined, no traffic); lower is better"
    rows = [
        compare(
            f"5. memory per idle socket at {sockets:,} sockets: Parley vs bare websockets",
            per["parley"],
            per["bare"],
            "KiB",
            note,
        )
    ]
    if "socketio" in per:
        rows.append(
            compare(
                f"5. memory per idle socket at {sockets:,} sockets: Parley vs python-socketio",
                per["parley"],
                per["socketio"],
                "KiB",
                "lower is better",
            )
        )
    return rows


def coldstart_rows(raw: Results) -> list[Row]:
    up, broker = median(raw["parley_up"]), median(raw["broker"])
    return [
        compare(
            "5. cold start: `parley up` to first delivered message vs broker start alone",
            up,
            broker,
            "s",
            f"median of {len(raw['parley_up'])} run(s), fresh data dir each; lower is better",
        )
    ]


def presence_rows(raw: Results) -> list[Row]:
    crowd, ours, base = raw["crowd"], raw["coalesced"], raw["baseline"]
    n = crowd["clients"]
    converged = (
        f"converged {crowd['converged_seconds']} s after the first join"
        if crowd["converged"]
        else "DID NOT converge"
    )
    return [
        Row(
            f"6. presence: {n:,} sockets join one room; presence frames in all",
            number(crowd["presence_frames"]),
            f"{crowd['full_list_frames']:,} (v1, computed)",
            f"{crowd['presence_frames'] / crowd['full_list_frames']:.4f}x",
            f"joins sent in {crowd['joins_seconds']} s; every view {converged}; lower is better",
        ),
        compare(
            f"6. presence: {ours['clients']:,} joiners, coalesced vs every change sent",
            ours["presence_frames"],
            base["presence_frames"],
            "frames",
            f"converged in {ours['converged_seconds']} s vs {base['converged_seconds']} s; "
            "one run each; lower is better",
        ),
    ]


def living_rows(raw: Results) -> list[Row]:
    rows = []
    for database in ("sqlite", "postgres"):
        if database not in raw:
            continue
        run = raw[database]
        plain, mixed = run["summary"]["plain"]["message"], run["summary"]["mixed"]
        rate, rounds = run["params"]["rate"], run["params"]["rounds"]
        rows += [
            compare(
                f"7. messages that live ({database}): {kind} in a mixed load at {rate:g}/s "
                "vs plain messages, p50",
                mixed[kind]["p50"],
                plain["p50"],
                "ms",
                f"p99 {number(mixed[kind]['p99'], 'ms')} vs {number(plain['p99'], 'ms')}; "
                f"median of {rounds} round(s); end to end at the sender's socket; lower is better",
            )
            for kind in ("message", "react", "edit", "delete")
            if kind in mixed
        ]
    return rows


def search_rows(raw: Results) -> list[Row]:
    rows = []
    for database, run in raw.get("search", {}).items():
        messages = run["params"]["messages"]
        for kind, found in run["kinds"].items():
            scan = run.get("like_scan", {}).get(kind, float("nan"))
            rows.append(
                compare(
                    f"8. search ({database}, {messages:,} messages): {kind}, p50 vs a LIKE scan",
                    found["p50"],
                    scan,
                    "ms",
                    f"p99 {number(found['p99'], 'ms')}; q={found['q']}; "
                    f"{found['returned']} returned; lower is better",
                )
            )
    for database, run in raw.get("uploads", {}).items():
        for label in ("random bytes", "png image"):
            for result in run.get(label, []):
                rows.append(
                    Row(
                        f"8. uploads ({database}): 1 MiB {label}, {result['concurrency']} at once",
                        number(result["mib_per_s"], "MiB/s"),
                        DASH,
                        DASH,
                        f"upload p50 {number(result['upload_p50_ms'], 'ms')}, p99 "
                        f"{number(result['upload_p99_ms'], 'ms')}; download p50 "
                        f"{number(result['download_p50_ms'], 'ms')}",
                    )
                )
    return rows


def batch_rows(raw: Results) -> list[Row]:
    rates = {k: median(v) for k, v in raw["rates"].items()}
    cpu = {k: median(v) for k, v in raw["cpu_us"].items()}
    params = raw["params"]
    note = (
        f"median of {params['rounds']} round(s), {params['events']:,} events; "
        f"batch={params['batch']}, window={params['window']:g} s"
    )
    return [
        compare(
            "9. batches: a handler writing each event to SQLite, batched vs one at a time",
            rates["batch"],
            rates["single"],
            "events/s",
            note + "; higher is better",
        ),
        compare(
            "9. batches: CPU per event, batched vs one at a time",
            cpu["batch"],
            cpu["single"],
            "us",
            "process CPU time / events (SQLite's thread included); lower is better",
        ),
    ]


def timers_rows(raw: Results) -> list[Row]:
    rows = []
    for label, run in raw.items():
        if not isinstance(run, dict) or "p50_ms" not in run:
            continue
        params = run["params"]
        rows.append(
            Row(
                f"10. timers: ctx.later lateness at {label}, p50",
                number(run["p50_ms"], "ms"),
                DASH,
                DASH,
                f"p99 {number(run['p99_ms'], 'ms')}, max {number(run['max_ms'], 'ms')}; "
                f"{run['fired']:,} of {run['set']:,} fired over {params['seconds']:g} s, "
                f"{params['replicas']} worker; SQLite; lower is better",
            )
        )
    return rows


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.99: p99) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def wake_rows(raw: Results) -> list[Row]:
    sleeper, warm = raw["wake"]["sleeper"], raw["wake"]["warm"]
    n = len(sleeper)
    rows = [
        compare(
            "11. wake: first event to its handling by a sleeping function, p50 vs warm",
            median(sleeper),
            median(warm),
            "s",
            f"{n} wakes; target p50 <= 3 s; lower is better",
        ),
        compare(
            "11. wake: the same, p99 vs warm",
            percentile(sleeper, 0.99),
            percentile(warm, 0.99),
            "s",
            f"{n} wakes (nearest rank: of 20, the slowest); lower is better",
        ),
    ]
    idle = raw.get("idle", {})
    warm_idle = idle.get("warm")
    for variant, label in (
        ("builtin", "built-ins' own options (5 of 8 sleep)"),
        ("every", "every function allowed to sleep"),
    ):
        ours = idle.get(variant)
        if ours is None or warm_idle is None:
            continue
        rows += [
            compare(
                f"11. idle `parley up --autoscale`, {label}: CPU per minute vs all warm",
                ours["cpu_s_per_min"],
                warm_idle["cpu_s_per_min"],
                "CPU s/min",
                f"{ours['processes']} vs {warm_idle['processes']} processes (broker not "
                "counted); lower is better",
            ),
            compare(
                f"11. idle `parley up --autoscale`, {label}: RSS vs all warm",
                ours["rss_mib"],
                warm_idle["rss_mib"],
                "MiB",
                "supervisor, gateway and workers summed; lower is better",
            ),
        ]
    return rows


ROWS = {
    "runtime": runtime_rows,
    "scaling": scaling_rows,
    "fanout": fanout_rows,
    "latency": latency_rows,
    "memory": memory_rows,
    "coldstart": coldstart_rows,
    "presence": presence_rows,
    "living": living_rows,
    "search": search_rows,
    "batch": batch_rows,
    "timers": timers_rows,
    "wake": wake_rows,
}


def rows(results: Results) -> list[Row]:
    """The table's rows, in case order, for the cases present in ``results``."""
    out: list[Row] = []
    for name, build in ROWS.items():
        case = results.get("cases", {}).get(name)
        if case is None:
            continue
        if "error" in case:
            out.append(Row(f"{name}: FAILED", DASH, DASH, DASH, reason(case["error"])))
        else:
            out.extend(build(case))
    return out


def reason(error: str) -> str:
    """The line of a failed case's output that says why: the last exception line."""
    lines = [line for line in error.splitlines() if line.strip()]
    for line in reversed(lines[1:]):  # the first line is the suite's own "X failed (exit N):"
        if not line[0].isspace() and ": " in line and not line.startswith(("sys:", "!!")):
            return line
    return lines[-1] if lines else "failed"


def table(table_rows: list[Row]) -> str:
    lines = ["| case | Parley | baseline | ratio | notes |", "|---|---|---|---|---|"]
    for r in table_rows:
        cells = [r.case, r.parley, r.baseline, r.ratio, r.note]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


# --- machine line --------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, Python, Kafka version and date of this run."""
    cpu = DASH
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram = DASH
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    jars = sorted(Settings().kafka.jars().glob("kafka_2.13-*.jar"))
    kafka = jars[0].stem.removeprefix("kafka_2.13-") if jars else DASH
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": platform.python_version(),
        "kafka": kafka,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def machine_line(info: dict[str, str]) -> str:
    return (
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; "
        f"Python {info['python']}; Kafka {info['kafka']} (embedded, one KRaft node); "
        f"{info['date']}."
    )


def load_line(results: Results) -> str:
    """The machine's 1-minute load average after each case: how shared the cores were."""
    loads = [
        f"{name} {case['loadavg']:.1f}"
        for name, case in results.get("cases", {}).items()
        if "loadavg" in case
    ]
    if not loads:
        return ""
    return (
        f"1-minute load average at the end of each case ({results['machine']['cores']} "
        f"cores): {', '.join(loads)}."
    )


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


# --- the document --------------------------------------------------------------------------


def markdown(results: Results) -> str:
    """The whole BENCHMARKS.md."""
    quick = sorted(n for n, c in results.get("cases", {}).items() if c.get("quick"))
    plots = [f"![{name}](bench/{name}.png)" for name in results.get("plots", [])]
    parts = [
        "# Benchmarks",
        "",
        "Produced by `parley bench` (code in `tests/bench/`); raw figures in "
        "[`bench/results.json`](bench/results.json). Regenerate this page and the plots from "
        "them with `parley bench --report`. Each case runs its baseline in the same run, on the "
        "same broker; the ratio is Parley / baseline.",
        "",
        machine_line(results["machine"]),
        "",
        load_line(results),
        "",
        table(rows(results)),
        "",
    ]
    if quick:
        parts += [
            f"Cases from a `--quick` run (fewer events, sockets and loads): {', '.join(quick)}.",
            "",
        ]
    parts += [*NOTES, ""]
    if login_flood := _read(LOGIN_FLOOD):  # tests/bench/bench_login_flood.py writes it
        parts += [login_flood.rstrip("\n"), ""]
    if unordered := _read(UNORDERED):  # a hand-written run's conditions and figures
        parts += [unordered.rstrip("\n"), ""]
    if plots:
        parts += ["## Plots", "", *plots, ""]
    return "\n".join(parts)


LOGIN_FLOOD = "docs/bench/login_flood.md"
UNORDERED = "docs/bench/unordered.md"
NOTES = [
    "## How each case is measured",
    "",
    "- **Runtime**: each contender (Parley's worker running `tests/bench/functions/relay.py`, "
    "a bare confluent-kafka consume/produce/commit loop, FastStream 0.7 with its confluent "
    "broker) reads the same prefilled topic (6 partitions) in its own process and produces one "
    "delivery per event with acks=all; the rate comes from the output records' timestamps "
    "after the first 10%. Three uncounted bare passes first warm the broker's JIT up (on a fresh "
    "broker the first contender got 20-50% less than later ones).",
    "- **Scaling**: `tests/bench/functions/burn.py` spends 1 ms of CPU (thread time, pure "
    "Python) per event; 1, 2 and 3 worker processes in one consumer group over 6 partitions. "
    "The machine has only as many cores as the machine line says, and the broker, the "
    "measuring reader and any other work share them, so the speedup flattens at the core "
    "count or before. Each row gives the CPU% each replica got while it worked (CPU seconds "
    "x rate / events) and the CPU spent per event: when the latter stays flat while replicas "
    "are added, the replicas scale with the CPU they get and the limit is the machine. The "
    "unordered rows run `tests/bench/functions/burnshare.py` (the same work, `ordered=False`) "
    "with 6 to 12 replicas in one share group on the same 6 partitions, the input produced in "
    "batches of 16 (the broker hands a share group whole producer batches), and give the CPU "
    "per event each replica spent.",
    "- **Fan-out**: N receiver sockets in one room, spread over several receiver processes; "
    "a sender posts M messages back to back; rate = N x M / (last delivery - first send). "
    "Parley runs the whole pipeline (gateway -> Kafka -> chat worker -> Kafka -> gateway) with "
    "only the chat function, so joining N sockets does not cause N^2/2 presence frames. "
    "Baselines: a bare `websockets` server calling `broadcast()`, and python-socketio (ASGI on "
    "uvicorn) emitting to a room; all three are read by the same `websockets` client code, "
    "no compression. Load generator check: the receivers' CPU% and the server's CPU time per "
    "delivery are recorded per round (results.json, and the medians in the notes); the "
    "server's CPU per delivery does not depend on how much CPU it got, so it is the "
    "contention-free comparison. On 2 cores the receivers and the server share the machine: "
    "when the receivers' CPU% (summed over processes) plus the server's nears 200%, the rate "
    "is bound by the machine rather than the server. That happens first for the bare "
    "websockets baseline (the cheapest server per delivery), so its rate, and hence the rate "
    "ratio, is a lower bound for it; trust the CPU-per-delivery rows there.",
    "- **Latency**: 100 sockets over 5 rooms (full pipeline with presence), client processes "
    "send on a fixed schedule without waiting for acks; latency = receive time - send time at "
    "every socket of the room. The per-socket rate limit is raised so that the pipeline, not "
    "the limiter, is measured. The sweep stops when fewer than 95% of the messages come back "
    "or p99 passes both 1 s and 10x the lowest load's p99. Load generator check: each row "
    "gives the senders' lateness against their schedule (p99); the client processes' CPU% is "
    "in results.json.",
    "- **Memory**: RSS of the server process before and after N sockets connected (Parley: "
    "authenticated and joined to a room), divided by N.",
    "- **Cold start**: `parley up` with a fresh data directory and free ports, until a client "
    "has registered, joined, posted and received its own message; baseline: the embedded broker "
    "alone started the same way (format + start until a metadata request succeeds).",
    "- **Presence**: N users, one socket each (in 2 receiver processes), join one room with "
    "the joins spread over 10 s (5 s for 1,000); the whole pipeline with only the presence "
    "function. Each socket keeps its own view from the frames it gets and notes when it holds "
    "all N users. Counted: every presence frame received. Baselines: v1's full list per change "
    "(N(N+1)/2 frames, computed: running it at 5,000 would take hours), and the same code "
    "with the gateway's presence interval at 1 ms (every change sent on its own) at 1,000.",
    "- **Messages that live**: 20 sockets (one user each) over 4 rooms, the chat, presence, "
    "edit, delete and react functions; one client process sends 200 frames/s on a fixed "
    "schedule: plain (only messages) and mixed (70% messages, 15% reactions, 10% edits, 5% "
    "deletes), alternating on the same system. Latency: from sending a frame to the sender's "
    "own socket receiving what it caused (the message; the edit, reactions or delete frame). "
    "Run on the SQLite default and, when PARLEY_TEST_POSTGRES_URL is set, on PostgreSQL: on "
    "SQLite the change functions' writes share one write lock with the chat function's, so "
    "messages queue behind them; PostgreSQL locks only the changed row.",
    "- **Batches**: a worker in the benchmark's process reads a prefilled topic (6 "
    "partitions, 64 rooms) with a handler that inserts each event as a row in SQLite (WAL, "
    "synchronous=NORMAL, as the store sets it) and commits: one event per call (each its own "
    "transaction) vs `batch=100, window=0.05` (one `executemany` and one commit per call). "
    "Rate: events / (last event finished - first call); CPU: the process' CPU time over the "
    "run / events. The baseline column is one event per call.",
    "- **Timers**: one `parley worker` of `tests/bench/functions/echo.py` fires its function's "
    "timers; the bench process sets timers into the same SQLite database as `ctx.later` does, "
    "on a fixed schedule (100/s, then 500/s), each due 1 s after it was set and carrying its due "
    "time; lateness = the produced record's timestamp - its due time. The worker looks for due "
    "timers every 0.2 s, so about 0.1 s of the p50 is that poll.",
    "- **Wake**: `parley up --autoscale --no-gateway` with two functions on `chat.message`, a "
    "sleeper (`min_replicas=0`, `PARLEY_AUTOSCALE__IDLE_AFTER=1`) and a warm one; each round "
    "waits until the supervisor shows the sleeper asleep, produces one message and times, from "
    "just before the produce, its handling by each (the warm function is the baseline: the "
    "same event with nothing to wake). The wake is the watcher noticing the record, a worker "
    "process starting (imports, database, group join) and resuming at the committed offset. "
    "Idle cost: `parley up` with the gateway and `functions/`, on the bench's broker (not "
    "counted), left alone after it settled; CPU seconds per minute and RSS summed over the "
    "supervisor and its children: all warm (no `--autoscale`, today's default), then "
    "`--autoscale` with the built-ins' own options, then with every function allowed to sleep.",
    "- The machine runs other work at the same time, so absolute figures are noisy; compare "
    "the ratios.",
]


# --- files ---------------------------------------------------------------------------------


def load(path: Path) -> Results:
    if path.exists():
        loaded: Results = json.loads(path.read_text())
        return loaded
    return {"cases": {}}


def save(path: Path, results: Results) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
