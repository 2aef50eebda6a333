"""Which event id each recent ``client_id`` got, so a re-sent frame is acked with the same id.

A client that did not see its ``ack`` (a reconnect, an ``unavailable`` error) sends the frame
again with the same ``client_id``. The first sight of a ``(user, client_id)`` picks the event
id; every retry reuses it, so Kafka may carry the event twice but it is stored once (the chat
and private functions are idempotent by id) and shown once (the hub drops repeated ids).
Older retries are caught by the store (``find_by_client_id``, one query for the concurrent
look-ups) before anything is produced.

A receipt remembers what its frame asked for (its ``Intent``: where to, the text, what it
answers): a frame that reuses the ``client_id`` for anything else is refused
(``client_id_reused``) instead of being acked with the old message's id while its own text is
never stored.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from runtime.events import new_id
from runtime.history import StoredMessage


@dataclass(frozen=True)
class Intent:
    """What a message frame asked for. ``text`` None: not known any more (the stored message
    was edited or deleted since), so only the place and ``reply_to`` are compared."""

    to: str  # "room <name>" or "user <name as registered>"
    text: str | None
    reply_to: str | None = None

    @classmethod
    def of(cls, stored: StoredMessage) -> Intent:
        """The intent of a stored message's frame."""
        to = f"room {stored.room}" if stored.room is not None else f"user {stored.recipient}"
        changed = stored.edited_at is not None or stored.deleted
        return cls(to, None if changed else stored.text, stored.reply_to)

    def allows(self, again: Intent) -> bool:
        """Whether ``again`` is a retry of this frame (not a new message under its id)."""
        same_text = self.text is None or again.text is None or self.text == again.text
        return self.to == again.to and self.reply_to == again.reply_to and same_text


@dataclass
class Receipt:
    id: str
    acked: bool = False
    intent: Intent | None = None  # None: not a message (an action), or not known


class Receipts:
    """``(user, client_id) -> Receipt`` for the most recent ``size`` client ids."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._receipts: OrderedDict[tuple[str, str], Receipt] = OrderedDict()

    def get(self, user: str, client_id: str) -> Receipt | None:
        return self._receipts.get((user, client_id))

    def issue(
        self,
        user: str,
        client_id: str,
        event_id: str | None = None,
        intent: Intent | None = None,
    ) -> Receipt:
        """A receipt for a new client id: a fresh event id unless ``event_id`` is known."""
        receipt = Receipt(event_id or new_id(), acked=event_id is not None, intent=intent)
        self._receipts[(user, client_id)] = receipt
        if len(self._receipts) > self.size:
            self._receipts.popitem(last=False)
        return receipt
