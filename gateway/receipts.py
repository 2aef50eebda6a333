"""Which event id each recent ``client_id`` got, so a re-sent frame is acked with the same id.

A client that did not see its ``ack`` (a reconnect, an ``unavailable`` error) sends the frame
again with the same ``client_id``. The first sight of a ``(user, client_id)`` picks the event
id; every retry reuses it, so Kafka may carry the event twice but it is stored once (the chat
and private functions are idempotent by id) and shown once (the hub drops repeated ids).
Older retries are caught by the store (``find_by_client_id``, one query for the concurrent
look-ups) before anything is produced.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from runtime.events import new_id


@dataclass
class Receipt:
    id: str
    acked: bool = False


class Receipts:
    """``(user, client_id) -> Receipt`` for the most recent ``size`` client ids."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._receipts: OrderedDict[tuple[str, str], Receipt] = OrderedDict()

    def get(self, user: str, client_id: str) -> Receipt | None:
        return self._receipts.get((user, client_id))

    def issue(self, user: str, client_id: str, event_id: str | None = None) -> Receipt:
        """A receipt for a new client id: a fresh event id unless ``event_id`` is known."""
        receipt = Receipt(event_id or new_id(), acked=event_id is not None)
        self._receipts[(user, client_id)] = receipt
        if len(self._receipts) > self.size:
            self._receipts.popitem(last=False)
        return receipt
