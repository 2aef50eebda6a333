"""Kafka clients over SASL_SSL and SSL, against the embedded broker with extra listeners.

The test makes its own certificate authority (openssl), a broker certificate for localhost and a
client certificate; the broker gets a SASL_SSL listener (SCRAM-SHA-512 users created at format
time with ``--add-scram``, PLAIN users in its JAAS line) and an SSL listener that requires a
client certificate. Every client Parley makes takes ``settings.kafka.client_config()``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runtime.bus import send
from runtime.errors import KafkaAccessDenied
from runtime.events import Delivery, MessageEvent, decode
from runtime.kafka.client import Producer
from runtime.kafka.topics import ensure_topics
from runtime.ops.broker import EmbeddedBroker
from runtime.settings import KafkaSettings, Settings
from tests.support.broker import embedded_broker
from tests.support.harness import eventually, make_settings, produce, read_all
from tests.support.net import free_port, unique
from tests.support.ready import assigned
from tests.support.system import REPO, env_of

pytestmark = pytest.mark.timeout(240)
SCRAM_PASSWORD = "scram-" + unique("pw")
PLAIN_PASSWORD = "plain-" + unique("pw")


@dataclass(frozen=True)
class Secured:
    broker: EmbeddedBroker
    sasl_port: int
    ssl_port: int
    pki: Path

    def kafka(self, **security: Any) -> KafkaSettings:
        return KafkaSettings(ssl_ca=self.pki / "ca.pem", **security)


def _openssl(pki: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=pki, check=True, capture_output=True)


def make_pki(pki: Path) -> None:
    """A CA, a broker certificate for localhost/127.0.0.1, a client certificate."""
    pki.mkdir()
    subject = ["-subj", "/CN=parley-test-ca", "-days", "2"]
    _openssl(
        pki,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        *subject,
    )
    (pki / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name, cn in (("broker", "localhost"), ("client", "parley-client")):
        key = ["-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key"]
        _openssl(pki, "req", *key, "-out", f"{name}.csr", "-subj", f"/CN={cn}")
        sign = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2"]
        _openssl(
            pki,
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            *sign,
            "-out",
            f"{name}.pem",
            "-extfile",
            "san.ext",
        )
    # Kafka reads a PEM keystore as one file: the private key, then the certificate.
    (pki / "broker-keystore.pem").write_text(
        (pki / "broker.key").read_text() + (pki / "broker.pem").read_text()
    )


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    """The embedded broker with SASL_SSL (SCRAM-SHA-512, PLAIN) and SSL (client certificate
    required) listeners beside its PLAINTEXT one."""
    home = tmp_path_factory.mktemp("secure-kafka")
    pki = home / "pki"
    make_pki(pki)
    plain = embedded_broker(home / "kafka")
    sasl_port, ssl_port = free_port(), free_port()
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    plain_jaas = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'user_plainuser="{PLAIN_PASSWORD}";'
    )
    broker = EmbeddedBroker(
        home=plain.home,
        port=plain.port,
        controller_port=plain.controller_port,
        libs=plain.libs,
        heap=plain.heap,
        overrides={
            "listeners": f"PLAINTEXT://127.0.0.1:{plain.port},"
            f"CONTROLLER://127.0.0.1:{plain.controller_port},"
            f"SASL_SSL://127.0.0.1:{sasl_port},SSL://127.0.0.1:{ssl_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{plain.port},"
            f"SASL_SSL://localhost:{sasl_port},SSL://localhost:{ssl_port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,"
            "SASL_SSL:SASL_SSL,SSL:SSL",
            "listener.name.sasl_ssl.sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": scram,
            "listener.name.sasl_ssl.plain.sasl.jaas.config": plain_jaas,
            "listener.name.ssl.ssl.client.auth": "required",
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(pki / "broker-keystore.pem"),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(pki / "ca.pem"),
        },
        format_args=("--add-scram", f"SCRAM-SHA-512=[name=parley,password={SCRAM_PASSWORD}]"),
    )
    broker.start()
    try:
        yield Secured(broker, sasl_port, ssl_port, pki)
    finally:
        broker.stop()


def _settings(kafka: KafkaSettings, tmp_path: Path) -> Settings:
    plain = make_settings("unused:1", tmp_path)
    return plain.model_copy(update={"kafka": kafka})


def scram(secured: Secured, password: str = SCRAM_PASSWORD) -> KafkaSettings:
    return secured.kafka(
        bootstrap=f"localhost:{secured.sasl_port}",
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="parley",
        sasl_password=password,
    )


async def _round_trip(settings: Settings) -> None:
    topic = settings.topic("secure")
    await asyncio.to_thread(ensure_topics, settings.kafka.client_config(), [topic], 1)
    producer = Producer(settings.kafka.client_config())
    try:
        await send(producer, topic, b"hello", b"k")
    finally:
        await producer.close()
    (got,) = await read_all(settings, topic, 1)
    assert got.value() == b"hello"


async def test_scram_sha_512_over_tls(secured: Secured, tmp_path: Path) -> None:
    await _round_trip(_settings(scram(secured), tmp_path))


async def test_plain_over_tls(secured: Secured, tmp_path: Path) -> None:
    kafka = secured.kafka(
        bootstrap=f"localhost:{secured.sasl_port}",
        security_protocol="SASL_SSL",
        sasl_mechanism="PLAIN",
        sasl_username="plainuser",
        sasl_password=PLAIN_PASSWORD,
    )
    await _round_trip(_settings(kafka, tmp_path))


async def test_client_certificate_over_ssl(secured: Secured, tmp_path: Path) -> None:
    kafka = secured.kafka(
        bootstrap=f"localhost:{secured.ssl_port}",
        security_protocol="SSL",
        ssl_cert=secured.pki / "client.pem",
        ssl_key=secured.pki / "client.key",
    )
    await _round_trip(_settings(kafka, tmp_path))


def test_a_wrong_password_is_refused_with_a_clear_error(secured: Secured) -> None:
    kafka = scram(secured, password="not-the-password")
    with pytest.raises(KafkaAccessDenied, match="PARLEY_KAFKA__SASL_PASSWORD"):
        ensure_topics(kafka.client_config(), [unique("t")], 1)


def secure_env(settings: Settings) -> dict[str, str]:
    """``env_of`` plus the security settings, as a user would set them."""
    k = settings.kafka
    env = env_of(settings)
    env |= {
        "PARLEY_KAFKA__SECURITY_PROTOCOL": k.security_protocol,
        "PARLEY_KAFKA__SASL_MECHANISM": k.sasl_mechanism,
        "PARLEY_KAFKA__SASL_USERNAME": k.sasl_username or "",
        "PARLEY_KAFKA__SASL_PASSWORD": k.sasl_password.get_secret_value()
        if k.sasl_password
        else "",
        "PARLEY_KAFKA__SSL_CA": str(k.ssl_ca),
    }
    return env


async def test_worker_round_trip_over_sasl_ssl(secured: Secured, tmp_path: Path) -> None:
    settings = _settings(scram(secured), tmp_path)
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "worker", "chat"],
            env=secure_env(settings) | {"PARLEY_FUNCTIONS_DIR": str(REPO / "functions")},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    try:
        await eventually(
            lambda: proc.poll() is not None or assigned(log),
            timeout=60,
            what="the worker assigned its partitions over SASL_SSL",
        )
        assert proc.poll() is None, log.read_text()
        event = MessageEvent(room=unique("room"), user="ada", text="secret hello")
        await produce(settings, [event])
        (got,) = await read_all(settings, settings.topic("chat.deliver"), 1)
        delivery = decode(got.value(), Delivery)
        assert delivery.room == event.room
        assert delivery.frame["text"] == "secret hello"
    finally:
        proc.terminate()
        proc.wait(30)


def test_worker_with_a_wrong_password_exits_saying_what_to_check(
    secured: Secured, tmp_path: Path
) -> None:
    settings = _settings(scram(secured, password="wrong"), tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "parley.cli", "worker", "chat"],
        env=secure_env(settings) | {"PARLEY_FUNCTIONS_DIR": str(REPO / "functions")},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "refused the connection's credentials" in result.stderr
    assert "PARLEY_KAFKA__SASL_PASSWORD" in result.stderr
