"""Ports and names no other test uses.

python -m tests.support.net       # prints a free TCP port on 127.0.0.1 (for shell scripts)
"""

from __future__ import annotations

import socket
import uuid


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def unique(prefix: str) -> str:
    """A name no other test (or earlier run) uses: for topics, groups and rooms."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


if __name__ == "__main__":
    print(free_port())
