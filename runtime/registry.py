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

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from runtime.actions import Action, client_schema
from runtime.events import rfc3339
from runtime.names import group_of
from runtime.schedules import parse_schedule, schedule_of
from runtime.settings import Settings
from runtime.triggers import Handler


class Descriptor(BaseModel):
    """One function: its trigger, topics, consumer group and options, and the action it
    declares with the JSON Schema of that action's client frame."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    name: str
    trigger: str
    topic: str = Field(description="the physical topics it reads, comma-separated")
    group: str = Field(
        description="its consumer group (every replica shares it); a share group when "
        'options["ordered"] is "false"'
    )
    options: dict[str, str]
    match: dict[str, Any] | None = Field(
        default=None,
        description="the filter pattern its events must match to be handled (runtime.filters)",
    )

    @property
    def ordered(self) -> bool:
        """False for an ``ordered=False`` function (a share group; descriptors published
        before the option existed are ordered)."""
        return self.options.get("ordered", "true") != "false"

    action: str | None = Field(default=None, description="the client frame type it declares")
    action_schema: dict[str, Any] | None = Field(
        default=None, alias="schema", description="JSON Schema of that frame"
    )
    schedule: str | None = Field(
        default=None,
        description="when a scheduled function runs: 'every 5s' or 'cron <5 fields> <tz>'",
    )

    def next_tick(self, now: datetime | None = None) -> str | None:
        """When a scheduled function next runs (RFC 3339), None for the others."""
        if self.schedule is None:
            return None
        try:
            schedule = parse_schedule(self.schedule)
        except ValueError:
            return None  # written by a newer version: show no time rather than fail
        return rfc3339(schedule.next_after(now or datetime.now(UTC)))


State = Literal["running", "asleep", "stopped", "unknown"]


class FunctionRow(Descriptor):
    """A descriptor with how the function does now (``/api/functions``, ``parley functions``)."""

    state: State = Field(
        default="running",
        description="running (members in its group), asleep (none, and it may sleep: the "
        "next event wakes it), stopped (none, though it should run) or unknown (a share "
        "group whose members cannot be asked here)",
    )
    replicas: int = Field(
        description="members of its consumer group (or share group); -1 when unknown"
    )
    lag: int = Field(
        description="records not yet committed by its group, over its partitions (a share "
        "group: the broker's share group lag); -1 when unknown"
    )
    dlq: int = Field(description="records in its dead-letter topic")
    next_run: str | None = Field(
        default=None, description="a scheduled function's next tick (RFC 3339)"
    )


def describe(handler: Handler, settings: Settings) -> Descriptor:
    """The handler as the registry and the ops views show it (physical topic and group)."""
    options = handler.options
    action = next((m for m in handler.models if issubclass(m, Action)), None)
    schedule = schedule_of(handler)
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
            "ordered": "true" if options.ordered else "false",
            "min_replicas": str(min_replicas(handler, settings)),
            "max_replicas": str(options.max_replicas),
            **trigger_options(handler),
        },
        match=options.match,
        action=action.type if action is not None else None,
        schema=client_schema(action) if action is not None else None,
        schedule=schedule.text if schedule is not None else None,
    )


def trigger_options(handler: Handler) -> dict[str, str]:
    """The batch and age options, as strings, when set (the filter is ``match``, as JSON)."""
    options = handler.options
    shown: dict[str, str] = {}
    if options.batch is not None:
        shown["batch"] = str(options.batch)
        shown["window"] = f"{options.window:g}"
    if options.max_age is not None:
        shown["max_age"] = f"{options.max_age:g}"
    return shown


def min_replicas(handler: Handler, settings: Settings) -> int:
    """The function's own ``min_replicas``, else ``PARLEY_AUTOSCALE__MIN_REPLICAS`` (never
    above its ``max_replicas``). Never 0 for an unordered function, which cannot sleep, nor
    for a scheduled one (``@every``/``@cron``): its ticks come from its own workers, so asleep
    nothing would wake it."""
    options = handler.options
    low = settings.autoscale.min_replicas if options.min_replicas is None else options.min_replicas
    if not options.ordered or schedule_of(handler) is not None:
        low = max(low, 1)
    return min(low, options.max_replicas)


def state_of(options: dict[str, str], replicas: int) -> State:
    """A function's state from its published options and its group's members (-1: unknown)."""
    if replicas < 0:
        return "unknown"
    if replicas > 0:
        return "running"
    return "asleep" if options.get("min_replicas") == "0" else "stopped"
