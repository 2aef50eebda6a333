"""``parley gateway``: the app on Hypercorn, configured for what docs/PROTOCOL.md promises.

- ``websocket_max_message_size`` = ``gateway.max_frame`` (16 KiB): a larger frame closes the
  socket with 1009 before it is buffered whole.
- ``websocket_ping_interval`` = ``gateway.ping_interval``: a dead peer is noticed without
  waiting for the next delivery to it.
- permessage-deflate off and a pinger that ends with its socket (``transport.patch_hypercorn``);
  the inbound queue bounded (``create_app``).
- SIGTERM/SIGINT: sockets are closed with 1001 first, so they finish inside Hypercorn's
  graceful timeout; then the lifespan announces their leaves and closes the rest.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from hypercorn.asyncio import serve
from hypercorn.config import Config

from gateway.app import create_app, resources_of
from gateway.guard.auth import load_secret
from gateway.socket.transport import patch_hypercorn
from runtime.kafka.tracing import configure_tracing
from runtime.settings import Settings
from runtime.telemetry import configure_logging


def hypercorn_config(settings: Settings) -> Config:
    gateway = settings.gateway
    config = Config()
    config.bind = [f"{gateway.host}:{gateway.port}"]
    config.websocket_max_message_size = gateway.max_frame
    config.websocket_ping_interval = gateway.ping_interval
    config.graceful_timeout = 5.0
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")  # into our JSON log lines
    return config


async def serve_gateway(settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT."""
    app = create_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def shutdown() -> None:
        await stop.wait()
        resources_of(app).going_away()

    await serve(app, hypercorn_config(settings), shutdown_trigger=shutdown)


def run_gateway(settings: Settings) -> int:
    """``parley gateway``: run one gateway instance in this process."""
    configure_logging("gateway")
    load_secret(settings)  # a missing PARLEY_SECRET is a SetupError before anything starts
    tracer = configure_tracing("gateway")
    patch_hypercorn()
    try:
        asyncio.run(serve_gateway(settings))
    finally:
        if tracer is not None:
            tracer.shutdown()  # export the spans still buffered
    return 0
