"""``/openapi.json`` says what the routes do, and the routes answer as HTTP says: a wrong
method is a ``405`` with ``Allow``, also when the built UI is served beside the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from quart import Quart

from gateway.app import create_app
from runtime.settings import GatewaySettings, Settings


def app_with_ui(tmp_path: Path) -> Quart:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>ui</title>")
    return create_app(Settings(data_dir=tmp_path, gateway=GatewaySettings(static_dir=dist)))


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/register", {"POST", "OPTIONS"}),
        ("GET", "/api/login", {"POST", "OPTIONS"}),
        ("PUT", "/api/ping", {"GET", "HEAD", "OPTIONS"}),
        ("PATCH", "/api/rooms/lobby/members/ada", {"DELETE", "PUT", "OPTIONS"}),
    ],
)
async def test_a_wrong_method_is_405_with_allow_even_beside_the_ui(
    tmp_path: Path, method: str, path: str, allow: set[str]
) -> None:
    client = app_with_ui(tmp_path).test_client()
    response = await client.open(path, method=method, json=None)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == allow
    assert (await response.get_json())["error"] == "method_not_allowed"


async def test_the_ui_files_are_still_served(tmp_path: Path) -> None:
    client = app_with_ui(tmp_path).test_client()
    assert (await client.get("/index.html")).status_code == 200
    assert (await client.get("/api/no-such-route")).status_code == 404


async def openapi(tmp_path: Path) -> dict[str, Any]:
    app = create_app(Settings(data_dir=tmp_path, gateway=GatewaySettings(static_dir=None)))
    document: dict[str, Any] = await (await app.test_client().get("/openapi.json")).get_json()
    return document


async def test_path_parameters_carry_the_rules_the_routes_check(tmp_path: Path) -> None:
    paths = (await openapi(tmp_path))["paths"]
    member = paths["/api/rooms/{room}/members/{user}"]["delete"]
    schemas = {p["name"]: p["schema"] for p in member["parameters"] if p["in"] == "path"}
    assert schemas["room"]["pattern"] == "^[a-z0-9_-]+$"
    assert schemas["room"]["maxLength"] == 64
    assert schemas["user"]["pattern"] == "^[A-Za-z0-9_.-]+$"
    assert schemas["user"]["maxLength"] == 32


async def test_bodies_are_required_and_error_answers_documented(tmp_path: Path) -> None:
    paths = (await openapi(tmp_path))["paths"]
    register = paths["/api/register"]["post"]
    assert register["requestBody"]["required"] is True
    assert {"409", "413", "422"} <= set(map(str, register["responses"]))
    history = paths["/api/rooms/{room}/messages"]["get"]
    assert {"401", "404", "422"} <= set(map(str, history["responses"]))
    assert "/docs" not in paths
