"""The REST rows of docs/PROTOCOL.md against a running gateway, on SQLite and (when
``PARLEY_TEST_POSTGRES_URL`` is set) on PostgreSQL. Errors are ``{"error", "detail"}``."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.guard.auth import load_secret
from runtime.db.store import Store
from tests.support.harness import POSTGRES_URL, eventually
from tests.support.net import unique
from tests.support.system import REPO, System, http, running
from tests.support.web import sign

pytestmark = pytest.mark.e2e

DATABASES = ["sqlite"] + (["postgres"] if os.environ.get(POSTGRES_URL) else [])
BEARER_PATHS = [
    "/api/rooms",
    "/api/rooms/lobby/messages",
    "/api/private/ada/messages",
    "/api/rooms/lobby/presence",
    "/api/functions",
]


@pytest.fixture(scope="module", params=DATABASES)
async def system(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    url = os.environ[POSTGRES_URL] if request.param == "postgres" else None
    data_dir = tmp_path_factory.mktemp(f"rest-{request.param}")
    async with running(
        kafka_bootstrap,
        data_dir,
        database_url=url,
        rate=500.0,
        burst=500,
        user_rate=500.0,
        user_burst=500,
    ) as system:
        yield system


@pytest.fixture(scope="module")
async def store(system: System) -> AsyncIterator[Store]:
    async with Store(system.settings.database_url()) as store:
        yield store


def is_error(body: Any, code: str) -> bool:
    return isinstance(body, dict) and body.get("error") == code and bool(body.get("detail"))


async def test_ping(system: System) -> None:
    assert await http(system.gateway, "GET", "/api/ping") == (200, {"status": "ok"})


async def test_health_names_kafka_and_db(system: System) -> None:
    assert await http(system.gateway, "GET", "/api/health") == (
        200,
        {"status": "ok", "kafka": "ok", "db": "ok"},
    )


async def test_register_gives_a_working_token(system: System) -> None:
    name = unique("u")
    status, body = await http(
        system.gateway, "POST", "/api/register", {"username": name, "password": "long enough"}
    )
    assert status == 201
    assert body["username"] == name
    assert (await http(system.gateway, "GET", "/api/rooms", token=body["token"]))[0] == 200


async def test_register_refuses_a_taken_name(system: System) -> None:
    name = unique("u")
    await system.register(name)
    status, body = await http(
        system.gateway, "POST", "/api/register", {"username": name, "password": "another one"}
    )
    assert status == 409
    assert is_error(body, "taken")


@pytest.mark.parametrize(
    "body",
    [
        {"username": "ok-name", "password": "short"},
        {"username": "has space", "password": "long enough"},
        {"username": "x" * 33, "password": "long enough"},
        {"username": "", "password": "long enough"},
        {"username": "ok-name"},
        {"username": 5, "password": "long enough"},
        "not an object",
    ],
)
async def test_register_refuses_invalid_input(system: System, body: Any) -> None:
    status, answer = await http(system.gateway, "POST", "/api/register", body)
    assert status == 422
    assert is_error(answer, "invalid")


async def test_register_refuses_a_body_that_is_not_json(system: System) -> None:
    status, answer = await http(system.gateway, "POST", "/api/register", raw=b"{nope")
    assert status == 422
    assert is_error(answer, "invalid")


async def test_login(system: System) -> None:
    name = unique("u")
    await system.register(name)
    status, body = await http(
        system.gateway, "POST", "/api/login", {"username": name, "password": "correct horse"}
    )
    assert status == 200
    assert body["username"] == name
    assert (await http(system.gateway, "GET", "/api/rooms", token=body["token"]))[0] == 200
    for wrong in (
        {"username": name, "password": "wrong horse"},
        {"username": unique("nobody"), "password": "correct horse"},
    ):
        status, body = await http(system.gateway, "POST", "/api/login", wrong)
        assert status == 401
        assert is_error(body, "unauthorized")


@pytest.mark.parametrize("path", BEARER_PATHS)
async def test_bearer_endpoints_need_a_valid_token(system: System, path: str) -> None:
    good = await system.register(unique("u"))
    payload = good.split(".")[0]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    expired = sign(load_secret(system.settings), {**claims, "exp": int(time.time()) - 1})
    for token in (None, "garbage", expired):
        status, body = await http(system.gateway, "GET", path, token=token)
        assert status == 401, (token, body)
        assert is_error(body, "unauthorized")


async def test_room_history_pages_oldest_first(system: System) -> None:
    room = unique("r")
    token = await system.register()
    async with system.connect(token) as sock:
        await sock.join(room)
        acks = [await sock.post(room, f"m{n}") for n in range(60)]
        await sock.expect("message", id=acks[-1]["id"])
    ids = [a["id"] for a in acks]
    path = f"/api/rooms/{room}/messages"

    status, body = await http(system.gateway, "GET", path, token=token)
    assert status == 200
    assert [m["id"] for m in body["messages"]] == ids[-50:]  # default limit 50, oldest first
    first = body["messages"][0]
    assert first == {
        "type": "message",
        "id": ids[10],
        "room": room,
        "user": first["user"],
        "text": "m10",
        "ts": first["ts"],
    }

    _, body = await http(system.gateway, "GET", f"{path}?before={ids[10]}&limit=4", token=token)
    assert [m["id"] for m in body["messages"]] == ids[6:10]
    _, body = await http(system.gateway, "GET", f"{path}?limit=200", token=token)
    assert [m["id"] for m in body["messages"]] == ids


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "before="])
async def test_room_history_refuses_bad_paging(system: System, query: str) -> None:
    token = await system.register()
    status, body = await http(
        system.gateway, "GET", f"/api/rooms/lobby/messages?{query}", token=token
    )
    assert status == 422
    assert is_error(body, "invalid")


async def test_room_history_refuses_a_bad_room_name(system: System) -> None:
    token = await system.register()
    status, body = await http(system.gateway, "GET", "/api/rooms/Bad%20Room/messages", token=token)
    assert status == 422
    assert is_error(body, "invalid")


async def test_private_history_is_only_the_callers_own_conversation(system: System) -> None:
    (ada, ada_token), (bob, bob_token) = await system.user(), await system.user()
    (eve, eve_token) = await system.user()
    async with system.connect(ada_token) as a:
        for to, text in ((bob, "to bob"), (eve, "to eve")):
            await a.send({"type": "private", "to": to, "text": text, "client_id": unique("c")})
            await a.expect("private", text=text)

    async def texts(token: str, other: str) -> list[str]:
        status, body = await http(
            system.gateway, "GET", f"/api/private/{other}/messages", token=token
        )
        assert status == 200
        return [m["text"] for m in body["messages"]]

    async def stored() -> bool:
        return await texts(eve_token, ada) == ["to eve"]

    await eventually(stored, timeout=10, what="eve's message stored")
    assert await texts(ada_token, bob) == ["to bob"]
    assert await texts(bob_token, ada) == ["to bob"]
    assert await texts(ada_token, eve) == ["to eve"]
    assert await texts(eve_token, ada) == ["to eve"]
    assert await texts(eve_token, bob) == []  # eve can only ever name her own side
    _, body = await http(system.gateway, "GET", f"/api/private/{ada}/messages", token=bob_token)
    message = body["messages"][0]
    assert message == {
        "type": "private",
        "id": message["id"],
        "from": ada,
        "to": bob,
        "text": "to bob",
        "ts": message["ts"],
    }


async def test_presence_and_rooms(system: System) -> None:
    room = unique("r")
    name, token = await system.user()
    async with system.connect(token) as sock:
        await sock.join(room)
        await sock.present(room, [name])

        async def listed() -> bool:
            status, body = await http(
                system.gateway, "GET", f"/api/rooms/{room}/presence", token=token
            )
            return (status, body) == (200, {"room": room, "users": [name]})

        await eventually(listed, what="the presence function's record of the join")
        _, body = await http(system.gateway, "GET", f"/api/rooms?q={room}", token=token)
        assert body["rooms"] == [
            {
                "name": room,
                "topic": "",
                "visibility": "public",
                "members": 1,
                "online": 1,
                "joined": True,
            }
        ]


async def test_functions_lists_replicas_lag_and_dead_letters(system: System) -> None:
    status, body = await http(
        system.gateway, "GET", "/api/functions", token=await system.register()
    )
    assert status == 403, body  # for server admins only
    assert is_error(body, "forbidden")
    _, token = await system.admin()
    status, body = await http(system.gateway, "GET", "/api/functions", token=token)
    assert status == 200
    rows = {row["name"]: row for row in body["functions"]}
    assert set(rows) == {"bot", "chat", "presence", "private"}
    chat = rows["chat"]
    assert chat["trigger"] == "on_message"
    assert chat["topic"] == system.settings.topic("chat.message")
    assert chat["group"] == system.settings.topic("fn.chat")
    assert rows["presence"]["topic"] == ",".join(
        system.settings.topic(t) for t in ("chat.join", "chat.leave")
    )
    for row in rows.values():
        assert row["replicas"] == 1, row
        assert row["dlq"] == 0, row
        assert isinstance(row["lag"], int), row
        assert row["lag"] >= 0, row


async def test_unknown_paths_answer_in_the_error_shape(system: System) -> None:
    status, body = await http(system.gateway, "GET", "/api/nothing-here")
    assert status == 404
    assert is_error(body, "not_found")


async def test_openapi_lists_the_rest_paths(system: System) -> None:
    status, spec = await http(system.gateway, "GET", "/openapi.json")
    assert status == 200
    paths = spec["paths"]
    for path, method in [
        ("/api/ping", "get"),
        ("/api/health", "get"),
        ("/api/register", "post"),
        ("/api/login", "post"),
        ("/api/rooms", "get"),
        ("/api/rooms/{room}/messages", "get"),
        ("/api/private/{user}/messages", "get"),
        ("/api/rooms/{room}/presence", "get"),
        ("/api/functions", "get"),
    ]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not documented"
    register = paths["/api/register"]["post"]
    assert {"201", "409", "422"} <= set(register["responses"])
    messages = paths["/api/rooms/{room}/messages"]["get"]
    assert {p["name"] for p in messages["parameters"]} >= {"room", "before", "limit"}
    assert messages["security"] == [{"bearer": []}]
    assert set(paths["/api/health"]["get"]["responses"]) == {"200", "503"}
    # The REST API, and the files its uploads answer with (signed URLs, docs/PROTOCOL.md 1.9).
    assert all(path.startswith(("/api/", "/files/")) for path in paths), sorted(paths)


@pytest.mark.skipif(not (REPO / "frontend/dist/index.html").is_file(), reason="no built frontend")
async def test_the_built_frontend_is_served_at_the_root(system: System) -> None:
    status, page = await asyncio.to_thread(get, system.gateway.url + "/")
    assert status == 200
    assert "<title>Parley</title>" in page
    asset = page.split('src="', 1)[1].split('"', 1)[0]
    assert (await asyncio.to_thread(get, system.gateway.url + asset))[0] == 200


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()
