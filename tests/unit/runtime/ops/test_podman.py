"""`parley autoscale`'s hands on a compose stack: which podman and podman-compose commands set
a service's running containers (fake commands record what they were asked), and the CLI's
refusal of bad autoscaling flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parley.cli import main
from runtime.errors import SetupError
from runtime.ops.podman import Compose, Container

FAKE = """#!/bin/sh
echo "$(basename "$0") $*" >> {log}
if [ "$1" = "ps" ]; then cat {ps}; fi
"""


@pytest.fixture
def compose(tmp_path: Path) -> Compose:
    log, ps = tmp_path / "calls", tmp_path / "ps.json"
    for name in ("podman", "podman-compose"):
        path = tmp_path / name
        path.write_text(FAKE.format(log=log, ps=ps))
        path.chmod(0o755)
    rows = [
        {"Names": [f"p_fn-poll_{n}"], "State": state, "Labels": _labels("fn-poll", n)}
        for n, state in ((2, "exited"), (1, "running"))
    ]
    rows.append({"Names": ["p_gateway_1"], "State": "running", "Labels": _labels("gateway", 1)})
    rows.append({"Names": ["other"], "State": "running", "Labels": {}})
    ps.write_text(json.dumps(rows))
    return Compose(
        project="p",
        file=Path("stack.yaml"),
        podman=str(tmp_path / "podman"),
        podman_compose=str(tmp_path / "podman-compose"),
    )


def _labels(service: str, number: int) -> dict[str, str]:
    return {
        "io.podman.compose.project": "p",
        "io.podman.compose.service": service,
        "com.docker.compose.container-number": str(number),
    }


def calls(tmp_path: Path) -> list[str]:
    path = tmp_path / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_containers_are_read_by_service_in_number_order(compose: Compose, tmp_path: Path) -> None:
    found = compose.containers()
    assert found["fn-poll"] == [
        Container("p_fn-poll_1", 1, True),
        Container("p_fn-poll_2", 2, False),
    ]
    assert set(found) == {"fn-poll", "gateway"}
    assert calls(tmp_path) == [
        "podman ps -a --filter label=io.podman.compose.project=p --format json"
    ]


def test_scale_stops_the_highest_starts_stopped_ones_then_creates(
    compose: Compose, tmp_path: Path
) -> None:
    have = compose.containers()["fn-poll"]
    compose.scale("fn-poll", 0, have)  # asleep: stop what runs
    compose.scale("fn-poll", 1, have)  # one runs already: nothing to do
    compose.scale("fn-poll", 2, have)  # start the stopped one
    compose.scale("fn-poll", 3, have)  # and create a third
    assert calls(tmp_path)[1:] == [
        "podman stop -t 40 p_fn-poll_1",
        "podman start p_fn-poll_2",
        "podman start p_fn-poll_2",
        "podman-compose -p p -f stack.yaml up -d --no-deps --scale fn-poll=3 fn-poll",
    ]


def test_a_missing_podman_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="make system-deps"):
        Compose(podman=str(tmp_path / "nope")).containers()


def test_bad_autoscaling_flags_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["autoscale", "--idle-after", "0", "--once"]) == 1
    assert "--idle-after: Input should be greater than 0" in capsys.readouterr().err
