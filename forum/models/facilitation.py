"""The facilitated forum's server-authoritative decisions: timer, lead worker, votes, plan, stances."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.agency import Agency
from forum.models.base import UTCDateTime, utcnow
from forum.models.user import User


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class StanceKind(enum.StrEnum):
    """An agency's position on the plan."""

    AGREE = "agree"
    AGREE_WITH_CONCERNS = "agree_with_concerns"
    OBJECT = "object"


class PrincipleAnswerKind(enum.StrEnum):
    """An answer in the practice principles check."""

    YES = "yes"
    NO = "no"
    PARTLY = "partly"


class ForumPlan(db.Model):
    """One row per forum: its stage timer, lead worker, review date and pending reopen."""

    __tablename__ = "forum_plans"

    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    timer_running: Mapped[bool] = mapped_column(default=False)
    timer_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Seconds counted before timer_started_at (the timer may have been paused and started again).
    timer_elapsed: Mapped[int] = mapped_column(default=0)
    lead_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lead_nominated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lead_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SHA-256 of the proposal the lead worker accepted (see services/proposal.py).
    lead_accepted_proposal: Mapped[str | None] = mapped_column(String(64))
    review_date: Mapped[date | None] = mapped_column(Date)
    priorities_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by a reopen; the next lock stores them on its version.
    reopened_from: Mapped[int | None]
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    # What the chair points everyone at: "entry:12", "goal:3" or "action:5"; None when cleared.
    spotlight: Mapped[str | None] = mapped_column(String(24))

    lead_worker: Mapped[User | None] = relationship(lazy="joined")


class Vote(db.Model):
    """One participant's vote for one perpetuating entry (at most one per entry)."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Priority(db.Model):
    """A confirmed priority: a perpetuating entry at a rank (1 first)."""

    __tablename__ = "priorities"
    __table_args__ = (UniqueConstraint("forum_id", "rank"), UniqueConstraint("forum_id", "entry_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int]
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))


class Goal(db.Model):
    """A goal of the plan; its text is the document root `goal:<id>`."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def root_name(self) -> str:
        return f"goal:{self.id}"


class Action(db.Model):
    """A SMART action; its what and measure texts are the roots `action:<id>:what` / `:measure`."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The owner's agency when they were named, so a later move of agency does not rewrite the plan.
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    due: Mapped[date | None] = mapped_column(Date)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    priority_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    owner_agency: Mapped[Agency | None] = relationship(lazy="joined")

    @property
    def what_root(self) -> str:
        return f"action:{self.id}:what"

    @property
    def measure_root(self) -> str:
        return f"action:{self.id}:measure"


class Stance(db.Model):
    """An attending agency's stance on the plan, recorded by one of its representatives."""

    __tablename__ = "stances"
    __table_args__ = (UniqueConstraint("forum_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    stance: Mapped[StanceKind] = mapped_column(_enum(StanceKind))
    reason: Mapped[str | None] = mapped_column(Text)
    # The SHA-256 of the proposal the stance was given to; it counts only while that is current.
    proposal_sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    recorder: Mapped[User] = relationship(lazy="joined")


class PrincipleAnswer(db.Model):
    """The chair's record of one question of the practice principles check."""

    __tablename__ = "principle_answers"
    __table_args__ = (UniqueConstraint("forum_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    answer: Mapped[PrincipleAnswerKind] = mapped_column(_enum(PrincipleAnswerKind))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
