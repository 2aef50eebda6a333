"""Missing tools are reported with the command that installs them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from runtime.errors import SetupError
from runtime.ops.broker import KIT, ensure_jars, require_java


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
    (tmp_path / "kafka_2.13-4.4.0.jar").write_bytes(b"")
    pom = (KIT / "pom.xml").read_bytes()
    (tmp_path / ".pom.sha256").write_text(hashlib.sha256(pom).hexdigest())
    monkeypatch.setenv("PATH", "/nonexistent")
    assert ensure_jars(tmp_path) == f"{tmp_path}/*"


def test_jars_of_an_older_pom_are_resolved_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "kafka_2.13-4.0.0.jar").write_bytes(b"")
    (tmp_path / ".pom.sha256").write_text("an older pom")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SetupError, match="Maven is needed"):
        ensure_jars(tmp_path)
    assert not (tmp_path / "kafka_2.13-4.0.0.jar").exists()
