"""Several embedded KRaft nodes on one machine: a Kafka cluster that survives a node's death.

    cluster = KafkaCluster.from_settings(settings)     # PARLEY_KAFKA__NODES=3
    cluster.start()     # formats each node once (one cluster id), starts all, waits for each
    cluster.bootstrap   # "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"
    cluster.stop()

Node ``i`` (from 1) has node id ``i``, client port ``port + 2(i-1)``, controller port
``controller_port + 2(i-1)`` and its files under ``$PARLEY_DATA_DIR/kafka/node-i``; every node
is a voter of the one controller quorum. With three nodes every topic (internal ones too) has
3 replicas and ``min.insync.replicas=2``: acknowledged writes survive a node's death, and
producers keep going while two nodes live. A single node is the plain embedded broker, in
``$PARLEY_DATA_DIR/kafka`` as before.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from runtime.errors import BrokerError
from runtime.ops.broker import EmbeddedBroker, new_cluster_id
from runtime.settings import Settings

# A killed node is fenced (its partitions get new leaders) after the broker session timeout:
# the default 9 s would outlast a gateway's produce deadline (5 s), so clients would be told
# "unavailable" while two nodes live. Heartbeat every 0.5 s, fenced after 3 s.
# The controller quorum fails over faster too (a killed node may be the active controller):
# a voter that hears nothing for 1 s (default 2 s) starts an election, within 0.5 s (1 s).
FAILOVER = {
    "broker.heartbeat.interval.ms": "500",
    "broker.session.timeout.ms": "3000",
    "controller.quorum.fetch.timeout.ms": "1000",
    "controller.quorum.election.timeout.ms": "500",
}


@dataclass(frozen=True)
class KafkaCluster:
    """KRaft nodes sharing one controller quorum; ``start``/``stop``/``status`` act on all."""

    nodes: tuple[EmbeddedBroker, ...]

    @classmethod
    def from_settings(cls, settings: Settings, nodes: int | None = None) -> KafkaCluster:
        k = settings.kafka
        count = nodes or k.nodes
        if count == 1:
            return cls((EmbeddedBroker.from_settings(settings),))
        controller = k.controller_port or k.port + 1
        ports = [(k.port + 2 * i, controller + 2 * i) for i in range(count)]
        home = settings.data_dir.resolve() / "kafka"
        return cls.on_ports(home, ports, k.jars(), k.heap)

    @classmethod
    def on_ports(
        cls, home: Path, ports: list[tuple[int, int]], libs: Path, heap: str = "512m"
    ) -> KafkaCluster:
        """Nodes on these (client, controller) ports with their files under ``home``."""
        home.mkdir(parents=True, exist_ok=True)
        id_file = home / "cluster.id"
        if not id_file.exists():
            id_file.write_text(new_cluster_id())
        voters = ",".join(f"{i + 1}@127.0.0.1:{c}" for i, (_, c) in enumerate(ports))
        replication = min(3, len(ports))
        template = EmbeddedBroker(
            home=home,
            port=0,
            controller_port=0,
            libs=libs,
            heap=heap,
            voters=voters,
            cluster_id=id_file.read_text().strip(),
            replication=replication,
            min_isr=max(1, replication - 1),
            overrides=FAILOVER,
        )
        return cls(
            tuple(
                replace(
                    template, home=home / f"node-{i + 1}", port=p, controller_port=c, node_id=i + 1
                )
                for i, (p, c) in enumerate(ports)
            )
        )

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    def start(self, tied: bool = False) -> str:
        """Start every node that is not running and wait until each answers; a summary line."""
        launched = [
            (node, node.launch(tied)) for node in self.nodes if node.status().state != "running"
        ]
        try:
            for node, proc in launched:
                node.wait_ready(proc)
        except BrokerError:
            self.stop()
            raise
        return str(self)

    def stop(self) -> bool:
        """Stop every node (SIGTERM, then SIGKILL); True if any ran."""
        stopped = [node.stop() for node in self.nodes]  # every node, not up to the first
        return any(stopped)

    def running(self) -> bool:
        return all(node.status().state == "running" for node in self.nodes)

    def __str__(self) -> str:
        if len(self.nodes) == 1:
            return str(self.nodes[0].status())
        lines = [f"kafka cluster of {len(self.nodes)} nodes at {self.bootstrap}"]
        lines += [f"  node {n.node_id}: {n.status()}" for n in self.nodes]
        return "\n".join(lines)
