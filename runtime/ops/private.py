"""Parley's files are its owner's alone: the data folder holds password hashes and every
direct message (``parley.db``), the signing secret and the logs.

    private_process()          # only in a process's entry point (parley.cli.entry)
    keep_private(settings)     # narrows what an older version left wider

``private_process`` sets the umask to 077 (files 0600, folders 0700, the broker's and SQLite's
included) for the process and its children. The umask belongs to the whole process, so only an
entry point may set it: a library call would leak it into whatever else shares the process (a
test run that calls ``parley.cli.main`` and later builds container images, say). Everything else
here sets modes explicitly.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from runtime.settings import Settings

FILE_MODE = 0o600
DIR_MODE = 0o700
UMASK = 0o077
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) a folder only its owner may enter; 0700 also when it
    existed already."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def private_process() -> None:
    """Umask 077 for this process and the children it starts. Call it from an entry point only."""
    os.umask(UMASK)


def keep_private(settings: Settings) -> None:
    """The data folder, its SQLite files and its logs narrowed to the owner where they exist
    (someone else's files are left alone). Changes no process-wide state."""
    data = settings.data_dir
    _narrow(data, DIR_MODE)
    prefix = "sqlite+aiosqlite:///"
    url = settings.database_url()
    if url.startswith(prefix):
        db = Path(url[len(prefix) :])
        for suffix in SQLITE_SUFFIXES:
            _narrow(db.with_name(db.name + suffix), FILE_MODE)
    logs = data / "logs"
    if logs.is_dir():
        _narrow(logs, DIR_MODE)
        for path in logs.iterdir():
            if path.is_file():
                _narrow(path, FILE_MODE)


def _narrow(path: Path, mode: int) -> None:
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
