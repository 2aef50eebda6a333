"""The embedded broker and the shared test broker behave like a real Kafka, because they are."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from runtime.errors import PortInUse
from runtime.ops.broker import EmbeddedBroker
from tests.support.broker import embedded_broker
from tests.support.net import unique


def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for value in values:
        producer.produce(topic, value=value, key=b"k")
    assert producer.flush(15) == 0


def consume(bootstrap: str, topic: str, count: int) -> list[bytes]:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": unique("g"), "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    got: list[bytes] = []
    try:
        for _ in range(60):
            for msg in consumer.consume(num_messages=count, timeout=1.0):
                assert msg.error() is None, msg.error()
                got.append(msg.value() or b"")
            if len(got) >= count:
                break
    finally:
        consumer.close()
    return got


def test_produce_then_consume_round_trip(kafka_bootstrap: str, topic: str) -> None:
    values = [f"event-{i}".encode() for i in range(20)]
    produce(kafka_bootstrap, topic, values)
    assert consume(kafka_bootstrap, topic, len(values)) == values


def test_admin_creates_topic_with_six_partitions(kafka_bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
    futures[topic].result(timeout=15)
    deadline = time.monotonic() + 15  # the metadata may lag the creation on a busy broker
    while not (partitions := admin.list_topics(topic, timeout=10).topics[topic].partitions):
        assert time.monotonic() < deadline, f"{topic} has no partitions 15 s after its creation"
        time.sleep(0.05)
    assert len(partitions) == 6


def java_pids(home: Path) -> list[int]:
    out = subprocess.run(["pgrep", "-f", str(home)], capture_output=True, text=True, check=False)
    return [int(pid) for pid in out.stdout.split()]


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    broker = embedded_broker(tmp_path / "kafka")
    yield broker
    broker.stop()
    assert java_pids(broker.home) == [], "a broker JVM outlived its test"


@pytest.mark.slow
def test_data_survives_stop_and_start(own_broker: EmbeddedBroker) -> None:
    own_broker.start()
    topic = unique("t")
    produce(own_broker.bootstrap, topic, [b"before-restart"])
    assert own_broker.stop() is True
    assert java_pids(own_broker.home) == []

    own_broker.start()
    assert consume(own_broker.bootstrap, topic, 1) == [b"before-restart"]


def test_status_in_each_state(own_broker: EmbeddedBroker) -> None:
    assert own_broker.status().state == "stopped"

    started = own_broker.start()
    assert started.state == "running"
    assert own_broker.status().pid == started.pid
    assert own_broker.start().pid == started.pid, "a second start must reuse the running broker"

    assert own_broker.stop() is True
    assert own_broker.status().state == "stopped"
    assert own_broker.stop() is False

    own_broker.pid_file.write_text("999999")
    assert own_broker.status().state == "stale"


def test_start_on_a_taken_port_fails_clearly(own_broker: EmbeddedBroker) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", own_broker.port))
        holder.listen()
        with pytest.raises(PortInUse, match=f"port {own_broker.port}.*PARLEY_KAFKA__PORT"):
            own_broker.start()
    assert own_broker.status().state == "stopped"
    assert java_pids(own_broker.home) == []
