"""People in a live room over real Socket.IO clients, kept connected while a browser test runs.

Playwright's sync API keeps an asyncio loop busy on the test's thread, so the clients live on an
event loop of their own thread; each step waits for its result, bounded by a timeout.
"""

import asyncio
import contextlib
import threading

from pycrdt import Text

from tests.live_clients import RoomClient

STEP_TIMEOUT = 20


class RoomDriver:
    """Signed-in room clients by email, sending the same socket events as the browser does."""

    def __init__(self, live_server, forum_id: int):
        self.live_server = live_server
        self.forum_id = forum_id
        self.clients: dict[str, RoomClient] = {}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="room-driver", daemon=True)
        self.thread.start()

    def _run(self, coroutine, timeout: float = STEP_TIMEOUT):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def join(self, email: str) -> RoomClient:
        """Sign in through the real form, connect and join the room."""
        http = self.live_server.session(email)

        async def connect_and_join() -> RoomClient:
            client = RoomClient(
                self.live_server.url, http, origin=self.live_server.url, forum_id=self.forum_id
            )
            await client.connect()
            reply = await client.join()
            assert reply["ok"], reply
            return client

        self.clients[email] = self._run(connect_and_join())
        return self.clients[email]

    def call(self, email: str, event: str, **payload) -> dict:
        """Send one event for the forum; fail unless the server accepts it."""
        reply = self._run(self.clients[email].call(event, {"forum": self.forum_id, **payload}))
        assert reply.get("ok"), (event, reply)
        return reply

    def write(self, email: str, root: str, text: str) -> None:
        """Append text to a shared text (entry:<id>, hypothesis, …) and wait for its acknowledgement."""
        client = self.clients[email]

        async def edit() -> dict | None:
            shared = client.doc.get(root, type=Text)
            before = client.doc.get_state()
            shared.insert(len(shared), text)
            return await client.send(client.doc.get_update(before))

        reply = self._run(edit())
        assert reply and reply.get("ok"), (root, reply)

    def add_entry(self, email: str, panel: str, text: str) -> int:
        """Add an entry to a panel and type its text, as a contributor's browser would."""
        entry = self.call(email, "entry:add", panel=panel)["entry"]
        self.write(email, f"entry:{entry['id']}", text)
        return entry["id"]

    def stage(self, email: str, stage: str) -> None:
        self.call(email, "stage:set", stage=stage, confirm=True)

    def close(self) -> None:
        for client in self.clients.values():
            with contextlib.suppress(Exception):  # closing down: the server may be gone already
                self._run(client.disconnect(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
