"""REST routes of docs/PROTOCOL.md: history, presence, health and the functions table; accounts
and sessions come from ``gateway.http.accounts``.

Every error is ``{"error": code, "detail": sentence}`` (``ApiError``, rendered in ``app.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import TypeAdapter, ValidationError
from quart import Blueprint, Response, g, request
from quart_schema import security_scheme

from gateway.guard.access import Caller, Unauthorized, authenticate, bearer_token, current_caller
from gateway.http import schemas as s
from gateway.http.schemas import query, returns
from gateway.resources import Resources
from runtime.errors import UserError
from runtime.events import Room, Username
from runtime.telemetry import REQUEST_ID, new_request_id

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
ROOM: TypeAdapter[str] = TypeAdapter(Room)
USER: TypeAdapter[str] = TypeAdapter(Username)
# The HTTP status of each code a store refusal (UserError) carries.
STATUS = {
    "forbidden": 403,
    "not_found": 404,
    "unknown_user": 404,
    "exists": 409,
    "taken": 409,
    "room_limit": 422,
    "invalid": 422,
}
REQUEST_HEADER = "X-Request-ID"


class ApiError(Exception):
    """An HTTP error with a wire code: ``ApiError(409, "taken", "choose another name")``."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        super().__init__(detail)


def rest(res: Resources) -> Blueprint:
    """The REST blueprint over ``res`` (opened by the app's lifespan before any request)."""
    api = Blueprint("api", __name__, url_prefix="/api")

    @api.before_request
    async def request_id() -> None:
        """Log lines about this request carry its id: the caller's ``X-Request-ID`` when it is
        a sane one, else a new one (the request's own task: nothing leaks to the next)."""
        given = request.headers.get(REQUEST_HEADER, "")
        REQUEST_ID.set(given if 0 < len(given) <= 64 and given.isprintable() else new_request_id())

    @api.before_app_request
    async def remember_caller() -> None:
        """Every route's caller (``caller``): the bearer token's user while its session is
        open; None without a token, or with a bad one (401 only where a route needs one)."""
        token = bearer_token()
        g.caller = None if token is None else await authenticate(res.auth, res.sessions, token)

    @api.after_request
    async def echo_request_id(response: Response) -> Response:
        response.headers[REQUEST_HEADER] = REQUEST_ID.get() or ""
        return response

    @api.get("/ping")
    @returns(s.Status)
    async def ping() -> s.Status:
        """Liveness: the process answers."""
        return s.Status()

    @api.get("/health")
    @returns(s.HealthBody)
    @returns(s.Unhealthy, 503)
    async def health() -> tuple[s.HealthBody, int]:
        """Readiness: Kafka and the database answer (503 names the part that does not)."""
        parts = await res.health.check()
        if parts["status"] == "ok":
            return s.HealthBody(**parts), 200
        down = " and ".join(name for name in ("kafka", "db") if parts[name] != "ok")
        detail = f"{down} not answering"
        return s.Unhealthy(**parts, error="unavailable", detail=detail), 503

    @api.get("/me")
    @security_scheme(BEARER)
    @returns(s.Me)
    @returns(s.ErrorBody, 401)
    async def me() -> s.Me:
        """Your rooms and conversations with unread counts: the sidebar on any device."""
        user = caller(res)
        rooms, conversations = await res.reads.sidebar(user)
        return s.Me(
            username=user,
            admin=await res.people.is_admin(user),
            rooms=[
                s.MyRoom(
                    name=r.name,
                    role=r.role,
                    topic=r.topic,
                    visibility=r.visibility,
                    unread=r.unread,
                    mentions=r.mentions,
                )
                for r in rooms
            ],
            conversations=[
                s.MyConversation(user=c.user, unread=c.unread, seen=c.seen) for c in conversations
            ],
        )

    @api.get("/users")
    @security_scheme(BEARER)
    @query(s.UserSearch)
    @returns(s.People)
    @returns(s.ErrorBody, 401)
    async def users(query_args: s.UserSearch) -> s.People:
        """Users whose name holds ``q`` (any case), to start a conversation with."""
        caller(res)
        found = await res.people.search(query_args.q)
        return s.People(users=[s.Person(username=u, online=o) for u, o in found])

    @api.get("/rooms/<room>/messages")
    @security_scheme(BEARER)
    @query(s.Page)
    @returns(s.Messages)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 422)
    async def room_messages(room: str, query_args: s.Page) -> s.Messages:
        """A page of a room's history, oldest first (404 for a private room you are not in)."""
        name = await visible(res, room, caller(res))
        page = await res.store.room_messages(
            name,
            before=query_args.before,
            around=query_args.around,
            limit=query_args.limit,
            thread=query_args.thread,
        )
        return s.Messages(messages=[m.frame() for m in page])

    @api.get("/private/<user>/messages")
    @security_scheme(BEARER)
    @query(s.Page)
    @returns(s.Messages)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 422)
    async def private_messages(user: str, query_args: s.Page) -> s.Messages:
        """A page of your own conversation with ``user``, oldest first."""
        me, named = caller(res), valid(USER, user, "user")
        other = await res.people.find(named) or named  # any case names the account
        page = await res.store.private_messages(
            me,
            other,
            before=query_args.before,
            around=query_args.around,
            limit=query_args.limit,
            thread=query_args.thread,
        )
        return s.Messages(messages=[m.frame() for m in page])

    @api.get("/rooms/<room>/presence")
    @security_scheme(BEARER)
    @returns(s.RoomPresence)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 422)
    async def presence(room: str) -> s.RoomPresence:
        """Who is in a room now (404 for a private room you are not in)."""
        name = await visible(res, room, caller(res))
        return s.RoomPresence(room=name, users=await res.store.room_users(name))

    @api.get("/functions")
    @security_scheme(BEARER)
    @returns(s.Functions)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 500)
    async def functions() -> s.Functions:
        """The running functions (the registry), with replicas, lag and dead letters: server
        admins only."""
        if not await res.people.is_admin(caller(res)):
            raise ApiError(403, "forbidden", "the functions table is for server admins")
        return s.Functions(functions=await res.functions.rows())

    @api.get("/actions")
    @security_scheme(BEARER)
    @returns(s.Actions)
    @returns(s.ErrorBody, 401)
    async def actions() -> s.Actions:
        """The client actions running functions declare, with each frame's JSON Schema."""
        caller(res)
        return s.Actions(
            actions=[
                s.DeclaredAction(type=a.type, function=a.function, action_schema=a.schema)
                for a in res.actions.all()
            ]
        )

    return api


def caller(res: Resources) -> str:
    """The user of the request's bearer token; 401 without a valid one (missing, malformed,
    forged, expired, or of a session that ended)."""
    return signed_in().user


def signed_in() -> Caller:
    """The request's caller and session; 401 without a valid bearer token."""
    try:
        return current_caller()
    except Unauthorized:
        raise ApiError(
            401,
            "unauthorized",
            "send Authorization: Bearer <token> from /api/login, or a fresh one from /api/refresh",
        ) from None


def refused(exc: UserError) -> ApiError:
    """A store's refusal as an HTTP error."""
    return ApiError(STATUS.get(exc.code, 422), exc.code, exc.detail)


async def visible(res: Resources, room: str, user: str) -> str:
    """The room's name when ``user`` may see it; ``404`` otherwise, as for no room at all."""
    name = valid(ROOM, room, "room")
    if not await res.rooms.visible(name, user):
        raise ApiError(404, "not_found", f"there is no room {name!r}")
    return name


def valid(adapter: TypeAdapter[Any], value: str, what: str) -> str:
    try:
        return str(adapter.validate_python(value))
    except ValidationError as exc:
        raise ApiError(422, "invalid", f"{what} {value!r}: {exc.errors()[0]['msg']}") from None


def reserved(username: str, functions: Iterable[str]) -> bool:
    """Names a person may not take: functions speak under their own names (the bot as
    ``bot``), and the UI marks ``*-bot`` names as bots."""
    name = username.lower()
    return name in {f.lower() for f in functions} or name == "bot" or name.endswith("-bot")
