"""Mentions: which names a message's text calls with ``@name`` (docs/PROTOCOL.md 1.7).

``@`` starts a mention when no letter, digit, ``_``, ``.`` or ``-`` comes right before it
(``ada@example.org`` mentions nobody); the name runs over username characters, and a ``.``
that ends it is the sentence's, not the name's (``@ada.`` names ada, ``@ada.b`` names ada.b).

    mentions_in("thanks @Ada and @bob.")    # ["Ada", "bob"]: matched to members in any case later
"""

from __future__ import annotations

import re

MENTION = re.compile(r"(?<![\w.-])@([A-Za-z0-9_.-]+)")
LONGEST = 32  # a username's length limit


def mentions_in(text: str) -> list[str]:
    """The names ``text`` mentions, each once, in the order they first appear."""
    names: dict[str, None] = {}
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if 0 < len(name) <= LONGEST:
            names.setdefault(name, None)
    return list(names)
