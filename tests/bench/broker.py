"""The broker a benchmark runs against: the one given, or a fresh embedded one."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.support.broker import embedded_broker


@contextlib.contextmanager
def bench_broker(bootstrap: str | None) -> Iterator[str]:
    """Yield ``bootstrap``, or start an embedded broker for the run and stop it afterwards."""
    if bootstrap is not None:
        yield bootstrap
        return
    home = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    broker = embedded_broker(home)
    broker.start(tied=True)  # SIGTERM to the broker even if this process is killed
    try:
        yield broker.bootstrap
    finally:
        broker.stop()
        shutil.rmtree(home, ignore_errors=True)
