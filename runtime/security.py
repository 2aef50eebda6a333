"""How Kafka clients authenticate and encrypt: the ``PARLEY_KAFKA__SECURITY_*``, ``SASL_*`` and
``SSL_*`` settings, turned into librdkafka configuration in one place.

    PARLEY_KAFKA__SECURITY_PROTOCOL=SASL_SSL
    PARLEY_KAFKA__SASL_MECHANISM=SCRAM-SHA-512
    PARLEY_KAFKA__SASL_USERNAME=parley
    PARLEY_KAFKA__SASL_PASSWORD=...
    PARLEY_KAFKA__SSL_CA=/etc/parley/kafka-ca.pem

``settings.kafka.client_config()`` is what every producer, consumer and admin client gets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaSecurity(BaseModel):
    """Security of the connections to Kafka (mixed into ``KafkaSettings``)."""

    security_protocol: Protocol = Field(
        default="PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
    )
    sasl_mechanism: Mechanism = Field(
        default="SCRAM-SHA-512", description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"
    )
    sasl_username: str | None = Field(default=None, description="SASL user")
    sasl_password: SecretStr | None = Field(default=None, description="SASL password")
    ssl_ca: Path | None = Field(
        default=None, description="PEM file of the CA that signed the brokers' certificates"
    )
    ssl_cert: Path | None = Field(default=None, description="client certificate (PEM, mTLS)")
    ssl_key: Path | None = Field(default=None, description="the client certificate's key (PEM)")
    ssl_key_password: SecretStr | None = Field(default=None, description="the key's password")
    ssl_check_hostname: bool = Field(
        default=True, description="check the broker's certificate names the host dialled"
    )

    @model_validator(mode="after")
    def _complete(self) -> KafkaSecurity:
        if self.security_protocol.startswith("SASL_") and (
            not self.sasl_username or self.sasl_password is None
        ):
            raise ValueError(
                f"security_protocol={self.security_protocol} needs PARLEY_KAFKA__SASL_USERNAME "
                "and PARLEY_KAFKA__SASL_PASSWORD"
            )
        if (self.ssl_cert is None) != (self.ssl_key is None):
            raise ValueError(
                "a client certificate needs its key: set both PARLEY_KAFKA__SSL_CERT and "
                "PARLEY_KAFKA__SSL_KEY, or neither"
            )
        return self

    def address(self) -> str:
        raise NotImplementedError  # KafkaSettings knows where the brokers are

    def client_config(self) -> dict[str, str]:
        """librdkafka settings for a connection: the bootstrap servers plus, when configured,
        the security protocol, SASL credentials and TLS files. Pass it to every client."""
        config = {"bootstrap.servers": self.address()}
        if self.security_protocol == "PLAINTEXT":
            return config
        config["security.protocol"] = self.security_protocol.lower()
        if self.security_protocol.startswith("SASL_"):
            assert self.sasl_username is not None
            assert self.sasl_password is not None
            config["sasl.mechanism"] = self.sasl_mechanism
            config["sasl.username"] = self.sasl_username
            config["sasl.password"] = self.sasl_password.get_secret_value()
        if self.security_protocol.endswith("SSL"):
            if self.ssl_ca is not None:
                config["ssl.ca.location"] = str(self.ssl_ca)
            if self.ssl_cert is not None and self.ssl_key is not None:
                config["ssl.certificate.location"] = str(self.ssl_cert)
                config["ssl.key.location"] = str(self.ssl_key)
            if self.ssl_key_password is not None:
                config["ssl.key.password"] = self.ssl_key_password.get_secret_value()
            config["ssl.endpoint.identification.algorithm"] = (
                "https" if self.ssl_check_hostname else "none"
            )
        return config
