"""The live rooms of one server process and its sockets, one record each."""

import threading

from forum.live.connections import Connection, Connections
from forum.live.group_commit import GroupCommit
from forum.live.presence import SharedPresence
from forum.live.room import DEFAULT_COMPACT_EVERY, Person, Room
from forum.live.store import DocumentStore, SqlDocumentStore

__all__ = ["Person", "Rooms"]


class Rooms:
    """The live rooms of one server process (loaded on first join, let go when the last one leaves),
    and its sockets; the realtime layer hands it how to disconnect a socket, relay an update to this
    process's clients and tell a room something (so nothing here imports the namespace)."""

    def __init__(
        self,
        store: DocumentStore | None = None,
        compact_every: int = DEFAULT_COMPACT_EVERY,
        presence: SharedPresence | None = None,
        shared: bool = False,
        group: GroupCommit | None = None,
    ):
        self.store = store or SqlDocumentStore()
        self.compact_every = compact_every
        self.presence = presence
        self.shared = shared  # other server processes serve the same forums (REDIS_URL)
        self.group = group or GroupCommit()  # one writer of updates for every room of this process
        self.rooms: dict[int, Room] = {}
        self.connections = Connections()  # every socket of this process, one record each
        self.disconnect_hook = None  # set by the realtime layer: callable(sid)
        self.relay = None  # set by the realtime layer: callable(forum id, update) to this process's clients
        self.broadcast = None  # set by the realtime layer: callable(event, payload, forum id) to a room
        self.publish = None  # set by the realtime layer: callable(forum id, update, authors, skip sid)
        self._lock = threading.Lock()

    def room(self, forum_id: int) -> Room:
        """The live document of a forum, loaded from the store on first use."""
        with self._lock:
            live = self.rooms.get(forum_id)
            if live is None:
                live = self.rooms[forum_id] = Room.open(
                    forum_id,
                    self.store,
                    compact_every=self.compact_every,
                    presence=self.presence,
                    shared=self.shared,
                    group=self.group,
                    relay=self.relay,
                    publish=self.publish,
                )
            return live

    def loaded(self, forum_id: int) -> Room | None:
        """The live document if it is in memory."""
        return self.rooms.get(forum_id)

    def connected(self, sid: str, user_id: int, session_key: str | None = None) -> Connection:
        """Remember a new socket of a user (and the browser session it was opened from)."""
        return self.connections.opened(sid, user_id, session_key)

    def joined(self, sid: str, forum_id: int, person: Person) -> Room:
        """Put a socket in a forum's room."""
        live = self.room(forum_id)
        with self._lock:
            live.clients[sid] = person
            if (connection := self.connections.get(sid)) is not None:
                connection.forums.add(forum_id)
        return live

    def is_in(self, sid: str, forum_id: int) -> bool:
        """Whether this socket has joined that forum."""
        connection = self.connections.get(sid)
        return connection is not None and forum_id in connection.forums

    def left(self, sid: str, forum_id: int) -> Room | None:
        """Take a socket out of a forum's room; unload the room when it is empty."""
        with self._lock:
            if (connection := self.connections.get(sid)) is not None:
                connection.forums.discard(forum_id)
            live = self.rooms.get(forum_id)
            if live is None:
                return None
            live.clients.pop(sid, None)
            if not live.clients:
                with live.lock:  # wait for an update in flight before letting go of the document
                    if not live.clients:
                        self.rooms.pop(forum_id, None)
            return live

    def disconnected(self, sid: str) -> list[Room]:
        """Forget a socket and everything kept about it; return the rooms it was in."""
        connection = self.connections.get(sid)
        forums = list(connection.forums) if connection is not None else []
        rooms = [live for forum_id in forums if (live := self.left(sid, forum_id))]
        self.connections.forget(sid)
        return rooms

    def sids_of(self, user_id: int) -> set[str]:
        """The open sockets of a user."""
        return {connection.sid for connection in self.connections.of_user(user_id)}

    def disconnect_user(self, user_id: int) -> int:
        """Close every socket of a user (e.g. when their access is withdrawn); return how many."""
        sids = self.sids_of(user_id)
        if self.disconnect_hook is not None:
            for sid in sids:
                self.disconnect_hook(sid)
        return len(sids)
