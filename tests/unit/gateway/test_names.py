"""A person cannot register a name that functions speak under."""

from __future__ import annotations

from pathlib import Path

from gateway.api import reserved


def test_function_and_bot_names_are_reserved(tmp_path: Path) -> None:
    (tmp_path / "echo.py").write_text("")
    assert reserved("echo", tmp_path)
    assert reserved("Bot", tmp_path)
    assert reserved("helper-bot", tmp_path)
    assert not reserved("ada", tmp_path)
    assert not reserved("robotics", tmp_path)
