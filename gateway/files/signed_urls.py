"""Signed, expiring file URLs: whoever holds one may fetch that file until it expires, without
a token (an ``<img src>`` cannot send one).

    links = Links(secret, ttl=3600)
    url = links.url("Q1w2...", "thumb")          # "/files/Q1w2.../thumb?exp=1767225600&sig=..."
    links.valid("Q1w2...", "thumb", exp, sig)    # False when tampered with or expired

The signature is HMAC-SHA256 over the upload id, the variant and the expiry, with a key derived
from the server secret (so it is no token and no token is one of these).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time

from runtime.db.uploads import Variant

SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes, base64url without padding
EXPIRY = re.compile(r"[0-9]{1,12}")


class Links:
    """Makes and checks file URLs signed with a key derived from ``secret``."""

    def __init__(self, secret: bytes, ttl: float) -> None:
        self._key = hmac.new(secret, b"parley file links v1", hashlib.sha256).digest()
        self.ttl = ttl

    def url(self, upload_id: str, variant: Variant = "file") -> str:
        """A URL path (on the gateway) for ``upload_id``'s file or thumbnail, valid ``ttl`` s."""
        expires = int(time.time() + self.ttl)
        signature = base64.urlsafe_b64encode(self._sign(upload_id, variant, expires))
        path = f"/files/{upload_id}" + ("/thumb" if variant == "thumb" else "")
        return f"{path}?exp={expires}&sig={signature.rstrip(b'=').decode()}"

    def valid(self, upload_id: str, variant: Variant, exp: str, sig: str) -> bool:
        """Whether ``exp`` and ``sig`` are a signature this server made for ``upload_id``'s
        ``variant``, and not expired. Strict: any other spelling of them is refused."""
        if not EXPIRY.fullmatch(exp) or not SIGNATURE.fullmatch(sig):
            return False
        try:
            given = base64.urlsafe_b64decode(sig + "=")
        except (binascii.Error, ValueError):
            return False
        expected = self._sign(upload_id, variant, int(exp))
        return hmac.compare_digest(given, expected) and int(exp) > time.time()

    def _sign(self, upload_id: str, variant: Variant, expires: int) -> bytes:
        message = f"{upload_id}\n{variant}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()
