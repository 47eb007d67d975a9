"""Progress on a locked plan's actions: a log kept beside the version, never in it."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow
from forum.models.user import User


class ProgressStatus(enum.StrEnum):
    """How an action is going."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    DONE = "done"
    STUCK = "stuck"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ActionProgress(db.Model):
    """One dated status and note on an action of a locked version; rows are only ever added."""

    __tablename__ = "action_progress"
    __table_args__ = (Index("ix_action_progress_forum_action", "forum_id", "action_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    # The locked version the note was written against, and the action's id in its document.
    version_number: Mapped[int]
    action_id: Mapped[int]
    status: Mapped[ProgressStatus] = mapped_column(
        Enum(ProgressStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    note: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class ReminderKind(enum.StrEnum):
    """Why a reminder was sent."""

    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    REVIEW = "review"


class ReminderSent(db.Model):
    """One reminder given to one person: by email, or shown on My forums when there is no mail server.

    The unique constraint makes `flask reminders send` idempotent: each reminder is given once.
    """

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("forum_id", "version_number", "kind", "action_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int]
    kind: Mapped[ReminderKind] = mapped_column(
        Enum(ReminderKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    action_id: Mapped[int]  # 0 for the review date
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # "email" or "page"
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GoalAnswer(enum.StrEnum):
    """The group's answer, at a review, to how a goal of the previous version went."""

    ACHIEVED = "achieved"
    PARTLY = "partly"
    NOT_YET = "not_yet"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class GoalReview(db.Model):
    """How one goal of version `from_version` went, answered while reviewing it (one answer per goal)."""

    __tablename__ = "goal_reviews"
    __table_args__ = (UniqueConstraint("forum_id", "from_version", "goal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    from_version: Mapped[int]
    goal_id: Mapped[int]
    answer: Mapped[GoalAnswer] = mapped_column(
        Enum(GoalAnswer, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    note: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
