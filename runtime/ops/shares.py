"""Share groups as the ops views see them: lag and members of an ``ordered=False`` function.

confluent-kafka 2.16 has no admin call for share groups (no DescribeShareGroups, no
DescribeShareGroupOffsets; ``describe_consumer_groups`` reports a share group as an empty
classic group). Kafka's own ``ShareGroupCommand`` has both, and the embedded broker's jars
carry it, so where those jars are (``parley up``, ``parley functions`` on a development
machine) this module runs it: lag is the broker's "share group lag" (per partition, the end
offset minus the share-partition start offset, less what is acknowledged beyond it). A JVM
start costs about 2 CPU-seconds, so each group's answer is kept for ``ttl`` seconds. Where
the jars or Java are missing, or the connection needs SASL/TLS, the answer is None
(unknown).

    shares = ShareGroups(settings)
    shares.lag("fn.index")        # 1234, or None
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from dataclasses import dataclass

from runtime.settings import Settings

COMMAND = "org.apache.kafka.tools.consumer.group.ShareGroupCommand"
log = logging.getLogger("parley.ops")


@dataclass(frozen=True)
class ShareGroupState:
    """What the broker says of one share group: its members and its lag (None: unknown)."""

    members: int | None
    lag: int | None


def parse_lag(output: str) -> int | None:
    """The sum of the LAG column of ``ShareGroupCommand --describe --offsets`` ("-" counts
    0); None when there is no table (a group that never fetched)."""
    lines = [line.split() for line in output.splitlines() if line.strip()]
    header = next((i for i, cells in enumerate(lines) if cells[:1] == ["GROUP"]), None)
    if header is None or "LAG" not in lines[header]:
        return None
    column = lines[header].index("LAG")
    rows = [cells for cells in lines[header + 1 :] if len(cells) > column]
    return sum(int(cells[column]) for cells in rows if cells[column].isdigit())


def parse_members(output: str) -> int | None:
    """#MEMBERS of ``ShareGroupCommand --describe --state``; None when absent."""
    lines = [line.split() for line in output.splitlines() if line.strip()]
    for i, cells in enumerate(lines[:-1]):
        if cells[:1] == ["GROUP"] and "#MEMBERS" in cells:
            value = lines[i + 1][-1]
            return int(value) if value.isdigit() else None
    return None


class ShareGroups:
    """Asks Kafka's ``ShareGroupCommand`` about share groups (see the module's docstring)."""

    def __init__(self, settings: Settings, ttl: float = 15.0, timeout: float = 30.0) -> None:
        self.settings = settings
        self.ttl = ttl
        self.timeout = timeout
        self._known: dict[str, tuple[float, ShareGroupState]] = {}

    def available(self) -> bool:
        """Whether the command can run here: Java, the jars, and a plain connection."""
        config = self.settings.kafka.client_config()
        plain = set(config) <= {"bootstrap.servers"}
        jars = any(self.settings.kafka.jars().glob("kafka-tools-*.jar"))
        return plain and jars and shutil.which("java") is not None

    def state(self, group: str) -> ShareGroupState:
        """Members and lag of ``group`` (kept for ``ttl`` seconds)."""
        now = time.monotonic()
        known = self._known.get(group)
        if known is not None and now - known[0] < self.ttl:
            return known[1]
        state = ShareGroupState(None, None)
        if self.available():
            state = ShareGroupState(
                parse_members(self._describe(group, "--state")),
                parse_lag(self._describe(group, "--offsets")),
            )
        self._known[group] = (now, state)
        return state

    def lag(self, group: str) -> int | None:
        return self.state(group).lag

    def _describe(self, group: str, what: str) -> str:
        argv = [
            "java",
            "-Xmx64m",
            "-XX:TieredStopAtLevel=1",  # a one-shot tool: skip the optimising compiler
            "-cp",
            f"{self.settings.kafka.jars()}/*",
            COMMAND,
            "--bootstrap-server",
            self.settings.kafka.address(),
            "--describe",
            "--group",
            group,
            what,
        ]
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("share group %s: %s did not answer (%s)", group, COMMAND, exc)
            return ""
        return done.stdout
