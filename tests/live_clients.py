"""A real live-room client for tests: socketio.AsyncClient plus its own pycrdt document."""

import asyncio
import base64

import aiohttp
import socketio
from pycrdt import Doc, Text

NAMESPACE = "/forum"
EMPTY_UPDATE = b"\x00\x00"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def cookie_header(http) -> str:
    """The Cookie header of a signed-in requests.Session."""
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies)


def texts(doc: Doc) -> dict[str, str]:
    """Each entry root's text."""
    return {name: str(doc.get(name, type=Text)) for name in sorted(doc.keys()) if name.startswith("entry:")}


class RoomClient:
    """One person in a live forum room, typing into their own document and syncing with the server."""

    def __init__(self, url: str, http=None, origin: str | None = None, forum_id: int | None = None):
        self.url = url
        self.headers = {}
        self.cookie = cookie_header(http) if http is not None else None
        if origin is not None:
            self.headers["Origin"] = origin
        self.forum_id = forum_id
        self.doc = Doc()
        # The cookie goes in the HTTP session, not in connect(headers=...): engineio moves a Cookie
        # header into a cookie jar it throws away on disconnect, so a reconnect would arrive without it.
        self.sio = socketio.AsyncClient(
            reconnection=True,
            reconnection_delay=0.2,
            reconnection_delay_max=1,
            http_session=self._http_session,
        )
        self.acked: list[bytes] = []  # updates the server acknowledged
        self.refused: list[dict] = []  # error acknowledgements, kept with their update
        self.unsaved: list[bytes] = []  # sent while disconnected or unanswered; resent on join
        self.out_of_sync = 0  # updates refused out_of_sync (each followed by a re-sync)
        self.entries: list[dict] = []
        self.entries_message: dict | None = None  # the latest `entries` message (with its change)
        self.update_senders: list[tuple[int | None, list[str]]] = []  # (by, roots) of relayed updates
        self.presence: list[dict] = []
        self.join_reply: dict | None = None
        self.joined = asyncio.Event()
        self.sio.on("update", self._on_update, namespace=NAMESPACE)
        self.sio.on("entries", self._on_entries, namespace=NAMESPACE)
        self.sio.on("presence", self._on_presence, namespace=NAMESPACE)
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self._rejoin: asyncio.Task | None = None
        self._connected_once = False

    def _http_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(headers={"Cookie": self.cookie} if self.cookie else None)

    async def connect(self, timeout: float = 10) -> None:
        try:
            await self.sio.connect(
                self.url,
                headers=self.headers,
                namespaces=[NAMESPACE],
                transports=["websocket"],
                wait_timeout=timeout,
            )
        except Exception:
            await self._close_http()
            raise

    async def join(self, forum_id: int | None = None, timeout: float = 10) -> dict:
        """Join (or re-join) with the local state vector; send what the server lacks."""
        self.forum_id = forum_id or self.forum_id
        reply = await self.call("join", {"forum": self.forum_id, "sv": b64(self.doc.get_state())}, timeout)
        if not reply.get("ok"):
            return reply
        self.join_reply = reply
        self.entries = reply["entries"]
        self.presence = reply["presence"]
        self.doc.apply_update(unb64(reply["update"]))
        lacking = self.doc.get_update(unb64(reply["sv"]))
        self.joined.set()
        if lacking != EMPTY_UPDATE:
            await self.send(lacking, timeout)
        return reply

    async def resync(self, timeout: float = 10) -> dict:
        """The periodic re-sync a browser makes: send the state vector, apply what the server sends."""
        reply = await self.call("sync", {"forum": self.forum_id, "sv": b64(self.doc.get_state())}, timeout)
        if reply.get("ok"):
            self.doc.apply_update(unb64(reply["update"]))
        return reply

    async def call(self, event: str, payload, timeout: float = 10) -> dict:
        return await self.sio.call(event, payload, namespace=NAMESPACE, timeout=timeout)

    async def type(self, entry_id: int, chunk: str, index: int | None = None, timeout: float = 10) -> bytes:
        """Insert chunk into an entry (at the end by default) and send the update."""
        text = self.doc.get(f"entry:{entry_id}", type=Text)
        state = self.doc.get_state()
        text.insert(len(text) if index is None else min(index, len(text)), chunk)
        update = self.doc.get_update(state)
        await self.send(update, timeout)
        return update

    async def send(self, update: bytes, timeout: float = 10) -> dict | None:
        """Send an update; remember it as acknowledged, refused or not yet saved."""
        try:
            reply = await self.call("update", {"forum": self.forum_id, "update": b64(update)}, timeout)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            self.unsaved.append(update)
            return None
        if reply.get("ok"):
            self.acked.append(update)
        elif reply["error"]["code"] == "not_joined":
            self.unsaved.append(update)  # reconnected but not yet joined again: the join resends it
        elif reply["error"]["code"] == "out_of_sync":
            self.unsaved.append(update)  # builds on something the server lacks: the re-sync sends both
            self.out_of_sync += 1
            if self._rejoin is None or self._rejoin.done():
                self._rejoin = asyncio.create_task(self._join_again())
        else:
            self.refused.append({"reply": reply, "update": update})
        return reply

    def texts(self) -> dict[str, str]:
        return texts(self.doc)

    async def disconnect(self) -> None:
        if self._rejoin is not None:
            self._rejoin.cancel()
        await self.sio.disconnect()
        await self._close_http()

    async def _close_http(self) -> None:
        http = self.sio.eio.http
        if http is not None and not http.closed:
            await http.close()

    async def _on_connect(self) -> None:
        if self._connected_once and self.forum_id is not None:
            # Reconnected by itself: join again in the background (a handler must not wait on a call).
            self._rejoin = asyncio.create_task(self._join_again())
        self._connected_once = True

    async def _join_again(self) -> None:
        for _attempt in range(20):
            try:
                reply = await self.join()
                if reply.get("ok"):
                    return
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                pass
            await asyncio.sleep(0.2)

    async def _on_disconnect(self, *_reason) -> None:
        self.joined.clear()

    async def _on_update(self, payload: dict) -> None:
        self.doc.apply_update(unb64(payload["update"]))
        self.update_senders.append((payload.get("by"), payload.get("roots", [])))

    async def _on_entries(self, payload: dict) -> None:
        self.entries = payload["entries"]
        self.entries_message = payload

    async def _on_presence(self, payload: dict) -> None:
        self.presence = payload["people"]


async def eventually(predicate, timeout: float = 15, interval: float = 0.05) -> bool:
    """Wait until predicate() is true, at most timeout seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(interval)
    return predicate()


class FacilitatedClient(RoomClient):
    """A room client that also keeps the latest `facilitation` state the server sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state: dict | None = None
        self.sio.on("facilitation", self._on_facilitation, namespace=NAMESPACE)

    async def _on_facilitation(self, payload: dict) -> None:
        self.state = payload

    async def edit(self, root: str, chunk: str) -> dict | None:
        """Append chunk to a text root and send the update (kept as refused/unsaved if not stored)."""
        text = self.doc.get(root, type=Text)
        before = self.doc.get_state()
        text.insert(len(text), chunk)
        return await self.send(self.doc.get_update(before))

    def text(self, root: str) -> str:
        return str(self.doc.get(root, type=Text)) if root in self.doc else ""
