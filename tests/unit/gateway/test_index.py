"""``GET /``: the built UI when there is one, else a page that says how to build it."""

from __future__ import annotations

from pathlib import Path

from gateway.app import create_app
from runtime.settings import GatewaySettings, Settings


def settings(tmp_path: Path, static: Path) -> Settings:
    return Settings(data_dir=tmp_path, gateway=GatewaySettings(static_dir=static))


async def test_without_a_built_ui_the_root_says_how_to_build_it(tmp_path: Path) -> None:
    client = create_app(settings(tmp_path, tmp_path / "no-dist")).test_client()
    response = await client.get("/")
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    page = await response.get_data(as_text=True)
    assert "make up" in page
    assert str(tmp_path / "no-dist") in page


async def test_a_built_ui_is_served_at_the_root(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>the app</title>")
    response = await create_app(settings(tmp_path, dist)).test_client().get("/")
    assert response.status_code == 200
    assert "the app" in await response.get_data(as_text=True)
