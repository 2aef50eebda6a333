"""The ``parley`` command: one subcommand per moving part.

parley kafka start|stop|status     the embedded broker
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from runtime.broker import EmbeddedBroker
from runtime.errors import ParleyError
from runtime.settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]


def _kafka(args: argparse.Namespace, settings: Settings) -> int:
    broker = EmbeddedBroker.from_settings(settings)
    if args.action == "start":
        print(broker.start())
    elif args.action == "stop":
        print("kafka stopped" if broker.stop() else "kafka was not running")
    else:
        status = broker.status()
        print(status)
        return 0 if status.state == "running" else 3
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    kafka = commands.add_parser("kafka", help="start, stop or inspect the embedded Kafka broker")
    kafka.add_argument("action", choices=["start", "stop", "status"])
    kafka.set_defaults(run=_kafka)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    run: Command = args.run
    try:
        return run(args, settings)
    except ParleyError as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
