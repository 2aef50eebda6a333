"""REST bodies of docs/PROTOCOL.md as pydantic models: validated on the way in, documented in
``/openapi.json`` on the way out, and typed wrappers of quart-schema's decorators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, ParamSpec, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field
from quart.typing import ResponseReturnValue
from quart_schema import validate_querystring, validate_request, validate_response

from runtime.events import NewUsername, Username
from runtime.events import Room as RoomName
from runtime.registry import FunctionRow

F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")
Route = Callable[P, Awaitable[ResponseReturnValue]]


def body(model: type[BaseModel]) -> Callable[[F], F]:
    """Validate the JSON body as ``model`` (422 when it does not fit); passed as ``data``."""
    return cast(Callable[[F], F], validate_request(model))


def query(model: type[BaseModel]) -> Callable[[F], F]:
    """Validate the query string as ``model`` (422); passed as ``query_args``."""
    return cast(Callable[[F], F], validate_querystring(model))


def returns(
    model: type[BaseModel], status: int = 200
) -> Callable[[Callable[P, Awaitable[Any]]], Route[P]]:
    """Document (and check) the body of a ``status`` response; a model becomes a response."""
    return cast(Callable[[Callable[P, Awaitable[Any]]], Route[P]], validate_response(model, status))


class ErrorBody(BaseModel):
    """Every error: a short code and a sentence for people."""

    error: str
    detail: str


class Status(BaseModel):
    status: str = "ok"


class HealthBody(BaseModel):
    """``ok`` or ``unavailable`` overall and for each part the gateway depends on."""

    status: str
    kafka: str
    db: str


class Unhealthy(HealthBody):
    """A 503: the parts, and an error naming the failing ones."""

    error: str
    detail: str


class Registration(BaseModel):
    username: NewUsername
    password: str = Field(min_length=8, max_length=1024)


class Credentials(BaseModel):
    username: str = Field(max_length=256)
    password: str = Field(max_length=1024)


class Authenticated(BaseModel):
    """A fresh access token; the session it belongs to rides in the ``parley_session``
    cookie."""

    username: str
    token: str
    expires_in: int = Field(description="seconds the token is valid for")


class PasswordChange(BaseModel):
    current: str = Field(max_length=1024)
    new: str = Field(min_length=8, max_length=1024)


class Ticket(BaseModel):
    """A one-use ticket that opens one socket: ``/ws?ticket=<ticket>``."""

    ticket: str
    expires_in: int = Field(description="seconds the ticket may be used in")


class Ended(BaseModel):
    """How many login sessions were ended."""

    sessions: int


class Room(BaseModel):
    """A room in the directory: public, or private with the caller a member."""

    name: str
    topic: str
    visibility: Literal["public", "private"]
    members: int
    online: int
    joined: bool


class Rooms(BaseModel):
    """A page of the directory; ``next`` is the cursor of the next page, absent on the last."""

    rooms: list[Room]
    next: str | None = None


class Directory(BaseModel):
    """``q``: rooms whose name or topic holds it; ``cursor``: after this room name."""

    q: str = Field(default="", max_length=64)
    cursor: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=50, ge=1, le=200)


class NewRoom(BaseModel):
    name: RoomName
    topic: str = Field(default="", max_length=200)
    visibility: Literal["public", "private"] = "public"


class Made(BaseModel):
    name: str
    topic: str
    visibility: Literal["public", "private"]
    role: Literal["owner"] = "owner"


class MyRoom(BaseModel):
    name: str
    role: Literal["owner", "admin", "member"]
    topic: str
    visibility: Literal["public", "private"]
    unread: int
    mentions: int = Field(description="unread messages naming the caller (@name)")


class MyConversation(BaseModel):
    user: str
    unread: int
    seen: str | None = Field(
        default=None, description="the message the other party has read up to, if any"
    )


class Me(BaseModel):
    """The caller's sidebar, the same on every device."""

    username: str
    admin: bool
    rooms: list[MyRoom]
    conversations: list[MyConversation]


class Member(BaseModel):
    username: str
    role: Literal["owner", "admin", "member"]
    online: bool


class Members(BaseModel):
    members: list[Member]


class Someone(BaseModel):
    """A user named in a request body (any case: the account as registered is meant)."""

    username: Username


class NewRole(BaseModel):
    role: Literal["owner", "admin", "member"]


class Membership(BaseModel):
    username: str
    role: Literal["owner", "admin", "member"]


class Banned(BaseModel):
    username: str
    by: str
    at: str


class Bans(BaseModel):
    bans: list[Banned]


class UserSearch(BaseModel):
    q: str = Field(default="", max_length=64)


class Person(BaseModel):
    username: str
    online: bool


class People(BaseModel):
    users: list[Person]


class Page(BaseModel):
    """``before``: only messages older than this id; ``limit``: at most this many (1-200);
    ``thread``: only the answers to that message."""

    before: str | None = Field(default=None, min_length=1, max_length=64)
    limit: int = Field(default=50, ge=1, le=200)
    thread: str | None = Field(
        default=None, min_length=1, max_length=64, description="only the answers to this message"
    )
    around: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="this message in its context: limit/2 older ones before it, newer after",
    )


class Messages(BaseModel):
    """Oldest first: ``message`` frames for a room, ``private`` frames for a conversation."""

    messages: list[dict[str, Any]]


class SearchQuery(BaseModel):
    """``q``: words (``word*`` a prefix, ``"two words"`` a phrase), all of which must match;
    ``room``, ``with`` (a conversation) and ``author`` narrow it; ``before`` pages."""

    model_config = ConfigDict(populate_by_name=True)

    q: str = Field(min_length=1, max_length=200)
    room: RoomName | None = None
    with_: Username | None = Field(default=None, alias="with")
    author: str | None = Field(default=None, min_length=1, max_length=64)
    before: str | None = Field(default=None, min_length=1, max_length=64)
    limit: int = Field(default=20, ge=1, le=100)
    sort: Literal["recent", "relevance"] = "recent"


class Found(BaseModel):
    """Newest first (or best first): ``message`` and ``private`` frames, each with the
    ``highlight`` of its text, the words the query matched marked."""

    messages: list[dict[str, Any]]


class UploadBody(BaseModel):
    """An upload: its id for a message's ``attachments``, its name, size in bytes, the media
    type sniffed from its bytes, signed URLs (``thumb`` for an image) and an image's size."""

    id: str
    name: str
    size: int
    type: str
    url: str
    thumb: str | None = None
    width: int | None = None
    height: int | None = None


class RoomPresence(BaseModel):
    room: str
    users: list[str]


class Functions(BaseModel):
    """The running functions (the registry), each with replicas, lag and dead letters."""

    functions: list[FunctionRow]


class DeclaredAction(BaseModel):
    type: str = Field(description="the client frame type")
    function: str = Field(description="the function that handles it")
    action_schema: dict[str, Any] = Field(alias="schema", description="JSON Schema of the frame")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Actions(BaseModel):
    """The client actions running functions declare."""

    actions: list[DeclaredAction]
