"""Parley's errors. Each carries the context needed to act on it and says what to do.

    ParleyError
    ├── SetupError            a tool or file the system needs is missing (Java, Maven, ...)
    ├── BrokerError           the embedded Kafka broker could not start or stop
    │   └── PortInUse         its port is taken by another process
    ├── KafkaAccessDenied     Kafka refused the client's credentials or certificate
    ├── DiscoveryError        a file in functions/ is not a valid function
    ├── HandlerFailed         a handler raised on an event (after its retries)
    └── UserError             a request the store refuses (name taken, unknown user)

``Retry`` (in ``runtime.triggers``) is control flow, not an error.
"""

from __future__ import annotations

from pathlib import Path


class ParleyError(Exception):
    """Base of every error Parley raises on purpose."""


class SetupError(ParleyError):
    """A program or file the system needs is missing."""


class BrokerError(ParleyError):
    """The embedded broker failed; ``log_tail`` holds the last lines of its log."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        self.log_tail = log_tail
        detail = f"\n--- last lines of the broker log ---\n{log_tail}" if log_tail else ""
        super().__init__(message + detail)


class PortInUse(BrokerError):
    """Another process listens on the port the broker needs."""

    def __init__(self, port: int) -> None:
        self.port = port
        super().__init__(
            f"port {port} on 127.0.0.1 is already in use; stop what holds it "
            f"(`ss -ltnp 'sport = :{port}'`) or set PARLEY_KAFKA__PORT to a free port"
        )


class KafkaAccessDenied(ParleyError):
    """Kafka refused to authenticate the client (wrong password, unknown user, bad cert)."""

    def __init__(self, bootstrap: str, reason: str) -> None:
        self.bootstrap = bootstrap
        super().__init__(
            f"Kafka at {bootstrap} refused the connection's credentials ({reason}); check "
            "PARLEY_KAFKA__SASL_USERNAME, PARLEY_KAFKA__SASL_PASSWORD, "
            "PARLEY_KAFKA__SASL_MECHANISM and PARLEY_KAFKA__SECURITY_PROTOCOL"
        )


class DiscoveryError(ParleyError):
    """A file in ``functions/`` does not define exactly one async handler."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class HandlerFailed(ParleyError):
    """A handler raised; where the event came from, so it can be found in the log or DLQ."""

    def __init__(
        self, function: str, event_id: str, topic: str, partition: int, offset: int, cause: str
    ) -> None:
        self.function = function
        self.event_id = event_id
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.cause = cause
        super().__init__(
            f"function {function!r} failed on event {event_id} "
            f"({topic}[{partition}]@{offset}): {cause}"
        )


class UserError(ParleyError):
    """A request the store refuses; ``code`` is the wire error code."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(detail)
