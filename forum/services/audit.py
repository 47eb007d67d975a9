"""Writing to the audit trail. Audit rows join the transaction the edge commits (forum/unit_of_work.py)."""

from sqlalchemy import insert

from forum.extensions import db
from forum.models import AuditEvent


def record(action: str, actor_id: int | None = None, forum_id: int | None = None, **detail) -> None:
    """Add an audit event to the current session (committed, or rolled back, with the operation it records)."""
    db.session.add(AuditEvent(action=action, actor_id=actor_id, forum_id=forum_id, detail=detail))


def record_many(events: list[dict]) -> None:
    """Add many audit events (dicts of record's arguments, detail as a dict) in one statement."""
    db.session.connection().execute(insert(AuditEvent), events)  # Core: no ORM objects
