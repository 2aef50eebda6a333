"""Parley's function runtime: what handler files in ``functions/`` import.

from runtime import Context, MessageEvent, Reply, on_message

@on_message
async def echo(event: MessageEvent, ctx: Context) -> Reply | None:
    if event.text.startswith("!echo "):
        return Reply(room=event.room, text=event.text.removeprefix("!echo "))
    return None
"""

from __future__ import annotations

from runtime.context import Context
from runtime.db.store import StoredMessage
from runtime.engine.discovery import discover
from runtime.errors import DiscoveryError, HandlerFailed, ParleyError
from runtime.events import Delivery, Event, JoinEvent, LeaveEvent, MessageEvent, PrivateEvent
from runtime.settings import Settings
from runtime.triggers import (
    Handler,
    Reply,
    Retry,
    on,
    on_join,
    on_leave,
    on_message,
    on_presence,
    on_private,
)

__all__ = [  # noqa: RUF022 - grouped by what callers look for
    # triggers
    "on_message",
    "on_join",
    "on_leave",
    "on_presence",
    "on_private",
    "on",
    # what a handler receives and returns
    "Context",
    "Event",
    "MessageEvent",
    "JoinEvent",
    "LeaveEvent",
    "PrivateEvent",
    "Delivery",
    "Reply",
    "Retry",
    "StoredMessage",
    # running them
    "Handler",
    "discover",
    "Settings",
    # errors
    "ParleyError",
    "DiscoveryError",
    "HandlerFailed",
]
