"""A child's log file: private, size-bounded and rotated (``parley up``'s ``logs/``).

    log = RotatingLog(path, max_bytes=10 << 20, backups=3)
    pump(proc.stdout, log)          # on a thread: the child's output, until it exits

A child writes to a pipe, not to the file: the supervisor copies the bytes over, and when the
file would pass ``max_bytes`` it becomes ``<name>.1`` (``.1`` becomes ``.2`` and so on, the
oldest past ``backups`` deleted) and a new one starts. Every file is created mode 0600 and
its folder 0700 (the logs name users, rooms and request ids).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import IO

from runtime.ops.private import FILE_MODE, private_dir

CHUNK = 64 * 1024


class RotatingLog:
    """Appends bytes to ``path``, rotating it at ``max_bytes`` and keeping ``backups`` old ones."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        private_dir(path.parent)
        self._file = self._open()

    def _open(self) -> IO[bytes]:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        os.fchmod(fd, FILE_MODE)  # also when an older, wider file was there
        return os.fdopen(fd, "ab", buffering=0)

    def write(self, data: bytes) -> None:
        """Append ``data``; a file never passes ``max_bytes``, and it is cut after a whole line
        where one fits."""
        with self._lock:
            while data:
                size = self._file.tell()
                room = self.max_bytes - size
                if len(data) <= room:
                    self._file.write(data)
                    return
                cut = data.rfind(b"\n", 0, max(room, 0)) + 1  # after the last line that fits
                if cut == 0 and size == 0:
                    cut = room  # not even one line fits an empty file: a piece of it
                if cut:
                    self._file.write(data[:cut])
                    data = data[cut:]
                self._rotate()

    def _rotate(self) -> None:
        self._file.close()
        oldest = self.path.with_name(f"{self.path.name}.{self.backups}")
        oldest.unlink(missing_ok=True)
        for n in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                older.rename(self.path.with_name(f"{self.path.name}.{n + 1}"))
        if self.backups > 0:
            self.path.rename(self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink(missing_ok=True)
        self._file = self._open()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def pump(source: IO[bytes], log: RotatingLog) -> threading.Thread:
    """Copy ``source`` into ``log`` on a daemon thread until EOF, then close both."""

    def run() -> None:
        try:
            while chunk := os.read(source.fileno(), CHUNK):
                log.write(chunk)
        finally:
            source.close()
            log.close()

    thread = threading.Thread(target=run, name=f"log {log.path.name}", daemon=True)
    thread.start()
    return thread
