"""Helpers the tests and benchmarks share: imported by name, never through conftest.py."""
