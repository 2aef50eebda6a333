"""Children: the processes the supervisor runs, each restarted with backoff when it crashes.

A ``Child`` is one process of one service (the gateway, or one replica of a function). It
knows its command, its log file (private and rotated: runtime.ops.logfile) and its crash
history; ``CrashLoop`` says when to give up.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from runtime.ops.logfile import RotatingLog, pump

RESTART_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
CRASH_LOOP = (5, 60.0)  # this many crashes within this many seconds: stop restarting
PR_SET_PDEATHSIG = 1  # prctl(2) option: the signal a child gets when its parent dies


@dataclass
class Child:
    """One supervised process. ``service`` is "gateway" or "fn-<name>"."""

    service: str
    replica: int
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    metrics_file: Path | None = None  # where a worker writes its metrics URL
    log_bytes: int = 10 * 1024 * 1024  # the log rotates past this size (runtime.ops.logfile)
    log_backups: int = 3
    proc: subprocess.Popen[bytes] | None = None
    pumping: threading.Thread | None = None  # copies its output into the log file
    started_at: float = 0.0
    crashes: list[float] = field(default_factory=list)
    restart_at: float | None = None
    given_up: bool = False
    stopping: bool = False

    @property
    def name(self) -> str:
        return f"{self.service}.{self.replica}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def start(self) -> None:
        if self.metrics_file is not None:  # a URL left by a previous run is stale
            self.metrics_file.unlink(missing_ok=True)
        log = RotatingLog(self.log_path, self.log_bytes, self.log_backups)
        try:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        except BaseException:
            log.close()
            raise
        assert self.proc.stdout is not None
        self.pumping = pump(self.proc.stdout, log)  # into the rotating, private log file
        self.started_at = time.monotonic()
        self.restart_at = None
        self.stopping = False

    def exited(self) -> int | None:
        """The exit code if the process ended since it was started, else None."""
        return None if self.proc is None else self.proc.poll()

    def record_crash(self, now: float) -> None:
        """Count a crash and schedule the restart, or give up on a crash loop."""
        limit, window = CRASH_LOOP
        self.crashes = [t for t in self.crashes if now - t < window] + [now]
        if len(self.crashes) >= limit:
            self.given_up = True
            return
        delay = RESTART_BACKOFF[min(len(self.crashes) - 1, len(RESTART_BACKOFF) - 1)]
        self.restart_at = now + delay

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM: a worker drains and commits)."""
        self.stopping = True
        if self.pid is not None:
            os.killpg(self.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        """Wait for the process to end; SIGKILL its whole group after ``timeout``."""
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        if self.pumping is not None:  # its last words, into the log
            self.pumping.join(5)

    def log_tail(self, lines: int = 12) -> str:
        if self.pumping is not None and self.exited() is not None:
            self.pumping.join(1)  # what it wrote before it ended is in the file
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the supervisor dies, even by SIGKILL, so no
    worker outlives it (Linux; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def command(*args: str) -> list[str]:
    """``parley ARGS`` run with this interpreter."""
    return [sys.executable, "-m", "parley.cli", *args]
