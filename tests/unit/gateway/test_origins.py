"""The WebSocket Origin check: an allow-list of whole origins (scheme, host, port), never the
Host header (a DNS-rebinding page sends its own name as both)."""

from __future__ import annotations

from pathlib import Path

import pytest
from quart.testing import WebsocketResponseError

from gateway.app import create_app
from gateway.guard.origins import Origins, normal
from runtime.settings import GatewaySettings, Settings


def gateway(**fields: object) -> GatewaySettings:
    return GatewaySettings.model_validate({"static_dir": None, **fields})


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://evil.example:8000", "evil.example:8000"),  # DNS rebinding: Origin == Host
        ("https://127.0.0.1:8000", "127.0.0.1:8000"),  # the right host, the wrong scheme
        ("http://127.0.0.1:8001", "127.0.0.1:8000"),
        ("null", "127.0.0.1:8000"),
    ],
)
async def test_a_foreign_origin_gets_403_whatever_the_host_header(
    tmp_path: Path, origin: str, host: str
) -> None:
    app = create_app(Settings(data_dir=tmp_path, gateway=gateway(port=8000)))
    headers = {"Origin": origin, "Host": host}
    with pytest.raises(WebsocketResponseError) as refused:
        async with app.test_client().websocket("/ws", headers=headers) as ws:
            await ws.receive()
    assert refused.value.response.status_code == 403
    assert (await refused.value.response.get_json())["error"] == "forbidden_origin"


def test_own_listed_and_dev_origins_are_allowed() -> None:
    allowed = Origins.of(gateway(port=8000, origins=["https://chat.example"]))
    for origin in (
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://[::1]:8000",
        "https://chat.example",
        "https://CHAT.example:443/",
        "http://localhost:5173",
    ):
        assert allowed.admit(origin), origin
    for origin in ("http://chat.example", "https://chat.example:8443", "http://localhost:5174"):
        assert not allowed.admit(origin), origin


def test_dev_servers_only_on_a_loopback_bind_and_when_on() -> None:
    assert not Origins.of(gateway(dev_origins=False)).admit("http://localhost:5173")
    public = Origins.of(gateway(host="10.0.0.5", port=8000))
    assert not public.admit("http://localhost:5173")
    assert not public.admit("http://localhost:8000")
    assert public.admit("http://10.0.0.5:8000")
    everywhere = Origins.of(gateway(host="0.0.0.0", port=8000))
    assert everywhere.admit("http://localhost:8000")  # a container's published port
    assert not everywhere.admit("http://localhost:5173")


@pytest.mark.parametrize(
    "origin", ["null", "file://", "ftp://x.example", "http://u@x.example", "http://x:99999", ""]
)
def test_what_is_no_origin(origin: str) -> None:
    assert normal(origin) is None
