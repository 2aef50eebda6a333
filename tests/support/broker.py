"""An embedded broker on free ports, for the test session and the benchmarks."""

from __future__ import annotations

from pathlib import Path

from runtime.ops.broker import EmbeddedBroker
from runtime.settings import Settings
from tests.support.net import free_port


def embedded_broker(home: Path) -> EmbeddedBroker:
    """A broker on free ports with its files under ``home``; the caller starts and stops it."""
    return EmbeddedBroker(
        home=home,
        port=free_port(),
        controller_port=free_port(),
        heap="384m",
        libs=Settings().kafka.jars(),
    )
