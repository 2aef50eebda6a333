"""Dead-letter headers and how ``parley dlq list`` reads them back, with no broker."""

from __future__ import annotations

from runtime.kafka.dlq import DeadLetter, dead_letter_headers
from runtime.kafka.headers import DLQ_PREFIX
from runtime.testing import MemoryRecord


def test_the_reason_travels_with_the_dead_letter() -> None:
    source = MemoryRecord("p.chat.message", 7, b"lobby", b"{}", [("traceparent", b"00-x")])
    headers = dead_letter_headers(source, "bot", "expired: 600.0s old", 0, "expired")
    letter = DeadLetter.from_message(MemoryRecord("p.dlq", 0, b"lobby", b"{}", list(headers)))
    assert (letter.reason, letter.error, letter.attempts) == ("expired", "expired: 600.0s old", 0)
    assert (letter.source_topic, letter.source_offset) == ("p.chat.message", 7)
    assert letter.headers == (("traceparent", b"00-x"),)  # what a replay sends back


def test_a_dead_letter_from_before_the_reason_header_gets_one_from_its_error() -> None:
    def older(error: str) -> DeadLetter:
        headers = [
            (k, v)
            for k, v in dead_letter_headers(MemoryRecord("t", 0, None, b"x"), "f", error, 0)
            if k != DLQ_PREFIX + "reason"
        ]
        return DeadLetter.from_message(MemoryRecord("dlq", 0, None, b"x", headers))

    assert older("undecodable: not JSON").reason == "undecodable"
    assert older("ValueError: boom").reason == "failed"
