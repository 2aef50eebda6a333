"""Names of Parley's topics and consumer groups, in one place (logical names; the physical
ones carry ``Settings.topic_prefix``).

    [settings.topic(t) for t in CHAT_TOPICS]
    group_of(settings, "chat"), dlq_topic(settings, "chat")    # fn.chat, chat.dlq.chat
"""

from __future__ import annotations

from runtime.events import Delivery, JoinEvent, LeaveEvent, MessageEvent, PrivateEvent
from runtime.settings import Settings

# Every topic the built-in events travel on.
CHAT_TOPICS = tuple(m.topic for m in (MessageEvent, JoinEvent, LeaveEvent, PrivateEvent, Delivery))
# The compacted topic of function descriptors (runtime.registry).
REGISTRY_TOPIC = "parley.functions"


def group_of(settings: Settings, function: str) -> str:
    """The consumer group of ``function``: every replica of it shares this one."""
    return settings.topic(f"fn.{function}")


def dlq_topic(settings: Settings, function: str) -> str:
    """The dead-letter topic of ``function``."""
    return settings.topic(f"chat.dlq.{function}")


def action_topic(action: str) -> str:
    """The topic a declared action travels on."""
    return f"chat.action.{action}"
