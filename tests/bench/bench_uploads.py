"""Upload throughput: 1 MiB files through ``POST /api/uploads`` into the database, and back
through their signed URLs.

    .venv/bin/python -m tests.bench.bench_uploads [--files 60] [--size 1048576]
                                                  [--concurrency 1,4] [--database-url URL]
                                                  [--bootstrap HOST:PORT] [--json OUT]

One real gateway (it needs Kafka to start, nothing crosses it here). Files are random bytes
(not an image: no thumbnail, so this measures the body, sniffing, the blob's insert and its
read back); a second pass uploads a 1 MiB PNG photo-like image, which is decoded and
thumbnailed. Each pass runs at every ``--concurrency`` (clients uploading at once); reported
are MiB/s and the p50/p99 of one request.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from PIL import Image

from runtime.settings import FilesSettings
from tests.bench.broker import bench_broker
from tests.support.system import Gateway, fetch, running

MIB = 1024 * 1024


def photo(size: int) -> bytes:
    """A PNG of about ``size`` bytes that compresses like a photo (noise), 3 bytes a pixel."""
    side = int((size / 3) ** 0.5)
    rng = random.Random(5)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


async def one(gateway: Gateway, token: str, data: bytes, name: str) -> tuple[float, float]:
    """Upload, then download; (upload ms, download ms)."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/octet-stream",
        "X-Filename": quote(name),
    }
    started = time.perf_counter()
    answer = await fetch(gateway, "POST", "/api/uploads", data, headers)
    uploaded = time.perf_counter()
    if answer.status != 201:
        raise RuntimeError(f"upload answered {answer.status}: {answer.body[:200]!r}")
    served = await fetch(gateway, "GET", answer.json()["url"])
    if served.status != 200 or len(served.body) != len(data):
        raise RuntimeError(f"download answered {served.status}")
    return (uploaded - started) * 1000, (time.perf_counter() - uploaded) * 1000


async def run_pass(
    gateway: Gateway, tokens: list[str], data: bytes, files: int, concurrency: int
) -> dict[str, Any]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(files):
        queue.put_nowait(n)
    ups: list[float] = []
    downs: list[float] = []

    async def client(token: str) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            up, down = await one(gateway, token, data, f"file-{n}.bin")
            ups.append(up)
            downs.append(down)

    started = time.perf_counter()
    await asyncio.gather(*(client(tokens[c]) for c in range(concurrency)))
    wall = time.perf_counter() - started
    ups.sort()
    downs.sort()
    return {
        "concurrency": concurrency,
        "files": files,
        "mib_per_s": round(files * len(data) / MIB / wall, 1),
        "upload_p50_ms": round(statistics.median(ups), 1),
        "upload_p99_ms": round(ups[min(len(ups) - 1, int(0.99 * len(ups)))], 1),
        "download_p50_ms": round(statistics.median(downs), 1),
    }


async def main_async(args: argparse.Namespace, bootstrap: str) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="parley-uploads-"))
    files = FilesSettings(quota=4 * args.files * args.size)
    out: dict[str, Any] = {}
    async with running(
        bootstrap, data_dir, database_url=args.database_url, functions=("chat",), files=files
    ) as system:
        levels = [int(c) for c in args.concurrency.split(",")]
        tokens = [await system.register() for _ in range(max(levels))]
        bodies = {"random bytes": os.urandom(args.size), "png image": photo(args.size)}
        for label, data in bodies.items():
            await run_pass(system.gateway, tokens, data, 4, 1)  # warm up, not counted
            out[label] = [
                await run_pass(system.gateway, tokens, data, args.files, level) for level in levels
            ]
            for result in out[label]:
                print(f"{label} ({len(data):,} bytes): {json.dumps(result)}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--size", type=int, default=MIB)
    parser.add_argument("--concurrency", default="1,4")
    parser.add_argument("--database-url", help="default: a SQLite file of the run's own")
    parser.add_argument("--bootstrap", help="an existing broker; default: start one")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    with bench_broker(args.bootstrap) as bootstrap:
        out = asyncio.run(main_async(args, bootstrap))
    if args.json:
        params = {"files": args.files, "size": args.size, "concurrency": args.concurrency}
        database = "postgres" if (args.database_url or "").startswith("postgresql") else "sqlite"
        args.json.write_text(json.dumps({"params": params, "database": database, **out}))


if __name__ == "__main__":
    main()
