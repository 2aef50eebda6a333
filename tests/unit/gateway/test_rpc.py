"""The gRPC API's pieces that need no broker: generated code up to date, status details."""

from __future__ import annotations

from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

from gateway.rpc import codegen
from gateway.rpc.errors import Refused
from gateway.rpc.stream import message_of, response_of


def test_generated_code_matches_the_protos() -> None:
    assert codegen.stale() == [], "run `python -m gateway.rpc.codegen` after changing proto/"


def test_a_refusal_carries_error_info_and_the_bad_field() -> None:
    status = Refused.invalid("room", "at most 64 characters").status()
    assert status.code is grpc.StatusCode.INVALID_ARGUMENT
    assert status.details == "room: at most 64 characters"
    ((_, packed),) = [m for m in status.trailing_metadata if m[0] == "grpc-status-details-bin"]
    details = status_pb2.Status.FromString(packed).details
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    assert details[0].Unpack(info)
    assert (info.domain, info.reason) == ("parley", "invalid")
    assert details[1].Unpack(bad)
    assert bad.field_violations[0].field == "room"


def test_room_frames_become_typed_responses() -> None:
    message = response_of(
        '{"type":"message","id":"m1","room":"lobby","user":"ada","text":"hi",'
        '"ts":"2025-03-14T09:26:53.589Z","bot":true}'
    )
    assert (message.message.id, message.message.user, message.message.bot) == ("m1", "ada", True)
    assert message.message.ts.ToMilliseconds() == 1741944413589
    assert list(response_of('{"type":"presence","room":"r","users":["a"]}').presence.users) == ["a"]
    assert response_of('{"type":"typing","room":"r","user":"a"}').typing.user == "a"
    other = '{"type":"poll","room":"r","votes":{}}'
    assert response_of(other).frame == other


def test_a_living_message_keeps_its_changes_over_grpc() -> None:
    frame = {
        "type": "message",
        "id": "m2",
        "room": "lobby",
        "user": "ada",
        "text": "",
        "ts": "2026-12-01T10:00:00.000Z",
        "reply_to": "m1",
        "replies": 2,
        "mentions": ["bob"],
        "reactions": {"👍": ["bob", "cy"]},
        "edited_at": "2026-12-01T10:01:00.000Z",
        "deleted": True,
        "rev": 4,
    }
    message = message_of(frame)
    assert (message.reply_to, message.replies, list(message.mentions)) == ("m1", 2, ["bob"])
    assert [(r.emoji, list(r.users)) for r in message.reactions] == [("👍", ["bob", "cy"])]
    assert message.edited_at.ToJsonString() == "2026-12-01T10:01:00Z"
    assert (message.deleted, message.rev) == (True, 4)
    plain = message_of({k: frame[k] for k in ("type", "id", "room", "user", "text", "ts")})
    assert (plain.reply_to, plain.rev, plain.HasField("edited_at")) == ("", 0, False)


def test_a_messages_files_reach_grpc_as_attachments() -> None:
    image = {"id": "u1", "name": "cat.png", "size": 48213, "type": "image/png"}
    image |= {"width": 640, "height": 480}
    document = {"id": "u2", "name": "notes.pdf", "size": 900, "type": "application/pdf"}
    frame: dict[str, Any] = {"type": "message", "id": "m", "room": "r", "user": "ann"}
    frame |= {"text": "", "ts": "2025-01-01T00:00:00.000Z", "attachments": [image, document]}
    message = message_of(frame)
    assert [(a.id, a.name, a.size, a.type, a.width, a.height) for a in message.attachments] == [
        ("u1", "cat.png", 48213, "image/png", 640, 480),
        ("u2", "notes.pdf", 900, "application/pdf", 0, 0),
    ]
