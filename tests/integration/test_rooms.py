"""Rooms and people through the real gateway, workers and Kafka (docs/PROTOCOL.md, "Rooms and
people"): accounts that ignore case, the sidebar, the directory, a private room that leaks
nothing to a non-member, moderation that takes effect on open sockets at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.harness import eventually
from tests.support.net import unique
from tests.support.system import Client, System, http, running


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("rooms")
    async with running(
        kafka_bootstrap,
        data_dir,
        functions=("chat", "presence", "private", "poll"),
        leave_debounce=0.0,
        presence_interval=0.2,
    ) as system:
        yield system


async def api(
    system: System, method: str, path: str, token: str, body: Any = None
) -> tuple[int, Any]:
    return await http(system.gateway, method, path, body, token=token)


def is_error(body: Any, code: str) -> bool:
    return isinstance(body, dict) and body.get("error") == code and bool(body.get("detail"))


# accounts


async def test_names_ignore_case_and_must_start_with_a_letter_or_digit(system: System) -> None:
    name = unique("Ada")
    await system.register(name)
    status, body = await http(
        system.gateway, "POST", "/api/register", {"username": name.lower(), "password": "x" * 8}
    )
    assert status == 409, body
    assert is_error(body, "taken")
    status, body = await http(
        system.gateway,
        "POST",
        "/api/login",
        {"username": name.upper(), "password": "correct horse"},
    )
    assert status == 200, body
    assert body["username"] == name  # as registered, whatever was typed
    for bad in (".", "..", "_x", "-x", ".hidden"):
        status, body = await http(
            system.gateway, "POST", "/api/register", {"username": bad, "password": "x" * 8}
        )
        assert status == 422, (bad, body)


async def test_a_private_message_finds_the_account_in_any_case_and_refuses_nobody(
    system: System,
) -> None:
    (ada, ada_token), (bob, bob_token) = await system.user(), await system.user()
    async with system.connect(ada_token) as a, system.connect(bob_token) as b:
        await a.send({"type": "private", "to": bob.upper(), "text": "hi", "client_id": "p1"})
        await a.expect("ack", client_id="p1")
        got = await b.expect("private", text="hi")
        assert (got["from"], got["to"]) == (ada, bob)
        frame = {"type": "private", "to": unique("nobody"), "text": "x", "client_id": "p2"}
        refused = await a.error(frame, "unknown_user")
        assert refused["client_id"] == "p2"


async def test_user_search_finds_people_to_talk_to(system: System) -> None:
    name, token = await system.user()
    status, body = await api(system, "GET", f"/api/users?q={name.upper()}", token)
    assert status == 200
    assert body["users"] == [{"username": name, "online": False}]
    status, body = await api(system, "GET", f"/api/users?q={unique('none')}", token)
    assert (status, body) == (200, {"users": []})


async def test_only_server_admins_see_the_functions_table(system: System) -> None:
    _, token = await system.user()
    status, body = await api(system, "GET", "/api/functions", token)
    assert status == 403
    assert is_error(body, "forbidden")
    _, me = await api(system, "GET", "/api/me", token)
    assert me["admin"] is False
    admin, admin_token = await system.admin()
    _, me = await api(system, "GET", "/api/me", admin_token)
    assert (me["username"], me["admin"]) == (admin, True)
    status, _ = await api(system, "GET", "/api/functions", admin_token)
    assert status == 200


# rooms, the directory and the sidebar


async def test_membership_lasts_across_sockets_and_the_sidebar_counts_unread(
    system: System,
) -> None:
    room = unique("r")
    (ada, ada_token), (_, bob_token) = await system.user(), await system.user()
    async with system.connect(ada_token) as a:
        await a.join(room)  # made by its first joiner: ada owns it
    async with system.connect(bob_token) as b:
        await b.join(room)
        acks = [await b.post(room, f"@{ada} look {n}") for n in range(3)]
        await b.post(room, "and one without a mention")
    # On a new socket (another device), with nothing joined: the sidebar is the same.
    status, me = await api(system, "GET", "/api/me", ada_token)
    assert status == 200

    async def counted() -> bool:
        _, me = await api(system, "GET", "/api/me", ada_token)
        wanted = {
            "name": room,
            "role": "owner",
            "topic": "",
            "visibility": "public",
            "unread": 4,
            "mentions": 3,
        }
        return bool(me["rooms"] == [wanted])

    await eventually(counted, what="ada's unread messages and mentions in /api/me")
    async with system.connect(ada_token) as phone, system.connect(ada_token) as laptop:
        await phone.join(room)
        await laptop.join(room)
        await phone.send({"type": "read", "room": room, "id": acks[-1]["id"]})
        for device in (phone, laptop):  # every device of the reader hears it
            await device.expect("read", room=room, id=acks[-1]["id"])
        await phone.error({"type": "read", "room": room, "id": "no-such-id"}, "not_found")
        await phone.error({"type": "read", "id": "x"}, "invalid")
    _, me = await api(system, "GET", "/api/me", ada_token)
    assert (me["rooms"][0]["unread"], me["rooms"][0]["mentions"]) == (1, 0)
    _, bobs = await api(system, "GET", "/api/me", bob_token)
    assert [(r["name"], r["role"]) for r in bobs["rooms"]] == [(room, "member")]


async def test_rooms_are_made_with_a_topic_and_found_in_the_directory(system: System) -> None:
    tag = unique("d").replace("-", "")
    _, token = await system.user()
    status, made = await api(
        system, "POST", "/api/rooms", token, {"name": f"{tag}-a", "topic": "Gardening"}
    )
    assert (status, made) == (
        201,
        {"name": f"{tag}-a", "topic": "Gardening", "visibility": "public", "role": "owner"},
    )
    status, body = await api(system, "POST", "/api/rooms", token, {"name": f"{tag}-a"})
    assert status == 409
    assert is_error(body, "exists")
    status, body = await api(system, "POST", "/api/rooms", token, {"name": "Not A Room"})
    assert status == 422
    await api(system, "POST", "/api/rooms", token, {"name": f"{tag}-b"})
    _, other = await system.user()
    status, page = await api(system, "GET", f"/api/rooms?q={tag}&limit=1", other)
    assert status == 200
    assert page == {
        "rooms": [
            {
                "name": f"{tag}-a",
                "topic": "Gardening",
                "visibility": "public",
                "members": 1,
                "online": 0,
                "joined": False,
            }
        ],
        "next": f"{tag}-a",
    }
    _, rest = await api(system, "GET", f"/api/rooms?q={tag}&limit=1&cursor={tag}-a", other)
    assert [r["name"] for r in rest["rooms"]] == [f"{tag}-b"]
    assert rest.get("next") is None
    _, by_topic = await api(system, "GET", "/api/rooms?q=gardening", other)
    assert f"{tag}-a" in [r["name"] for r in by_topic["rooms"]]


# a private room leaks nothing


async def test_a_private_room_shows_nothing_to_a_non_member(system: System) -> None:
    room = unique("secret")
    (owner, owner_token), (guest, guest_token), (eve, eve_token) = [
        await system.user() for _ in range(3)
    ]
    status, _ = await api(
        system, "POST", "/api/rooms", owner_token, {"name": room, "visibility": "private"}
    )
    assert status == 201
    status, body = await api(
        system, "POST", f"/api/rooms/{room}/members", owner_token, {"username": guest.upper()}
    )
    assert (status, body) == (201, {"username": guest, "role": "member"})
    async with (
        system.connect(owner_token) as o,
        system.connect(guest_token) as g,
        system.connect(eve_token) as e,
    ):
        await o.join(room)
        await g.join(room)
        first = await o.post(room, "the plan")
        await g.expect("message", text="the plan")
        # Every socket frame of eve's about the room is refused, and nothing of it reaches her.
        await e.error({"type": "join", "room": room}, "forbidden")
        await e.error({"type": "join", "room": room, "since": first["id"]}, "forbidden")
        await e.error(
            {"type": "message", "room": room, "text": "let me in", "client_id": "e1"},
            "forbidden",
        )
        await e.error({"type": "typing", "room": room}, "forbidden")
        await e.error({"type": "read", "room": room, "id": first["id"]}, "forbidden")
        await e.error({"type": "leave", "room": room}, "forbidden")
        await e.error(
            {
                "type": "poll",
                "room": room,
                "question": "?",
                "options": ["a", "b"],
                "client_id": "e2",
            },
            "forbidden",
        )
        await o.send({"type": "typing", "room": room})
        await g.expect("typing", room=room)
        await o.post(room, "second secret")
        await g.expect("message", text="second secret")
        await e.pong()
        assert [f for f in e.frames if room in str(f) and f.get("type") != "error"] == []
        # REST: as if it did not exist.
        for path in (
            f"/api/rooms/{room}/messages",
            f"/api/rooms/{room}/presence",
            f"/api/rooms/{room}/members",
            f"/api/rooms/{room}/bans",
        ):
            status, body = await api(system, "GET", path, eve_token)
            assert status == 404, (path, body)
            assert room in body["detail"]
        status, _ = await api(
            system, "POST", f"/api/rooms/{room}/members", eve_token, {"username": eve}
        )
        assert status == 404
        _, listed = await api(system, "GET", f"/api/rooms?q={room}", eve_token)
        assert listed["rooms"] == []
        _, found = await api(system, "GET", f"/api/rooms?q={room}", guest_token)
        assert [(r["name"], r["visibility"], r["members"]) for r in found["rooms"]] == [
            (room, "private", 2)
        ]
        _, members = await api(system, "GET", f"/api/rooms/{room}/members", guest_token)
        assert [(m["username"], m["role"]) for m in members["members"]] == [
            (owner, "owner"),
            (guest, "member"),
        ]
        _, history = await api(system, "GET", f"/api/rooms/{room}/messages", guest_token)
        assert [m["text"] for m in history["messages"]] == ["the plan", "second secret"]
        _, me = await api(system, "GET", "/api/me", eve_token)
        assert me["rooms"] == []


# moderation


async def removed(sock: Client, room: str, reason: str) -> None:
    await sock.expect("removed", room=room, reason=reason)
    await sock.error(
        {"type": "message", "room": room, "text": "still here?", "client_id": unique("c")},
        "forbidden",
    )


async def test_a_removed_member_stops_getting_the_room_at_once(system: System) -> None:
    room = unique("r")
    (owner, owner_token), (ann, ann_token), (bob, bob_token) = [
        await system.user() for _ in range(3)
    ]
    status, _ = await api(
        system, "POST", "/api/rooms", owner_token, {"name": room, "visibility": "private"}
    )
    for user in (ann, bob):
        await api(system, "POST", f"/api/rooms/{room}/members", owner_token, {"username": user})
    async with (
        system.connect(owner_token) as o,
        system.connect(ann_token) as a,
        system.connect(ann_token) as a2,
        system.connect(bob_token) as b,
    ):
        for sock in (o, a, a2, b):
            await sock.join(room)
        await o.present(room, [owner, ann, bob])
        status, _ = await api(system, "DELETE", f"/api/rooms/{room}/members/{ann}", bob_token)
        assert status == 403  # a member removes nobody but themself
        status, _ = await api(system, "DELETE", f"/api/rooms/{room}/members/{ann}", owner_token)
        assert status == 204
        for sock in (a, a2):  # both of ann's sockets
            await removed(sock, room, "removed")
        await b.expect("member", room=room, user=ann, event="removed")
        await o.present(room, [owner, bob])  # her connections left the room
        await o.post(room, "after ann")
        await b.expect("message", text="after ann")
        await a.pong()
        assert "after ann" not in str(a.frames)
        await a.error({"type": "join", "room": room}, "forbidden")  # private: invited no more

        status, _ = await api(
            system, "POST", f"/api/rooms/{room}/bans", owner_token, {"username": bob}
        )
        assert status == 201
        await removed(b, room, "banned")
        status, body = await api(
            system, "POST", f"/api/rooms/{room}/members", owner_token, {"username": bob}
        )
        assert status == 403
        assert "unban" in body["detail"]
        await api(system, "DELETE", f"/api/rooms/{room}/bans/{bob}", owner_token)
        await api(system, "POST", f"/api/rooms/{room}/members", owner_token, {"username": bob})
        await b.join(room)


async def test_the_owner_changes_roles_and_admins_moderate(system: System) -> None:
    room = unique("r")
    (owner, owner_token), (ann, ann_token), (bob, bob_token) = [
        await system.user() for _ in range(3)
    ]
    async with system.connect(owner_token) as o:
        await o.join(room)
        for token in (ann_token, bob_token):
            async with system.connect(token) as sock:
                await sock.join(room)  # a public room: joining makes a member
        status, body = await api(
            system, "PUT", f"/api/rooms/{room}/members/{ann}", bob_token, {"role": "admin"}
        )
        assert status == 403
        status, body = await api(
            system, "PUT", f"/api/rooms/{room}/members/{ann}", owner_token, {"role": "admin"}
        )
        assert (status, body) == (200, {"username": ann, "role": "admin"})
        await o.expect("member", room=room, user=ann, event="role", role="admin")
        status, body = await api(
            system, "PUT", f"/api/rooms/{room}/members/{ann}", owner_token, {"role": "king"}
        )
        assert status == 422
        status, _ = await api(
            system, "POST", f"/api/rooms/{room}/bans", ann_token, {"username": bob}
        )
        assert status == 201  # an admin bans a member
        await o.expect("member", room=room, user=bob, event="banned")
        async with system.connect(bob_token) as b:
            await b.error({"type": "join", "room": room}, "forbidden")
        status, _ = await api(
            system, "POST", f"/api/rooms/{room}/bans", ann_token, {"username": owner}
        )
        assert status == 403  # not the owner
        _, bans = await api(system, "GET", f"/api/rooms/{room}/bans", ann_token)
        assert [(b["username"], b["by"]) for b in bans["bans"]] == [(bob, ann)]
        status, _ = await api(system, "DELETE", f"/api/rooms/{room}/members/{ann}", ann_token)
        assert status == 204  # leaving for good
        _, me = await api(system, "GET", "/api/me", ann_token)
        assert room not in [r["name"] for r in me["rooms"]]
