"""Support for the scale-out tests: a fresh PostgreSQL database, Redis, two servers, a balancer."""

import asyncio
import contextlib
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import redis

from config import TestingConfig
from forum import create_app
from tests.conftest import LiveServer
from tests.live_clients import FacilitatedClient

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_BASE = "redis://127.0.0.1:6379"
REDIS_DB = 13  # the scale tests' own Redis database, flushed before each test
SECRET_KEY = "scale-tests-secret-key-shared-by-every-process"


def unreachable() -> str | None:
    """Why PostgreSQL or Redis cannot be used here, or None when both answer."""
    try:
        psycopg2.connect(ADMIN_URL, connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        return f"PostgreSQL is not reachable at 127.0.0.1:5432 ({type(error).__name__})"
    try:
        redis.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB}", socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis is not reachable at 127.0.0.1:6379 ({type(error).__name__})"
    return None


def _admin(statement: str) -> None:
    connection = psycopg2.connect(ADMIN_URL, connect_timeout=5)
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards (connections and all)."""
    name = f"rf_scale_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def flushed_redis() -> str:
    """The URL of the tests' Redis database, emptied."""
    url = f"{REDIS_BASE}/{REDIS_DB}"
    redis.Redis.from_url(url).flushdb()
    return url


def scale_app(database_url: str):
    """An app bound to the PostgreSQL database (to migrate, seed and read back)."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url.replace("postgresql://", "postgresql+psycopg2://", 1)
    config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    config.RATELIMIT_ENABLED = False
    return create_app(config)


def server(database_url: str, redis_url: str, channel: str, instance: Path) -> LiveServer:
    """A real server process on the shared PostgreSQL, Redis and message-queue channel."""
    instance.mkdir(parents=True, exist_ok=True)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SOCKETIO_CHANNEL": channel,
        "SECRET_KEY": SECRET_KEY,  # a session signed by one process is valid on the others
    }
    return LiveServer(instance / "unused.db", instance, env=env)


class Balancer:
    """A TCP load balancer in the test's event loop: each connection goes to the first upstream
    that accepts it, as nginx moves clients off a dead process."""

    def __init__(self, upstreams: list[int]):
        self.upstreams = upstreams
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._pipes: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "Balancer":
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for pipe in list(self._pipes):
            pipe.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for port in self.upstreams:
            try:
                up_reader, up_writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), timeout=2
                )
            except (OSError, TimeoutError):
                continue
            for source, sink in ((reader, up_writer), (up_reader, writer)):
                task = asyncio.create_task(self._pipe(source, sink))
                self._pipes.add(task)
                task.add_done_callback(self._pipes.discard)
            return
        writer.close()

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                sink.close()


ScaleClient = FacilitatedClient  # a room client that keeps the latest facilitation state


async def joined(url: str, http, forum_id: int) -> ScaleClient:
    """A client connected to url (a server or the balancer) and joined to the forum."""
    client = ScaleClient(url, http, forum_id=forum_id)
    await client.connect()
    reply = await client.join()
    assert reply["ok"], reply
    return client


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
