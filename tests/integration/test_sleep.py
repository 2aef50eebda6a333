"""Sleep and wake under `parley up --autoscale`, against the real broker: a function with
min_replicas=0 goes to zero processes once idle, keeps its registry entry, and the next event
wakes it and is handled exactly once (nothing lost, nothing twice); an event its ``match``
filter refuses does not wake it; a declared action of a sleeping function is acked by the
gateway and handled on wake."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from runtime.kafka.admin import admin_client
from runtime.kafka.registry import read_registry
from runtime.ops.lag import Functions
from runtime.settings import Settings
from runtime.testing import message
from tests.integration.test_supervisor import Up, alive, seen
from tests.support.harness import eventually, produce
from tests.support.net import unique
from tests.support.system import System

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

SLEEPER = """
import os
from runtime import Context, MessageEvent, on_message

@on_message(min_replicas=0, start="{start}")
async def {name}(event: MessageEvent, ctx: Context) -> None:
    with open(ctx.settings.data_dir / "{name}.seen", "a") as out:
        out.write(f"{{os.getpid()}} {{event.id}}\\n")
"""

SHOUT = """
from runtime import Action, Context, Delivery, Room, Text, on_action


class Shout(Action):
    room: Room
    text: Text


@on_action("shout", min_replicas=0)
async def shout(event: Shout, ctx: Context) -> Delivery:
    frame = {"type": "shout", "room": event.room, "user": event.user, "text": event.text.upper()}
    return Delivery(room=event.room, frame=frame)
"""

CHOOSY = """
import os
from runtime import Context, MessageEvent, on_message

@on_message(min_replicas=0, match={{"text": {{"prefix": "/"}}}})
async def {name}(event: MessageEvent, ctx: Context) -> None:
    with open(ctx.settings.data_dir / "{name}.seen", "a") as out:
        out.write(f"{{os.getpid()}} {{event.id}}\\n")
"""

QUICK = {"PARLEY_AUTOSCALE__IDLE_AFTER": "2"}


@pytest.fixture
def settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    from tests.support.harness import make_settings

    return make_settings(kafka_bootstrap, tmp_path / "data")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "functions"
    path.mkdir()
    return path


def handled(settings: Settings, name: str) -> Counter[str]:
    return Counter(event for _, event in seen(settings, name))


async def asleep(up: Up, name: str) -> None:
    await eventually(
        lambda: up.states().get(f"fn-{name}") == "asleep", timeout=60, what=f"{name} asleep"
    )


@pytest.mark.parametrize("start", ["latest", "earliest"])
async def test_a_sleeper_goes_to_zero_and_a_message_wakes_it_without_loss_or_repeat(
    settings: Settings, folder: Path, start: str
) -> None:
    (folder / "sleepy.py").write_text(SLEEPER.format(name="sleepy", start=start))
    up = Up(settings, folder, "--autoscale", env=QUICK)
    try:
        await eventually(lambda: "fn-sleepy.0" in up.pids(), timeout=60, what="sleepy running")
        first = up.pids()["fn-sleepy.0"]

        async def announced() -> bool:  # it owns its partitions: "latest" starts from here
            return "sleepy" in [d.name for d in await read_registry(settings)]

        await eventually(announced, timeout=60, what="sleepy in the registry")
        awake = [message(f"awake {n}", room=f"r{n % 6}") for n in range(6)]
        await produce(settings, awake)
        await eventually(lambda: len(handled(settings, "sleepy")) == 6, what="6 handled awake")

        await asleep(up, "sleepy")
        assert "fn-sleepy.0" not in up.pids()
        await eventually(lambda: not alive(first), timeout=30, what="its process gone")
        # Asleep, it keeps its registry entry, and the ops views say so.
        assert "sleepy" in [d.name for d in await read_registry(settings)]
        descriptors = await read_registry(settings)
        admin = admin_client(settings.kafka.client_config())
        rows = Functions(settings, admin, lambda: descriptors).snapshot()
        assert [(r.state, r.replicas) for r in rows if r.name == "sleepy"] == [("asleep", 0)]

        woken = [message(f"asleep {n}", room=f"r{n % 6}") for n in range(20)]
        await produce(settings, woken)
        expected = {e.id for e in awake + woken}
        await eventually(
            lambda: set(handled(settings, "sleepy")) == expected,
            timeout=60,
            what="every event handled after the wake",
        )
        assert up.said("function sleepy: an event waits for it, waking it")
        second = up.pids()["fn-sleepy.0"]
        assert second != first

        # Asleep again, and woken again by one event: each handled once in all.
        await asleep(up, "sleepy")
        last = message("once more", room="r0")
        await produce(settings, [last])
        await eventually(
            lambda: last.id in handled(settings, "sleepy"), timeout=60, what="the second wake"
        )
        counts = handled(settings, "sleepy")
        assert set(counts) == expected | {last.id}
        assert [e for e, n in counts.items() if n > 1] == [], "an event was handled twice"
    finally:
        assert up.stop() == 0


async def test_an_event_the_filter_refuses_does_not_wake_a_sleeper(
    settings: Settings, folder: Path
) -> None:
    (folder / "choosy.py").write_text(CHOOSY.format(name="choosy"))
    (folder / "plain.py").write_text(SLEEPER.format(name="plain", start="latest"))
    up = Up(settings, folder, "--autoscale", env=QUICK)
    try:

        async def announced() -> bool:  # both own their partitions
            names = [d.name for d in await read_registry(settings)]
            return "choosy" in names and "plain" in names

        await eventually(announced, timeout=60, what="both in the registry")
        await asleep(up, "choosy")
        await asleep(up, "plain")
        # One record, judged for both sleepers at once: plain (no filter) wakes on it, so
        # once plain is woken the watcher has judged it for choosy too, and refused it.
        chatter = message("just chatting", room="r0")
        await produce(settings, [chatter])
        await eventually(
            lambda: up.said("function plain: an event waits for it, waking it"),
            timeout=60,
            what="plain woken by the chatter",
        )
        await eventually(lambda: chatter.id in handled(settings, "plain"), what="plain handled")
        assert not up.said("function choosy: an event waits for it, waking it")
        assert up.states().get("fn-choosy") == "asleep"

        command = message("/roll 2d6", room="r0")
        await produce(settings, [command])
        await eventually(
            lambda: command.id in handled(settings, "choosy"), timeout=60, what="choosy woken"
        )
        assert up.said("function choosy: an event waits for it, waking it")
        assert chatter.id not in handled(settings, "choosy")  # its worker skipped it
    finally:
        assert up.stop() == 0


async def test_a_sleeping_functions_action_is_acked_and_handled_on_wake(
    settings: Settings, folder: Path, tmp_path: Path
) -> None:
    (folder / "shout.py").write_text(SHOUT)
    up = Up(settings, folder, "--autoscale", env=QUICK)
    system = System(settings, tmp_path)
    try:
        await eventually(lambda: "fn-shout.0" in up.pids(), timeout=60, what="shout running")
        await system.start_gateway(leave_debounce=0.0)
        room = unique("r")
        _, token = await system.user()
        _, admin_token = await system.admin()
        async with system.connect(token) as client:
            await client.join(room)

            async def accepted() -> bool:
                answer = await client.act("shout", room=room, text="awake")
                return bool(answer["type"] == "ack")

            await eventually(accepted, timeout=30, what="the shout action accepted")
            await client.find("shout", text="AWAKE")
            await asleep(up, "shout")
            assert "fn-shout.0" not in up.pids()

            from tests.support.system import http

            async def shown_asleep() -> bool:
                status, body = await http(
                    system.gateway, "GET", "/api/functions", token=admin_token
                )
                rows = [f for f in body["functions"] if f["name"] == "shout"] if status else []
                return [(f["state"], f["replicas"]) for f in rows] == [("asleep", 0)]

            await eventually(shown_asleep, timeout=20, what="/api/functions: shout asleep")
            answer = await client.act("shout", room=room, text="wake up")
            assert answer["type"] == "ack", answer  # accepted while nobody runs it
            heard = await client.find("shout", text="WAKE UP", timeout=60)
            assert heard["user"]
            assert "fn-shout.0" in up.pids()
    finally:
        system.stop()
        assert up.stop() == 0
