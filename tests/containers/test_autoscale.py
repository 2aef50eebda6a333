"""`parley autoscale` beside a compose stack in real Podman containers: a sleeper's container
(poll, min_replicas=0) is stopped once idle, and an action sent to it while nothing runs it is
acked by the gateway, starts its container again and is handled."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from tests.containers.stack import COMPOSE, REPO, Stack, missing_tools
from tests.containers.test_containers import _get
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
    built = Stack.prepare(unique("parley-as"), free_port())
    try:
        built.compose("up", "-d")
        yield built
    finally:
        built.down()
        built.purge()


@pytest.fixture
def autoscale(stack: Stack, tmp_path: Path) -> Iterator[Path]:
    """`parley autoscale` for the stack, run from the host; its log file."""
    log = tmp_path / "autoscale.log"
    env = {
        **stack.env,
        "PARLEY_KAFKA__BOOTSTRAP": f"127.0.0.1:{stack.env['PARLEY_KAFKA_HOST_PORT']}",
        "PARLEY_AUTOSCALE__IDLE_AFTER": "3",
        "PARLEY_DATA_DIR": str(tmp_path / "data"),
    }
    argv = [sys.executable, "-m", "parley.cli", "autoscale", "-p", stack.project]
    argv += ["--podman-compose", str(COMPOSE)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        print(f"\nparley autoscale said:\n{log.read_text()[-3000:]}")


def running(stack: Stack, name: str) -> bool:
    return bool(stack.inspect(name)["State"]["Running"])


async def test_a_sleeper_container_goes_to_zero_and_an_action_brings_it_back(
    stack: Stack, autoscale: Path
) -> None:
    port = stack.env["PARLEY_PORT"]
    poll = stack.container("fn-poll")

    async def healthy() -> bool:
        status, _ = await asyncio.to_thread(_get, port, "/api/health")
        return status == 200

    await eventually(healthy, timeout=180, what="/api/health answering ok")
    await eventually(
        lambda: asyncio.to_thread(lambda: not running(stack, poll)),
        timeout=240,
        what=f"{poll} stopped by parley autoscale",
    )
    assert running(stack, stack.container("fn-chat")), "chat stays warm"
    assert running(stack, stack.container("fn-presence")), "presence stays warm"

    name = unique("u")
    status, body = await asyncio.to_thread(
        _get, port, "/api/register", {"username": name, "password": "correct horse"}
    )
    assert status == 201, body
    room = unique("room")

    async with connect(f"ws://127.0.0.1:{port}/ws?token={body['token']}") as ws:
        client = Client(ws)
        try:
            await client.send({"type": "join", "room": room})
            await client.expect("presence", timeout=120, room=room)
            sent = time.monotonic()
            answer = await client.act("poll", room=room, question="Lunch?", options=["a", "b"])
            assert answer["type"] == "ack", answer  # accepted while no container runs poll
            opened = await client.find("poll", timeout=180, room=room)
            assert (opened["id"], opened["by"]) == (answer["id"], name)
            print(f"\nhandled {time.monotonic() - sent:.1f} s after the action (container wake)")
        finally:
            client.reading.cancel()
    assert running(stack, poll)
    said = await asyncio.to_thread(autoscale.read_text)
    assert "fn-poll: an event waits for it" in said
