"""`parley deploy kubernetes`: every core object validates against the Kubernetes schemas
(kubernetes-validate, offline); the KEDA objects have the fields KEDA reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from parley.cli import main
from runtime import Context, MessageEvent, on_message
from runtime.engine.discovery import discover
from runtime.ops.kubernetes import Plan, manifests, scaling
from runtime.settings import KafkaSettings, Settings

REPO = Path(__file__).resolve().parents[4]
K8S_VERSION = "1.31"


def documents(files: dict[str, str]) -> list[dict[str, Any]]:
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def secured(tmp_path: Path) -> Settings:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    kafka = KafkaSettings(
        bootstrap="kafka-0.kafka:9093,kafka-1.kafka:9093",
        partitions=4,
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="parley",
        sasl_password="pw",
        ssl_ca=ca,
    )
    return Settings(kafka=kafka, secret="s3cret", topic_prefix="prod.")


@pytest.mark.parametrize("variant", ["plain", "secured"])
def test_every_core_object_validates(variant: str, tmp_path: Path) -> None:
    settings = Settings() if variant == "plain" else secured(tmp_path)
    docs = documents(manifests(discover(REPO / "functions"), settings, Plan()))
    core = [d for d in docs if not d["apiVersion"].startswith("keda.sh/")]
    kinds = {d["kind"] for d in core}
    assert kinds == {
        "Namespace",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }
    for doc in core:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    deployments = {d["metadata"]["name"]: d for d in core if d["kind"] == "Deployment"}
    assert set(deployments) == {
        "gateway",
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
    }


def test_probes_use_health_and_the_worker_heartbeat() -> None:
    docs = documents(manifests(discover(REPO / "functions"), Settings(), Plan()))
    pods = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]
        for d in docs
        if d["kind"] == "Deployment"
    }
    assert pods["gateway"]["readinessProbe"]["httpGet"]["path"] == "/api/health"
    assert pods["fn-chat"]["livenessProbe"]["exec"]["command"] == [
        "parley",
        "health",
        "/tmp/parley-heartbeat",
    ]
    env = {e["name"]: e["value"] for e in pods["fn-chat"]["env"]}
    assert env["PARLEY_WORKER__HEARTBEAT"] == "/tmp/parley-heartbeat"


def test_scaled_objects_follow_the_group_lag_and_stop_at_the_partitions(tmp_path: Path) -> None:
    settings = secured(tmp_path)  # 4 partitions, topic prefix "prod."
    handlers = {h.name: h for h in discover(REPO / "functions")}
    plan = Plan(max_replicas=10, lag_threshold=500, cooldown=120)
    scaled, auth = scaling(handlers["presence"], settings, plan)
    assert scaled["kind"] == "ScaledObject"
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    spec = scaled["spec"]
    assert spec["scaleTargetRef"] == {"name": "fn-presence"}
    assert spec["minReplicaCount"] == 1
    assert spec["maxReplicaCount"] == 4  # never above the partition count
    assert spec["cooldownPeriod"] == 120
    topics = sorted(t["metadata"]["topic"] for t in spec["triggers"])
    assert topics == ["prod.chat.join", "prod.chat.leave"]
    for trigger in spec["triggers"]:
        assert trigger["type"] == "kafka"
        meta = trigger["metadata"]
        assert meta["consumerGroup"] == "prod.fn.presence"
        assert meta["lagThreshold"] == "500"
        assert meta["bootstrapServers"] == settings.kafka.bootstrap
        assert trigger["authenticationRef"] == {"name": "fn-presence-kafka"}
    assert auth["kind"] == "TriggerAuthentication"
    params = {p["parameter"]: p for p in auth["spec"]["secretTargetRef"]}
    assert set(params) == {"sasl", "username", "password", "tls", "ca"}
    docs = documents(manifests(list(handlers.values()), settings, plan))
    secret = next(d for d in docs if d["kind"] == "Secret" and d["metadata"]["name"] == "parley")
    assert secret["stringData"]["KEDA_SASL"] == "scram_sha512"
    assert secret["stringData"]["PARLEY_KAFKA__SASL_PASSWORD"] == "pw"


def test_sleepers_scale_to_zero_and_their_own_maximum_wins() -> None:
    handlers = {h.name: h for h in discover(REPO / "functions")}
    settings = Settings(kafka=KafkaSettings(partitions=6))
    (poll,) = scaling(handlers["poll"], settings, Plan(max_replicas=3))
    spec = poll["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (0, 3)
    for trigger in spec["triggers"]:
        assert trigger["metadata"]["activationLagThreshold"] == "0"
        assert trigger["metadata"]["scaleToZeroOnInvalidOffset"] == "false"
    (chat,) = scaling(handlers["chat"], settings, Plan(max_replicas=3))
    assert chat["spec"]["minReplicaCount"] == 1  # stays warm
    assert "activationLagThreshold" not in chat["spec"]["triggers"][0]["metadata"]

    @on_message(min_replicas=0, max_replicas=2)
    async def capped(event: MessageEvent, ctx: Context) -> None: ...

    (own,) = scaling(capped, settings, Plan(max_replicas=5))
    assert (own["spec"]["minReplicaCount"], own["spec"]["maxReplicaCount"]) == (0, 2)
    wide = on_message(max_replicas=12)(capped.fn)
    (ordered,) = scaling(wide, settings, Plan())
    assert ordered["spec"]["maxReplicaCount"] == 6  # never above the partitions


def test_a_plain_kafka_needs_no_trigger_authentication() -> None:
    handlers = {h.name: h for h in discover(REPO / "functions")}
    (scaled,) = scaling(handlers["chat"], Settings(), Plan(max_replicas=3))
    assert scaled["spec"]["maxReplicaCount"] == 3
    assert "authenticationRef" not in scaled["spec"]["triggers"][0]


def test_parley_deploy_kubernetes_writes_the_files(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    argv = ["deploy", "kubernetes", "--out", str(out), "--functions", str(REPO / "functions")]
    assert main(argv) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "config.yaml",
        "fn-bot.yaml",
        "fn-chat.yaml",
        "fn-delete.yaml",
        "fn-edit.yaml",
        "fn-poll.yaml",
        "fn-presence.yaml",
        "fn-private.yaml",
        "fn-react.yaml",
        "fn-remind.yaml",
        "fn-scheduled.yaml",
        "gateway.yaml",
        "namespace.yaml",
    ]
    for path in out.iterdir():
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc["apiVersion"].startswith("keda.sh/"):
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_an_unordered_function_scales_past_the_partitions_on_cpu() -> None:
    async def index(event: MessageEvent, ctx: Context) -> None:
        return None

    handler = on_message(ordered=False, max_replicas=18)(index)
    (scaled,) = scaling(handler, Settings(), Plan(max_replicas=3))
    assert scaled["spec"]["maxReplicaCount"] == 18  # not capped at 6 partitions nor the plan
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "cpu"  # KEDA's Kafka scaler cannot read a share group's lag
