"""gRPC errors as status codes with ``google.rpc`` details.

Every refusal is a ``Refused(code, reason, detail)``; the call wrapper (``gateway.rpc.calls``)
turns it into the call's status: the code, ``detail`` as the message, an ``ErrorInfo`` (domain
``parley``, ``reason`` the same short code the WebSocket's error frames use) and, for bad
fields, a ``BadRequest`` naming each one. Clients read them with ``grpc_status.rpc_status``
(see docs/grpc_client.py).
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from pydantic import TypeAdapter, ValidationError

from runtime.events import Room, Text, Username

DOMAIN = "parley"
ROOM: TypeAdapter[str] = TypeAdapter(Room)
USER: TypeAdapter[str] = TypeAdapter(Username)
TEXT: TypeAdapter[str] = TypeAdapter(Text)


class Refused(Exception):
    """A call answered with an error status; ``fields`` maps bad fields to what is wrong."""

    def __init__(
        self,
        code: grpc.StatusCode,
        reason: str,
        detail: str,
        fields: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.reason = reason
        self.detail = detail
        self.fields = fields or {}
        super().__init__(detail)

    @classmethod
    def invalid(cls, field: str, problem: str) -> Refused:
        """INVALID_ARGUMENT for one bad field."""
        return cls(
            grpc.StatusCode.INVALID_ARGUMENT, "invalid", f"{field}: {problem}", {field: problem}
        )

    def status(self) -> grpc.Status:
        """The rich status to abort the call with."""
        info = any_pb2.Any()
        info.Pack(error_details_pb2.ErrorInfo(reason=self.reason, domain=DOMAIN))
        details = [info]
        if self.fields:
            bad = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                    for f, d in self.fields.items()
                ]
            )
            packed = any_pb2.Any()
            packed.Pack(bad)
            details.append(packed)
        code = getattr(code_pb2, self.code.name)
        status = status_pb2.Status(code=code, message=self.detail, details=details)
        result: grpc.Status = rpc_status.to_status(status)
        return result


def checked(adapter: TypeAdapter[Any], value: str, field: str) -> str:
    """``value`` as the rule of ``adapter`` accepts it (stripped text, for instance);
    ``Refused.invalid`` naming ``field`` otherwise."""
    if not value:
        raise Refused.invalid(field, "required")
    try:
        return str(adapter.validate_python(value))
    except ValidationError as exc:
        raise Refused.invalid(field, exc.errors()[0]["msg"]) from None


def bounded(value: str, field: str, longest: int = 64) -> str:
    """A required string of 1-``longest`` characters (``client_id``, message ids)."""
    if not value:
        raise Refused.invalid(field, "required")
    if len(value) > longest:
        raise Refused.invalid(field, f"at most {longest} characters, got {len(value)}")
    return value
