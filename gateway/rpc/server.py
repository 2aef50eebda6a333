"""The gRPC server of one gateway process (``grpc.aio``), beside Hypercorn on its own port.

    rpc = RpcServer(resources)
    await rpc.start()      # after resources.open(): binds PARLEY_GRPC__PORT (default 50051)
    ...
    await rpc.stop()       # before resources.close(): ends streams, lets calls finish

It serves ``parley.v1.ChatService`` and ``parley.v1.OpsService`` (proto/parley/v1), the standard
health checking protocol (``grpc.health.v1.Health``: SERVING while Kafka and the database
answer, checked every few seconds; NOT_SERVING from shutdown on) and server reflection (so
``grpcurl`` and friends can list and call the services without the .proto files). With
``grpc.cert`` and ``grpc.key`` set it speaks TLS only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gateway.resources import Resources
from gateway.rpc.calls import Calls, Keys
from gateway.rpc.chat import ChatService
from gateway.rpc.metrics import RpcMetrics
from gateway.rpc.ops import OpsService
from gateway.rpc.v1 import chat_pb2, chat_pb2_grpc, ops_pb2, ops_pb2_grpc
from runtime.errors import SetupError

log = logging.getLogger("parley.gateway.grpc")
SERVICES = (
    chat_pb2.DESCRIPTOR.services_by_name["ChatService"].full_name,
    ops_pb2.DESCRIPTOR.services_by_name["OpsService"].full_name,
)
HEALTH_EVERY = 2.0
GRACE = 5.0


class RpcServer:
    """One ``grpc.aio`` server over the gateway's resources; ``metrics`` exist from the start."""

    def __init__(self, res: Resources) -> None:
        self.res = res
        self.settings = res.settings.grpc
        self.metrics = RpcMetrics()
        self.port: int | None = None
        self._server: grpc.aio.Server | None = None
        self._health = health.aio.HealthServicer()
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Bind and serve (nothing when ``grpc.enabled`` is off); ``SetupError`` when the
        port is taken or the TLS files cannot be read."""
        if not self.settings.enabled:
            return
        options = [
            ("grpc.so_reuseport", 0),  # a second server on the port must fail, not share it
            ("grpc.max_receive_message_length", self.settings.max_message),
        ]
        server = grpc.aio.server(options=options)
        calls = Calls(Keys(self.res.store.api_keys(), self.settings.key_cache), self.metrics)
        chat_pb2_grpc.add_ChatServiceServicer_to_server(ChatService(self.res, calls), server)
        ops_pb2_grpc.add_OpsServiceServicer_to_server(OpsService(self.res, calls), server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        reflection.enable_server_reflection(
            (*SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
        self.port = self._bind(server)
        await server.start()
        self._server = server
        await self._set(health_pb2.HealthCheckResponse.SERVING)
        self._watch = asyncio.create_task(self._watch_health(), name="grpc health")
        tls = " (TLS)" if self.settings.cert else ""
        log.info("gRPC API on %s:%d%s", self.settings.host, self.port, tls)

    def _bind(self, server: grpc.aio.Server) -> int:
        address = f"{self.settings.host}:{self.settings.port}"
        try:
            if self.settings.cert is None:
                port = server.add_insecure_port(address)
            else:
                if self.settings.key is None:
                    raise SetupError("PARLEY_GRPC__CERT is set but PARLEY_GRPC__KEY is not")
                pair = (self.settings.key.read_bytes(), self.settings.cert.read_bytes())
                credentials = grpc.ssl_server_credentials([pair])
                port = server.add_secure_port(address, credentials)
        except (OSError, RuntimeError) as exc:
            raise SetupError(
                f"cannot serve gRPC on {address}: {exc}; set PARLEY_GRPC__PORT to a free port "
                "(or PARLEY_GRPC__ENABLED=false)"
            ) from None
        if port == 0:
            raise SetupError(f"cannot serve gRPC on {address}: the port is taken")
        return port

    async def _watch_health(self) -> None:
        serving = health_pb2.HealthCheckResponse.SERVING
        down = health_pb2.HealthCheckResponse.NOT_SERVING
        while True:
            await asyncio.sleep(HEALTH_EVERY)
            parts = await self.res.health.check()
            await self._set(serving if parts["status"] == "ok" else down)

    async def _set(self, status: int) -> None:
        for name in ("", *SERVICES):
            await self._health.set(name, status)

    async def stop(self) -> None:
        """Say NOT_SERVING, end open streams and give unary calls ``GRACE`` seconds."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self._server is None:
            return
        await self._health.enter_graceful_shutdown()
        await self._server.stop(GRACE)
        self._server = None
