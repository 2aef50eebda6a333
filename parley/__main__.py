"""``python -m parley``: the same as the ``parley`` command."""

from __future__ import annotations

import sys

from parley.cli import main

sys.exit(main())
