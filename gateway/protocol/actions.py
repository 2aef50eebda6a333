"""The actions functions declare, as this gateway knows them from the registry.

The registry follower calls ``update`` with every function's descriptor whenever one changes;
each action's JSON Schema is compiled once (fastjsonschema) and reused for every frame.

    declared = actions.get("shout")            # None: not declared (or withdrawn)
    fields = declared.check(frame)             # Refusal("invalid") naming what is wrong
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import fastjsonschema

from gateway.protocol.inbound import Refusal, client_id_of
from runtime.registry import Descriptor

log = logging.getLogger("parley.gateway")
Validator = Callable[[Any], Any]


@dataclass(frozen=True)
class Declared:
    """One declared action: its type, the function behind it and its compiled schema."""

    type: str
    function: str
    schema: dict[str, Any]
    validate: Validator

    @property
    def has_room(self) -> bool:
        """Whether the action names a room (then it is keyed by it, and checked like a post)."""
        return "room" in self.schema.get("properties", {})

    def check(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The frame's fields when they match the schema; ``Refusal`` otherwise."""
        client_id = client_id_of(fields)
        if "user" in fields:
            raise Refusal(
                "invalid",
                f"invalid {self.type} frame: user is set by the server from your login; leave "
                "it out",
                client_id,
            )
        try:
            self.validate(fields)
        except fastjsonschema.JsonSchemaValueException as exc:
            name = exc.name or "data"
            where = name.removeprefix("data.").removeprefix("data") or "frame"
            message = exc.message.removeprefix(name + " ")
            detail = f"invalid {self.type} frame: {where}: {message}"
            raise Refusal("invalid", detail, client_id) from None
        return fields


class Actions:
    """Action type -> ``Declared``, rebuilt from the registry's descriptors."""

    def __init__(self) -> None:
        self._declared: dict[str, Declared] = {}
        self._compiled: dict[str, Validator] = {}  # schema JSON -> validator

    def get(self, kind: object) -> Declared | None:
        return self._declared.get(kind) if isinstance(kind, str) else None

    def types(self) -> list[str]:
        return sorted(self._declared)

    def all(self) -> list[Declared]:
        return [self._declared[t] for t in self.types()]

    def update(self, descriptors: Mapping[str, Descriptor]) -> None:
        """Take the registry's current descriptors (called on every change)."""
        declared: dict[str, Declared] = {}
        for descriptor in descriptors.values():
            if descriptor.action is None or descriptor.action_schema is None:
                continue
            schema = descriptor.action_schema
            try:
                validate = self._compile(schema)
            except fastjsonschema.JsonSchemaDefinitionException as exc:
                log.error(
                    "function %s: its action schema does not compile: %s", descriptor.name, exc
                )
                continue
            declared[descriptor.action] = Declared(
                descriptor.action, descriptor.name, schema, validate
            )
        added, gone = declared.keys() - self._declared.keys(), self._declared.keys() - declared
        if added or gone:
            log.info(
                "actions now %s (added %s, withdrawn %s)",
                sorted(declared),
                sorted(added),
                sorted(gone),
            )
        self._declared = declared

    def _compile(self, schema: dict[str, Any]) -> Validator:
        text = json.dumps(schema, sort_keys=True)
        validator = self._compiled.get(text)
        if validator is None:
            validator = self._compiled[text] = fastjsonschema.compile(schema)
        return validator
