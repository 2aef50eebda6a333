"""The ``parley`` command: one subcommand per moving part.

parley kafka start|stop|status|fetch [--nodes N]  the embedded broker (N KRaft nodes)
parley functions [--local] [--json]    the running functions: registry, state, replicas, lag, DLQ
parley worker NAME                     run one function (consumer group fn.NAME)
parley gateway [--host H --port P]     the WebSocket and REST gateway
parley up [--scale F=N] [--autoscale]  everything: broker, gateway, one worker per function
                                       (--autoscale: replicas follow lag, idle sleepers sleep)
parley autoscale [-p PROJECT]          scale a compose stack's fn-* containers, to zero and back
parley compose                         the podman-compose.yaml for functions/
parley deploy kubernetes --out DIR     Kubernetes manifests (KEDA autoscaling per function)
parley health URL|FILE                 a container health check (gateway URL, worker heartbeat)
parley dlq list|replay NAME            a function's dead letters
parley bench [--quick] [--cases C]     benchmarks with baselines -> docs/BENCHMARKS.md
parley apikey create|revoke|list NAME  API keys of services calling the gRPC API
parley admin grant|revoke|list USER    server admins (the Ops page, /api/functions)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from parley import admin, apikey
from runtime.engine.discovery import discover
from runtime.errors import ParleyError
from runtime.kafka.admin import admin_client
from runtime.kafka.registry import read_registry
from runtime.ops.broker import ensure_jars
from runtime.ops.cluster import KafkaCluster
from runtime.ops.lag import Functions
from runtime.ops.policy import Policy
from runtime.ops.private import keep_private, private_process
from runtime.ops.shares import ShareGroups
from runtime.registry import FunctionRow, describe
from runtime.settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]


def _kafka(args: argparse.Namespace, settings: Settings) -> int:
    cluster = KafkaCluster.from_settings(settings, args.nodes)
    if args.action == "fetch":
        print(ensure_jars(settings.kafka.jars()))
    elif args.action == "start":
        print(cluster.start())
    elif args.action == "stop":
        print("kafka stopped" if cluster.stop() else "kafka was not running")
    else:
        print(cluster)
        return 0 if cluster.running() else 3
    return 0


def _functions(args: argparse.Namespace, settings: Settings) -> int:
    """The registry's functions with replicas, lag and dead letters (what the Ops page shows),
    or with --local what discovery finds in a functions folder (no broker needed)."""
    if args.local:
        folder = args.functions or settings.functions_dir
        rows: list[dict[str, Any]] = [
            {**(d := describe(h, settings)).model_dump(by_alias=True), "next_run": d.next_tick()}
            for h in discover(folder)
        ]
        columns = ["name", "trigger", "action", "topic", "group", "options", "next_run"]
    else:
        rows = [row.model_dump(by_alias=True) for row in asyncio.run(_registry_rows(settings))]
        columns = [
            "name",
            "trigger",
            "action",
            "ordered",
            "state",
            "replicas",
            "lag",
            "dlq",
            "group",
            "next_run",
        ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = [[c.upper() for c in columns]]
    for row in rows:
        ordered = row["options"].get("ordered", "true") != "false"
        table.append([_cell({**row, "ordered": ordered}[c]) for c in columns])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for cells in table:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return 0


async def _registry_rows(settings: Settings) -> list[FunctionRow]:
    descriptors = await read_registry(settings)
    admin = admin_client(settings.kafka.client_config())
    shares = ShareGroups(settings)
    return await Functions(settings, admin, lambda: descriptors, shares=shares).rows()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and value < 0:
        return "?"  # unknown: a share group's, where ShareGroupCommand cannot run
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    return "-" if value is None else str(value)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from runtime.engine.process import run_worker

    return run_worker(args.functions or settings.functions_dir, args.name, settings)


def _gateway(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.serve import run_gateway

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    gateway = settings.gateway.model_copy(update=overrides)
    return run_gateway(settings.model_copy(update={"gateway": gateway}))


def _dlq(args: argparse.Namespace, settings: Settings) -> int:
    from runtime.kafka import dlq

    if args.action == "replay":
        count = asyncio.run(dlq.replay(settings, args.name))
        print(f"replayed {count} dead letter(s) of {args.name}")
        return 0
    letters = asyncio.run(dlq.list_dead_letters(settings, args.name, args.limit))
    for letter in letters:
        print(
            f"{letter.partition}@{letter.offset}  from {letter.source_topic}"
            f"[{letter.source_partition}]@{letter.source_offset}"
            f"  reason={letter.reason}  attempts={letter.attempts}  {letter.error}"
        )
    print(f"{len(letters)} dead letter(s) for {args.name}")
    return 0


def _up(args: argparse.Namespace, settings: Settings) -> int:
    import signal

    from runtime.ops.supervisor import Supervisor
    from runtime.telemetry import configure_logging

    scale = dict(_replicas(item) for item in args.scale)
    settings = _autoscale_settings(args, settings)
    problem = _scale_problem(args.functions or settings.functions_dir, scale, settings)
    if problem is not None:
        print(f"parley up: {problem}", file=sys.stderr)
        return 2
    configure_logging("supervisor")
    autoscale = _policy(settings) if args.autoscale else None
    supervisor = Supervisor(
        settings,
        args.functions or settings.functions_dir,
        scale=scale,
        autoscale=autoscale,
        gateway=not args.no_gateway,
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: supervisor.stop.set())
    supervisor.run()
    return 0


def _autoscale_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings with --lag-threshold, --max-replicas and --idle-after applied (the
    workers get them too, so what they publish in the registry agrees)."""
    flags = {
        "lag_threshold": args.lag_threshold,
        "max_replicas": args.max_replicas,
        "idle_after": args.idle_after,
    }
    update = {k: v for k, v in flags.items() if v is not None}
    if not update:
        return settings
    try:
        autoscale = type(settings.autoscale).model_validate(
            settings.autoscale.model_dump() | update
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        flag = "--" + str(error["loc"][0]).replace("_", "-")
        raise ParleyError(f"{flag}: {error['msg']}") from None
    return settings.model_copy(update={"autoscale": autoscale})


def _policy(settings: Settings) -> Policy:
    from runtime.ops.policy import Policy

    config = settings.autoscale
    return Policy(config.lag_threshold, config.cooldown, config.idle_after)


def _autoscale(args: argparse.Namespace, settings: Settings) -> int:
    from runtime.ops.podman import Compose, run_autoscale
    from runtime.telemetry import configure_logging

    configure_logging("autoscale")
    settings = _autoscale_settings(args, settings)
    compose = Compose(project=args.project, file=args.file, podman_compose=args.podman_compose)
    return run_autoscale(settings, _policy(settings), compose, once=args.once)


def _compose(args: argparse.Namespace, settings: Settings) -> int:
    from runtime.ops.compose import render

    text = render(discover(args.functions or settings.functions_dir))
    if args.output is None:
        print(text, end="")
    else:
        args.output.write_text(text)
        print(f"wrote {args.output}")
    return 0


def _deploy(args: argparse.Namespace, settings: Settings) -> int:
    from runtime.ops.kubernetes import Plan, manifests, write

    plan = Plan(
        namespace=args.namespace,
        image_prefix=args.image_prefix,
        tag=args.tag,
        gateways=args.gateways,
        max_gateways=args.max_gateways,
        max_replicas=args.max_replicas,
        lag_threshold=args.lag_threshold,
        cooldown=args.cooldown,
    )
    handlers = discover(args.functions or settings.functions_dir)
    for path in write(manifests(handlers, settings, plan), args.out):
        print(f"wrote {path}")
    if settings.secret is None:
        print("config.yaml holds a generated PARLEY_SECRET and a database URL: keep it out of git")
    return 0


def _health(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when healthy: an HTTP URL answering 2xx, a gRPC server (``grpc://host:port``)
    whose health service says SERVING, or a heartbeat file touched recently."""
    import time
    import urllib.error
    import urllib.request

    if args.target.startswith("grpc://"):
        return _grpc_health(args.target.removeprefix("grpc://"))
    if args.target.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(args.target, timeout=5) as response:
                return 0 if 200 <= response.status < 300 else 1
        except (urllib.error.URLError, OSError) as exc:
            print(f"unhealthy: {exc}", file=sys.stderr)
            return 1
    try:
        age = time.time() - Path(args.target).stat().st_mtime
    except FileNotFoundError:
        print(f"unhealthy: no heartbeat at {args.target} yet", file=sys.stderr)
        return 1
    if age > args.max_age:
        print(f"unhealthy: last heartbeat {age:.0f}s ago", file=sys.stderr)
        return 1
    return 0


def _grpc_health(address: str) -> int:
    """The grpc.health.v1 check of the server at ``address`` (as grpc_health_probe does)."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        except grpc.RpcError as exc:
            print(f"unhealthy: {exc.code().name}: {exc.details()}", file=sys.stderr)
            return 1
    if answer.status != health_pb2.HealthCheckResponse.SERVING:
        print(
            f"unhealthy: {health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)}",
            file=sys.stderr,
        )
        return 1
    return 0


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    """Run the benchmarks of a source checkout (``python -m tests.bench``, not installed)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "tests" / "bench" / "suite.py").is_file():
        print(
            "parley: `parley bench` needs a source checkout: tests/bench/ is not installed "
            f"with the package (looked in {root}); clone the repository and run "
            "`pip install -e '.[dev,bench]'` there",
            file=sys.stderr,
        )
        return 2
    argv = [sys.executable, "-m", "tests.bench", *args.options]
    return subprocess.run(argv, cwd=root, check=False).returncode


def _scale_problem(folder: Path, scale: dict[str, int], settings: Settings) -> str | None:
    """Why ``--scale`` asks for more replicas than a function can use (None: it does not)."""
    from runtime.engine.discovery import function_files, load
    from runtime.errors import DiscoveryError
    from runtime.ops.lag import check_replicas

    for path in function_files(folder) if scale else ():
        if path.stem not in scale:
            continue
        try:
            handler = load(path)
        except DiscoveryError:
            continue  # the supervisor reports a broken file itself, and keeps watching it
        try:
            check_replicas(
                handler.name, handler.options, scale[path.stem], settings.kafka.partitions
            )
        except ValueError as exc:
            return str(exc)
    return None


def _replicas(item: str) -> tuple[str, int]:
    name, _, count = item.partition("=")
    if not name or not count.isdigit() or int(count) < 1:
        raise argparse.ArgumentTypeError(f"--scale wants NAME=COUNT, e.g. chat=3; got {item!r}")
    return name, int(count)


def _autoscale_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lag-threshold", type=int, help="lag per replica (PARLEY_AUTOSCALE__LAG_THRESHOLD, 1000)"
    )
    parser.add_argument(
        "--max-replicas",
        type=int,
        help="at most, for any function, over its own max_replicas; an ordered one also at "
        "most the partitions (PARLEY_AUTOSCALE__MAX_REPLICAS, 24)",
    )
    parser.add_argument(
        "--idle-after",
        type=float,
        help="seconds idle before a sleeper sleeps (PARLEY_AUTOSCALE__IDLE_AFTER, 60)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley: chat on Kafka triggers")
    commands = parser.add_subparsers(dest="command", required=True)
    functions_dir = {
        "type": Path,
        "default": None,
        "help": "functions folder (default: functions/)",
    }

    kafka = commands.add_parser("kafka", help="start, stop or inspect the embedded Kafka broker")
    kafka.add_argument("action", choices=["start", "stop", "status", "fetch"])
    kafka.add_argument(
        "--nodes",
        type=int,
        default=None,
        help="KRaft nodes on this machine (default PARLEY_KAFKA__NODES, 1); 3 gives "
        "replication 3 and min.insync.replicas 2; clients: PARLEY_KAFKA__NODES=3 too",
    )
    kafka.set_defaults(run=_kafka)

    functions = commands.add_parser(
        "functions", help="the running functions (the registry) with replicas, lag, dead letters"
    )
    functions.add_argument(
        "--local", action="store_true", help="what discovery finds in a folder instead (no broker)"
    )
    functions.add_argument("--functions", **functions_dir)  # type: ignore[arg-type]
    functions.add_argument("--json", action="store_true", help="print JSON instead of a table")
    functions.set_defaults(run=_functions)

    worker = commands.add_parser("worker", help="run one function in this process")
    worker.add_argument("name", help="the function's name (its file's stem)")
    worker.add_argument("--functions", **functions_dir)  # type: ignore[arg-type]
    worker.set_defaults(run=_worker)

    gateway = commands.add_parser("gateway", help="run the WebSocket and REST gateway")
    gateway.add_argument("--host", help="listen address (default: PARLEY_GATEWAY__HOST)")
    gateway.add_argument("--port", type=int, help="listen port (default: PARLEY_GATEWAY__PORT)")
    gateway.set_defaults(run=_gateway)

    dlq = commands.add_parser("dlq", help="list or replay a function's dead letters")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("name", help="the function's name")
    dlq.add_argument("--limit", type=int, default=1000)
    dlq.set_defaults(run=_dlq)

    up = commands.add_parser("up", help="run the whole system: broker, gateway, every function")
    up.add_argument("--functions", **functions_dir)  # type: ignore[arg-type]
    up.add_argument(
        "--scale",
        action="append",
        default=[],
        metavar="NAME=N",
        help="replicas of one function, e.g. --scale chat=3 (repeatable)",
    )
    up.add_argument(
        "--autoscale",
        action="store_true",
        help="replicas follow consumer lag; functions with min_replicas=0 sleep when idle",
    )
    _autoscale_flags(up)
    up.add_argument("--no-gateway", action="store_true", help="functions only")
    up.set_defaults(run=_up)

    autoscale = commands.add_parser(
        "autoscale",
        help="scale a running compose stack's fn-* services from lag, to zero and back",
        description="Beside a stack started with podman-compose: reads the registry and each "
        "function's lag, sets each fn-<name> service's containers (podman), stops idle sleepers "
        "(min_replicas=0) and starts them when an event waits. PARLEY_KAFKA__BOOTSTRAP must "
        "reach the stack's broker from here (the compose file publishes it on "
        "127.0.0.1:${PARLEY_KAFKA_HOST_PORT:-9094}).",
    )
    autoscale.add_argument("--project", "-p", default="parley", help="the compose project name")
    autoscale.add_argument(
        "--file", "-f", type=Path, default=Path("podman-compose.yaml"), help="the compose file"
    )
    autoscale.add_argument(
        "--podman-compose",
        default="podman-compose",
        help="the podman-compose command (1.6 or newer)",
    )
    autoscale.add_argument("--once", action="store_true", help="one look and one decision")
    _autoscale_flags(autoscale)
    autoscale.set_defaults(run=_autoscale)

    compose = commands.add_parser("compose", help="print podman-compose.yaml for functions/")
    compose.add_argument("--functions", **functions_dir)  # type: ignore[arg-type]
    compose.add_argument("-o", "--output", type=Path, help="write it to this file")
    compose.set_defaults(run=_compose)

    deploy = commands.add_parser(
        "deploy",
        help="write deployment manifests (Kubernetes with KEDA)",
        description="Kafka settings (PARLEY_KAFKA__BOOTSTRAP, security, partitions) and "
        "PARLEY_DATABASE__URL / PARLEY_SECRET come from the environment, as for every command.",
    )
    deploy.add_argument("target", choices=["kubernetes"])
    deploy.add_argument("--out", type=Path, required=True, help="folder for the YAML files")
    deploy.add_argument("--functions", **functions_dir)  # type: ignore[arg-type]
    deploy.add_argument("--namespace", default="parley")
    deploy.add_argument(
        "--image-prefix", default="localhost/parley-", help="+ gateway / worker, e.g. reg/parley-"
    )
    deploy.add_argument("--tag", default="latest", help="image tag")
    deploy.add_argument("--gateways", type=int, default=2, help="gateway replicas (HPA minimum)")
    deploy.add_argument("--max-gateways", type=int, default=6, help="HPA maximum")
    deploy.add_argument(
        "--max-replicas",
        type=int,
        default=6,
        help="per ordered function (never above the partitions); an unordered one uses its "
        "own max_replicas",
    )
    deploy.add_argument("--lag-threshold", type=int, default=1000, help="lag per replica (KEDA)")
    deploy.add_argument("--cooldown", type=int, default=300, help="KEDA cooldown, seconds")
    deploy.set_defaults(run=_deploy)

    health = commands.add_parser("health", help="container health check: URL or heartbeat file")
    health.add_argument(
        "target", help="http(s) URL, grpc://host:port, or a worker's heartbeat file"
    )
    health.add_argument("--max-age", type=float, default=30.0, help="heartbeat age limit, s")
    health.set_defaults(run=_health)

    bench = commands.add_parser(
        "bench",
        help="benchmarks vs baselines -> docs/BENCHMARKS.md (a checkout's tests/bench/)",
        description="Runs `python -m tests.bench` with these options: --quick (about 2 "
        "minutes), --cases runtime,fanout,batch,... or 1-9, --out DIR, --report (redraw only).",
    )
    bench.set_defaults(run=_bench)
    apikey.add_parser(commands)
    admin.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.run is not _bench:  # only `parley bench` passes options on
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.options = extra
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = "PARLEY_" + "__".join(str(part) for part in error["loc"]).upper()
            msg = str(error.get("ctx", {}).get("error") or error["msg"])
            print(f"parley: {msg if msg.startswith(where) else f'{where}: {msg}'}", file=sys.stderr)
        return 2
    run: Command = args.run
    keep_private(settings)  # the data folder holds hashes and DMs: narrow what an old run left
    try:
        return run(args, settings)
    except ParleyError as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def entry() -> None:
    """The ``parley`` process (console script, ``python -m parley`` and supervised children):
    its files private to its owner (umask 077), then ``main``. Tests call ``main`` in-process,
    which leaves the caller's umask alone."""
    private_process()
    sys.exit(main())


if __name__ == "__main__":
    entry()
