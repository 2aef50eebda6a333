"""A large, realistic chat history for the search benchmark, written straight into a database.

    .venv/bin/python -m tests.bench.history --database-url URL [--messages 1000000]

Messages go through the real schema (migrated by the store), with the search index's triggers
(SQLite) or expression index (PostgreSQL) live, so what it costs to keep the index in step is
paid here as a chat would pay it. Words follow Zipf's law over a 20,000-word vocabulary, so a
query can pick a common word (in ~10% of messages), a middling one or a rare one. 200 rooms
of 50 members among 2,000 users, plus conversations (10%). Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from runtime.db.models import Member, Message
from runtime.db.store import Store
from runtime.events import pair_key

VOCABULARY = 20_000
ROOMS, MEMBERS, USERS = 200, 50, 2_000
CHUNK = 5_000


def word(rank: int) -> str:
    """The vocabulary's word of ``rank`` (1 = the most common): pronounceable, unique."""
    syllables = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "xe", "zu")
    out, n = [], rank
    while True:
        out.append(syllables[n % 10])
        n //= 10
        if n == 0:
            return "".join(out)


def room(n: int) -> str:
    return f"room-{n:03d}"


def user(n: int) -> str:
    return f"user{n:04d}"


def members() -> list[dict[str, object]]:
    """Each room's members: 50 users, user0000 in the first 20 rooms (the searching user)."""
    rng = random.Random(7)
    rows, now = [], datetime.now(UTC)
    for r in range(ROOMS):
        chosen = set(rng.sample(range(1, USERS), MEMBERS - 1))
        chosen.add(0 if r < 20 else rng.randrange(1, USERS))
        for u in sorted(chosen):
            rows.append({"room": room(r), "username": user(u), "role": "member", "joined_at": now})
    return rows


def messages(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    cumulative = list(itertools.accumulate(1 / rank for rank in range(1, VOCABULARY + 1)))
    words = [word(rank) for rank in range(1, VOCABULARY + 1)]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(count):
        said = rng.choices(words, cum_weights=cumulative, k=rng.randint(4, 24))
        author = rng.randrange(USERS)
        row: dict[str, object] = {
            "id": f"bench-{seed}-{n}",
            "author": user(author),
            "text": " ".join(said),
            "ts": start + timedelta(seconds=n),
            "bot": False,
            "replies": 0,
            "mentions": "",
            "deleted": False,
            "rev": 0,
            "room": None,
            "recipient": None,
            "pair": None,
        }
        if rng.random() < 0.1:
            other = rng.randrange(USERS)
            row |= {"recipient": user(other), "pair": pair_key(user(author), user(other))}
        else:
            row["room"] = room(rng.randrange(ROOMS))
        rows.append(row)
    return rows


async def fill(url: str, count: int) -> dict[str, float]:
    """Bring the database's history to ``count`` messages (adding what is missing)."""
    async with Store(url) as store:
        await store.migrate()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            have = int(await connection.scalar(select(func.count()).select_from(Message)) or 0)
            searcher = select(func.count()).where(Member.username == user(0))
            if not await connection.scalar(searcher):  # a database tests used may have others
                await connection.execute(insert(Member), members())
        started, chunk = time.monotonic(), 0
        while have < count:
            rows = messages(min(CHUNK, count - have), seed=have)
            async with engine.begin() as connection:
                await connection.execute(insert(Message), rows)
            have += len(rows)
            chunk += 1
            if chunk % 20 == 0:
                print(f"  {have:,} messages ({time.monotonic() - started:.0f} s)", flush=True)
        if engine.dialect.name == "postgresql":
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))  # plans from the real sizes
        return {"messages": have, "fill_seconds": round(time.monotonic() - started, 1)}
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    print(asyncio.run(fill(args.database_url, args.messages)))


if __name__ == "__main__":
    main()
