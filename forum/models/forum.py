"""Forums and their participants."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.agency import Agency
from forum.models.base import UTCDateTime, utcnow
from forum.models.user import User


class Stage(enum.StrEnum):
    """The stages a forum moves through, in order."""

    GATHER = "gather"
    HYPOTHESIS = "hypothesis"
    PRIORITISE = "prioritise"
    PLAN = "plan"
    AGREE = "agree"
    LOCKED = "locked"


class ForumRole(enum.StrEnum):
    """What a participant may do in a forum."""

    CHAIR = "chair"
    CONTRIBUTOR = "contributor"
    OBSERVER = "observer"

    @property
    def writes(self) -> bool:
        """Whether this role may change the forum (observers only watch)."""
        return self is not ForumRole.OBSERVER


class Forum(db.Model):
    __tablename__ = "forums"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the chair started the forum: entries added before it are written input.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stage: Mapped[Stage] = mapped_column(
        Enum(Stage, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Stage.GATHER,
    )
    # The formulation template (panels: key, name, help) the forum was created with.
    template: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The agency of the practitioner who brings the family's situation to the forum.
    presenting_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))

    presenting_agency: Mapped[Agency | None] = relationship(lazy="joined")
    participants: Mapped[list["Participant"]] = relationship(
        back_populates="forum", cascade="all, delete-orphan"
    )

    @property
    def path(self) -> str:
        """The forum page's URL path."""
        return f"/forums/{self.id}"

    def __repr__(self) -> str:
        return f"<Forum {self.id}>"


class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("forum_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[ForumRole] = mapped_column(
        Enum(ForumRole, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum: Mapped[Forum] = relationship(back_populates="participants")
    user: Mapped[User] = relationship(lazy="joined")
