"""PARLEY_FAULTS on the real chat function: failures and delays at a rate, yet every message is
stored once and delivered once, in its room's order (retries with backoff; idempotent store)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from runtime.db.store import Store
from runtime.engine.discovery import load
from runtime.events import Delivery, decode
from runtime.testing import message
from tests.support.harness import eventually, make_settings, produce, read_to_end, running

pytestmark = pytest.mark.e2e

FUNCTIONS = Path(__file__).parents[2] / "functions"


async def test_injected_failures_and_delays_still_store_and_deliver_once(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = make_settings(kafka_bootstrap, tmp_path).model_copy(
        update={"faults": "chat:fail=0.3,delay=2ms,slow=0.5,seed=5"}
    )
    chat = load(FUNCTIONS / "chat.py")
    rooms = [f"room-{i}" for i in range(10)]
    events = [message(f"m{n}", room=rooms[n % len(rooms)]) for n in range(300)]
    async with Store(settings.database_url()) as store:
        await store.migrate()
        async with running(chat, settings, store) as worker:
            assert worker.runner.faults.fail == 0.3
            await produce(settings, events)
            await eventually(lambda: worker.stats.processed == 300, timeout=90, what="300 stored")
        stored = {room: await store.room_messages(room, limit=1000) for room in rooms}

    print(f"\nfaults: failed={worker.stats.failed} retried={worker.stats.retried}")
    assert worker.stats.failed > 50, "the faults did not strike at about 30%"
    assert worker.stats.dead_lettered == 0
    sent = defaultdict(list)
    for event in events:
        sent[event.room].append(event.id)
    for room in rooms:
        assert [m.id for m in stored[room]] == sent[room], f"{room}: stored set or order differs"

    # What a socket of each room is shown: a gateway drops a delivery whose seq is not past the
    # last one it sent (a worker that lost its partitions under load may deliver again).
    deliveries = [decode(m.value(), Delivery) for m in await read_to_end(settings, "chat.deliver")]
    shown: dict[str | None, list[str]] = defaultdict(list)
    last: dict[str | None, int] = defaultdict(int)
    for d in deliveries:
        assert d.seq is not None
        if d.seq > last[d.room]:
            last[d.room] = d.seq
            shown[d.room].append(str(d.frame["id"]))
    print(f"deliveries: {len(deliveries)} records for {len(events)} messages")
    assert shown == sent, "a room's messages are missing, repeated or out of order"
