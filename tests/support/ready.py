"""Readiness of a running Parley: the one place that knows what "up" looks like.

A gateway is ready when ``/api/ping`` answers; a worker when its log says it owns partitions
(its group starts at the end of its topics, so events sent before then would be skipped);
``parley up`` when it says so, its gateway answers and every worker is assigned.

    python -m tests.support.ready URL DATA_DIR PID    # waits for `parley up` (infra/e2e.sh)
"""

from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path

OWNS_PARTITIONS = '"msg": "assigned [\''  # a worker's log line for a non-empty assignment
UP = '"msg": "parley is up'  # the supervisor's log line once everything started
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def read(path: Path) -> str:
    """A log file's text so far ("" before it exists)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def assigned(log: Path) -> bool:
    """Whether the worker logging to ``log`` owns partitions."""
    return OWNS_PARTITIONS in read(log)


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether the gateway at ``url`` answers ``/api/ping``."""
    try:
        with _direct.open(url + "/api/ping", timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def system_up(url: str, data: Path, pid: int, timeout: float = 120.0) -> str | None:
    """Wait until the ``parley up`` with process ``pid`` and data folder ``data`` is up; None
    when it is, else why not (with the end of its log)."""
    up_log = data / "up.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            Path(f"/proc/{pid}").stat()
        except FileNotFoundError:
            return "parley up exited early:\n" + _tail(up_log)
        if UP in read(up_log) and answers(url):
            workers = list((data / "logs").glob("fn-*.log"))
            if workers and all(assigned(w) for w in workers):
                return None
        time.sleep(0.2)
    return f"the system did not come up within {timeout:.0f} s:\n" + _tail(up_log)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(read(path).splitlines()[-lines:])


if __name__ == "__main__":
    problem = system_up(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
    if problem is not None:
        sys.exit(f"e2e: {problem}")
