"""The sockets of one server process, one record each: who opened it, from which browser session,
which forums it joined and its rate-limit state. A closed socket is forgotten in one call."""

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Connection:
    """One socket: its user and browser session (from the sign-in), its forums and its limits."""

    sid: str
    user_id: int
    session_key: str | None = None
    forums: set[int] = field(default_factory=set)
    limits: Any = None  # the rate limiter's state for this socket (forum/realtime/limits.py)


class Connections:
    """Every open socket of this process, by sid."""

    def __init__(self) -> None:
        self._by_sid: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def opened(self, sid: str, user_id: int, session_key: str | None = None) -> Connection:
        """Record a socket that has just connected (signed in)."""
        with self._lock:
            connection = self._by_sid[sid] = Connection(sid, user_id, session_key)
            return connection

    def get(self, sid: str) -> Connection | None:
        return self._by_sid.get(sid)

    def of_user(self, user_id: int) -> list[Connection]:
        """The open sockets of a user (several tabs, devices or browser sessions)."""
        return [c for c in list(self._by_sid.values()) if c.user_id == user_id]

    def forget(self, sid: str) -> Connection | None:
        """Forget a closed socket, with everything kept about it; the record, if there was one."""
        with self._lock:
            return self._by_sid.pop(sid, None)

    def __len__(self) -> int:
        return len(self._by_sid)
