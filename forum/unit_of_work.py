"""The edge's transaction: one commit per request, socket event or command, one rollback on a refusal.

Services add, change and flush; they never commit or roll back. The edge that called them (a view, a
socket handler, a flask command) wraps the call in `unit_of_work()`: everything the operation wrote,
its audit rows included, is committed together, or - on a ServiceError or any other exception -
nothing is. What may only happen once the change is stored (signals that close sockets or tell a room)
is queued by the service (signals.send_after_commit) and sent here after the commit. The group commit
of live document updates (forum/live/group_commit.py) is the one documented exception.

`unit_of_work()` is a context manager and, like any contextlib manager, also a decorator.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from forum.extensions import db
from forum.services.signals import forget_queued, send_committed

log = logging.getLogger(__name__)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block wrote, then send its queued signals; roll it all back if it raises."""
    try:
        yield
        db.session.commit()  # the edge's one commit: services only flush
    except BaseException:
        forget_queued()
        roll_back()  # the edge's one rollback: a refused operation leaves no partial write
        raise
    send_committed()


def roll_back() -> None:
    """Roll the session's transaction back. If even that fails (the connection is gone, and the
    database has dropped the transaction with it), close the session instead: the caller's own error
    is the one to report, and the next operation starts on a fresh connection."""
    try:
        db.session.rollback()
    except Exception:
        log.exception("a rollback failed; closing the session")
        db.session.close()
