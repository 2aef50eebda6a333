"""REST over HTTP (docs/PROTOCOL.md part 2): the routes, their bodies, OpenAPI and headers.

``api`` (``ApiError``, the caller, history, presence, health, the functions table),
``accounts`` (register, log in, sessions), ``rooms``, ``search``, ``uploads`` (uploads and
signed file URLs), ``schemas`` (the bodies as pydantic models), ``openapi``, ``requests``
(strict JSON bodies), ``headers`` (security headers). Nothing else in the gateway imports it but
``gateway.app``.
"""
