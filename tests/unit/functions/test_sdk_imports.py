"""Function files import only the handler SDK: names of ``runtime.__all__``, pydantic and the
standard library (docs/FUNCTIONS.md). Read from the source, so an import inside a function or
under ``if TYPE_CHECKING`` counts as well."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import runtime

FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"
THIRD_PARTY = {"pydantic"}  # the one package besides the SDK: field constraints for an Action


def leaks(source: str) -> list[str]:
    """What ``source`` imports past the SDK's allow-list, one sentence per import."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found += _module(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            where = f"line {node.lineno}"
            if node.level or node.module is None:
                found.append(f"{where}: a relative import (function files import no other file)")
            elif node.module == "runtime":
                found += [
                    f"{where}: runtime.{alias.name} is not in runtime.__all__"
                    for alias in node.names
                    if alias.name not in runtime.__all__
                ]
            else:
                found += _module(node.module, node.lineno)
    return found


def _module(name: str, line: int) -> list[str]:
    top = name.partition(".")[0]
    if top == "runtime":
        how = "import runtime" if name == "runtime" else name
        return [f"line {line}: {how}: import SDK names with `from runtime import ...`"]
    if top == "__future__" or top in sys.stdlib_module_names or top in THIRD_PARTY:
        return []
    return [f"line {line}: {name} is neither the SDK, pydantic nor the standard library"]


def function_files() -> list[Path]:
    return sorted(FUNCTIONS.rglob("*.py"))


def test_there_are_function_files_to_check() -> None:
    assert {"chat.py", "edit.py", "presence.py", "poll.py"} <= {p.name for p in function_files()}


@pytest.mark.parametrize("path", function_files(), ids=lambda p: p.name)
def test_a_function_file_imports_only_the_sdk_pydantic_and_the_standard_library(
    path: Path,
) -> None:
    assert leaks(path.read_text()) == [], f"{path.name} imports past the SDK"


@pytest.mark.parametrize(
    ("source", "sentence"),
    [
        ("from runtime.frames import mention_frame", "runtime.frames: import SDK names"),
        ("import runtime.bus", "runtime.bus: import SDK names"),
        ("import runtime", "import runtime: import SDK names"),
        ("from runtime import Settings", "runtime.Settings is not in runtime.__all__"),
        ("from runtime import *", "runtime.* is not in runtime.__all__"),
        ("from . import poll", "a relative import"),
        ("import sqlalchemy", "sqlalchemy is neither"),
        ("from gateway.delivery.hub import Hub", "gateway.delivery.hub is neither"),
        ("def f() -> None:\n    from confluent_kafka import Producer", "confluent_kafka is"),
    ],
)
def test_an_import_past_the_sdk_is_named(source: str, sentence: str) -> None:
    found = leaks(source)
    assert len(found) == 1
    assert sentence in found[0]


def test_the_sdk_pydantic_and_the_standard_library_pass() -> None:
    source = (
        "from __future__ import annotations\n"
        "import re, collections.abc\n"
        "from pydantic import Field\n"
        "from runtime import Context, Delivery, mentions_in, on_message\n"
    )
    assert leaks(source) == []
