"""The function registry: what each running function is, as every process sees it.

Every worker publishes its function's ``Descriptor`` to the compacted topic
``parley.functions`` (keyed by the function's name) once it owns its partitions; the
supervisor removes it (a tombstone) when the function is gone for good: its file deleted or
broken. A function asleep (no replica while it has nothing to do) keeps its entry, so its
declared action is still accepted and handled when it wakes. Gateways follow the topic to
learn declared actions (``runtime.actions``) without importing any function file, and the ops
views list it with each group's lag.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from runtime.actions import Action, client_schema
from runtime.names import group_of
from runtime.settings import Settings
from runtime.triggers import Handler


class Descriptor(BaseModel):
    """One function: its trigger, topics, consumer group and options, and the action it
    declares with the JSON Schema of that action's client frame."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    name: str
    trigger: str
    topic: str = Field(description="the physical topics it reads, comma-separated")
    group: str = Field(description="its consumer group (every replica shares it)")
    options: dict[str, str]
    action: str | None = Field(default=None, description="the client frame type it declares")
    action_schema: dict[str, Any] | None = Field(
        default=None, alias="schema", description="JSON Schema of that frame"
    )


State = Literal["running", "asleep", "stopped"]


class FunctionRow(Descriptor):
    """A descriptor with how the function does now (``/api/functions``, ``parley functions``)."""

    state: State = Field(
        default="running",
        description="running (members in its group), asleep (none, and it may sleep: the "
        "next event wakes it) or stopped (none, though it should run)",
    )
    replicas: int = Field(description="members of its consumer group")
    lag: int = Field(description="records not yet committed by its group, over its partitions")
    dlq: int = Field(description="records in its dead-letter topic")


def describe(handler: Handler, settings: Settings) -> Descriptor:
    """The handler as the registry and the ops views show it (physical topic and group)."""
    options = handler.options
    action = next((m for m in handler.models if issubclass(m, Action)), None)
    return Descriptor(
        name=handler.name,
        trigger=handler.trigger,
        topic=",".join(settings.topic(t) for t in handler.topics),
        group=group_of(settings, handler.name),
        options={
            "retries": str(options.retries),
            "timeout": f"{options.timeout:g}",
            "concurrency": str(options.concurrency),
            "start": options.start,
            "min_replicas": str(min_replicas(handler, settings)),
            "max_replicas": str(max_replicas(handler, settings)),
        },
        action=action.type if action is not None else None,
        schema=client_schema(action) if action is not None else None,
    )


def min_replicas(handler: Handler, settings: Settings) -> int:
    """The function's own ``min_replicas``, else ``PARLEY_AUTOSCALE__MIN_REPLICAS``."""
    own = handler.options.min_replicas
    return settings.autoscale.min_replicas if own is None else own


def max_replicas(handler: Handler, settings: Settings) -> int:
    """The function's own ``max_replicas``, else ``PARLEY_AUTOSCALE__MAX_REPLICAS`` (never
    below its minimum)."""
    own = handler.options.max_replicas
    high = settings.autoscale.max_replicas if own is None else own
    return max(high, min_replicas(handler, settings), 1)


def state_of(options: dict[str, str], replicas: int) -> State:
    """A function's state from its published options and its group's members."""
    if replicas > 0:
        return "running"
    return "asleep" if options.get("min_replicas") == "0" else "stopped"
