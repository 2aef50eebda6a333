"""The Kafka record headers Parley writes (docs/PROTOCOL.md, "Kafka topics")."""

from __future__ import annotations

ORIGIN = "parley-origin"  # the function that produced the record (its own are skipped)
ROUTE = "parley-route"  # a delivery's ``room:<name>`` or ``users:<a>,<b>``, read unparsed
TRACEPARENT = "traceparent"  # W3C trace context, carried through every hop
DLQ_PREFIX = "parley-dlq-"  # a dead letter's source, error and attempts (see runtime.kafka.dlq)
