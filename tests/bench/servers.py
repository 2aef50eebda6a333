"""The fan-out baselines, each run as its own process by the benchmarks.

    python -m tests.bench.servers bare|socketio PORT

bare: a minimal ``websockets`` server; every frame from a socket on ``/send`` is the
pre-encoded delivery, sent as is to every other socket with ``websockets.broadcast``.
socketio: python-socketio (ASGI, on uvicorn): a socket whose query has ``role=send`` is the
sender, every other socket enters the room on connect; a ``send`` event is emitted to the room.
Neither compresses. Both raise their open-files limit for thousands of sockets.
"""

from __future__ import annotations

import asyncio
import os
import resource
import socket
import sys
import time
from typing import Any

ROOM = "fanout"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (from /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def raise_nofile() -> None:
    """Raise the soft open-files limit to the hard one (at most 20,000) for this process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 20_000 if hard == resource.RLIM_INFINITY else min(hard, 20_000)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def wait_listening(port: int, timeout: float = 30.0) -> None:
    """Return once something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port} after {timeout}s") from None
            time.sleep(0.1)


def bare(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    receivers: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path == "/send":
            async for frame in ws:  # the trigger is the pre-encoded frame itself
                broadcast(receivers, frame)
            return
        receivers.add(ws)
        try:
            await ws.wait_closed()
        finally:
            receivers.discard(ws)

    async def main() -> None:
        async with serve(
            handler, "127.0.0.1", port, compression=None, ping_interval=None, backlog=4096
        ):
            await asyncio.Future()

    asyncio.run(main())


def socketio(port: int) -> None:
    import socketio as sio_module  # type: ignore[import-untyped]
    import uvicorn

    sio = sio_module.AsyncServer(async_mode="asgi", logger=False, engineio_logger=False)

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if "role=send" not in environ.get("QUERY_STRING", ""):
            await sio.enter_room(sid, ROOM)

    async def send(sid: str, data: Any) -> None:
        await sio.emit("message", data, room=ROOM)

    sio.on("connect", connect)
    sio.on("send", send)

    config = uvicorn.Config(
        sio_module.ASGIApp(sio),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        backlog=4096,
        ws_per_message_deflate=False,
    )
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    raise_nofile()
    {"bare": bare, "socketio": socketio}[sys.argv[1]](int(sys.argv[2]))
