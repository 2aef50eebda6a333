"""What one gateway process holds open: store, producer, deliver feed, hub, auth (login
sessions, the password hashing pool, the login throttle), and the function registry (the
declared actions and the functions table).

``create_app`` opens them in its ``while_serving`` lifespan and closes them in reverse order.

    resources = Resources(settings)
    await resources.open()
    ...
    await resources.close()     # closes sockets, announces their leaves, then the rest
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from gateway.delivery.feed import Feed
from gateway.delivery.hub import Hub
from gateway.delivery.peer import GOING_AWAY
from gateway.delivery.presence import Presence
from gateway.delivery.publisher import Publisher
from gateway.delivery.reaper import Reaper
from gateway.delivery.roster import Roster
from gateway.files.signed_urls import Links
from gateway.guard.access import Watch
from gateway.guard.auth import Auth, load_secret
from gateway.guard.hashing import HashPool
from gateway.guard.login_metrics import LoginMetrics
from gateway.guard.origins import Origins
from gateway.guard.quotas import Quotas
from gateway.guard.throttle import LoginThrottle
from gateway.health import Health
from gateway.metrics import GatewayMetrics
from gateway.protocol.actions import Actions
from gateway.protocol.receipts import Receipts
from runtime.db.people import People
from runtime.db.reads import Reads
from runtime.db.rooms import Rooms
from runtime.db.sessions import Sessions
from runtime.db.store import Store
from runtime.db.uploads import Uploads
from runtime.kafka.admin import admin_client
from runtime.kafka.registry import Follower
from runtime.kafka.topics import ensure_topics
from runtime.names import CHAT_TOPICS
from runtime.ops.lag import Functions
from runtime.registry import Descriptor
from runtime.settings import Settings

log = logging.getLogger("parley.gateway")


class Resources:
    """The gateway's long-lived objects. Attributes other than ``settings``, ``instance``,
    ``metrics``, ``hub``, ``receipts``, ``actions``, ``origins``, ``quotas``, ``throttle``,
    ``logins`` and ``watch`` exist only between ``open()`` and ``close()``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.instance = uuid.uuid4().hex[:12]
        self.metrics = GatewayMetrics()
        self.hub = Hub(settings.gateway.dedupe_window, self.metrics)
        self.receipts = Receipts()
        self.actions = Actions()
        self.origins = Origins.of(settings.gateway)
        self.quotas = Quotas(settings.gateway)
        self.throttle = LoginThrottle.of(settings.gateway)
        self.logins = LoginMetrics()
        self.watch = Watch()  # the open sockets of each login session
        self.auth: Auth
        self.hashing: HashPool
        self.sessions: Sessions
        self.store: Store
        self.publisher: Publisher
        self.presence: Presence
        self.roster: Roster
        self.people: People
        self.rooms: Rooms
        self.reads: Reads
        self.uploads: Uploads
        self.links: Links
        self.health: Health
        self.functions: Functions
        self.registry: Follower
        self._stack = contextlib.AsyncExitStack()

    async def open(self) -> None:
        try:
            await self._open()
        except BaseException:
            await self._stack.aclose()
            raise
        log.info("gateway instance %s ready", self.instance)

    async def _open(self) -> None:
        settings, stack = self.settings, self._stack
        secret = load_secret(settings)
        self.auth = Auth(secret, settings.gateway)
        self.links = Links(secret, settings.files.url_ttl)
        self.hashing = HashPool(settings.gateway.hash_workers, settings.gateway.hash_queue)
        stack.callback(self.hashing.close)
        self.store = await stack.enter_async_context(Store(settings.database_url()))
        await self.store.migrate()
        self.sessions = self.store.sessions()
        sweeping = asyncio.create_task(
            self.watch.sweep(self.sessions, settings.gateway.session_sweep), name="parley-sweep"
        )
        stack.push_async_callback(_cancel, sweeping)
        connection = settings.kafka.client_config()
        topics = [settings.topic(t) for t in CHAT_TOPICS]
        await asyncio.to_thread(ensure_topics, connection, topics, settings.kafka.partitions)
        self.publisher = Publisher.to_kafka(settings)
        stack.push_async_callback(self.publisher.close)
        self.presence = Presence(self.publisher, settings.gateway.leave_debounce)
        self.people, self.rooms = self.store.people(), self.store.rooms()
        self.reads, self.uploads = self.store.reads(), self.store.uploads()
        hub = self.hub
        self.roster = Roster(
            hub.broadcast,
            self.store.room_users,
            hub.sockets_in,
            settings.gateway.presence_interval,
        )
        hub.on_presence, hub.on_removed = self.roster.change, self.presence.removed
        flushing = asyncio.create_task(self.roster.run(), name="parley-roster")
        stack.push_async_callback(_cancel, flushing)
        admin = admin_client(connection)
        self.health = Health(admin, self.store, settings.topic("chat.deliver"))
        self.registry = Follower(settings, self.actions.update)
        stack.push_async_callback(self.registry.close)
        await self.registry.start()
        self.functions = Functions(settings, admin, self._descriptors)
        feed = Feed(settings, self.hub, self.instance)
        stack.push_async_callback(feed.close)
        await feed.start()
        reaper = Reaper(self.instance, self.store, self.publisher, settings.gateway)
        stack.push_async_callback(reaper.close)
        await reaper.start()

    def _descriptors(self) -> list[Descriptor]:
        return list(self.registry.descriptors.values())

    def going_away(self) -> None:
        """Ask every socket to close (1001); their sessions end and schedule their leaves."""
        self.hub.evict_all(GOING_AWAY, "the gateway is shutting down")

    async def close(self) -> None:
        self.going_away()
        await asyncio.sleep(0.1)  # let the sessions run their clean-up
        for peer in self.hub.peers:  # sessions that did not get to it
            self.presence.closed(peer.user, self.hub.detach(peer))
        await self.presence.flush()
        await self._stack.aclose()


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
