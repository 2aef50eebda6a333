"""``python -m parley``: the same as the ``parley`` command."""

from __future__ import annotations

from parley.cli import entry

entry()
