"""Parley's files are its owner's: the process entry point sets umask 077, nothing else does,
and files an older version left wider are narrowed."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from parley.cli import main
from runtime.ops.private import keep_private
from runtime.settings import Settings

REPO = Path(__file__).resolve().parents[4]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_older_wider_files_are_narrowed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True)
    for path in (data / "parley.db", data / "parley.db-wal", data / "logs" / "gateway.0.log"):
        path.write_text("")
        path.chmod(0o644)
    data.chmod(0o755)
    (data / "logs").chmod(0o755)

    keep_private(Settings(data_dir=data))

    assert mode(data) == 0o700
    assert mode(data / "logs") == 0o700
    assert {mode(data / n) for n in ("parley.db", "parley.db-wal")} == {0o600}
    assert mode(data / "logs" / "gateway.0.log") == 0o600


def test_main_in_process_leaves_the_callers_umask_alone(tmp_path: Path) -> None:
    """Tests call ``main`` in-process; a umask it set would make every later file of the run
    0600 and folder 0700 (container bases included, whose runtime user then cannot read them)."""
    before = os.umask(0o022)
    try:
        assert main(["compose", "--output", str(tmp_path / "compose.yaml")]) == 0
        after = os.umask(0o022)
    finally:
        os.umask(before)
    assert after == 0o022
    assert mode(tmp_path / "compose.yaml") == 0o644


def test_the_parley_process_keeps_its_files_private(tmp_path: Path) -> None:
    """The entry point (console script, ``python -m parley``, supervised children) sets 077."""
    out = tmp_path / "compose.yaml"
    subprocess.run(
        [sys.executable, "-m", "parley", "compose", "--output", str(out)],
        check=True,
        capture_output=True,
        env={**os.environ, "PARLEY_DATA_DIR": str(tmp_path / "data")},
        cwd=REPO,
    )
    assert mode(out) == 0o600
