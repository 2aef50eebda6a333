"""One worker process: open its resources, run the function, close them on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from runtime.discovery import load
from runtime.kafka import Producer
from runtime.settings import Settings
from runtime.store import Store
from runtime.telemetry import configure_logging
from runtime.triggers import Handler
from runtime.worker import Worker


async def serve(handler: Handler, settings: Settings) -> None:
    """Run ``handler`` until SIGTERM or SIGINT, then drain, commit and close."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Store(settings.database_url()) as store:
        await store.migrate()
        producer = Producer(settings.kafka.address())
        try:
            await Worker(handler, settings, store, producer).run(stop)
        finally:
            await producer.close()


def run_worker(functions: Path, name: str, settings: Settings) -> int:
    """``parley worker NAME``: load ``functions/NAME.py`` and serve it."""
    configure_logging("worker", function=name)
    handler = load(functions / f"{name}.py")
    asyncio.run(serve(handler, settings))
    return 0
