"""Untrusted JSON text, parsed so that bad input is a clear refusal rather than a server fault.

    value = parse(text)        # BadJson (a ValueError) with a sentence saying what is wrong

Python's ``json`` module accepts two things Parley cannot use and fails on a third with an
error that is no ``ValueError``:

- a lone UTF-16 surrogate escape (``"\\ud800"``) gives a ``str`` that cannot be encoded as
  UTF-8 again: echoing it (a ``client_id`` in an ack) or storing it fails later, far from here;
- deep nesting (``[[[[...]]]]``) raises ``RecursionError``;
- (for HTTP bodies) bytes that are not UTF-8 raise ``UnicodeDecodeError`` (see ``decode``).
"""

from __future__ import annotations

import json
import re
from typing import Any

# Where a surrogate escape may be: ``\ud800`` to ``\udfff``, in either case.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


class BadJson(ValueError):
    """Input that is not usable JSON; ``str(error)`` says why, for the client."""


def decode(data: bytes) -> str:
    """``data`` as UTF-8 text (``BadJson`` when it is not UTF-8)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(f"not UTF-8 (byte {exc.start}): send JSON encoded as UTF-8") from None


def parse(text: str) -> Any:
    """The JSON value in ``text``: no lone surrogates anywhere, nesting the parser can hold."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise BadJson("the JSON nests too deeply: flatten it") from None
    except ValueError as exc:
        raise BadJson(f"this is not JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(text) is not None and not _encodable(value):
        raise BadJson(
            "the JSON holds a lone UTF-16 surrogate escape (\\ud800-\\udfff), which is no "
            "character: send text as valid Unicode"
        )
    return value


def _encodable(value: Any) -> bool:
    """Whether every string in ``value`` (keys included) encodes as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    except RecursionError:  # parsed fine, so deep but legal; encoding says nothing new
        return True
    return True
