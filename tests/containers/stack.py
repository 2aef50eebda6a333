"""The compose stack under test: Podman state in its own folder, images built on local bases.

    stack = Stack.prepare(name, port) # images (infra/containers/images.sh), env for podman
    stack.compose("up", "-d")
    stack.container("fn-chat")        # "<project>_fn-chat_1"
    stack.down()                      # down -v; then nothing of the project may remain
    stack.purge()                     # removes whatever is left (for teardown after failures)

All podman state lives in PARLEY_CONTAINERS_HOME (default ~/.cache/parley/containers; see
infra/containers/bases.sh), so the tests never touch the system's containers, and the bases and
layers built there stay cached between runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.net import free_port

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "infra" / "containers" / "images.sh"
COMPOSE = Path(sys.executable).parent / "podman-compose"


def missing_tools() -> str | None:
    """Why the container tests cannot run here, or None."""
    if shutil.which("podman") is None:
        return "podman is not installed (make test installs it as root: infra/system-deps.sh)"
    if not COMPOSE.exists():
        return "podman-compose is not in the venv (pip install -e '.[dev]')"
    return None


@dataclass
class Stack:
    project: str
    env: dict[str, str]
    timings: dict[str, float]

    @classmethod
    def prepare(cls, project: str, port: int, kafka_port: int | None = None) -> Stack:
        """The images on local bases (infra/containers/images.sh: bases kept by recipe, images
        by podman's layer cache, so this is quick after `make test` prebuilt them).
        ``kafka_port``: the broker's listener for the host (``parley autoscale``)."""
        env = dict(os.environ)
        started = time.monotonic()
        for line in _run(["bash", str(IMAGES)], env).splitlines():
            name, _, value = line.partition("=")
            env[name] = value
        env |= {
            "PARLEY_SECRET": "container-test-secret-" + project,
            "PARLEY_PORT": str(port),
            "PARLEY_COMPOSE": str(COMPOSE),
            # The broker's listener for the host (parley autoscale), on a port of its own.
            "PARLEY_KAFKA_HOST_PORT": str(kafka_port or free_port()),
        }
        return cls(project, env, {"images": time.monotonic() - started})

    def compose(self, *args: str, check: bool = True) -> str:
        """Run ``podman-compose -p PROJECT ARGS`` in the repository; its output."""
        return _run([str(COMPOSE), "-p", self.project, *args], self.env, check=check)

    def podman(self, *args: str, check: bool = True) -> str:
        return _run(["podman", *args], self.env, check=check)

    def container(self, service: str, replica: int = 1) -> str:
        return f"{self.project}_{service}_{replica}"

    def inspect(self, container: str) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.podman("inspect", container))[0]
        return state

    def leftovers(self) -> list[str]:
        """Containers, volumes and networks of this project that still exist."""
        label = f"label=io.podman.compose.project={self.project}"
        found = self.podman("ps", "-a", "--filter", label, "--format", "{{.Names}}").split()
        found += [
            v
            for v in self.podman("volume", "ls", "--format", "{{.Name}}").split()
            if v.startswith(f"{self.project}_")
        ]
        found += [
            n
            for n in self.podman("network", "ls", "--format", "{{.Name}}").split()
            if n.startswith(f"{self.project}_")
        ]
        return found

    def down(self) -> int:
        """``down -v``, a second time if the first left something; how many it took.

        podman-compose 1.6 removes a scaled service's extra replicas only after the services
        they depend on (``--requires``), so after ``--scale`` the first pass can fail to remove
        a volume still held by the broker container it could not remove yet."""
        for attempt in (1, 2):
            self.compose("down", "-v", "--remove-orphans", "-t", "10", check=False)
            if not self.leftovers():
                return attempt
        return 2

    def purge(self) -> None:
        """Remove every container, volume and network of the project, whatever state it is in."""
        label = f"label=io.podman.compose.project={self.project}"
        ids = self.podman("ps", "-aq", "--filter", label, check=False).split()
        if ids:
            self.podman("rm", "-f", "-t", "0", *ids, check=False)
        for name in self.leftovers():
            self.podman("volume", "rm", "-f", name, check=False)
            self.podman("network", "rm", "-f", name, check=False)

    def logs(self, container: str, lines: int = 30) -> str:
        return self.podman("logs", "--tail", str(lines), container, check=False)


def _run(argv: list[str], env: dict[str, str], check: bool = True) -> str:
    result = subprocess.run(
        argv, env=env, cwd=REPO, capture_output=True, text=True, check=False, timeout=900
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-3000:]}"
        )
    return result.stdout
