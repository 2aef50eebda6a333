"""Parley's errors. Each carries the context needed to act on it and says what to do.

    ParleyError
    ├── SetupError            a tool or file the system needs is missing (Java, Maven, ...)
    ├── BrokerError           the embedded Kafka broker could not start or stop
    │   └── PortInUse         its port is taken by another process
    ├── KafkaAccessDenied     Kafka refused the client's credentials or certificate
    ├── DiscoveryError        a file in functions/ is not a valid function
    └── UserError             a request the store refuses (name taken, unknown user)

``Retry`` (in ``runtime.triggers``) is control flow, not an error. A handler that fails
for good is not an exception anyone catches: its event goes to the dead-letter topic with
the error in its headers (``runtime.kafka.dlq``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


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


class UserError(ParleyError):
    """A request the store refuses; ``code`` is the wire error code."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(detail)


def validation_text(exc: ValidationError, whole: str) -> str:
    """One line naming every invalid field of ``exc`` and why (``whole`` names the object
    itself when the problem is not one field's): ``room: String should match pattern ...``."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or whole}: {_reason(e)}" for e in exc.errors())


def _reason(error: Any) -> str:
    """Why one field failed, in words (a text with nothing visible says so, not its regex)."""
    if error.get("type") == "string_pattern_mismatch" and "\\u200b" in str(
        error.get("ctx", {}).get("pattern", "")
    ):
        return "nothing visible: write at least one character that is not white space"
    return str(error["msg"])
