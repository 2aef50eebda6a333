"""Declared actions and function state against the real broker, gateway and workers: a new
action file goes live under `parley up` with nothing else restarting, and is refused once
withdrawn; a client cannot spoof the sender or act where it may not post; function state
survives kill -9 and stays consistent with replicas racing; the gateway never imports a
function file."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from runtime.db.store import Store
from runtime.settings import Settings
from tests.integration.test_supervisor import Up
from tests.support.harness import eventually
from tests.support.net import unique
from tests.support.system import REPO, System, http, running

pytestmark = pytest.mark.e2e

TEST_FUNCTIONS = REPO / "tests" / "integration" / "functions"

SHOUT = """
from runtime import Action, Context, Delivery, Room, Text, on_action


class Shout(Action):
    room: Room
    text: Text


@on_action("shout")
async def shout(event: Shout, ctx: Context) -> Delivery:
    n = await ctx.state.incr(f"shouts:{event.room}")
    frame = {"type": "shout", "room": event.room, "user": event.user,
             "text": event.text.upper(), "n": n}
    return Delivery(room=event.room, frame=frame)
"""


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("actions")
    async with running(
        kafka_bootstrap, data_dir, functions=("presence", "poll"), leave_debounce=0.0
    ) as system:
        await eventually(lambda: _declares(system, "poll"), timeout=30, what="poll declared")
        yield system


async def _declares(system: System, action: str) -> bool:
    token = await system.register()
    status, body = await http(system.gateway, "GET", "/api/actions", token=token)
    return status == 200 and action in [a["type"] for a in body["actions"]]


async def test_a_declared_action_reaches_the_function_and_its_delivery_every_member(
    system: System,
) -> None:
    room = unique("r")
    (ada, ada_token), (grace, grace_token) = await system.user(), await system.user()
    status, body = await http(system.gateway, "GET", "/api/actions", token=ada_token)
    assert status == 200
    (poll,) = [a for a in body["actions"] if a["type"] == "poll"]
    assert poll["function"] == "poll"
    assert "user" not in poll["schema"]["properties"]
    _, admin_token = await system.admin()
    status, body = await http(system.gateway, "GET", "/api/functions", token=admin_token)
    assert "poll" in [f["name"] for f in body["functions"]]
    async with system.connect(ada_token) as a, system.connect(grace_token) as g:
        await a.join(room)
        await g.join(room)
        ack = await a.act("poll", room=room, question="Lunch?", options=["pizza", "soup"])
        assert ack["type"] == "ack", ack
        opened = await g.find("poll", room=room)
        assert (opened["id"], opened["by"], opened["totals"]) == (ack["id"], ada, [0, 0])
        assert (await g.act("poll", room=room, poll=opened["id"], vote=1))["type"] == "ack"
        seen = await a.find(lambda f: f.get("type") == "poll" and f["totals"] == [0, 1])
        assert seen["votes"] == {grace: 1}


async def test_a_client_cannot_spoof_the_sender(system: System) -> None:
    room = unique("r")
    ada, ada_token = await system.user()
    grace, _ = await system.user()
    async with system.connect(ada_token) as a:
        await a.join(room)
        spoofed = await a.act("poll", room=room, question="Q?", options=["a", "b"], user=grace)
        assert (spoofed["type"], spoofed["error"]) == ("error", "invalid")
        assert "user is set by the server" in spoofed["detail"]
        opened = await a.act("poll", room=room, question="Q?", options=["a", "b"])
        poll = await a.find("poll", room=room)
        assert (poll["id"], poll["by"]) == (opened["id"], ada)  # nothing else was published
        await a.pong()


async def test_a_client_cannot_act_on_a_room_it_may_not_post_in(system: System) -> None:
    _, token = await system.user()
    async with system.connect(token) as a:
        refused = await a.act("poll", room=unique("r"), question="Q?", options=["a", "b"])
        assert (refused["type"], refused["error"]) == ("error", "not_joined")
        assert [f for f in await a.quiet(1.0) if f.get("type") == "poll"] == []


async def test_bad_action_frames_get_an_error_and_change_nothing(system: System) -> None:
    room = unique("r")
    _, token = await system.user()
    async with system.connect(token) as a:
        await a.join(room)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"room": room, "question": "Q?", "options": ["only one"]}, "options"),
            ({"room": room, "vote": "one"}, "vote"),
            ({"room": room, "extra": 1}, "must not contain"),
        ]
        for fields, detail in cases:
            refused = await a.act("poll", **fields)
            assert (refused["type"], refused["error"]) == ("error", "invalid"), refused
            assert detail in refused["detail"]
        unknown = await a.error({"type": "nosuch", "client_id": "c1"}, "unknown_type")
        assert "poll" in unknown["detail"]  # the declared actions are listed with the others
        assert [f for f in await a.quiet(1.0) if f.get("type") == "poll"] == []


async def test_a_new_action_file_goes_live_under_parley_up_and_is_refused_once_withdrawn(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "functions"
    folder.mkdir()
    (folder / "presence.py").write_text((REPO / "functions" / "presence.py").read_text())
    up = Up(settings, folder)
    system = System(settings, tmp_path)
    try:
        await eventually(lambda: "fn-presence.0" in up.pids(), timeout=60, what="presence up")
        gateway = await system.start_gateway(leave_debounce=0.0)
        presence_pid, room = up.pids()["fn-presence.0"], unique("r")
        _, token = await system.user()
        async with system.connect(token) as client:
            await client.join(room)
            await client.error({"type": "shout", "client_id": "c0"}, "unknown_type")

            written = time.monotonic()
            (folder / "shout.py").write_text(SHOUT)

            async def shouted() -> bool:
                answer = await client.act("shout", room=room, text="hello")
                return bool(answer["type"] == "ack")

            await eventually(shouted, timeout=30, what="the shout action accepted")
            heard = await client.find("shout", room=room)
            print(f"usable {time.monotonic() - written:.2f}s after the file was written")
            assert heard["text"] == "HELLO"
            await client.act("shout", room=room, text="again")
            assert (await client.find("shout", text="AGAIN"))["n"] == heard["n"] + 1

            assert up.pids()["fn-presence.0"] == presence_pid, "another function restarted"
            assert gateway.proc.poll() is None

            (folder / "shout.py").unlink()

            async def withdrawn() -> bool:
                answer = await client.act("shout", room=room, text="anyone?")
                return bool(answer.get("error") == "unknown_type")

            await eventually(withdrawn, timeout=10, what="shout refused after its file went")
    finally:
        system.stop()
        assert up.stop() == 0


async def test_state_survives_kill_9_and_racing_replicas_lose_no_update(
    settings: Settings, tmp_path: Path
) -> None:
    system = System(settings, tmp_path)
    try:
        await system.start(functions=())
        workers = system.workers
        first, _ = await workers.start_many(["tally", "tally"], functions=TEST_FUNCTIONS)
        users = [await system.user() for _ in range(8)]
        acked: set[str] = set()

        async def send(name: str, token: str, numbers: range) -> None:
            async with system.connect(token) as client:
                for n in numbers:
                    answer = await client.act("tally", n=n)
                    assert answer["type"] == "ack", answer
                    acked.add(f"{name}:{n}")

        await asyncio.gather(*(send(name, token, range(0, 15)) for name, token in users))

        async def kill_mid_stream() -> None:
            await eventually(lambda: len(acked) >= 8 * 20, timeout=60, what="a stream going")
            first.kill()  # kill -9 one replica; its uncommitted events are redelivered
            first.wait(10)

        killer = asyncio.create_task(kill_mid_stream())
        await asyncio.gather(*(send(name, token, range(15, 30)) for name, token in users))
        await killer
        await workers.start("tally", functions=TEST_FUNCTIONS)
        await asyncio.gather(*(send(name, token, range(30, 40)) for name, token in users))

        async with Store(settings.database_url()) as store:
            state = store.state("tally")

            async def all_marked() -> bool:
                marks = await state.get("marks")
                return isinstance(marks, list) and len(marks) >= len(acked)

            await eventually(all_marked, timeout=60, what="every acked tally in the state")
            marks = await state.get("marks")
        assert isinstance(marks, list)
        assert sorted(map(str, marks)) == sorted(acked)  # each acked once: none lost or doubled
    finally:
        system.stop()


async def test_the_gateway_never_imports_a_function_file(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "functions"
    folder.mkdir()
    marker = tmp_path / "imported"
    (folder / "trap.py").write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit(3)\n")
    watched = settings.model_copy(update={"functions_dir": folder})
    system = System(watched, tmp_path)
    try:
        gateway = await system.start_gateway()
        _, token = await system.user()
        for path in ("/api/functions", "/api/actions", "/api/health"):
            status, _ = await http(gateway, "GET", path, token=token)
            assert status == 200, path
        async with system.connect(token) as client:
            await client.error({"type": "trap", "client_id": "c1"}, "unknown_type")
        assert not marker.exists(), "the gateway imported a file of functions/"
    finally:
        system.stop()
