"""The compose stack in real Podman containers: images built here on local Debian bases (no
registry), up, healthy, a chat round trip over the WebSocket, a worker killed with ``kill -9``
and restarted by its policy, ``--scale fn-chat=3`` splitting the partitions, and ``down -v``
leaving nothing behind. The tests run in order and share one stack."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.containers.stack import Stack, missing_tools
from tests.support.harness import eventually
from tests.support.net import free_port, unique
from tests.support.system import Client

pytestmark = [
    pytest.mark.containers,
    pytest.mark.timeout(900),
    pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools())),
]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    port = free_port()
    built = Stack.prepare(unique("parley-ct"), port)
    started = time.monotonic()
    try:
        built.compose("up", "-d")
        built.timings["up"] = time.monotonic() - started
        yield built
    finally:
        built.down()
        built.purge()  # after a failure, whatever down left
        print(
            "\ncontainers: "
            + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in built.timings.items())
        )


def _get(port: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, None


@pytest.mark.parametrize("image", ["gateway", "worker"])
def test_every_file_of_an_image_is_readable_by_its_runtime_user(stack: Stack, image: str) -> None:
    """The images run as user ``parley``: a base or a layer built under a narrow umask (0700
    folders) makes every container crash-loop with "permission denied" before Python starts."""
    ref = stack.env.get(f"PARLEY_{image.upper()}_IMAGE", f"localhost/parley-{image}:latest")
    not_for_parley = ["(", "!", "-readable", "-o", "-type", "d", "!", "-executable", ")"]
    found = stack.podman(
        "run", "--rm", "--entrypoint", "find", ref, "/opt/venv", "/app", *not_for_parley, "-print"
    )
    assert found == "", f"{image}: files its runtime user cannot read:\n{found[:2000]}"


async def test_gateway_answers_health(stack: Stack) -> None:
    # Health checks are not scheduled without systemd, and podman 4.3 ignores
    # `condition: service_healthy`: services start together and retry (or restart) until
    # Kafka and PostgreSQL answer. So poll, with a deadline.
    started = time.monotonic()
    port = stack.env["PARLEY_PORT"]

    async def healthy() -> bool:
        status, body = await asyncio.to_thread(_get, port, "/api/health")
        return status == 200 and body == {"db": "ok", "kafka": "ok", "status": "ok"}

    try:
        await eventually(healthy, timeout=180, what="/api/health answering ok")
    except AssertionError:
        raise AssertionError(stack.logs(stack.container("gateway"))) from None
    stack.timings["healthy after up"] = time.monotonic() - started
    # PostgreSQL by default in containers, and its health check works in the image.
    env = stack.inspect(stack.container("gateway"))["Config"]["Env"]
    assert any(e.startswith("PARLEY_DATABASE__URL=postgresql+asyncpg://") for e in env)
    stack.podman("healthcheck", "run", stack.container("postgres"))
    stack.podman("healthcheck", "run", stack.container("kafka"))


async def test_message_round_trip_over_the_websocket(stack: Stack) -> None:
    port = stack.env["PARLEY_PORT"]
    name, room = unique("u"), unique("room")
    status, body = await asyncio.to_thread(
        _get, port, "/api/register", {"username": name, "password": "correct horse"}
    )
    assert status == 201, body
    started = time.monotonic()
    async with connect(f"ws://127.0.0.1:{port}/ws?token={body['token']}") as ws:
        client = Client(ws)
        try:
            # The chat worker may still be joining its group: the first join can wait on it.
            await client.send({"type": "join", "room": room})
            await client.expect("presence", timeout=120, room=room)
            ack = await client.post(room, "hello from a container")
            assert ack["type"] == "ack", ack
            got = await client.expect("message", timeout=60, id=ack["id"])
            assert got["text"] == "hello from a container"
            assert got["user"] == name
        finally:
            client.reading.cancel()
    stack.timings["first round trip"] = time.monotonic() - started


async def test_a_killed_worker_is_restarted_by_its_policy(stack: Stack) -> None:
    name = stack.container("fn-chat")
    before = stack.inspect(name)["State"]
    os.kill(before["Pid"], signal.SIGKILL)  # `podman kill` would count as a user stop

    def restarted() -> bool:
        state = stack.inspect(name)
        return bool(
            state["RestartCount"] > 0
            and state["State"]["Running"]
            and state["State"]["Pid"] != before["Pid"]
        )

    count = stack.inspect(name)["RestartCount"]
    await eventually(
        lambda: stack.inspect(name)["RestartCount"] > count or restarted(),
        timeout=60,
        what=f"{name} restarted after kill -9",
    )


async def test_scaling_a_function_splits_its_partitions(stack: Stack) -> None:
    stack.compose("up", "-d", "--scale", "fn-chat=3")
    owners: Counter[str] = Counter()

    def split() -> bool:
        owners.clear()
        owners.update(_group_owners(stack, "fn.chat", "chat.message"))
        return sorted(owners.values()) == [2, 2, 2]

    # Each look is a JVM start in the Kafka container: a few seconds, so a few tries.
    await eventually(lambda: asyncio.to_thread(split), timeout=180, what="chat.message split 2/2/2")
    assert len(owners) == 3


def _group_owners(stack: Stack, group: str, topic: str) -> list[str]:
    """The consumer id owning each partition of ``topic`` in ``group`` (kafka-consumer-groups
    --describe, run in the Kafka container)."""
    out = stack.podman(
        "exec",
        stack.container("kafka"),
        "java",
        "-Xmx128m",
        "-XX:TieredStopAtLevel=1",
        "-Dlog4j2.configurationFile=/opt/kafka/log4j2.xml",
        "-cp",
        "/opt/kafka/libs/*",
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
        "--bootstrap-server",
        "localhost:9092",
        "--describe",
        "--group",
        group,
        check=False,
    )
    rows = [line.split() for line in out.splitlines() if re.match(rf"{re.escape(group)}\s", line)]
    return [row[6] for row in rows if row[1] == topic and len(row) > 6 and row[6] != "-"]


def test_down_removes_containers_volumes_and_networks(stack: Stack) -> None:
    assert stack.leftovers(), "the stack should be up before this test"
    started = time.monotonic()
    passes = stack.down()
    stack.timings["down"] = time.monotonic() - started
    assert stack.leftovers() == []
    print(f"\ndown -v: {passes} pass(es) after --scale")
