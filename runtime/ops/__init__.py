"""The process layer: the supervisor (`parley up`), the embedded broker, compose output."""
