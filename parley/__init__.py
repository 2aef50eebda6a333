"""The ``parley`` command: the one layer that imports both ``runtime`` and ``gateway``."""
