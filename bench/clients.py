"""Benchmark clients: one OS process runs many asyncio clients of a live room, with flow control.

Each client is a real room client with its own pycrdt document: it joins with its state vector,
applies every update it receives, and types by inserting one character at the start of its
entry's Text (see `type_one`). Like the browser client it keeps at most one update in flight: a keystroke typed while an
update is unacknowledged is merged (`pycrdt.merge_updates`) with the others typed meanwhile, and
the merged update is sent when the acknowledgement arrives. Under load the number of messages
falls instead of the latency rising.

A keystroke is identified by (the typist's document client id, the character's clock): the typist
records when it typed each clock, every receiver records each update it applied and when; the
parent process decodes which clocks each update delivered (bench/ydecode.py), so servers that
re-encode or merge updates are measured the same way as a relay that passes the bytes on.

Two transports, the same typing and measuring:
- `SocketIOClient`: the forum's room protocol (docs/protocol.md) over python-socketio (websocket),
  for the forum server and the bare relay (bench/relay.py);
- `HocuspocusClient`: the y-sync protocol as Hocuspocus 3 multiplexes it (document name, message
  type; Auth, Sync and SyncStatus, the acknowledgement of an applied update) over an aiohttp
  websocket, for the peer (bench/peer/server.mjs).
Times are time.monotonic(), one clock for every process on the machine.
"""

import asyncio
import base64
import logging
import random
import time
from dataclasses import dataclass, field

import aiohttp
import socketio
from pycrdt import Doc, Text, merge_updates

from bench.ydecode import Reader

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

    typed: dict[int, list[tuple[int, float]]] = field(default_factory=dict)  # client → [(clock, when)]
    applied: list[tuple[int, bytes, float]] = field(default_factory=list)  # (receiver, update, when)
    messages: int = 0  # updates sent (each carrying one or more keystrokes)
    acked: int = 0
    refused: int = 0
    disconnects: list[str] = field(default_factory=list)


class Recorder:
    """Collects keystrokes, applied updates and acknowledgements of the current phase."""

    def __init__(self):
        self.result = PhaseResult()


class BenchClient:
    """A typist with its own pycrdt document and flow control; transports subclass it."""

    def __init__(self, url: str, member: Member, recorder: Recorder):
        self.url = url
        self.member = member
        self.recorder = recorder
        self.doc = Doc()
        self.text = self.doc.get(member.root, type=Text)
        self.client_id = self.doc.client_id
        self.clock = 0  # the clock of the next character this client types (a fresh document)
        self.pending: list[bytes] = []  # updates typed while one was in flight
        self.in_flight = False
        self._outgoing: bytes | None = None
        self._watch = self.doc.observe(self._on_transaction)

    def _on_transaction(self, event) -> None:
        self._outgoing = event.update

    @property
    def connected(self) -> bool:
        raise NotImplementedError

    async def _send(self, update: bytes) -> None:
        raise NotImplementedError

    def _received(self, update: bytes) -> None:
        self.doc.apply_update(update)
        self.recorder.result.applied.append((self.client_id, update, time.monotonic()))

    async def type_one(self) -> None:
        """Type one character at the start of the entry; send it now, or merge it if one is in flight.

        At the start, not the end: pycrdt finds an index by walking the Text's items, and the
        keystrokes of ten typists interleave into one item each, so inserting at the end of a text
        of 12,000 such characters costs ≈ 640 µs (4.6 µs at the start) and the client processes,
        not the servers, became the limit at the top of the ladder. Receivers' costs are the same.
        """
        if not self.connected:
            return
        self._outgoing = None
        self.text.insert(0, random.choice("abcdefghij "))
        now = time.monotonic()
        typed = self.recorder.result.typed.get(self.client_id)
        if typed is None:
            typed = self.recorder.result.typed[self.client_id] = []
        typed.append((self.clock, now))
        self.clock += 1
        self.pending.append(self._outgoing)
        if not self.in_flight:
            await self._flush()

    async def _flush(self) -> None:
        update = self.pending[0] if len(self.pending) == 1 else merge_updates(*self.pending)
        self.pending = []
        self.in_flight = True
        self.recorder.result.messages += 1
        await self._send(update)

    async def _acknowledged(self, ok: bool) -> None:
        if ok:
            self.recorder.result.acked += 1
        else:
            self.recorder.result.refused += 1
        self.in_flight = False
        if self.pending and self.connected:
            await self._flush()

    async def settled(self, timeout: float) -> bool:
        """Wait until nothing is in flight or pending (the end of a test)."""
        deadline = time.monotonic() + timeout
        while (self.in_flight or self.pending) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return not (self.in_flight or self.pending)


class SocketIOClient(BenchClient):
    """The forum's room protocol over Socket.IO: `join`, `update` (base64), acknowledged."""

    def __init__(self, url: str, member: Member, recorder: Recorder):
        super().__init__(url, member, recorder)
        self.http = None
        self.sio = socketio.AsyncClient(reconnection=False, http_session=self._http)
        self.sio.on("update", self._on_update, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)

    def _http(self) -> aiohttp.ClientSession:
        self.http = aiohttp.ClientSession(headers={"Cookie": self.member.cookie})
        return self.http

    @property
    def connected(self) -> bool:
        return self.sio.connected

    async def start(self) -> bool:
        await self.sio.connect(self.url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=30)
        reply = await self.join()
        return bool(reply.get("ok"))

    async def join(self) -> dict:
        sv = base64.b64encode(self.doc.get_state()).decode()
        reply = await self.sio.call(
            "join", {"forum": self.member.forum, "sv": sv}, namespace=NAMESPACE, timeout=60
        )
        if reply.get("ok"):
            self.doc.apply_update(base64.b64decode(reply["update"]))
        return reply

    async def stop(self) -> None:
        await self.sio.disconnect()
        if self.http is not None and not self.http.closed:
            await self.http.close()

    async def _on_disconnect(self, reason=None) -> None:
        self.recorder.result.disconnects.append(str(reason))

    async def _on_update(self, payload: dict) -> None:
        self._received(base64.b64decode(payload["update"]))

    async def _send(self, update: bytes) -> None:
        await self.sio.emit(
            "update",
            {"forum": self.member.forum, "update": base64.b64encode(update).decode()},
            namespace=NAMESPACE,
            callback=self._on_ack,
        )

    async def _on_ack(self, reply: dict) -> None:
        await self._acknowledged(bool(reply.get("ok")))


# The y-sync protocol as Hocuspocus 3 frames it: varString document name, varUint message type.
SYNC, AUTH, SYNC_REPLY, SYNC_STATUS = 0, 2, 4, 8
STEP1, STEP2, UPDATE = 0, 1, 2
AUTH_TOKEN, AUTH_DENIED, AUTH_OK = 0, 1, 2


def _uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def _bytes(data: bytes) -> bytes:
    return _uint(len(data)) + data


def document_name(member: Member) -> str:
    return f"forum-{member.forum}"


class HocuspocusClient(BenchClient):
    """The peer's protocol over a plain websocket (aiohttp)."""

    def __init__(self, url: str, member: Member, recorder: Recorder):
        super().__init__(url, member, recorder)
        self.name = document_name(member)
        self.prefix = _bytes(self.name.encode())
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.synced = asyncio.Event()
        self._reader: asyncio.Task | None = None

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    async def start(self) -> bool:
        await self.connect()
        return await self.join()

    async def connect(self) -> None:
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(self.url.replace("http", "ws", 1), max_msg_size=0)
        self._reader = asyncio.create_task(self._read())

    async def join(self) -> bool:
        """Authenticate (an empty token) and sync; joined when the server acknowledged our sync step 2."""
        assert self.ws is not None
        await self.ws.send_bytes(self.prefix + _uint(AUTH) + _uint(AUTH_TOKEN) + _bytes(b""))
        await self.ws.send_bytes(self.prefix + _uint(SYNC) + _uint(STEP1) + _bytes(self.doc.get_state()))
        try:
            await asyncio.wait_for(self.synced.wait(), 60)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self.http is not None:
            await self.http.close()

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.BINARY:
                continue
            await self._handle(message.data)
        self.recorder.result.disconnects.append(f"closed {self.ws.close_code}")

    async def _handle(self, data: bytes) -> None:
        reader = Reader(data)
        reader.bytes()  # the document name: one document per connection here
        kind = reader.uint()
        if kind in (SYNC, SYNC_REPLY):
            step = reader.uint()
            payload = reader.bytes()
            if step == STEP1:  # the server's state vector: answer with what it lacks
                self.in_flight = True  # its SyncStatus is the acknowledgement of this answer
                await self.ws.send_bytes(
                    self.prefix + _uint(SYNC) + _uint(STEP2) + _bytes(self.doc.get_update(payload))
                )
            elif self.synced.is_set():
                self._received(payload)
            else:  # sync step 2: the document as the server has it
                self.doc.apply_update(payload)
        elif kind == SYNC_STATUS:
            ok = reader.uint() == 1
            if not self.synced.is_set():  # the acknowledgement of our sync step 2: joined
                self.in_flight = False
                self.synced.set()
            else:
                await self._acknowledged(ok)
        elif kind == AUTH and reader.uint() == AUTH_DENIED:
            await self.ws.close()

    async def _send(self, update: bytes) -> None:
        assert self.ws is not None
        await self.ws.send_bytes(self.prefix + _uint(SYNC) + _uint(UPDATE) + _bytes(update))


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


async def _serve(conn, kind: str, url: str, members: list[Member]) -> None:
    loop = asyncio.get_running_loop()
    recorder = Recorder()
    client_class = HocuspocusClient if kind == "peer" else SocketIOClient
    clients = [client_class(url, member, recorder) for member in members]
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)

    async def start(client):
        async with gate:
            try:
                return await client.start()
            except Exception:  # counted as not joined; the run reports it
                return False

    joined = await asyncio.gather(*(start(client) for client in clients))
    rooms = [
        (client.client_id, client.member.forum) for client, ok in zip(clients, joined, strict=True) if ok
    ]
    conn.send(("ready", rooms))
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


def client_process(conn, kind: str, url: str, members: list[Member]) -> None:
    """Entry point of a client process (multiprocessing target)."""
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)  # "packet queue is empty" on close
    logging.getLogger("socketio.client").setLevel(logging.CRITICAL)
    asyncio.run(_serve(conn, kind, url, members))
