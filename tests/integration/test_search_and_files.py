"""Search and files through the real gateway, workers and Kafka (docs/PROTOCOL.md 1.9): three
users search through every filter and see only what they may; bad queries are 422, never 500;
uploads are sniffed, limited, signed and visible only where their message is."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image

from gateway.files.signed_urls import Links
from runtime.settings import FilesSettings
from tests.support.net import unique
from tests.support.system import Answer, System, fetch, http, running

LIMIT = 256 * 1024  # files.max_size here: a 413 costs little
QUOTA = 600 * 1024


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    data_dir = tmp_path_factory.mktemp("files")
    files = FilesSettings(max_size=LIMIT, quota=QUOTA)
    async with running(
        kafka_bootstrap, data_dir, functions=("chat", "private", "presence"), files=files
    ) as system:
        yield system


def png(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


async def upload(
    system: System,
    token: str,
    data: bytes,
    name: str,
    content_type: str = "image/png",
    header: str | None = None,
) -> Answer:
    """POST the bytes as ``name`` (``header``: X-Filename exactly as sent, instead)."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": content_type,
        "X-Filename": quote(name) if header is None else header,
    }
    return await fetch(system.gateway, "POST", "/api/uploads", data, headers)


async def search(system: System, token: str, **query: str) -> tuple[int, Any]:
    args = "&".join(f"{k}={quote(v)}" for k, v in query.items())
    return await http(system.gateway, "GET", f"/api/search?{args}", token=token)


async def test_three_users_search_through_every_filter_and_see_only_theirs(
    system: System,
) -> None:
    word = unique("w").replace("-", "")
    (ann, a_token), (bob, b_token), (cy, c_token) = [await system.user() for _ in range(3)]
    shared, secret = unique("pub"), unique("priv")
    status, _ = await http(
        system.gateway,
        "POST",
        "/api/rooms",
        {"name": secret, "visibility": "private"},
        token=a_token,
    )
    assert status == 201
    async with (
        system.connect(a_token) as a,
        system.connect(b_token) as b,
        system.connect(c_token) as c,
    ):
        for client in (a, b):
            await client.join(shared)
        await a.join(secret)
        await c.join(unique("third"))
        sent = {
            "ann-shared": await a.post(shared, f"Ann's {word} in the open"),
            "bob-shared": await b.post(shared, f"Bob's {word} in the open"),
            "ann-secret": await a.post(secret, f"Ann's {word} kept secret"),
        }
        await b.send({"type": "private", "to": cy, "text": f"psst {word}", "client_id": "p1"})
        sent["bob-cy"] = await b.expect("ack", client_id="p1")
        await c.expect("private", id=sent["bob-cy"]["id"])
        for label in ("ann-shared", "bob-shared"):
            await b.find("message", id=sent[label]["id"])
        await a.find("message", id=sent["ann-secret"]["id"])
    ids = {label: ack["id"] for label, ack in sent.items()}

    async def found(token: str, **filters: str) -> set[str]:
        status, body = await search(system, token, q=word, **filters)
        assert status == 200, body
        hits = {m["id"] for m in body["messages"]}
        assert hits <= set(ids.values()), "a hit that is none of this test's messages"
        for message in body["messages"]:
            marked = [part["text"] for part in message["highlight"] if part["match"]]
            assert marked == [word]
        return {label for label, id in ids.items() if id in hits}

    assert await found(a_token) == {"ann-shared", "bob-shared", "ann-secret"}
    assert await found(b_token) == {"ann-shared", "bob-shared", "bob-cy"}
    assert await found(c_token) == {"bob-cy"}
    assert await found(a_token, room=shared) == {"ann-shared", "bob-shared"}
    assert await found(a_token, author=bob) == {"bob-shared"}
    assert await found(a_token, author=bob.upper()) == {"bob-shared"}
    assert await found(b_token, **{"with": cy}) == {"bob-cy"}
    assert await found(c_token, **{"with": bob.upper()}) == {"bob-cy"}  # any case names them
    assert await found(c_token, **{"with": ann}) == set()
    assert await found(c_token, author=bob) == {"bob-cy"}
    for token, room in ((b_token, secret), (c_token, shared)):
        status, body = await search(system, token, q=word, room=room)
        assert (status, body["error"]) == (404, "not_found")
    status, body = await search(system, a_token, q=word, sort="relevance")
    assert status == 200
    assert {m["id"] for m in body["messages"]} == {
        ids[label] for label in ("ann-shared", "bob-shared", "ann-secret")
    }


@pytest.mark.parametrize(
    ("q", "extra"),
    [
        ("", {}),
        ("   ", {}),
        ("x" * 1000, {}),
        ('"*()^:-', {}),
        ("hello", {"limit": "0"}),
        ("hello", {"limit": "abc"}),
        ("hello", {"sort": "best"}),
        ("hello", {"room": "Not A Room"}),
        ("hello", {"sort": "relevance", "before": "x"}),
        ("hello", {"room": "lobby", "with": "ann"}),
    ],
)
async def test_a_bad_query_is_422_never_500(system: System, q: str, extra: dict[str, str]) -> None:
    _, token = await system.user()
    status, body = await search(system, token, q=q, **extra)
    assert status == 422, body
    assert body["error"] == "invalid"
    assert body["detail"]


async def test_fts_syntax_in_a_query_is_searched_for_as_words(system: System) -> None:
    _, token = await system.user()
    for q in ('NEAR(a b) OR "', "a' OR 1=1 --", "col:umn ^x -y", "ü*", "emoji 🎉 only"):
        status, body = await search(system, token, q=q)
        assert status == 200, (q, body)
        assert body["messages"] == []
    status, _ = await http(system.gateway, "GET", "/api/search?q=x")
    assert status == 401


async def test_an_image_is_sniffed_thumbnailed_and_shown_to_the_room_only(
    system: System,
) -> None:
    (ann, a_token), (_, b_token), (_, c_token) = [await system.user() for _ in range(3)]
    room = unique("pics")
    answer = await upload(system, a_token, png(), "red square.png", "application/octet-stream")
    assert answer.status == 201, answer.body
    made = answer.json()
    assert (made["name"], made["type"], made["width"], made["height"]) == (
        "red square.png",
        "image/png",
        640,
        480,
    )
    # Until a message attaches it, only its owner sees it.
    for token, status in ((a_token, 200), (b_token, 404)):
        seen, _ = await http(system.gateway, "GET", f"/api/uploads/{made['id']}", token=token)
        assert seen == status
    async with system.connect(a_token) as a, system.connect(b_token) as b:
        await a.join(room)
        await b.join(room)
        await a.send(
            {
                "type": "message",
                "room": room,
                "text": "",
                "attachments": [made["id"]],
                "client_id": "img",
            }
        )
        await a.expect("ack", client_id="img")
        shown = await b.expect("message", user=ann)
        assert shown["text"] == ""
        assert shown["attachments"] == [
            {k: made[k] for k in ("id", "name", "size", "type", "width", "height")}
        ]
        # The same upload once more is refused, and so is another's.
        again = {"type": "message", "room": room, "text": "x", "attachments": [made["id"]]}
        await a.error({**again, "client_id": "again"}, "invalid")
        await b.error({**again, "client_id": "theirs"}, "invalid")
    status, described = await http(
        system.gateway, "GET", f"/api/uploads/{made['id']}", token=b_token
    )
    assert status == 200
    status, _ = await http(system.gateway, "GET", f"/api/uploads/{made['id']}", token=c_token)
    assert status == 404  # not a member of the room

    image = await fetch(system.gateway, "GET", described["url"])
    assert image.status == 200
    assert image.body == png()
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in image.headers["content-security-policy"]
    assert "content-disposition" not in image.headers  # shown inline
    thumb = await fetch(system.gateway, "GET", described["thumb"])
    assert thumb.status == 200
    assert thumb.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(thumb.body)) as small:
        assert small.size == (320, 240)


async def test_a_png_that_is_html_is_never_served_as_html(system: System) -> None:
    _, token = await system.user()
    page = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    claimed = await upload(system, token, page, "cat.png", "image/png")
    assert (claimed.status, claimed.json()["error"]) == (415, "unsupported")
    answer = await upload(system, token, page, "cat.png", "application/octet-stream")
    assert answer.status == 201
    made = answer.json()
    assert made["type"] == "text/html"
    assert made.get("thumb") is None
    served = await fetch(system.gateway, "GET", made["url"])
    assert served.status == 200
    assert served.body == page
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]


async def test_file_links_expire_and_refuse_tampering(system: System) -> None:
    _, token = await system.user()
    made = (await upload(system, token, b"plain words", "notes.txt", "text/plain")).json()
    good = await fetch(system.gateway, "GET", made["url"])
    assert good.status == 200
    assert good.headers["content-type"] == "text/plain; charset=utf-8"
    assert good.headers["content-disposition"] == (
        "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
    )
    path, _, query = made["url"].partition("?")
    args = dict(part.split("=", 1) for part in query.split("&"))
    other = (await upload(system, token, b"other words", "b.txt", "text/plain")).json()
    tampered = [
        f"{path}?exp={int(args['exp']) + 3600}&sig={args['sig']}",  # a later expiry
        f"{path}?exp={args['exp']}&sig={args['sig'][:-1]}A",  # another signature
        f"{path}?exp={args['exp']}&sig={args['sig']}=",  # padded: not strict base64url
        f"{path}?exp={args['exp']}&sig={args['sig']}%00",
        f"/files/{other['id']}?exp={args['exp']}&sig={args['sig']}",  # another file
        f"{path}/thumb?exp={args['exp']}&sig={args['sig']}",  # another variant
        f"{path}?exp={args['exp']}",
        path,
    ]
    for url in tampered:
        answer = await fetch(system.gateway, "GET", url)
        assert answer.status == 403, url
    # A link this server signed whose time has passed (made with its own secret, as it would).
    secret = (system.settings.data_dir / "secret").read_text().strip().encode()
    expired = Links(secret, ttl=-1).url(made["id"])
    assert (await fetch(system.gateway, "GET", expired)).status == 403
    assert (await fetch(system.gateway, "GET", Links(secret, ttl=60).url(made["id"]))).status == 200
    missing = Links(secret, ttl=60).url("no-such-upload")
    assert (await fetch(system.gateway, "GET", missing)).status == 404


async def test_uploads_are_limited_in_size_and_per_user(system: System) -> None:
    _, token = await system.user()
    big = await upload(system, token, b"x" * (LIMIT + 1), "big.bin", "application/octet-stream")
    assert (big.status, big.json()["error"]) == (413, "too_large")
    assert (await upload(system, token, b"", "empty.bin")).status == 422
    for header in ("", "%ff%fe", "a%00b", quote("../../"), quote("x" * 256), "%0A"):
        answer = await upload(system, token, b"x", "", "text/plain", header=header)
        assert answer.status == 422, header
    path = (await upload(system, token, b"z", "../../etc/passwd", "text/plain")).json()
    assert path["name"] == "passwd"  # only the name, never a path
    kept = 1
    while kept + LIMIT <= QUOTA:
        answer = await upload(system, token, b"y" * LIMIT, "part.bin", "application/octet-stream")
        assert answer.status == 201
        kept += LIMIT
    over = await upload(system, token, b"y" * LIMIT, "part.bin", "application/octet-stream")
    assert (over.status, over.json()["error"]) == (413, "quota")


async def test_history_around_a_hit_shows_it_in_its_context(system: System) -> None:
    _, token = await system.user()
    room = unique("ctx")
    async with system.connect(token) as client:
        await client.join(room)
        ids = [(await client.post(room, f"line {n}"))["id"] for n in range(5)]
        await client.find("message", id=ids[-1])
    status, body = await http(
        system.gateway, "GET", f"/api/rooms/{room}/messages?around={ids[2]}&limit=3", token=token
    )
    assert status == 200
    assert [m["id"] for m in body["messages"]] == ids[1:4]
