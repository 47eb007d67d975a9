"""Writing to the audit trail. Callers commit in their own transaction."""

from sqlalchemy import insert

from forum.extensions import db
from forum.models import AuditEvent


def record(action: str, actor_id: int | None = None, forum_id: int | None = None, **detail) -> None:
    """Add an audit event to the current session (committed by the caller's transaction)."""
    db.session.add(AuditEvent(action=action, actor_id=actor_id, forum_id=forum_id, detail=detail))


def record_many(events: list[dict]) -> None:
    """Add many audit events (dicts of record's arguments, detail as a dict) in one statement."""
    db.session.connection().execute(insert(AuditEvent), events)  # Core: no ORM objects
