"""Which browser origins may open a WebSocket (docs/PROTOCOL.md 3.1).

    allowed = Origins.of(settings.gateway)
    allowed.admit("http://127.0.0.1:8000")     # True: the gateway's own origin

An origin is compared whole: scheme, host and port (the default port of the scheme may be left
out). The ``Host`` header plays no part: a page on an attacker's name that resolves to the
gateway (DNS rebinding) sends its own name as both Origin and Host, and is refused.

Allowed are the gateway's own origins (``http://host:port`` as configured; for a loopback or
wildcard bind also ``localhost``, ``127.0.0.1`` and ``[::1]`` on that port), the Vite dev and
preview servers on loopback (ports 5173 and 4173) when ``dev_origins`` is on and the gateway
listens on loopback (not on a wildcard address, which others reach), and every origin listed
in ``PARLEY_GATEWAY__ORIGINS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from runtime.settings import GatewaySettings

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD = frozenset({"0.0.0.0", "::", ""})
DEV_PORTS = (5173, 4173)  # `npm run dev` and `npm run preview` (frontend/vite.config.ts)
DEFAULT_PORTS = {"http": 80, "https": 443}


def normal(origin: str) -> str | None:
    """``scheme://host:port`` in lower case with the port always written; None when ``origin``
    is no http(s) origin (``null``, a path, another scheme)."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or parts.username is not None:
        return None
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port or DEFAULT_PORTS[scheme]}"


@dataclass(frozen=True)
class Origins:
    """The allowed origins, normalised."""

    allowed: frozenset[str]

    @classmethod
    def of(cls, gateway: GatewaySettings) -> Origins:
        host, port = gateway.host.strip("[]").lower(), gateway.port
        own = {f"http://{host}:{port}"}
        local = host in LOOPBACK or host in WILDCARD
        if local:
            own |= {f"http://{name}:{port}" for name in ("localhost", "127.0.0.1", "[::1]")}
        if host in LOOPBACK and gateway.dev_origins:  # not on a wildcard bind: others reach it
            names = ("localhost", "127.0.0.1")
            own |= {f"http://{name}:{dev}" for name in names for dev in DEV_PORTS}
        found = (normal(origin) for origin in (*own, *gateway.origins))
        return cls(frozenset(origin for origin in found if origin is not None))

    def admit(self, origin: str) -> bool:
        """Whether a browser page of ``origin`` may open a socket here."""
        return normal(origin) in self.allowed
