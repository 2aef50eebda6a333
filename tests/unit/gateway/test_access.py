"""The sockets of each login session: closed with 4401 when their session ends, forgotten when
they close."""

from __future__ import annotations

from gateway.delivery.peer import Peer
from gateway.guard.access import SESSION_ENDED, UNAUTHORIZED, Watch


def test_ending_a_session_closes_its_sockets_only() -> None:
    watch = Watch()
    phone, laptop, other = Peer("ada", "c1", 8), Peer("ada", "c2", 8), Peer("bob", "c3", 8)
    with watch.watching("s-ada-1", phone), watch.watching("s-ada-2", laptop):
        with watch.watching("s-bob", other):
            assert sorted(watch.sessions()) == ["s-ada-1", "s-ada-2", "s-bob"]
            assert watch.ended(["s-ada-1", "s-ada-2", "s-gone"]) == 2
        assert (phone.close_code, phone.close_reason) == (UNAUTHORIZED, SESSION_ENDED)
        assert laptop.close_code == UNAUTHORIZED
        assert other.close_code is None
    assert watch.sessions() == []  # closed sockets are forgotten


def test_two_sockets_of_one_session() -> None:
    watch = Watch()
    first, second = Peer("ada", "c1", 8), Peer("ada", "c2", 8)
    with watch.watching("s", first):
        with watch.watching("s", second):
            pass
        assert watch.sessions() == ["s"]  # the first is still open
        assert watch.ended(["s"]) == 1
    assert first.close_code == UNAUTHORIZED
    assert second.close_code is None
