"""Plain data as YAML text, with no YAML library: maps, lists (of scalars or of maps) and
scalars, strings JSON-quoted (which YAML reads as is). Enough for compose files and manifests.

    dump({"kind": "Service", "spec": {"ports": [{"port": 80}]}})
"""

from __future__ import annotations

import json
from typing import Any


def dump(value: dict[str, Any]) -> str:
    """One YAML document for the map ``value``."""
    return "".join(_lines(value, 0))


def dump_all(documents: list[dict[str, Any]]) -> str:
    """Several documents separated by ``---``."""
    return "---\n".join(dump(doc) for doc in documents)


def _lines(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:\n")
                lines += _lines(item, indent + 1)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}\n")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                # "- " then the map's first line; the rest indented under it.
                inner = _lines(item, indent + 1)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines += inner[1:]
            elif isinstance(item, list) and item:
                raise ValueError("lists of lists are not supported")
            else:
                lines.append(f"{pad}- {_scalar(item)}\n")
    return lines


def _scalar(value: Any) -> str:
    if value == {}:
        return "{}"
    if value == []:
        return "[]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)
