"""One worker process: open its resources, run the function, close them on SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import signal
from pathlib import Path

from runtime.db.store import Store
from runtime.engine.discovery import load
from runtime.engine.share import ShareWorker
from runtime.engine.stats import worker_registry
from runtime.engine.worker import Worker
from runtime.kafka.client import Producer
from runtime.kafka.tracing import configure_tracing
from runtime.metrics import exposed
from runtime.settings import Settings
from runtime.telemetry import configure_logging
from runtime.triggers import Handler


async def serve(handler: Handler, settings: Settings) -> None:
    """Run ``handler`` until SIGTERM or SIGINT, then drain, commit and close."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Store(settings.database_url()) as store:
        await store.migrate()
        producer = Producer(settings.kafka.client_config())
        kind = Worker if handler.options.ordered else ShareWorker
        worker = kind(handler, settings, store, store.state(handler.name), producer, store.timers())
        metrics = settings.worker
        # What start-up built (modules, models, the engine) lives as long as the process: keep
        # it out of the collector's scans, which otherwise walk it all on every full collection
        # (measured: 5% more events per second).
        gc.freeze()
        try:
            with exposed(
                worker_registry(worker.stats, handler.name),
                metrics.metrics_host,
                metrics.metrics_port,
                metrics.metrics_file,
            ):
                await worker.run(stop)
        finally:
            await producer.close()


def run_worker(functions: Path, name: str, settings: Settings) -> int:
    """``parley worker NAME``: load ``functions/NAME.py`` and serve it."""
    configure_logging("worker", function=name)
    tracer = configure_tracing("worker", function=name)
    handler = load(functions / f"{name}.py")
    try:
        asyncio.run(serve(handler, settings))
    finally:
        if tracer is not None:
            tracer.shutdown()  # export the spans still buffered
    return 0
