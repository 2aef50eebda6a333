"""Login throttling: failed logins make the next attempt wait, exponentially, and are forgotten
over time.

    throttle = LoginThrottle.of(settings.gateway)
    wait = throttle.attempt(account, address)  # 0.0: go ahead (counted as a failure until
                                               # told otherwise); else answer 429, Retry-After
    ...check the password...
    throttle.succeeded(account, address)       # or throttle.unchecked(...) when it was not

Three counters see each failure, each with its own bound:

- per **(account, address)**: the strict one. After ``login_free`` failures the next try
  waits ``login_first_wait`` (1 s), and each further failure doubles the wait, up to
  ``login_max_wait``. This is what a guesser at one address
  meets, and the real user at another address never does.
- per **address** (any account): password spraying from one address.
- per **account** (any address): guessing spread over many addresses. Its wait is capped low
  (``login_account_max_wait``), and an address the account logged in from successfully skips
  it, so an attacker cannot use it to keep the real user out.

A counter forgets one failure every ``login_decay`` seconds, so a counter left alone drops
back to zero: nothing locks anyone out for good. Counters live in this process (each gateway
instance counts its own), at most ``size`` of each, the least recently touched dropped first.
Refused attempts are not counted, and cost no password hash. An admitted attempt counts as a
failure from the start, so a burst of concurrent guesses is throttled as it comes rather than
after its hashes are done; a success (or an attempt that was never checked) takes it back.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from runtime.settings import GatewaySettings

FIRST_WAIT = 1.0
SIZE = 100_000


@dataclass(frozen=True)
class Limit:
    """After ``free`` failures the next try waits ``first`` seconds, and each further failure
    doubles the wait, up to ``cap`` seconds; one failure is forgotten every ``decay``
    seconds."""

    free: int
    cap: float
    decay: float
    first: float = FIRST_WAIT

    def wait(self, failures: float) -> float:
        """Seconds to wait after ``failures`` (decayed) failures."""
        # to the nearest whole failure: one a moment ago still counts as one
        over = math.floor(failures + 0.5) - self.free
        if over < 0:
            return 0.0
        return min(self.cap, self.first * 2.0 ** min(over, 64))


class Counter:
    """Failures under one key, decaying; the time of the last one."""

    __slots__ = ("failures", "last")

    def __init__(self, failures: float, last: float) -> None:
        self.failures = failures
        self.last = last


class Throttle:
    """Failure counters under one ``Limit``, keyed by anything hashable."""

    def __init__(
        self, limit: Limit, clock: Callable[[], float] = time.monotonic, size: int = SIZE
    ) -> None:
        self.limit = limit
        self.size = size
        self._clock = clock
        self._counters: OrderedDict[Hashable, Counter] = OrderedDict()

    def __len__(self) -> int:
        return len(self._counters)

    def failures(self, key: Hashable) -> float:
        """The failures ``key`` still counts now (decayed)."""
        counter = self._counters.get(key)
        if counter is None:
            return 0.0
        return max(0.0, counter.failures - (self._clock() - counter.last) / self.limit.decay)

    def wait(self, key: Hashable) -> float:
        """Seconds before ``key`` may try again; 0.0 when it may now."""
        counter = self._counters.get(key)
        if counter is None:
            return 0.0
        until = counter.last + self.limit.wait(counter.failures)
        return max(0.0, until - self._clock())

    def fail(self, key: Hashable) -> None:
        """Count one failure of ``key``."""
        failures = self.failures(key) + 1
        self._counters[key] = Counter(failures, self._clock())
        self._counters.move_to_end(key)
        while len(self._counters) > self.size:
            self._counters.popitem(last=False)

    def refund(self, key: Hashable) -> None:
        """Take back one failure of ``key`` (an attempt counted up front that did not fail)."""
        counter = self._counters.get(key)
        if counter is not None:
            counter.failures = max(0.0, counter.failures - 1)

    def clear(self, key: Hashable) -> None:
        """Forget ``key``'s failures."""
        self._counters.pop(key, None)


class LoginThrottle:
    """The three counters of a login (see the module's docstring) and the addresses each
    account logged in from."""

    def __init__(
        self,
        pair: Limit,
        address: Limit,
        account: Limit,
        clock: Callable[[], float] = time.monotonic,
        size: int = SIZE,
    ) -> None:
        self.pair = Throttle(pair, clock, size)
        self.address = Throttle(address, clock, size)
        self.account = Throttle(account, clock, size)
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._size = size

    @classmethod
    def of(cls, gateway: GatewaySettings) -> LoginThrottle:
        """The throttle ``gateway``'s ``login_*`` settings describe."""
        decay, first = gateway.login_decay, gateway.login_first_wait
        account_cap = gateway.login_account_max_wait
        return cls(
            pair=Limit(gateway.login_free, gateway.login_max_wait, decay, first),
            address=Limit(gateway.login_address_free, gateway.login_max_wait, decay / 5, first),
            account=Limit(
                gateway.login_account_free, account_cap, decay / 5, min(first, account_cap)
            ),
        )

    def wait(self, account: str, address: str) -> float:
        """Seconds before ``account`` may be tried from ``address``; 0.0 for now."""
        waits = [self.pair.wait((account, address)), self.address.wait(address)]
        if (account, address) not in self._known:
            waits.append(self.account.wait(account))
        return max(waits)

    def attempt(self, account: str, address: str) -> float:
        """Admit a try of ``account`` from ``address`` (0.0), counted as a failure until
        ``succeeded`` or ``unchecked`` says otherwise; or the seconds it must wait first (and
        nothing is counted)."""
        wait = self.wait(account, address)
        if wait == 0.0:
            self.failed(account, address)
        return wait

    def failed(self, account: str, address: str) -> None:
        """A wrong password (or no such account) for ``account`` from ``address``."""
        self.pair.fail((account, address))
        self.address.fail(address)
        self.account.fail(account)

    def unchecked(self, account: str, address: str) -> None:
        """An admitted try whose password was never checked (the hashing pool was full)."""
        self.pair.refund((account, address))
        self.address.refund(address)
        self.account.refund(account)

    def succeeded(self, account: str, address: str) -> None:
        """``account`` logged in from ``address`` (after ``attempt``): that pair starts
        afresh, the try is taken back from the other counters, and the address skips the
        per-account bound from now on."""
        self.address.refund(address)
        self.account.refund(account)
        self.pair.clear((account, address))
        self._known[(account, address)] = None
        self._known.move_to_end((account, address))
        while len(self._known) > self._size:
            self._known.popitem(last=False)


def retry_after(wait: float) -> str:
    """``wait`` seconds as a ``Retry-After`` value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(wait)))
