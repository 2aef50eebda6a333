"""Parley's function runtime: what handler files in ``functions/`` import."""

from __future__ import annotations

from runtime.settings import Settings

__all__ = ["Settings"]
