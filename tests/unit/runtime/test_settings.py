"""Settings.environment(): a child process started with it has the same settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from runtime.settings import KafkaSettings, Settings


def test_the_environment_gives_a_child_the_same_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kafka = KafkaSettings(
        bootstrap="b1:9092",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="svc",
        sasl_password=SecretStr("s3cret"),
        security_protocol="SASL_SSL",
    )
    parent = Settings(data_dir=tmp_path, kafka=kafka, topic_prefix="p.", secret="x" * 40)
    gateway = parent.gateway.model_copy(update={"origins": ["https://chat.example"], "rate": 7.5})
    parent = parent.model_copy(update={"gateway": gateway})
    for name in list(os.environ):
        if name.startswith("PARLEY_"):
            monkeypatch.delenv(name)
    for name, value in parent.environment().items():
        monkeypatch.setenv(name, value)
    child = Settings()
    assert child.kafka.client_config() == parent.kafka.client_config()
    assert child.gateway == parent.gateway
    assert child.database_url() == parent.database_url()
    assert (child.data_dir, child.topic_prefix, child.secret) == (tmp_path, "p.", "x" * 40)


def test_an_empty_jar_folder_setting_means_the_default_not_the_current_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARLEY_KAFKA__LIBS", "")
    assert Settings().kafka.jars().parts[-2:] == ("parley", "kafka-libs")
