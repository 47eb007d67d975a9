"""Locked plan versions: immutable, numbered, stored as canonical JSON with its SHA-256."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow
from forum.models.user import User


class ImmutableVersionError(RuntimeError):
    """Something tried to change a stored plan version."""


class PlanVersion(db.Model):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("forum_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # canonical_json(document): the exact bytes that were hashed.
    canonical_json: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    # The SHA-256 of the proposal agreed on: the version's "proposal" part hashes to it.
    proposal_sha256: Mapped[str | None] = mapped_column(String(64))
    reopened_from: Mapped[int | None]
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)

    locker: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<PlanVersion {self.forum_id}/{self.number}>"


@event.listens_for(PlanVersion, "before_update")
def _refuse_update(_mapper, _connection, target: PlanVersion) -> None:
    raise ImmutableVersionError(f"Plan version {target.forum_id}/{target.number} cannot be changed.")
