"""Per-connection limits of the live room: a token bucket of events, and cutting off abusive clients.

Each Socket.IO connection may send SOCKET_EVENTS_PER_SECOND events on average, with bursts of up to
SOCKET_EVENTS_BURST. An event over the limit is refused with `rate_limited`. A connection that
keeps being refused for its own fault (over the limit, malformed or oversized payloads, unreadable
updates, unknown events) — SOCKET_MAX_REFUSALS times within SOCKET_REFUSAL_WINDOW seconds — is
disconnected; everyone else carries on.
"""

import threading
import time
from collections import deque
from dataclasses import dataclass, field

# Refusals that only a broken or hostile client earns; "locked", "forbidden" or "not_joined" are
# ordinary outcomes of a race with the chair or a reconnect and do not count against a connection.
ABUSIVE_CODES = frozenset({"rate_limited", "invalid", "too_large", "bad_update"})
EXTENSION_KEY = "forum_connection_guard"


@dataclass
class TokenBucket:
    """`rate` tokens a second up to `burst`; each event takes one."""

    rate: float
    burst: float
    tokens: float = 0.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class ConnectionState:
    """One connection's bucket and the times of its recent abusive refusals."""

    bucket: TokenBucket
    refusals: deque = field(default_factory=deque)
    cut_off: bool = False


class ConnectionGuard:
    """The limits policy of every connection of one server process.

    Its state is kept on each connection's record (forum/live/connections.py), so it goes when
    the connection is forgotten.
    """

    def __init__(self, rate: float, burst: int, max_refusals: int, window: float, clock=time.monotonic):
        if rate <= 0 or burst < 1 or max_refusals < 1 or window <= 0:
            raise ValueError("socket limits must be positive")
        self.rate, self.burst = rate, burst
        self.max_refusals, self.window = max_refusals, window
        self.clock = clock
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config) -> "ConnectionGuard":
        return cls(
            rate=float(config.get("SOCKET_EVENTS_PER_SECOND", 40)),
            burst=int(config.get("SOCKET_EVENTS_BURST", 120)),
            max_refusals=int(config.get("SOCKET_MAX_REFUSALS", 20)),
            window=float(config.get("SOCKET_REFUSAL_WINDOW", 10)),
        )

    def _state(self, connection) -> ConnectionState:
        if connection.limits is None:
            connection.limits = ConnectionState(TokenBucket(self.rate, self.burst, updated=self.clock()))
        return connection.limits

    def admit(self, connection) -> bool:
        """Whether this connection may send one more event now (takes a token if so)."""
        with self._lock:
            state = self._state(connection)
            return not state.cut_off and state.bucket.take(self.clock())

    def refused(self, connection, code: str | None) -> bool:
        """Note a refusal with this code; True when the connection must now be disconnected (once)."""
        if code not in ABUSIVE_CODES:
            return False
        with self._lock:
            state = self._state(connection)
            if state.cut_off:
                return False
            now = self.clock()
            state.refusals.append(now)
            while state.refusals and state.refusals[0] <= now - self.window:
                state.refusals.popleft()
            if len(state.refusals) >= self.max_refusals:
                state.cut_off = True
                return True
            return False


def refusal_code(reply: object) -> str | None:
    """The error code of an event's acknowledgement, if it is a refusal."""
    if isinstance(reply, dict) and reply.get("ok") is False and isinstance(reply.get("error"), dict):
        return reply["error"].get("code")
    return None


def rate_limited_reply() -> dict:
    return {
        "ok": False,
        "error": {
            "code": "rate_limited",
            "message": "Too many messages from this connection; wait a moment and try again.",
        },
    }


def unknown_event_reply() -> dict:
    """An event the namespace does not have: refused as invalid (its name is not echoed back)."""
    return {"ok": False, "error": {"code": "invalid", "message": "The server does not know that event."}}


def connection_guard(app) -> ConnectionGuard:
    """This app's connection guard, created from its configuration on first use."""
    guard = app.extensions.get(EXTENSION_KEY)
    if guard is None:
        guard = app.extensions.setdefault(EXTENSION_KEY, ConnectionGuard.from_config(app.config))
    return guard
