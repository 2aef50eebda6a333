"""Who is calling: the bearer token of a request, the session cookie, and a socket's ticket or
token, each checked against the login session it names.

    found = await authenticate(auth, sessions, token)   # Caller("ada", sid) or None
    g.caller = found                  # before each request (gateway.http.api), for current_caller()
    me = current_caller()             # that caller, or Unauthorized (the API's 401)

A token's signature and expiry are checked first (``gateway.guard.auth``), then that its session is
still open and belongs to its ``sub`` (so a token for a user that does not exist, or of a
session that was logged out, is refused). ``Watch`` closes the sockets of sessions that end:
at once on this gateway, within ``gateway.session_sweep`` seconds on the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from quart import g, request, websocket
from werkzeug.sansio.response import Response

from gateway.delivery.peer import Peer
from gateway.guard.auth import Auth
from runtime.db.sessions import Sessions
from runtime.settings import GatewaySettings

log = logging.getLogger("parley.gateway")
COOKIE = "parley_session"
COOKIE_PATH = "/api"
UNAUTHORIZED = 4401
SESSION_ENDED = "the session ended (logged out or password changed): log in again"


@dataclass(frozen=True)
class Caller:
    """An authenticated user and the login session the credential belongs to."""

    user: str
    session: str


class Unauthorized(Exception):
    """No valid credential (the API answers 401)."""


async def authenticate(auth: Auth, sessions: Sessions, token: str | None) -> Caller | None:
    """The caller of an access ``token``: well formed, validly signed, unexpired, and its
    session still open for its user; None otherwise."""
    claims = auth.verify(token)
    if claims is None:
        return None
    owner = await sessions.owner(claims.session)
    if owner is None or owner != claims.user:
        return None
    return Caller(owner, claims.session)


def bearer_token() -> str | None:
    """The token of the request's ``Authorization: Bearer <token>`` header (any case)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_caller() -> Caller:
    """The caller ``remember_caller`` found for this request; ``Unauthorized`` without one."""
    found = g.get("caller")
    if not isinstance(found, Caller):
        raise Unauthorized
    return found


def session_cookie() -> str | None:
    """The request's session cookie, if it sent one."""
    return request.cookies.get(COOKIE) or None


def set_session_cookie(response: Response, cookie: str, gateway: GatewaySettings) -> None:
    """Hand the browser its session: HttpOnly (no script reads it), SameSite=Strict (no other
    site's page sends it), Secure over https (or as ``gateway.secure_cookies`` says), sent only
    to ``/api``, kept ``gateway.session_ttl`` seconds."""
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(gateway.session_ttl),
        path=COOKIE_PATH,
        secure=secure(gateway),
        httponly=True,
        samesite="Strict",
    )


def clear_session_cookie(response: Response, gateway: GatewaySettings) -> None:
    """Tell the browser to forget its session cookie."""
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, secure=secure(gateway), httponly=True, samesite="Strict"
    )


def secure(gateway: GatewaySettings) -> bool:
    """Whether cookies get ``Secure``: ``gateway.secure_cookies``, else when this request
    came over https (directly, or as a trusted proxy's ``X-Forwarded-Proto`` says)."""
    if gateway.secure_cookies is not None:
        return gateway.secure_cookies
    forwarded = request.headers.get("X-Forwarded-Proto", "") if gateway.client_ip_header else ""
    return request.scheme == "https" or forwarded.lower() == "https"


def client_address(gateway: GatewaySettings) -> str:
    """The client's address, for the login throttle: ``gateway.client_ip_header`` when a
    trusted proxy sets it, else the TCP peer."""
    if gateway.client_ip_header:
        given = request.headers.get(gateway.client_ip_header, "").split(",")[-1].strip()
        if given:
            return given[:64]
    return request.remote_addr or "unknown"


async def socket_caller(auth: Auth, sessions: Sessions) -> Caller | None:
    """Who opens this socket: a one-use ``ticket`` from ``POST /api/ws-ticket`` (the
    browser's way), else an access ``token`` (API clients); None when neither is valid."""
    ticket, token = websocket.args.get("ticket"), websocket.args.get("token")
    if ticket is not None:
        redeemed = await sessions.redeem(ticket)
        return None if redeemed is None else Caller(redeemed.user, redeemed.session)
    return await authenticate(auth, sessions, token)


class Watch:
    """The open sockets of each login session, to close them when it ends (code 4401)."""

    def __init__(self) -> None:
        self._peers: dict[str, set[Peer]] = {}

    @contextmanager
    def watching(self, session: str, peer: Peer) -> Iterator[None]:
        """Watch ``peer`` for as long as the block runs."""
        self._peers.setdefault(session, set()).add(peer)
        try:
            yield
        finally:
            peers = self._peers.get(session)
            if peers is not None:
                peers.discard(peer)
                if not peers:
                    del self._peers[session]

    def sessions(self) -> list[str]:
        """The sessions with an open socket here."""
        return list(self._peers)

    def ended(self, sessions: list[str]) -> int:
        """Close the sockets of ``sessions``; how many there were."""
        closed = 0
        for sid in sessions:
            for peer in list(self._peers.get(sid, ())):
                peer.evict(UNAUTHORIZED, SESSION_ENDED)
                closed += 1
        return closed

    async def sweep(self, sessions: Sessions, interval: float) -> None:
        """Every ``interval`` seconds, close the sockets whose session ended elsewhere (on
        another gateway, or by expiry). Runs until cancelled."""
        while True:
            await asyncio.sleep(interval)
            watched = self.sessions()
            if not watched:
                continue
            try:
                still = await sessions.open_among(watched)
            except Exception:  # the database is away: try again next time
                log.warning("could not check the sessions of open sockets", exc_info=True)
                continue
            self.ended([sid for sid in watched if sid not in still])
