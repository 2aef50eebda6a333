"""``parley deploy kubernetes``: manifests for running Parley past one machine.

    files = manifests(handlers, settings, Plan(image_prefix="registry.example/parley-"))
    write(files, Path("deploy/"))       # namespace.yaml, config.yaml, gateway.yaml, fn-*.yaml

What it describes (Kafka and PostgreSQL are yours: point the settings at them):

- a ConfigMap with the non-secret settings and a Secret with ``PARLEY_SECRET``, the database URL
  and the SASL password (when Kafka needs one), both read by every pod through ``envFrom``;
- the gateway: a Deployment (readiness on ``/api/health``, liveness on ``/api/ping``, so a
  Kafka outage takes gateways out of the Service without restarting them), a Service, a
  HorizontalPodAutoscaler on CPU and a PodDisruptionBudget;
- per function: a Deployment whose probes read the worker's heartbeat file
  (``parley health /tmp/parley-heartbeat``), and a KEDA ``ScaledObject`` on its consumer group's
  lag, one trigger per topic, its maximum never above the partition count (a replica past it
  would own no partition). An unordered function (``ordered=False``, a share group) scales up
  to its own ``max_replicas`` on CPU instead: KEDA's Kafka scaler reads a consumer group's
  committed offsets, and a share group commits none. The bounds follow the function's options:
  ``min_replicas=0`` (ordered functions only) gives ``minReplicaCount: 0`` (KEDA stops every pod
  once no trigger is active for the cooldown, and starts one when lag passes
  ``activationLagThreshold``); an ordered function's ``maxReplicaCount`` is the lowest of its
  ``max_replicas``, ``--max-replicas`` and the partitions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.ops.yamltext import dump_all
from runtime.registry import min_replicas
from runtime.settings import Settings
from runtime.triggers import Handler

HEARTBEAT = "/tmp/parley-heartbeat"
CA_DIR = "/etc/parley/kafka"
Manifest = dict[str, Any]
KEDA_SASL = {"PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512"}


@dataclass(frozen=True)
class Plan:
    """The choices a deployment makes; every field has a command-line option."""

    namespace: str = "parley"
    image_prefix: str = "localhost/parley-"  # + gateway / worker
    tag: str = "latest"
    gateways: int = 2
    max_gateways: int = 6
    max_replicas: int = 6  # per ordered function, under its own and the partitions
    lag_threshold: int = 1000  # records of lag per replica
    cooldown: int = 300  # seconds without lag before KEDA scales to the minimum
    database_url: str = "postgresql+asyncpg://parley:CHANGE-ME@postgres:5432/parley"


def manifests(handlers: list[Handler], settings: Settings, plan: Plan) -> dict[str, str]:
    """File name -> YAML text, one file per part of the system."""
    files = {
        "namespace.yaml": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": plan.namespace}}
        ],
        "config.yaml": _config(settings, plan),
        "gateway.yaml": _gateway(settings, plan),
    }
    for handler in handlers:
        files[f"fn-{handler.name}.yaml"] = _function(handler, settings, plan)
    return {name: dump_all(docs) for name, docs in files.items()}


def write(files: dict[str, str], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        (out / name).write_text(text)
        written.append(out / name)
    return written


def _meta(name: str, plan: Plan, component: str) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": "parley", "app.kubernetes.io/component": component}
    return {"name": name, "namespace": plan.namespace, "labels": labels}


def _config(settings: Settings, plan: Plan) -> list[Manifest]:
    k = settings.kafka
    data = {
        "PARLEY_KAFKA__BOOTSTRAP": k.bootstrap or "kafka-bootstrap:9092",
        "PARLEY_KAFKA__PARTITIONS": str(k.partitions),
        "PARLEY_KAFKA__SECURITY_PROTOCOL": k.security_protocol,
        "PARLEY_TOPIC_PREFIX": settings.topic_prefix,
        "PARLEY_DATA_DIR": "/tmp/parley",
        "PARLEY_GATEWAY__REQUIRE_SECRET": "true",
    }
    secret = {
        "PARLEY_SECRET": settings.secret or secrets.token_urlsafe(32),
        "PARLEY_DATABASE__URL": settings.database.url or plan.database_url,
    }
    if k.security_protocol.startswith("SASL_"):
        data["PARLEY_KAFKA__SASL_MECHANISM"] = k.sasl_mechanism
        data["PARLEY_KAFKA__SASL_USERNAME"] = k.sasl_username or ""
        secret["PARLEY_KAFKA__SASL_PASSWORD"] = (
            k.sasl_password.get_secret_value() if k.sasl_password else ""
        )
        # The same credentials in the words of KEDA's Kafka scaler (TriggerAuthentication).
        secret["KEDA_SASL"] = KEDA_SASL[k.sasl_mechanism]
        secret["KEDA_USERNAME"] = k.sasl_username or ""
    if k.security_protocol.endswith("SSL"):
        secret["KEDA_TLS"] = "enable"
    docs: list[Manifest] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta("parley", plan, "config"),
            "data": data,
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta("parley", plan, "config"),
            "type": "Opaque",
            "stringData": secret,
        },
    ]
    if k.ssl_ca is not None:
        data["PARLEY_KAFKA__SSL_CA"] = f"{CA_DIR}/ca.pem"
        ca = k.ssl_ca.read_text() if k.ssl_ca.exists() else "PASTE THE KAFKA CA (PEM) HERE\n"
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": _meta("parley-kafka-ca", plan, "config"),
                "type": "Opaque",
                "stringData": {"ca.pem": ca},
            }
        )
    return docs


def _container(name: str, image: str, command: list[str], settings: Settings) -> Manifest:
    container: Manifest = {
        "name": name,
        "image": image,
        "command": command,
        "envFrom": [{"configMapRef": {"name": "parley"}}, {"secretRef": {"name": "parley"}}],
        "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True},
    }
    if settings.kafka.ssl_ca is not None:
        container["volumeMounts"] = [{"name": "kafka-ca", "mountPath": CA_DIR, "readOnly": True}]
    return container


def _pod(container: Manifest, settings: Settings) -> Manifest:
    spec: Manifest = {"containers": [container], "terminationGracePeriodSeconds": 40}
    if settings.kafka.ssl_ca is not None:
        spec["volumes"] = [{"name": "kafka-ca", "secret": {"secretName": "parley-kafka-ca"}}]
    return spec


def _deployment(name: str, plan: Plan, component: str, replicas: int, pod: Manifest) -> Manifest:
    selector = {"app.kubernetes.io/name": "parley", "app.kubernetes.io/instance": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, plan, component),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": {**selector, "app.kubernetes.io/component": component}},
                "spec": pod,
            },
        },
    }


def _gateway(settings: Settings, plan: Plan) -> list[Manifest]:
    image = f"{plan.image_prefix}gateway:{plan.tag}"
    command = ["parley", "gateway", "--host", "0.0.0.0", "--port", "8000"]
    container = _container("gateway", image, command, settings)
    container |= {
        "ports": [
            {"name": "http", "containerPort": 8000},
            {"name": "grpc", "containerPort": 50051},  # the gRPC API (gateway.rpc)
        ],
        # Ready only while Kafka and the database answer; alive as long as it serves at all.
        "readinessProbe": {"httpGet": {"path": "/api/health", "port": "http"}, "periodSeconds": 5},
        # The gRPC API's own health service (grpc.health.v1), probed natively by the kubelet.
        "startupProbe": {"grpc": {"port": 50051}, "periodSeconds": 2, "failureThreshold": 60},
        "livenessProbe": {
            "httpGet": {"path": "/api/ping", "port": "http"},
            "periodSeconds": 10,
            "failureThreshold": 3,
        },
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
    }
    deployment = _deployment("gateway", plan, "gateway", plan.gateways, _pod(container, settings))
    selector = deployment["spec"]["selector"]["matchLabels"]
    return [
        deployment,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta("gateway", plan, "gateway"),
            "spec": {
                "selector": selector,
                "ports": [
                    {"name": "http", "port": 80, "targetPort": "http"},
                    {"name": "grpc", "port": 50051, "targetPort": "grpc"},
                ],
            },
        },
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": _meta("gateway", plan, "gateway"),
            "spec": {
                "scaleTargetRef": {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "gateway",
                },
                "minReplicas": plan.gateways,
                "maxReplicas": max(plan.gateways, plan.max_gateways),
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70},
                        },
                    }
                ],
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": _meta("gateway", plan, "gateway"),
            "spec": {"minAvailable": 1, "selector": {"matchLabels": selector}},
        },
    ]


def _function(handler: Handler, settings: Settings, plan: Plan) -> list[Manifest]:
    name = f"fn-{handler.name}"
    image = f"{plan.image_prefix}worker:{plan.tag}"
    container = _container(name, image, ["parley", "worker", handler.name], settings)
    heartbeat = {"exec": {"command": ["parley", "health", HEARTBEAT]}, "periodSeconds": 10}
    container |= {
        "env": [
            {"name": "PARLEY_WORKER__HEARTBEAT", "value": HEARTBEAT},
            {"name": "PARLEY_WORKER__METRICS_HOST", "value": "0.0.0.0"},
            {"name": "PARLEY_WORKER__METRICS_PORT", "value": "9100"},
        ],
        "ports": [{"name": "metrics", "containerPort": 9100}],
        "startupProbe": heartbeat | {"failureThreshold": 30},
        "livenessProbe": heartbeat | {"failureThreshold": 3},
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "512Mi"},
        },
    }
    deployment = _deployment(name, plan, "function", 1, _pod(container, settings))
    return [deployment, *scaling(handler, settings, plan)]


def scaling(handler: Handler, settings: Settings, plan: Plan) -> list[Manifest]:
    """The KEDA objects of one function: a ScaledObject on its group's lag (and, for a secured
    Kafka, the TriggerAuthentication it uses); for an unordered function, on its CPU."""
    k = settings.kafka
    name = f"fn-{handler.name}"
    ordered = handler.options.ordered
    secured = ordered and k.security_protocol != "PLAINTEXT"
    low = min_replicas(handler, settings)
    own = handler.options.max_replicas
    high = max(1, low, min(own, plan.max_replicas, k.partitions) if ordered else own)
    triggers: list[Manifest] = []
    if not ordered:
        cpu = {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "70"}}
        triggers.append(cpu)
    for topic in handler.topics if ordered else ():
        trigger: Manifest = {
            "type": "kafka",
            "metadata": {
                "bootstrapServers": k.bootstrap or "kafka-bootstrap:9092",
                "consumerGroup": settings.topic(f"fn.{handler.name}"),
                "topic": settings.topic(topic),
                "lagThreshold": str(plan.lag_threshold),
                "offsetResetPolicy": handler.options.start,
                # Never count partitions nobody can own: max replicas <= partitions below.
                "allowIdleConsumers": "false",
            },
        }
        if low == 0:
            # Asleep, any record waiting wakes it. A group that never committed counts as
            # lag (scaleToZeroOnInvalidOffset false), so the first pod runs and commits its
            # positions before the function may sleep: nothing is skipped on wake.
            trigger["metadata"] |= {
                "activationLagThreshold": "0",
                "scaleToZeroOnInvalidOffset": "false",
            }
        if secured:
            trigger["authenticationRef"] = {"name": f"{name}-kafka"}
        triggers.append(trigger)
    objects: list[Manifest] = [
        {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledObject",
            "metadata": _meta(name, plan, "function"),
            "spec": {
                "scaleTargetRef": {"name": name},
                "minReplicaCount": min(low, high),
                "maxReplicaCount": high,
                "pollingInterval": 15,
                "cooldownPeriod": plan.cooldown,
                "triggers": triggers,
            },
        }
    ]
    if secured:
        objects.append(_trigger_auth(name, settings, plan))
    return objects


def _trigger_auth(name: str, settings: Settings, plan: Plan) -> Manifest:
    k = settings.kafka
    params = []
    if k.security_protocol.startswith("SASL_"):
        params += [
            {"parameter": "sasl", "name": "parley", "key": "KEDA_SASL"},
            {"parameter": "username", "name": "parley", "key": "KEDA_USERNAME"},
            {"parameter": "password", "name": "parley", "key": "PARLEY_KAFKA__SASL_PASSWORD"},
        ]
    if k.security_protocol.endswith("SSL"):
        params.append({"parameter": "tls", "name": "parley", "key": "KEDA_TLS"})
        if k.ssl_ca is not None:
            params.append({"parameter": "ca", "name": "parley-kafka-ca", "key": "ca.pem"})
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "TriggerAuthentication",
        "metadata": _meta(f"{name}-kafka", plan, "function"),
        "spec": {"secretTargetRef": params},
    }
