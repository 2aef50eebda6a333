"""Every response carries the security headers; the UI's policy allows no inline script and
no framing; ``/docs`` (Swagger UI from a CDN) is gone, ``/openapi.json`` stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.app import create_app
from runtime.settings import GatewaySettings, Settings


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    built = tmp_path / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text(
        '<!doctype html><script type="module" src="/assets/index.js"></script>'
    )
    (built / "assets" / "index.js").write_text("console.log('ui')")
    return built


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/assets/index.js", 200),
        ("/api/ping", 200),
        ("/openapi.json", 200),
        ("/no/such/file", 404),
        ("/docs", 404),
    ],
)
async def test_every_response_has_the_security_headers(
    tmp_path: Path, dist: Path, path: str, status: int
) -> None:
    app = create_app(Settings(data_dir=tmp_path, gateway=GatewaySettings(static_dir=dist)))
    response = await app.test_client().get(path)
    assert response.status_code == status
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no CDN
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
