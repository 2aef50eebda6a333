"""The login throttle: exponential waits per (account, address), a looser bound per address
and per account, forgetting over time; a successful login keeps the account open to its
address."""

from __future__ import annotations

from gateway.guard.throttle import Limit, LoginThrottle, Throttle, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def login_throttle(clock: Clock, size: int = 1000) -> LoginThrottle:
    return LoginThrottle(
        pair=Limit(free=3, cap=60.0, decay=10.0),
        address=Limit(free=10, cap=60.0, decay=10.0),
        account=Limit(free=6, cap=5.0, decay=10.0),
        clock=clock,
        size=size,
    )


def test_the_free_failures_cost_nothing_then_each_wait_doubles_up_to_the_cap() -> None:
    clock = Clock()
    throttle = Throttle(Limit(free=3, cap=8.0, decay=1e9), clock)
    waits = []
    for _ in range(8):
        throttle.fail("k")
        waits.append(throttle.wait("k"))
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    clock.now += 3.0
    assert throttle.wait("k") == 5.0
    clock.now += 5.0
    assert throttle.wait("k") == 0.0


def test_failures_a_moment_apart_count_whole() -> None:
    clock = Clock()
    throttle = Throttle(Limit(free=3, cap=60.0, decay=300.0), clock)
    for _ in range(3):
        clock.now += 0.05
        throttle.fail("k")
    assert throttle.wait("k") == 1.0


def test_failures_are_forgotten_over_time() -> None:
    clock = Clock()
    throttle = Throttle(Limit(free=2, cap=100.0, decay=10.0), clock)
    for _ in range(5):
        throttle.fail("k")
    assert throttle.failures("k") == 5
    clock.now += 30.0
    assert throttle.failures("k") == 2.0
    throttle.fail("k")  # 3 failures: one over the free ones
    assert throttle.wait("k") == 2.0
    clock.now += 1000.0
    assert throttle.failures("k") == 0.0
    assert throttle.wait("k") == 0.0


def test_the_pair_limit_stops_a_guesser_but_not_the_user_elsewhere() -> None:
    clock = Clock()
    throttle = login_throttle(clock)
    for _ in range(2):
        throttle.failed("ada", "10.0.0.66")
    assert throttle.wait("ada", "10.0.0.66") == 0.0
    throttle.failed("ada", "10.0.0.66")
    assert throttle.wait("ada", "10.0.0.66") == 1.0
    assert throttle.wait("ada", "10.0.0.7") == 0.0  # the real user, at home
    assert throttle.wait("bob", "10.0.0.66") == 0.0  # another account from the same address


def test_the_account_bound_is_capped_and_skipped_by_an_address_that_logged_in() -> None:
    clock = Clock()
    throttle = login_throttle(clock)
    throttle.succeeded("ada", "home")
    for n in range(40):  # spread over many addresses: no pair or address limit is reached
        throttle.failed("ada", f"bot-{n}")
    assert throttle.wait("ada", "cafe") == 5.0  # never more than the account's cap
    assert throttle.wait("ada", "home") == 0.0  # the user's own address is not locked out
    clock.now += 5.0
    assert throttle.wait("ada", "cafe") == 0.0


def test_the_address_bound_catches_spraying_over_accounts() -> None:
    clock = Clock()
    throttle = login_throttle(clock)
    for n in range(10):
        throttle.failed(f"user{n}", "sprayer")
    assert throttle.wait("user99", "sprayer") == 1.0
    assert throttle.wait("user99", "elsewhere") == 0.0


def test_success_clears_the_pair() -> None:
    clock = Clock()
    throttle = login_throttle(clock)
    for _ in range(4):
        throttle.failed("ada", "home")
    assert throttle.wait("ada", "home") > 0
    throttle.succeeded("ada", "home")
    assert throttle.pair.failures(("ada", "home")) == 0.0


def test_memory_is_bounded() -> None:
    clock = Clock()
    throttle = login_throttle(clock, size=50)
    for n in range(500):
        throttle.failed(f"user{n}", f"addr{n}")
        throttle.succeeded(f"user{n}", f"addr{n}")
    assert len(throttle.pair) <= 50
    assert len(throttle.account) <= 50
    assert len(throttle.address) <= 50
    assert len(throttle._known) <= 50


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    assert [retry_after(w) for w in (0.01, 1.0, 1.2, 59.9)] == ["1", "1", "2", "60"]


def test_concurrent_attempts_count_before_their_passwords_are_checked() -> None:
    clock = Clock()
    throttle = login_throttle(clock)
    admitted = [throttle.attempt("ada", "bot") for _ in range(10)]  # none has an answer yet
    assert admitted.count(0.0) == 3  # the free ones; the rest wait at once
    assert all(wait > 0 for wait in admitted[3:])


def test_a_success_or_an_unchecked_try_is_taken_back() -> None:
    clock = Clock()
    throttle = login_throttle(clock)
    assert throttle.attempt("ada", "home") == 0.0
    throttle.succeeded("ada", "home")
    assert throttle.pair.failures(("ada", "home")) == 0.0
    assert throttle.account.failures("ada") == 0.0
    assert throttle.address.failures("home") == 0.0
    assert throttle.attempt("bob", "cafe") == 0.0
    throttle.unchecked("bob", "cafe")  # the hashing pool was full: no password was tried
    assert throttle.pair.failures(("bob", "cafe")) == 0.0
    assert throttle.account.failures("bob") == 0.0
