"""Benchmark clients: one OS process runs many asyncio python-socketio clients of the live room.

Each client is a real room client: it joins with its pycrdt document's state vector, applies
every update it receives, and types by inserting into its entry's Text and sending that
transaction's pycrdt update (what Yjs's 'update' event gives the browser) through the documented
protocol (base64 `update` events, acknowledged). Times are time.monotonic(), one clock for every
process on the machine.
"""

import asyncio
import base64
import logging
import random
import time
from dataclasses import dataclass, field

import aiohttp
import socketio
from pycrdt import Doc, Text

NAMESPACE = "/forum"
CONNECT_AT_ONCE = 20


@dataclass
class Member:
    """One benchmark client: who it is (session cookie), which forum and which entry it types in."""

    cookie: str
    forum: int
    root: str


@dataclass
class PhaseResult:
    """What one client process saw in one phase."""

    sent: dict[str, float] = field(default_factory=dict)  # update → when it was sent
    received: dict[str, list] = field(default_factory=dict)  # update → [last arrival, arrivals]
    acked: int = 0
    refused: int = 0
    disconnects: list[str] = field(default_factory=list)


class BenchClient:
    """A room client with its own pycrdt document."""

    def __init__(self, url: str, member: Member, recorder: "Recorder"):
        self.url = url
        self.member = member
        self.recorder = recorder
        self.doc = Doc()
        self.text = self.doc.get(member.root, type=Text)
        self.outgoing: bytes | None = None  # the update of the latest transaction, as Yjs's 'update' event
        self._watch = self.doc.observe(self._on_transaction)
        self.http = None
        self.sio = socketio.AsyncClient(reconnection=False, http_session=self._http)
        self.sio.on("update", self._on_update, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)

    def _http(self) -> aiohttp.ClientSession:
        self.http = aiohttp.ClientSession(headers={"Cookie": self.member.cookie})
        return self.http

    async def start(self) -> bool:
        await self.sio.connect(self.url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=30)
        sv = base64.b64encode(self.doc.get_state()).decode()
        reply = await self.sio.call(
            "join", {"forum": self.member.forum, "sv": sv}, namespace=NAMESPACE, timeout=60
        )
        if reply.get("ok"):
            self.doc.apply_update(base64.b64decode(reply["update"]))
        return bool(reply.get("ok"))

    async def stop(self) -> None:
        await self.sio.disconnect()
        if self.http is not None and not self.http.closed:
            await self.http.close()

    def _on_transaction(self, event) -> None:
        self.outgoing = event.update

    async def _on_disconnect(self, reason=None) -> None:
        self.recorder.result.disconnects.append(str(reason))

    async def _on_update(self, payload: dict) -> None:
        arrived = time.monotonic()
        update = payload["update"]
        self.doc.apply_update(base64.b64decode(update))
        self.recorder.arrived(update, arrived)

    async def type_one(self) -> None:
        """Type one character at the end of the entry and send the update (not waiting for the ack)."""
        if not self.sio.connected:
            return
        self.outgoing = None
        self.text.insert(len(self.text), random.choice("abcdefghij "))
        update = base64.b64encode(self.outgoing).decode()
        self.recorder.sent(update)
        await self.sio.emit(
            "update",
            {"forum": self.member.forum, "update": update},
            namespace=NAMESPACE,
            callback=self.recorder.ack,
        )


class Recorder:
    """Collects sends, arrivals and acknowledgements of the current phase."""

    def __init__(self):
        self.result = PhaseResult()

    def sent(self, update: str) -> None:
        self.result.sent[update] = time.monotonic()

    def arrived(self, update: str, at: float) -> None:
        seen = self.result.received.get(update)
        if seen is None:
            self.result.received[update] = [at, 1]
        else:
            seen[0] = max(seen[0], at)
            seen[1] += 1

    def ack(self, reply: dict) -> None:
        if reply.get("ok"):
            self.result.acked += 1
        else:
            self.result.refused += 1


async def _sender(client: BenchClient, rate: float, start_at: float, duration: float) -> None:
    interval = 1.0 / rate
    when = start_at + random.random() * interval
    end = start_at + duration
    while when < end:
        delay = when - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await client.type_one()
        when += interval


async def _serve(conn, url: str, members: list[Member]) -> None:
    loop = asyncio.get_running_loop()
    recorder = Recorder()
    clients = [BenchClient(url, member, recorder) for member in members]
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)

    async def start(client):
        async with gate:
            try:
                return await client.start()
            except Exception:  # counted as not joined; the run reports it
                return False

    joined = await asyncio.gather(*(start(client) for client in clients))
    conn.send(("ready", sum(joined)))
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command[0] == "phase":
            _name, rate_per_client, start_at, duration, drain = command
            recorder.result = PhaseResult()
            if rate_per_client > 0:
                await asyncio.gather(*(_sender(c, rate_per_client, start_at, duration) for c in clients))
            await asyncio.sleep(max(0.0, start_at + duration + drain - time.monotonic()))
            conn.send(("result", recorder.result))
        elif command[0] == "stop":
            await asyncio.gather(*(client.stop() for client in clients), return_exceptions=True)
            conn.send(("stopped", None))
            return


def client_process(conn, url: str, members: list[Member]) -> None:
    """Entry point of a client process (multiprocessing target)."""
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)  # "packet queue is empty" on close
    logging.getLogger("socketio.client").setLevel(logging.CRITICAL)
    asyncio.run(_serve(conn, url, members))
