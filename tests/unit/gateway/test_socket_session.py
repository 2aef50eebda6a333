"""The socket session (docs/PROTOCOL.md part 3) in-process: refusals, acks, the rate limit and
the token check, with the in-memory bus for Kafka (tests/support/in_process.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from quart.testing.connections import WebsocketDisconnectError

from runtime.events import JoinEvent, MessageEvent, decode
from tests.support.in_process import InProcess, frames_until, in_process, next_frame


def said(client_id: str, text: str = "hello", room: str = "lobby") -> str:
    return json.dumps({"type": "message", "room": room, "text": text, "client_id": client_id})


BAD = [
    ("{not json", "bad_json"),
    ("[1, 2]", "bad_json"),
    ('{"type": "shout"}', "unknown_type"),
    ('{"type": "message", "room": "lobby", "client_id": "c1"}', "invalid"),
    ('{"type": "message", "room": "lobby", "text": 5, "client_id": "c1"}', "invalid"),
    (said("c1"), "not_joined"),
]


async def test_a_bad_frame_is_refused_and_the_socket_stays_open(gateway: InProcess) -> None:
    async with gateway.socket(await gateway.token("ada")) as ws:
        for frame, error in BAD:
            await ws.send(frame)
            refusal = await next_frame(ws)
            assert (refusal["type"], refusal["error"]) == ("error", error), frame
            assert refusal["detail"]
        await ws.send('{"type": "ping"}')
        assert await next_frame(ws) == {"type": "pong"}
    assert gateway.records("chat.message") == []  # nothing reached Kafka


async def test_a_message_is_acked_once_kafka_has_it_and_a_retry_gets_the_same_id(
    gateway: InProcess,
) -> None:
    async with gateway.socket(await gateway.token("ada")) as ws:
        await ws.send('{"type": "join", "room": "lobby"}')
        presence = await frames_until(ws, "presence")
        assert presence[-1]["users"] == ["ada"]
        await ws.send(said("c1", "hello"))
        ack = (await frames_until(ws, "ack"))[-1]
        assert ack["client_id"] == "c1"
        await ws.send(said("c1", "hello"))  # the client did not see its ack: again
        again = (await frames_until(ws, "ack"))[-1]
    assert again == ack
    records = gateway.records("chat.message")
    assert len(records) == 1  # acked before: not produced twice
    event = decode(records[0].value(), MessageEvent)
    assert (event.id, event.room, event.user, event.text) == (ack["id"], "lobby", "ada", "hello")
    [joined] = [decode(r.value(), JoinEvent) for r in gateway.records("chat.join")]
    assert (joined.room, joined.user) == ("lobby", "ada")


async def test_a_message_kafka_refuses_is_unavailable_and_a_retry_is_acked(
    gateway: InProcess,
) -> None:
    async with gateway.socket(await gateway.token("ada")) as ws:
        await ws.send('{"type": "join", "room": "lobby"}')
        await frames_until(ws, "presence")
        gateway.bus.refuse(gateway.res.settings.topic("chat.message"))
        await ws.send(said("c2"))
        refusal = (await frames_until(ws, "error"))[-1]
        assert (refusal["error"], refusal["client_id"]) == ("unavailable", "c2")
        await ws.send(said("c2"))
        ack = (await frames_until(ws, "ack"))[-1]
    [stored] = gateway.records("chat.message")
    assert decode(stored.value(), MessageEvent).id == ack["id"]


async def test_past_the_burst_a_socket_is_rate_limited_and_bad_frames_count_too(
    tmp_path: Path,
) -> None:
    async with in_process(tmp_path, burst=3, rate=0.001) as gateway:  # no refill in a test
        async with gateway.socket(await gateway.token("ada")) as ws:
            await ws.send('{"type": "ping"}')
            await ws.send("{not json")
            await ws.send('{"type": "ping"}')
            await ws.send('{"type": "ping", "client_id": "p4"}')
            answers = [await next_frame(ws) for _ in range(4)]
        assert [a["type"] for a in answers] == ["pong", "error", "pong", "error"]
        assert answers[1]["error"] == "bad_json"
        assert (answers[3]["error"], answers[3]["client_id"]) == ("rate_limited", "p4")


async def test_a_user_s_sockets_share_one_budget(tmp_path: Path) -> None:
    async with in_process(tmp_path, burst=10, user_burst=3, user_rate=0.001) as gateway:
        token = await gateway.token("ada")
        async with gateway.socket(token) as first, gateway.socket(token) as second:
            for ws in (first, second, first):
                await ws.send('{"type": "ping"}')
                assert await next_frame(ws) == {"type": "pong"}
            await second.send('{"type": "ping"}')
            assert (await next_frame(second))["error"] == "rate_limited"


@pytest.mark.parametrize("token", ["", "forged.token", "a" * 40])
async def test_a_socket_without_a_valid_token_is_closed_with_4401(
    gateway: InProcess, token: str
) -> None:
    async with gateway.socket(token) as ws:
        with pytest.raises(WebsocketDisconnectError) as closed:
            await next_frame(ws)
    assert closed.value.args[0] == 4401
