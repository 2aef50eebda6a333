"""Security headers on every HTTP response of the gateway (docs/PROTOCOL.md 2.1).

The browser UI is Vite's build: one module script and stylesheets from ``/assets``, no inline
script, so the policy allows scripts from the gateway's own origin only. Styles may also be
inline (``style-src 'unsafe-inline'``): React and the UI's components set ``style``
attributes, which are not scripts. Sockets and fetches go to the same origin; images may also
be ``data:`` and ``blob:`` URLs (previews). Nothing may frame the UI.
"""

from __future__ import annotations

from quart import Quart, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(app: Quart) -> None:
    """Set ``SECURITY_HEADERS`` on every response ``app`` sends (errors included)."""

    @app.after_request
    async def secure(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
