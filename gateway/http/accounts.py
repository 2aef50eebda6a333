"""REST routes for accounts and login sessions (docs/PROTOCOL.md 2.3): register, log in,
refresh, log out (here or everywhere), change the password, and get a socket ticket.

A login opens a session: the browser keeps it in the ``parley_session`` cookie (HttpOnly,
SameSite=Strict, Secure over https) and trades it at ``/api/refresh`` for short-lived access
tokens that it holds in memory only. Password checks run in the bounded hashing pool (``503
busy`` when it is full) and logins are throttled (``429 too_many_attempts`` with
``Retry-After``) before any password is hashed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from quart import Blueprint, after_this_request
from quart.typing import ResponseTypes
from quart_schema import security_scheme

from gateway.guard.access import (
    Caller,
    clear_session_cookie,
    client_address,
    session_cookie,
    set_session_cookie,
)
from gateway.guard.hashing import Busy
from gateway.guard.throttle import retry_after
from gateway.http import schemas as s
from gateway.http.api import BEARER, ApiError, refused, reserved, signed_in
from gateway.http.schemas import body, returns
from gateway.resources import Resources
from runtime.db.people import name_key
from runtime.errors import UserError

P = ParamSpec("P")
T = TypeVar("T")
WRONG = "wrong username or password"


def account_routes(api: Blueprint, res: Resources) -> None:
    """Add the account and session routes to the ``/api`` blueprint ``api``."""
    gateway = res.settings.gateway

    @api.post("/register")
    @body(s.Registration)
    @returns(s.Authenticated, 201)
    @returns(s.ErrorBody, 409)
    @returns(s.ErrorBody, 422)
    @returns(s.ErrorBody, 503)
    async def register(data: s.Registration) -> tuple[s.Authenticated, int]:
        """Create an account (password of 8 characters or more) and log it in. Names ignore
        case: ``Ada`` is taken once ``ada`` exists. The first account is the server admin."""
        if reserved(data.username, res.registry.descriptors):
            raise ApiError(409, "taken", f"{data.username!r} is reserved for a function's messages")
        hashed = await hashed_by(res, res.auth.hash, data.password)
        try:
            await res.people.add(data.username, hashed)
        except UserError as exc:
            raise refused(exc) from None
        return await signed_in_as(data.username), 201

    @api.post("/login")
    @body(s.Credentials)
    @returns(s.Authenticated)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 422)
    @returns(s.ErrorBody, 429)
    @returns(s.ErrorBody, 503)
    async def login(data: s.Credentials) -> s.Authenticated:
        """An access token (and a session cookie) for a username (any case) and its
        password; ``username`` in the answer is the name as registered. Repeated failures
        make the next try wait: ``429`` with ``Retry-After``."""
        found = await res.people.login(data.username)
        stored = None if found is None else found.password_hash
        if not await password_checked(res, name_key(data.username), stored, data.password):
            raise ApiError(401, "unauthorized", WRONG)
        assert found is not None  # auth.check is False without a stored hash
        return await signed_in_as(found.username)

    @api.post("/refresh")
    @returns(s.Authenticated)
    @returns(s.ErrorBody, 401)
    async def refresh() -> s.Authenticated:
        """A fresh access token for the session in the ``parley_session`` cookie, which lives
        on for ``gateway.session_ttl`` more seconds."""
        cookie = session_cookie()
        active = None if cookie is None else await res.sessions.refresh(cookie, gateway.session_ttl)
        if active is None:
            forget_cookie()
            raise ApiError(401, "unauthorized", "no session (or it ended): log in again")
        return authenticated(Caller(active.user, active.session))

    @api.post("/logout")
    @returns(s.Ended)
    @returns(s.ErrorBody, 401)
    async def logout() -> s.Ended:
        """End this session: the bearer token's, else the cookie's. Its tokens stop working
        and its sockets close with 4401; the cookie is cleared."""
        me = await this_session()
        await res.sessions.end(me.session)
        res.watch.ended([me.session])
        forget_cookie()
        return s.Ended(sessions=1)

    @api.post("/logout-all")
    @returns(s.Ended)
    @returns(s.ErrorBody, 401)
    async def logout_all() -> s.Ended:
        """End every session of the caller (the bearer token's, else the cookie's), on every
        device; their sockets close with 4401."""
        me = await this_session()
        ended = await res.sessions.end_all(me.user)
        res.watch.ended(ended)
        forget_cookie()
        return s.Ended(sessions=len(ended))

    @api.post("/password")
    @security_scheme(BEARER)
    @body(s.PasswordChange)
    @returns(s.Authenticated)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 403)
    @returns(s.ErrorBody, 422)
    @returns(s.ErrorBody, 429)
    @returns(s.ErrorBody, 503)
    async def password(data: s.PasswordChange) -> s.Authenticated:
        """Change the caller's password (``current`` must be right: ``403 wrong_password``,
        throttled as logins are). Every session of the account ends, on every device; this
        one gets a new session and token."""
        me = signed_in()
        found = await res.people.login(me.user)
        stored = None if found is None else found.password_hash
        if not await password_checked(res, name_key(me.user), stored, data.current):
            raise ApiError(403, "wrong_password", "the current password is wrong; nothing changed")
        hashed = await hashed_by(res, res.auth.hash, data.new)
        await res.people.set_password(me.user, hashed)
        res.watch.ended(await res.sessions.end_all(me.user))
        return await signed_in_as(me.user)

    @api.post("/ws-ticket")
    @security_scheme(BEARER)
    @returns(s.Ticket)
    @returns(s.ErrorBody, 401)
    async def ws_ticket() -> s.Ticket:
        """A one-use ticket that opens one socket, ``/ws?ticket=<ticket>``, within
        ``gateway.ticket_ttl`` seconds: the browser's way in, keeping tokens out of URLs."""
        me = signed_in()
        ticket = await res.sessions.ticket(me.session, gateway.ticket_ttl)
        return s.Ticket(ticket=ticket, expires_in=int(gateway.ticket_ttl))

    async def signed_in_as(username: str) -> s.Authenticated:
        """Open a session for ``username``: its cookie on the response, a token in the body."""
        opened = await res.sessions.open(username, gateway.session_ttl)

        @after_this_request
        async def give_cookie(response: ResponseTypes) -> ResponseTypes:
            set_session_cookie(response, opened.cookie, gateway)
            return response

        return authenticated(Caller(username, opened.id))

    def authenticated(caller: Caller) -> s.Authenticated:
        token = res.auth.issue(caller.user, caller.session)
        return s.Authenticated(username=caller.user, token=token, expires_in=int(res.auth.ttl))

    async def this_session() -> Caller:
        """The bearer token's session, else the session cookie's; 401 without either."""
        try:
            return signed_in()
        except ApiError:
            cookie = session_cookie()
            active = None if cookie is None else await res.sessions.refresh(cookie, None)
            if active is None:
                forget_cookie()
                raise
            return Caller(active.user, active.session)

    def forget_cookie() -> None:
        @after_this_request
        async def clear(response: ResponseTypes) -> ResponseTypes:
            clear_session_cookie(response, gateway)
            return response


async def password_checked(res: Resources, account: str, stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (None: no such account), for ``account`` (its
    name's key) from this request's address; throttled before anything is hashed: ``429
    too_many_attempts`` with ``Retry-After`` while failed tries make it wait, ``503 busy``
    when the hashing pool is full."""
    gateway = res.settings.gateway
    if not gateway.login_throttle:
        return counted(res, await hashed_by(res, res.auth.check, stored, password))
    address = client_address(gateway)
    wait = res.throttle.attempt(account, address)
    if wait > 0:
        res.logins.count("throttled")
        after = retry_after(wait)
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many failed logins: try again in {after} s",
            {"Retry-After": after},
        )
    try:
        matches = await hashed_by(res, res.auth.check, stored, password)
    except ApiError:
        res.throttle.unchecked(account, address)
        raise
    if matches:
        res.throttle.succeeded(account, address)
    return counted(res, matches)


def counted(res: Resources, matches: bool) -> bool:
    res.logins.count("ok" if matches else "wrong")
    return matches


async def hashed_by(res: Resources, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn`` (a password hash or check) in the hashing pool; ``503 busy`` when it is full."""
    try:
        return await res.hashing.run(fn, *args, **kwargs)
    except Busy:
        res.logins.count("busy")
        raise ApiError(
            503,
            "busy",
            "too many logins at once: try again in a second",
            {"Retry-After": "1"},
        ) from None
