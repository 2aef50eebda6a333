"""A person cannot register a name that functions speak under."""

from __future__ import annotations

from gateway.http.api import reserved


def test_function_and_bot_names_are_reserved() -> None:
    running = ["echo", "chat"]  # the registry's function names
    assert reserved("echo", running)
    assert reserved("Echo", running)
    assert reserved("Bot", running)
    assert reserved("helper-bot", running)
    assert not reserved("ada", running)
    assert not reserved("robotics", running)
