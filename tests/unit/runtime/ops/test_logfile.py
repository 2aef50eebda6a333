"""``parley up``'s log files: private (0600 in a 0700 folder), rotated at a size, a bounded
number kept; a child's output reaches them through the supervisor."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from runtime.ops.children import Child
from runtime.ops.logfile import RotatingLog


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_log_rotates_at_its_size_and_keeps_its_backups(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "gateway.0.log"
    log = RotatingLog(path, max_bytes=100, backups=2)
    for n in range(10):
        log.write(f"{n}".encode() * 40 + b"\n")  # 41 bytes: two lines per file
    log.close()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["gateway.0.log", "gateway.0.log.1", "gateway.0.log.2"]
    assert path.read_bytes() == b"8" * 40 + b"\n" + b"9" * 40 + b"\n"
    assert (path.parent / "gateway.0.log.2").read_bytes().startswith(b"4")
    assert all(p.stat().st_size <= 100 for p in path.parent.iterdir())
    assert mode(path.parent) == 0o700
    assert {mode(p) for p in path.parent.iterdir()} == {0o600}


def test_a_childs_output_goes_to_its_rotating_private_log(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "fn-chat.0.log"
    script = "import sys\nfor n in range(100): sys.stderr.write('x' * 99 + '\\n')"
    child = Child("fn-chat", 0, [sys.executable, "-c", script], {}, path)
    child.log_bytes, child.log_backups = 4096, 1
    child.start()
    child.wait(30)
    assert child.exited() == 0
    pumped = sorted(path.parent.iterdir())
    assert [p.name for p in pumped] == ["fn-chat.0.log", "fn-chat.0.log.1"]
    assert sum(p.stat().st_size for p in pumped) <= 8192
    assert child.log_tail(1) == "x" * 99
    assert {mode(p) for p in pumped} == {0o600}
