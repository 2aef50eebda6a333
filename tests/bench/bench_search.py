"""Search over a large history: p50/p99 of ``Store.search`` for a mix of queries.

    .venv/bin/python -m tests.bench.bench_search [--messages 1000000] [--database-url URL]
                                                 [--repeat 30] [--json OUT]

The history comes from ``tests.bench.history`` (made on first use; a SQLite file under
/tmp by default, kept for the next run). The searcher is a member of 20 of the 200 rooms, so
about a tenth of the room messages (and their own conversations) are theirs to find; every
query runs as them, through the store's visibility rule. Each query kind runs ``--repeat``
times, interleaved with the others; reported are p50 and p99 per kind, and how many
messages the words of each query are in overall.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from runtime.db.models import Message
from runtime.db.search import Query, Sort, visible_to
from runtime.db.store import Store
from tests.bench.history import fill, room, user, word

SEARCHER = user(0)


def kinds() -> dict[str, tuple[str, dict[str, Any]]]:
    """Query kind -> (q, search options)."""
    return {
        "common word": (word(10), {}),
        "middling word": (word(300), {}),
        "rare word": (word(15000), {}),
        "two words": (f"{word(5)} {word(50)}", {}),
        "prefix": (f"{word(123)[:4]}*", {}),
        "phrase": (f'"{word(1)} {word(2)}"', {}),
        "no match": ("zzzzqqq", {}),
        "common, one room": (word(10), {"room": room(3)}),
        "middling, by relevance": (word(300), {"sort": "relevance"}),
    }


async def run(url: str, messages: int, repeat: int, limit: int) -> dict[str, Any]:
    made = await fill(url, messages)
    timings: dict[str, list[float]] = {kind: [] for kind in kinds()}
    hits: dict[str, int] = {}
    async with Store(url) as store:
        for kind, (q, options) in kinds().items():  # warm the caches once
            found = await store.search(SEARCHER, Query.parse(q), limit=limit, **options)
            hits[kind] = len(found)
        for _ in range(repeat):
            for kind, (q, options) in kinds().items():
                sort: Sort = options.get("sort", "recent")
                started = time.perf_counter()
                await store.search(
                    SEARCHER, Query.parse(q), room=options.get("room"), limit=limit, sort=sort
                )
                timings[kind].append((time.perf_counter() - started) * 1000)
    everywhere = await _frequencies(url)
    scans = await _scans(url, max(3, repeat // 6), limit)
    out: dict[str, Any] = {"history": made, "kinds": {}, "like_scan": scans}
    for kind, values in timings.items():
        values.sort()
        out["kinds"][kind] = {
            "q": kinds()[kind][0],
            "p50": statistics.median(values),
            "p99": values[min(len(values) - 1, int(0.99 * len(values)))],
            "returned": hits[kind],
            "in_history": everywhere.get(kind),
        }
        row = out["kinds"][kind]
        print(
            f"{kind:24} p50 {row['p50']:8.1f} ms  p99 {row['p99']:8.1f} ms  "
            f"({row['returned']} returned; the words are in {row['in_history']} messages)",
            flush=True,
        )
    return out


async def _scans(url: str, repeat: int, limit: int) -> dict[str, float]:
    """The baseline: the same single-word searches without the index, as ``LIKE`` scans
    under the same visibility rule (p50 ms)."""
    engine = create_async_engine(url)
    out = {}
    try:
        async with engine.connect() as connection:
            for kind in ("common word", "middling word", "rare word"):
                q = kinds()[kind][0]
                query = (
                    select(Message.id)
                    .where(visible_to(SEARCHER), Message.text.like(f"%{q}%"))
                    .order_by(Message.seq.desc())
                    .limit(limit)
                )
                values = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    await connection.execute(query)
                    values.append((time.perf_counter() - started) * 1000)
                out[kind] = statistics.median(values)
                print(f"{kind:24} LIKE scan p50 {out[kind]:8.1f} ms", flush=True)
    finally:
        await engine.dispose()
    return out


async def _frequencies(url: str) -> dict[str, int]:
    """How many messages of the whole history hold each single-word query's word."""
    engine = create_async_engine(url)
    counts = {}
    try:
        async with engine.connect() as connection:
            for kind in ("common word", "middling word", "rare word"):
                q = kinds()[kind][0]
                like = Message.text.like(f"% {q} %") | Message.text.like(f"{q} %")
                like |= Message.text.like(f"% {q}") | (Message.text == q)
                count = await connection.scalar(select(func.count()).where(like))
                counts[kind] = int(count or 0)
    finally:
        await engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="default: a SQLite file under /tmp, kept")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--bootstrap", help="ignored: search needs no broker")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:////tmp/parley-bench-search-{args.messages}.db"
    out = asyncio.run(run(url, args.messages, args.repeat, args.limit))
    out["params"] = {"messages": args.messages, "repeat": args.repeat, "limit": args.limit}
    out["database"] = "postgres" if url.startswith("postgresql") else "sqlite"
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
