"""The whole pipeline as processes, for tests: function workers, gateways, WebSocket clients.

    system = System(settings, tmp_path)
    await system.start()                  # chat, private, presence and bot workers + a gateway
    token = await system.register("ada")
    async with system.connect(token) as ada:
        await ada.join("lobby")
        ack = await ada.post("lobby", "hi")
    system.stop()                         # every process it started, even after a failure

Everything talks to the real broker; processes get their settings through ``env_of``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer as RawConsumer
from confluent_kafka import KafkaException, TopicPartition
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from runtime.kafka.topics import ensure_topics
from runtime.names import dlq_topic
from runtime.settings import DatabaseSettings, FilesSettings, Settings
from tests.support.harness import eventually, make_settings
from tests.support.net import free_port, unique
from tests.support.ready import assigned

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS = ("chat", "private", "presence", "bot")
Frame = dict[str, Any]


def env_of(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process these settings (gateway ones included)."""
    quick = settings.worker.model_copy(update={"backoff_base": 0.01, "backoff_max": 0.05})
    return {**os.environ, **settings.model_copy(update={"worker": quick}).environment()}


class Workers:
    """Starts ``parley worker`` processes and makes sure none outlives the test."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    async def start(
        self, name: str, functions: Path = REPO / "functions"
    ) -> subprocess.Popen[bytes]:
        """Start ``parley worker NAME`` and wait until it owns partitions."""
        return (await self.start_many([name], functions))[0]

    async def start_many(
        self, names: list[str], functions: Path = REPO / "functions"
    ) -> list[subprocess.Popen[bytes]]:
        """Start several workers at once, then wait until each owns partitions."""
        started = []
        for name in names:
            path = self.log_dir / f"{name}-{len(self.procs)}.log"
            with open(path, "wb") as log:
                command = ["worker", name, "--functions", str(functions)]
                proc = subprocess.Popen(
                    [sys.executable, "-m", "parley.cli", *command],
                    env=env_of(self.settings),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=REPO,
                )
            self.procs.append(proc)
            started.append((name, proc, path))
        for name, proc, path in started:
            await eventually(
                lambda p=proc, f=path: p.poll() is not None or assigned(f),
                timeout=60,
                what=f"worker {name} assigned",
            )
            assert proc.poll() is None, path.read_text()
        return [proc for _, proc, _ in started]

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)


class Gateway:
    """One ``parley gateway`` process on its own port."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def ws_url(self, token: str | None) -> str:
        return f"ws://127.0.0.1:{self.port}/ws" + ("" if token is None else f"?token={token}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it (SIGTERM, then SIGKILL after 15 s); SIGKILL when ``sig`` says so."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.wait(10)


class System:
    """Workers and gateways for one test module or test; ``stop()`` ends all of them."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.workers = Workers(settings, log_dir)
        self.gateways: list[Gateway] = []

    @property
    def gateway(self) -> Gateway:
        """The first gateway started."""
        return self.gateways[0]

    async def start(self, functions: tuple[str, ...] = FUNCTIONS) -> System:
        """Create the topics, then start the workers of ``functions`` and one gateway."""
        await asyncio.to_thread(prepare_topics, self.settings, functions)
        await asyncio.gather(self.workers.start_many(list(functions)), self.start_gateway())
        return self

    async def start_gateway(self, port: int | None = None, **overrides: Any) -> Gateway:
        """Start another gateway on ``port`` or a free one (gateway settings ``overrides``
        apply to it only) and wait until it answers ``/api/ping``."""
        port = port or free_port()
        gateway = self.settings.gateway.model_copy(update={**overrides, "port": port})
        env = env_of(self.settings.model_copy(update={"gateway": gateway}))
        log = self.log_dir / f"gateway-{port}-{time.monotonic_ns()}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "parley.cli", "gateway"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
        started = Gateway(proc, port, log)
        self.gateways.append(started)

        async def answers() -> bool:
            assert proc.poll() is None, log.read_text()
            status, _ = await http(started, "GET", "/api/ping", timeout=1.0)
            return status == 200

        await eventually(answers, timeout=60, what=f"gateway on port {port}")
        return started

    def stop(self) -> None:
        for gateway in self.gateways:
            gateway.stop()
        self.workers.stop_all()

    async def register(self, username: str | None = None, gateway: Gateway | None = None) -> str:
        """Register ``username`` (unique by default) and return its token."""
        name = username or unique("u")
        status, body = await http(
            gateway or self.gateway,
            "POST",
            "/api/register",
            {"username": name, "password": "correct horse"},
        )
        assert status == 201, body
        return str(body["token"])

    async def user(self) -> tuple[str, str]:
        """A new user: (username, token)."""
        name = unique("u")
        return name, await self.register(name)

    async def admin(self) -> tuple[str, str]:
        """A new server admin, made so by ``parley admin grant``: (username, token)."""
        name, token = await self.user()
        granted = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "parley.cli", "admin", "grant", name.upper()],
            env=env_of(self.settings),
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
        assert granted.returncode == 0, granted.stderr
        assert granted.stdout.strip() == f"{name} is a server admin"
        return name, token

    def connect(
        self, token: str | None, gateway: Gateway | None = None, **options: Any
    ) -> contextlib.AbstractAsyncContextManager[Client]:
        return client(gateway or self.gateway, token, **options)


def prepare_topics(settings: Settings, functions: tuple[str, ...]) -> None:
    """Create every topic of the pipeline and wait until each partition has a leader, so that
    processes started together do not race to create them (a partition without a leader yet
    makes offset look-ups fail)."""
    topics = [settings.topic(f"chat.{t}") for t in ("message", "join", "leave", "private")]
    topics += [settings.topic("chat.deliver")] + [dlq_topic(settings, f) for f in functions]
    ensure_topics(settings.kafka.address(), topics, settings.kafka.partitions)
    consumer = RawConsumer({"bootstrap.servers": settings.kafka.address(), "group.id": "probe"})
    deadline = time.monotonic() + 30
    try:
        for topic in topics:
            for partition in range(settings.kafka.partitions):
                while True:
                    try:
                        consumer.get_watermark_offsets(TopicPartition(topic, partition), 5)
                        break
                    except KafkaException:
                        assert time.monotonic() < deadline, f"{topic}[{partition}] has no leader"
                        time.sleep(0.1)
    finally:
        consumer.close()


@contextlib.asynccontextmanager
async def client(gateway: Gateway, token: str | None, **options: Any) -> AsyncIterator[Client]:
    """A WebSocket client of ``gateway`` that reads everything sent to it; closed on exit."""
    async with connect(gateway.ws_url(token), open_timeout=10, **options) as ws:
        sock = Client(ws)
        try:
            yield sock
        finally:
            sock.reading.cancel()


class Client:
    """A test's view of one socket: send frames, wait for the ones it expects.

    A task reads every frame as it arrives (as a browser does), so the server never sees this
    client as slow and closing never waits behind unread frames.
    """

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[Frame] = []  # every frame received, in order
        self.presence: dict[str, set[str]] = {}  # who is in each room, as presence frames say
        self._inbox: asyncio.Queue[Frame | ConnectionClosed] = asyncio.Queue()
        self.reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                self._inbox.put_nowait(json.loads(await self.ws.recv()))
        except ConnectionClosed as closed:
            self._inbox.put_nowait(closed)

    async def send(self, frame: Frame | str | bytes) -> None:
        await self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def receive(self, timeout: float = 10.0) -> Frame:
        """The next frame (also appended to ``frames``)."""
        item = await asyncio.wait_for(self._inbox.get(), timeout)
        if isinstance(item, ConnectionClosed):
            self._inbox.put_nowait(item)  # closed stays closed
            raise item
        self.frames.append(item)
        if item.get("type") == "presence":
            seen = self.presence.setdefault(item["room"], set())
            if "users" in item:  # a snapshot
                seen.clear()
                seen.update(item["users"])
            seen.difference_update(item.get("left", []))
            seen.update(item.get("joined", []))
        return item

    async def present(self, room: str, users: Iterable[str], timeout: float = 15.0) -> None:
        """Wait until this socket's view of ``room`` (its presence snapshot, then the changes
        after it) holds exactly ``users``."""
        wanted = set(users)
        if self.presence.get(room) != wanted:
            await self.expect(lambda _: self.presence.get(room) == wanted, timeout)

    async def expect(
        self, check: Callable[[Frame], bool] | str, timeout: float = 15.0, **fields: Any
    ) -> Frame:
        """The next frame that passes ``check`` (or has this type and these fields)."""
        matches = check if callable(check) else _matcher(check, fields)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching frame in {timeout}s; got {self.frames[-10:]}")
            try:
                frame = await self.receive(left)
            except TimeoutError:
                continue
            if matches(frame):
                return frame

    async def find(
        self, check: Callable[[Frame], bool] | str, timeout: float = 15.0, **fields: Any
    ) -> Frame:
        """The first frame received so far that passes ``check``, else the next one to come
        (a delivery may overtake the ack of the frame that caused it)."""
        matches = check if callable(check) else _matcher(check, fields)
        for frame in self.frames:
            if matches(frame):
                return frame
        return await self.expect(matches, timeout)

    async def quiet(self, seconds: float) -> list[Frame]:
        """Every frame that arrives within ``seconds``."""
        got: list[Frame] = []
        deadline = time.monotonic() + seconds
        with contextlib.suppress(TimeoutError):
            while (left := deadline - time.monotonic()) > 0:
                got.append(await self.receive(left))
        return got

    async def pong(self) -> None:
        """Prove the socket still works: ping, and get the pong."""
        await self.send({"type": "ping"})
        await self.expect("pong")

    async def join(self, room: str, since: str | None = None) -> None:
        """Join ``room`` and wait for the presence snapshot that answers it."""
        frame: Frame = {"type": "join", "room": room}
        if since is not None:
            frame["since"] = since
        await self.send(frame)
        await self.expect(lambda f: f.get("type") == "presence" and f.get("room") == room)

    async def post(self, room: str, text: str, client_id: str | None = None) -> Frame:
        """Send a room message and return its ack."""
        cid = client_id or unique("c")
        await self.send({"type": "message", "room": room, "text": text, "client_id": cid})
        return await self.expect(lambda f: f.get("client_id") == cid)

    async def act(self, kind: str, **fields: Any) -> Frame:
        """Send a declared action (a fresh client_id unless given); return its answer (the
        ack, or the error frame carrying that client_id)."""
        cid = fields.pop("client_id", None) or unique("c")
        await self.send({"type": kind, **fields, "client_id": cid})
        return await self.expect(
            lambda f: f.get("client_id") == cid and f.get("type") in ("ack", "error")
        )

    async def error(self, frame: Frame | str | bytes, code: str) -> Frame:
        """Send a bad frame and return the error frame it gets (failing on anything else)."""
        await self.send(frame)
        answer = await self.expect(lambda f: f.get("type") in ("error", "ack"))
        assert answer["type"] == "error", answer
        assert answer["error"] == code, answer
        return answer


async def http(
    gateway: Gateway,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    timeout: float = 10.0,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """One HTTP request; (status, parsed JSON body or None). Connection errors give (0, None)."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(gateway.url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")

    def call() -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0, None

    return await asyncio.to_thread(call)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as it came: status, headers (lower-case names) and the body's bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return _json(self.body)


async def fetch(
    gateway: Gateway,
    method: str,
    path: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One HTTP request with any body and headers; the answer's bytes, unparsed."""
    request = urllib.request.Request(gateway.url + path, data=data, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)

    def call() -> Answer:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                found = {k.lower(): v for k, v in response.headers.items()}
                return Answer(response.status, found, response.read())
        except urllib.error.HTTPError as exc:
            found = {k.lower(): v for k, v in exc.headers.items()}
            return Answer(exc.code, found, exc.read())

    return await asyncio.to_thread(call)


def _matcher(kind: str, fields: dict[str, Any]) -> Callable[[Frame], bool]:
    def matches(frame: Frame) -> bool:
        return frame.get("type") == kind and all(frame.get(k) == v for k, v in fields.items())

    return matches


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


@contextlib.asynccontextmanager
async def running(
    bootstrap: str,
    data_dir: Path,
    database_url: str | None = None,
    functions: tuple[str, ...] = FUNCTIONS,
    files: FilesSettings | None = None,
    **gateway: Any,
) -> AsyncIterator[System]:
    """A started system with unique topics (and these gateway and files settings), stopped on
    exit."""
    settings = make_settings(bootstrap, data_dir)
    updates: dict[str, Any] = {"gateway": settings.gateway.model_copy(update=gateway)}
    if files is not None:
        updates["files"] = files
    if database_url is not None:
        updates["database"] = DatabaseSettings(url=database_url)
    system = System(settings.model_copy(update=updates), data_dir)
    try:
        await system.start(functions)
        yield system
    finally:
        system.stop()
