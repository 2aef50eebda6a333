"""A gateway killed outright cannot announce its users' leaves: another gateway notices its
silence and does, so nobody stays "online" for good (real broker, real processes)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.support.harness import eventually
from tests.support.net import unique
from tests.support.system import http, running

pytestmark = pytest.mark.e2e


async def test_the_users_of_a_killed_gateway_leave_their_rooms(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    room = unique("r")
    async with running(
        kafka_bootstrap, tmp_path, functions=("chat", "presence"), heartbeat=0.2, dead_after=1.5
    ) as system:
        doomed, survivor = system.gateway, await system.start_gateway()
        ghost, ghost_token = await system.user()
        stay, stay_token = await system.user()
        async with system.connect(stay_token, gateway=survivor) as watcher:
            await watcher.join(room)
            async with system.connect(ghost_token, gateway=doomed) as sock:
                await sock.join(room)
                await watcher.present(room, [ghost, stay])
                doomed.stop(signal.SIGKILL)  # no leave announced by it
                update = await watcher.expect("presence", room=room, timeout=30)
                assert update == {"type": "presence", "room": room, "joined": [], "left": [ghost]}

            async def gone() -> bool:
                status, body = await http(
                    survivor, "GET", f"/api/rooms/{room}/presence", token=stay_token
                )
                return status == 200 and body["users"] == [stay]

            await eventually(gone, timeout=10, what="the ghost gone from the presence API")
