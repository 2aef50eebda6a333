"""The gRPC API in tests: a system whose gateways serve it, keys, and clients.

async with grpc_running(bootstrap, tmp_path) as system:
    key = await api_key(system, "ticketing", "publish,read")
    async with channel(system.settings.grpc.port) as ch:
        chat = ChatServiceStub(ch)
        await chat.Publish(request, metadata=auth(key))
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc

from runtime.db.store import Store
from runtime.settings import GrpcSettings
from tests.support.harness import make_settings
from tests.support.net import free_port
from tests.support.system import Gateway, System

Metadata = tuple[tuple[str, str], ...]


@contextlib.asynccontextmanager
async def grpc_running(bootstrap: str, data_dir: Path, **gateway: Any) -> AsyncIterator[System]:
    """Like ``system.running``: workers and one gateway, whose gRPC port is a free one
    (``system.settings.grpc.port``); every process stopped on exit."""
    settings = make_settings(bootstrap, data_dir)
    settings = settings.model_copy(
        update={
            "grpc": GrpcSettings(port=free_port(), key_cache=0.2),
            "gateway": settings.gateway.model_copy(update=gateway),
        }
    )
    system = System(settings, data_dir)
    try:
        await system.start()
        yield system
    finally:
        system.stop()


async def start_gateway(system: System, grpc_port: int, port: int | None = None) -> Gateway:
    """Another gateway of ``system`` serving gRPC on ``grpc_port`` (its ping answers only once
    the gRPC server is up: both start in the app's lifespan)."""
    base = system.settings
    system.settings = base.model_copy(
        update={"grpc": base.grpc.model_copy(update={"port": grpc_port})}
    )
    try:
        return await system.start_gateway(port)
    finally:
        system.settings = base


async def api_key(system: System, name: str, scopes: str) -> str:
    """A new key for service ``name`` in the system's database."""
    async with Store(system.settings.database_url()) as store:
        await store.migrate()
        return await store.api_keys().create(name, [scopes])


def auth(key: str) -> Metadata:
    return (("authorization", f"Bearer {key}"),)


@contextlib.asynccontextmanager
async def channel(port: int) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        yield ch
