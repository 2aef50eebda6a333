"""The roster (gateway/delivery/roster.py): snapshots from one load per room, changes coalesced."""

from __future__ import annotations

import asyncio

import pytest

from gateway.delivery.roster import CROWD, Roster
from runtime.frames import PresenceChangeFrame


class Room:
    """A fake hub and store around one roster."""

    def __init__(self, stored: list[str]) -> None:
        self.stored = stored
        self.loads = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.sent: list[PresenceChangeFrame] = []
        self.served = {"lobby": 1}  # sockets per room
        self.roster = Roster(self.send, self.load, lambda room: self.served.get(room, 0))

    def send(self, room: str, frame: PresenceChangeFrame) -> None:
        self.sent.append(frame)

    async def load(self, room: str) -> list[str]:
        self.loads += 1
        await self.gate.wait()
        return list(self.stored)


async def test_changes_coalesce_into_one_frame_per_flush_with_the_net_result() -> None:
    room = Room(["ada"])
    roster = room.roster
    assert await roster.snapshot("lobby") == ["ada"]
    roster.change("lobby", ["bob"], [])
    roster.change("lobby", ["cy"], [])
    roster.change("lobby", [], ["bob"])  # came and went within the interval
    roster.change("lobby", [], ["ada"])
    assert await roster.snapshot("lobby") == ["cy"]  # the view is current at once
    roster.flush()
    roster.flush()  # nothing new: nothing sent
    assert room.sent == [
        {"type": "presence", "room": "lobby", "joined": ["cy"], "left": ["ada", "bob"]}
    ]
    assert room.loads == 1


async def test_changes_during_the_load_apply_after_it() -> None:
    room = Room(["ada", "bob"])
    room.gate.clear()
    first = asyncio.create_task(room.roster.snapshot("lobby"))
    second = asyncio.create_task(room.roster.snapshot("lobby"))
    await asyncio.sleep(0)
    room.roster.change("lobby", ["cy"], ["bob"])  # while the store is being read
    room.gate.set()
    assert await first == ["ada", "cy"]
    assert await second == ["ada", "cy"]
    assert room.loads == 1  # concurrent joiners share one load


async def test_a_room_nobody_here_is_in_is_forgotten_and_loaded_afresh() -> None:
    room = Room(["ada"])
    assert await room.roster.snapshot("lobby") == ["ada"]
    room.served.clear()
    room.roster.change("lobby", ["bob"], [])
    room.roster.flush()
    assert room.sent == []
    room.stored = ["zed"]
    room.served["lobby"] = 1
    assert await room.roster.snapshot("lobby") == ["zed"]
    assert room.loads == 2


async def test_a_failed_load_is_retried_by_the_next_joiner() -> None:
    room = Room(["ada"])
    calls = 0

    async def flaky(name: str) -> list[str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database away")
        return ["ada"]

    roster = Roster(room.send, flaky, lambda _: 1)
    with pytest.raises(OSError, match="away"):
        await roster.snapshot("lobby")
    assert await roster.snapshot("lobby") == ["ada"]


async def test_the_joiner_is_in_its_own_snapshot_in_order() -> None:
    room = Room(["ada", "cy"])
    assert await room.roster.snapshot("lobby", "bob") == ["ada", "bob", "cy"]
    assert await room.roster.snapshot("lobby", "ada") == ["ada", "cy"]
    assert await room.roster.snapshot("lobby") == ["ada", "cy"]  # the view itself unchanged


async def test_a_crowded_room_gets_its_changes_less_often() -> None:
    room = Room([])
    room.served["lobby"] = 3 * CROWD
    roster = room.roster
    await roster.snapshot("lobby")
    roster.change("lobby", ["ada"], [])
    roster.flush(now=100.0)
    roster.change("lobby", ["bob"], [])
    roster.flush(now=101.0)
    roster.flush(now=102.0)
    assert [f["joined"] for f in room.sent] == [["ada"]]  # held: due again after 3 intervals
    roster.flush(now=103.0)
    assert [f["joined"] for f in room.sent] == [["ada"], ["bob"]]
    room.served["lobby"] = 1  # a small room again: every interval, once the last wait is over
    roster.change("lobby", ["cy"], [])
    roster.flush(now=106.0)
    roster.change("lobby", ["dee"], [])
    roster.flush(now=107.0)
    assert [f["joined"] for f in room.sent][2:] == [["cy"], ["dee"]]
