"""A bounded pool for password hashing, so a flood of logins cannot starve everything else.

    pool = HashPool(workers=1, queue=16)
    ok = await pool.run(auth.check, stored, password)     # Busy when 1 + 16 are in already
    pool.close()

argon2id is built to cost CPU and memory. Run in the event loop's default executor, a flood
of logins runs as many hashes as that executor has threads, on every core, and the event loop
waits for a core like everyone else. Here at most ``workers`` hashes run at once, on their
own threads, and at most ``queue`` more wait for one; past that ``run`` refuses at once with
``Busy`` (the API answers ``503`` with ``Retry-After``), without hashing anything.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Busy(Exception):
    """Every worker is hashing and the queue is full: try again shortly."""


class HashPool:
    """At most ``workers`` blocking calls at once, ``queue`` more waiting, the rest refused."""

    def __init__(self, workers: int, queue: int) -> None:
        if workers < 1 or queue < 0:
            raise ValueError(f"workers must be at least 1 and queue at least 0: {workers}, {queue}")
        self.workers = workers
        self.limit = workers + queue
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="parley-hash")
        self._lock = threading.Lock()
        self._admitted = 0  # running or waiting; a call counts until its thread is done with it
        self.refused = 0

    @property
    def admitted(self) -> int:
        """Calls running or waiting now."""
        return self._admitted

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on a pool thread; ``Busy`` when the pool is full. A caller
        that is cancelled stops waiting, but its call still holds its place until it ends."""
        with self._lock:
            if self._admitted >= self.limit:
                self.refused += 1
                raise Busy(f"{self._admitted} password hashes are running or waiting")
            self._admitted += 1
        try:
            future = self._executor.submit(fn, *args, **kwargs)
        except BaseException:
            self._release(None)
            raise
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _release(self, _: Future[T] | None) -> None:
        with self._lock:
            self._admitted -= 1

    def close(self) -> None:
        """Stop taking calls; the ones waiting are cancelled, the running ones finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)
