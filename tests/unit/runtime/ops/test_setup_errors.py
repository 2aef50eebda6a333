"""Missing tools are reported with the command that installs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.errors import SetupError
from runtime.ops.broker import ensure_jars, require_java


def test_missing_java_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SetupError, match="apt-get install -y openjdk-17-jre-headless"):
        require_java()


def test_missing_maven_names_the_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SetupError, match="apt-get install -y maven"):
        ensure_jars(tmp_path / "empty-libs")


def test_cached_jars_need_no_maven(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "kafka_2.13-4.1.1.jar").write_bytes(b"")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert ensure_jars(tmp_path) == f"{tmp_path}/*"
