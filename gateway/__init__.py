"""The WebSocket and REST gateway: browsers in, Kafka events out, deliveries back to sockets.

app = create_app(Settings())      # gateway.app
run_gateway(Settings())           # gateway.serve: the app on Hypercorn, configured for chat
"""
