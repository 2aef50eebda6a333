"""The WebSocket (docs/PROTOCOL.md part 3): one session per socket, from handshake to close.

``session`` (who may connect, frames in, events out, acks back), ``replay`` (a ``join`` and
what the socket missed), ``writer`` (the socket's outbox drained), ``transport`` (how Quart and
Hypercorn carry its frames). Nothing else in the gateway imports it but ``gateway.app`` and
``gateway.serve``.
"""
