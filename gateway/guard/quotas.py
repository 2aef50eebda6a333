"""What one user or one network address may hold on a gateway instance (docs/PROTOCOL.md 3.2).

    quotas = Quotas(settings.gateway)
    refusal = quotas.admit(user, address)    # None: counted in; else why not (close 4429)
    bucket = quotas.bucket(user)             # the user's frame budget, shared by their sockets
    ...
    quotas.release(user, address)            # when the socket closes

The per-socket rate limit alone let one user spread a flood over many sockets; these caps
bound the sockets per user and per address, and the frames per user across all of them.
"""

from __future__ import annotations

from collections import Counter
from typing import Protocol

from gateway.guard.bucket import Bucket
from runtime.settings import GatewaySettings

TOO_MANY = 4429  # close code: too many sockets for this user or address


class Quotas:
    """Socket counts per user and per address, and one frame bucket per connected user."""

    def __init__(self, limits: GatewaySettings) -> None:
        self.limits = limits
        self._users: Counter[str] = Counter()
        self._addresses: Counter[str] = Counter()
        self._buckets: dict[str, Bucket] = {}

    def admit(self, user: str, address: str) -> str | None:
        """Count a new socket in, or say (for its close reason) why it may not open."""
        limits = self.limits
        if self._users[user] >= limits.sockets_per_user:
            return f"too many sockets for this user ({limits.sockets_per_user}): close some"
        if self._addresses[address] >= limits.sockets_per_address:
            return f"too many sockets from this address ({limits.sockets_per_address}): close some"
        self._users[user] += 1
        self._addresses[address] += 1
        return None

    def bucket(self, user: str) -> Bucket:
        """The frame budget ``user``'s sockets on this instance share (while any is open)."""
        found = self._buckets.get(user)
        if found is None:
            found = self._buckets[user] = Bucket(self.limits.user_rate, self.limits.user_burst)
        return found

    def release(self, user: str, address: str) -> None:
        """A socket ``admit`` counted in has closed."""
        for counts, key in ((self._users, user), (self._addresses, address)):
            counts[key] -= 1
            if counts[key] <= 0:
                del counts[key]
        if user not in self._users:
            self._buckets.pop(user, None)


class HeaderLookup(Protocol):
    def get(self, key: str, default: str, /) -> str: ...


def client_address(headers: HeaderLookup, peer: str | None, limits: GatewaySettings) -> str:
    """The address a socket counts against: the ``client_ip_header`` a trusted proxy sets
    (its last entry), as the login throttle reads it (gateway.guard.access), else the TCP peer."""
    if limits.client_ip_header:
        given = headers.get(limits.client_ip_header, "").split(",")[-1].strip()
        if given:
            return given[:64]
    return peer or "unknown"
