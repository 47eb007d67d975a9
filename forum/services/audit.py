"""Writing to the audit trail. Audit rows join the transaction the edge commits (forum/unit_of_work.py)."""

from sqlalchemy import insert

from forum.extensions import db
from forum.models import AuditEvent
from forum.models.base import utcnow
from forum.prepared import Prepared

_INSERT = Prepared(insert(AuditEvent), ["at", "actor_id", "action", "forum_id", "detail"])


def record(action: str, actor_id: int | None = None, forum_id: int | None = None, **detail) -> None:
    """Add an audit event to the current session (committed, or rolled back, with the operation it records)."""
    db.session.add(AuditEvent(action=action, actor_id=actor_id, forum_id=forum_id, detail=detail))


def record_many(events: list[dict]) -> None:
    """Add many audit events (dicts of actor_id, action, forum_id and detail) at once: a prepared
    statement (forum/prepared.py), as group commit writes them for every batch."""
    at = utcnow()
    _INSERT.execute_many([{"at": at, **event} for event in events])
