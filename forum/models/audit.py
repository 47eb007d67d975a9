"""The append-only audit trail: who saw, changed, locked and downloaded what."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("forums.id"), index=True)
    # Identifiers and summaries only, never entry text.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class AttributionSummary(db.Model):
    """Who changed each text of a forum's document, summarised from its `document.update` events up
    to upto_audit_id (forum/services/attribution.py). Written with each compaction of the forum's
    document, so that reading attribution never scans a long log: only the events after it."""

    __tablename__ = "attribution_summaries"

    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    upto_audit_id: Mapped[int]
    # Root name → [[user id, last change (ISO 8601, UTC, whole seconds)], ...] in the order of
    # each user's first change.
    changes: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
