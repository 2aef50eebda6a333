"""Bad input is a clear refusal: bodies that are not UTF-8, JSON nested past what the parser
holds, lone surrogates. Over HTTP a ``422 invalid``; on the socket a ``bad_json`` frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.app import create_app
from gateway.protocol.inbound import Refusal, read_json
from runtime.settings import GatewaySettings, Settings

DEEP = "[" * 20_000 + "]" * 20_000  # under the 64 KiB body limit, past the parser's depth
SURROGATE = '{"type": "ping", "client_id": "\\ud800"}'


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"username": "\xff\xfe", "password": "correct horse"}', "not UTF-8"),
        (DEEP.encode(), "nests too deeply"),
        (b'{"username": "ada\\udc00", "password": "correct horse"}', "surrogate"),
        (b'{"username": ', "not JSON"),
    ],
)
@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
async def test_unusable_bodies_get_422_invalid(
    tmp_path: Path, path: str, body: bytes, says: str
) -> None:
    app = create_app(Settings(data_dir=tmp_path, gateway=GatewaySettings(static_dir=None)))
    response = await app.test_client().post(
        path, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    answer = await response.get_json()
    assert answer["error"] == "invalid"
    assert says in answer["detail"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (DEEP, "nests too deeply"),
        ('{"type": "ping", "x": ' * 5000 + "1" + "}" * 5000, "nests too deeply"),
        (SURROGATE, "surrogate"),
        ('{"type": "message", "text": "\\udfff"}', "surrogate"),
        ('{"\\ud800": 1, "type": "ping"}', "surrogate"),
    ],
)
def test_unusable_frames_are_bad_json(text: str, says: str) -> None:
    with pytest.raises(Refusal) as refused:
        read_json(text)
    assert refused.value.code == "bad_json"
    assert says in refused.value.detail
    assert refused.value.client_id is None  # nothing unencodable is echoed back


def test_escaped_backslash_before_u_d800_is_plain_text() -> None:
    assert read_json('{"type": "ping", "t": "\\\\ud800"}') == {"type": "ping", "t": "\\ud800"}
    assert read_json('{"type": "ping", "t": "\\ud83d\\ude00"}')["t"] == "\U0001f600"
