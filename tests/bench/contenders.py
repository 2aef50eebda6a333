"""The three runtime-throughput contenders, each run as its own process by bench_runtime.

    python -m tests.bench.contenders parley|bare|faststream BOOTSTRAP IN_TOPIC OUT_TOPIC GROUP

Each consumes MessageEvents from IN_TOPIC from the beginning, runs the same trivial handler
(decode, build a Delivery, encode) and produces the result to OUT_TOPIC with acks=all,
committing only what was produced. The parent measures the output topic and kills the process.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from runtime.events import MessageEvent, decode, encode
from tests.bench.functions.relay import relay_delivery


def bare(bootstrap: str, source: str, sink: str, group: str) -> None:
    """The limit: a plain confluent-kafka loop, batch in, produce, flush, commit."""
    from confluent_kafka import Consumer, Producer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    producer = Producer(
        {"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 2}
    )
    consumer.subscribe([source])
    while True:
        batch = consumer.consume(500, 0.1)
        for message in batch:
            event = decode(message.value(), MessageEvent)
            producer.produce(sink, encode(relay_delivery(event)), event.key())
        if batch:
            producer.flush()
            consumer.commit(asynchronous=True)


def parley(bootstrap: str, source: str, sink: str, group: str) -> None:
    """Parley's worker running functions/relay.py (topics come from a prefix)."""
    from runtime.engine.discovery import load
    from runtime.engine.process import serve
    from runtime.settings import KafkaSettings, Settings

    prefix = source.removesuffix("chat.message")
    assert sink == prefix + "chat.deliver", "parley writes to <prefix>chat.deliver"
    settings = Settings(
        kafka=KafkaSettings(bootstrap=bootstrap),
        topic_prefix=prefix,
        data_dir=Path(f"/tmp/{group}"),
    )
    asyncio.run(serve(load(Path(__file__).parent / "functions" / "relay.py"), settings))


def faststream(bootstrap: str, source: str, sink: str, group: str) -> None:
    """FastStream 0.7 with its confluent broker, ack after the handler (at least once)."""
    from faststream import AckPolicy, FastStream
    from faststream.confluent import KafkaBroker, KafkaMessage

    broker = KafkaBroker(bootstrap, logger=None)  # no per-message log lines: fair to it

    @broker.subscriber(
        source, group_id=group, auto_offset_reset="earliest", ack_policy=AckPolicy.ACK
    )
    @broker.publisher(sink)
    async def relay(body: Any, message: KafkaMessage) -> bytes:  # FastStream parses the JSON

        event = decode(message.body, MessageEvent)
        return encode(relay_delivery(event))

    asyncio.run(FastStream(broker, logger=None).run())


if __name__ == "__main__":
    kind, *args = sys.argv[1:]
    {"bare": bare, "parley": parley, "faststream": faststream}[kind](*args)
