"""Metrics against the real broker: exact counter values from a worker process and from the
gateway after known inputs, and lag and dead letters in the functions table."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient
from websockets.exceptions import ConnectionClosed

from runtime.db.store import Store
from runtime.engine.discovery import load
from runtime.ops.lag import Functions
from runtime.registry import describe
from runtime.settings import Settings
from runtime.testing import message
from tests.support.harness import eventually, make_settings, produce, produce_raw
from tests.support.harness import running as worker_running
from tests.support.net import unique
from tests.support.ready import assigned
from tests.support.scrape import Scrape, scrape
from tests.support.system import REPO, System, env_of, http, running

pytestmark = pytest.mark.e2e

FUNCTIONS = Path(__file__).parent / "functions"


@pytest.fixture
def settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return make_settings(kafka_bootstrap, data_dir).model_copy(update={"functions_dir": FUNCTIONS})


@pytest.fixture
def moody_process(settings: Settings, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """``parley worker moody`` with its metrics on a free port: (URL file, log file)."""
    url_file, log = tmp_path / "moody.url", tmp_path / "moody.log"
    env = {
        **env_of(settings),
        "PARLEY_WORKER__METRICS_PORT": "0",
        "PARLEY_WORKER__METRICS_FILE": str(url_file),
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "worker", "moody", "--functions", str(FUNCTIONS)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    try:
        yield url_file, log
    finally:
        proc.terminate()
        proc.wait(30)
    assert not url_file.exists(), "the worker did not remove its URL file on the way out"


async def test_worker_process_counts_what_happened_to_each_event(
    settings: Settings, moody_process: tuple[Path, Path]
) -> None:
    url_file, log = moody_process
    await eventually(
        lambda: url_file.exists() and assigned(log),
        timeout=60,
        what="the worker assigned, serving metrics",
    )
    url = url_file.read_text()

    (settings.data_dir / "fail").touch()  # moody: retries=1, so 2 attempts, then a dead letter
    await produce(settings, [message(f"doomed {n}", room=f"r{n}") for n in range(3)])

    async def counted(name: str, value: int) -> bool:
        return (await scrape(url)).value(name, function="moody") == value

    await eventually(lambda: counted("parley_worker_dead_lettered_total", 3), what="3 dead")
    (settings.data_dir / "fail").unlink()
    await produce(settings, [message(f"fine {n}", room=f"r{n}") for n in range(2)])
    await eventually(lambda: counted("parley_worker_processed_total", 2), what="2 processed")

    now = await scrape(url)
    fn = {"function": "moody"}
    assert now.value("parley_worker_fetched_total", **fn) == 5
    assert now.value("parley_worker_processed_total", **fn) == 2
    assert now.value("parley_worker_failed_total", **fn) == 6  # 3 events x 2 attempts
    assert now.value("parley_worker_retried_total", **fn) == 3  # the first attempt of each
    assert now.value("parley_worker_dead_lettered_total", **fn) == 3
    assert now.value("parley_worker_handler_seconds_count", **fn) == 8  # every attempt
    assert now.value("parley_worker_handler_seconds_bucket", le="+Inf", **fn) == 8
    assert now.value("parley_worker_handler_seconds_sum", **fn) > 0
    assert now.value("parley_worker_in_flight", **fn) == 0
    assert now.total("process_resident_memory_bytes") > 0

    # librdkafka reports the lag every 5 s: every partition of chat.message, nothing behind.
    async def caught_up() -> bool:
        lag = (await scrape(url)).series("parley_worker_consumer_lag", **fn)
        return len(lag) == settings.kafka.partitions and sum(lag.values()) == 0

    await eventually(caught_up, timeout=30, what="lag 0 on all six partitions")
    topics = {dict(k)["topic"] for k in now.series("parley_worker_consumer_lag", **fn)}
    assert topics <= {settings.topic("chat.message")}


async def test_functions_table_shows_lag_and_dead_letters(settings: Settings) -> None:
    handler = load(FUNCTIONS / "moody.py")
    async with Store(settings.database_url()) as store:
        await store.migrate()
        async with worker_running(handler, settings, store) as worker:
            (settings.data_dir / "fail").touch()
            await produce(settings, [message(f"doomed {n}") for n in range(2)])
            await eventually(lambda: worker.stats.dead_lettered == 2, what="2 dead letters")
            (settings.data_dir / "fail").unlink()
            await produce(settings, [message("fine")])
            await eventually(lambda: worker.stats.processed == 1, what="1 processed")
        # The worker committed and left; what arrives now waits for it.
        await produce(settings, [message(f"waiting {n}", room=f"r{n}") for n in range(4)])

    admin = AdminClient({"bootstrap.servers": settings.kafka.address(), "log_level": 3})
    described = [describe(load(FUNCTIONS / f"{n}.py"), settings) for n in ("moody", "slow")]
    rows = {
        row.name: row for row in Functions(settings, admin, lambda: described, ttl=0).snapshot()
    }
    assert (rows["moody"].lag, rows["moody"].dlq) == (4, 2)
    assert (rows["slow"].lag, rows["slow"].dlq) == (0, 0)  # never ran, start="latest"


# -- the gateway --------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("metrics")
    async with running(
        kafka_bootstrap, data_dir, functions=("chat", "presence"), leave_debounce=0.0
    ) as system:
        yield system


def delta(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


async def test_gateway_counts_frames_acks_errors_and_deliveries(system: System) -> None:
    url = system.gateway.url + "/metrics"
    room, (name, token) = unique("r"), await system.user()
    before = await scrape(url)
    async with system.connect(token) as sock:
        await sock.join(room)  # a presence snapshot comes back
        await sock.expect("presence", joined=[name])  # then the change the join made
        for n in range(3):
            await sock.post(room, f"hello {n}")
            await sock.expect("message", text=f"hello {n}")
        await sock.error("this is not JSON", "bad_json")
        await sock.error({"type": "shout"}, "unknown_type")
        await sock.error(
            {"type": "message", "room": unique("r"), "text": "hi", "client_id": unique("c")},
            "not_joined",
        )
        await sock.pong()
        during = await scrape(url)
    async with system.connect("not-a-token") as refused:
        with pytest.raises(ConnectionClosed):
            await refused.receive()

    def changed(name: str, **labels: str) -> float:
        return delta(before, during, name, **labels)

    gw = "parley_gateway_"
    assert during.value(gw + "connections") == 1
    assert changed(gw + "connections_opened_total") == 1
    frames_in = {
        t: changed(gw + "frames_in_total", type=t)
        for t in ("join", "message", "ping", "unknown", "leave", "private", "typing")
    }
    assert frames_in == {
        "join": 1,
        "message": 4,
        "ping": 1,
        "unknown": 2,
        "leave": 0,
        "private": 0,
        "typing": 0,
    }
    frames_out = {
        t: changed(gw + "frames_out_total", type=t)
        for t in ("ack", "message", "presence", "error", "pong", "private")
    }
    assert frames_out == {
        "ack": 3,
        "message": 3,
        "presence": 2,
        "error": 3,
        "pong": 1,
        "private": 0,
    }
    assert changed(gw + "acks_total") == 3
    errors = {
        c: changed(gw + "errors_total", code=c)
        for c in ("bad_json", "unknown_type", "not_joined", "invalid")
    }
    assert errors == {"bad_json": 1, "unknown_type": 1, "not_joined": 1, "invalid": 0}
    # 3 messages; the presence change is coalesced here and sent as this gateway's own frame
    assert changed(gw + "deliveries_total") == 3
    assert changed(gw + "delivery_seconds_count") == 3
    assert changed(gw + "delivery_seconds_bucket", le="+Inf") == 3
    assert 0 < changed(gw + "delivery_seconds_sum") < 3 * 10

    async def closed() -> bool:
        after = await scrape(url)
        return (
            after.value(gw + "connections") == 0
            and delta(before, after, gw + "closes_total", code="4401") == 1
        )

    await eventually(closed, what="both sockets closed and counted")
    after = await scrape(url)
    assert delta(before, after, gw + "closes_total", code="client") == 1
    assert delta(before, after, gw + "closes_total", code="1013") == 0


async def test_gateway_functions_endpoint_counts_a_dead_letter(system: System) -> None:
    _, token = await system.admin()
    await produce_raw(system.settings, "chat.message", [b"not an envelope"])

    async def dead_lettered() -> bool:
        _, body = await http(system.gateway, "GET", "/api/functions", token=token)
        rows = {row["name"]: row for row in body["functions"]}
        return bool(rows["chat"]["dlq"] == 1 and rows["presence"]["dlq"] == 0)

    await eventually(dead_lettered, what="chat's dead letter in /api/functions")
