"""``python -m tests.bench``: the same as ``parley bench`` (see tests/bench/suite.py)."""

from __future__ import annotations

import sys

from tests.bench.suite import main

sys.exit(main())
