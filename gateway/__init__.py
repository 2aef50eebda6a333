"""The WebSocket and REST gateway: browsers in, Kafka events out, deliveries back to sockets.

app = create_app(Settings())      # gateway.app
run_gateway(Settings())           # gateway.serve: the app on Hypercorn, configured for chat

By concern, top to bottom (the import-linter contract in pyproject.toml keeps it so): ``serve``
and ``app``; the front doors ``http`` (REST), ``socket`` (the WebSocket session) and ``rpc``
(gRPC), which import none of each other; ``resources`` (what one process holds open); ``guard``
(auth, throttles, quotas); ``delivery`` (to Kafka and back to the sockets) and ``files``;
``metrics`` and ``health``; ``protocol`` (what clients send, read and checked).
"""
