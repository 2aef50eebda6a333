"""Fixtures of the gateway's unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.in_process import InProcess, in_process


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[InProcess]:
    """The gateway's socket session in-process, with the default limits (no broker)."""
    async with in_process(tmp_path) as found:
        yield found
