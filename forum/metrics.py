"""Prometheus metrics of one server process: what the live rooms and sign-in are doing.

Counters and histograms are process-wide (Prometheus scrapes each process and adds them up);
the other modules only call the small functions below, so they never depend on prometheus-client.
Labels carry codes and methods only, never a person, a forum or any text.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

CONNECTED_SOCKETS = Gauge(
    "forum_connected_sockets", "Live-room Socket.IO connections open on this process.", registry=REGISTRY
)
OPEN_ROOMS = Gauge("forum_open_rooms", "Forums whose live document this process holds.", registry=REGISTRY)
UPDATES_ACCEPTED = Counter(
    "forum_updates_accepted", "Live document updates stored and acknowledged.", registry=REGISTRY
)
UPDATES_REFUSED = Counter(
    "forum_updates_refused", "Live document updates refused, by refusal code.", ["code"], registry=REGISTRY
)
COMMIT_SECONDS = Histogram(
    "forum_update_commit_seconds",
    "Time to write one group-commit batch of updates (one transaction).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
BATCH_SIZE = Histogram(
    "forum_update_batch_size",
    "Updates written per group-commit transaction.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
    registry=REGISTRY,
)
SIGN_IN_FAILURES = Counter(
    "forum_sign_in_failures", "Refused sign-ins, by method (password, oidc).", ["method"], registry=REGISTRY
)


def update_accepted() -> None:
    """A live document update was committed and acknowledged."""
    UPDATES_ACCEPTED.inc()


def update_refused(code: str) -> None:
    """A live document update was refused with this error code."""
    UPDATES_REFUSED.labels(code=code).inc()


def batch_written(size: int, seconds: float) -> None:
    """A group-commit batch of `size` updates took `seconds` to write."""
    BATCH_SIZE.observe(size)
    COMMIT_SECONDS.observe(seconds)


def sign_in_failed(method: str) -> None:
    """Someone was refused at sign-in (wrong password, unknown account, provider refused)."""
    SIGN_IN_FAILURES.labels(method=method).inc()


def exposition(connected_sockets: int, open_rooms: int) -> bytes:
    """The Prometheus text format of this process's metrics, with the room gauges as of now."""
    CONNECTED_SOCKETS.set(connected_sockets)
    OPEN_ROOMS.set(open_rooms)
    return generate_latest(REGISTRY)
