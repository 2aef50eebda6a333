"""The engine: discovery, the worker, its runner and lanes, offsets, the worker process."""
