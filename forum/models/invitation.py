"""Invitations to a forum, and administrators' one-time password links."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.agency import Agency
from forum.models.base import UTCDateTime, utcnow
from forum.models.forum import Forum, ForumRole
from forum.models.user import User


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class InvitationState(enum.StrEnum):
    """Where an invitation is in its single use."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"


class Invitation(db.Model):
    """A chair's invitation of an email address to a forum with a role; the link is single-use."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[ForumRole] = mapped_column(_enum(ForumRole))
    # SHA-256 of the random secret carried (signed) in the link; the link itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[InvitationState] = mapped_column(_enum(InvitationState), default=InvitationState.PENDING)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The agency the chair chose for the person; a new account is created in it.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    # Random; with SECRET_KEY it gives the link's secret again, so the chair can copy the link later.
    link_nonce: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the link last issued

    forum: Mapped[Forum] = relationship()
    agency: Mapped[Agency | None] = relationship(lazy="joined")
    inviter: Mapped[User | None] = relationship(foreign_keys=[invited_by])

    def __repr__(self) -> str:
        return f"<Invitation {self.id}>"


class PasswordLink(db.Model):
    """A one-time link, issued by an administrator, with which a user sets a new password."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class FormulationTemplate(db.Model):
    """An administrator's edit of the formulation template; the newest row is the current one."""

    __tablename__ = "formulation_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    template: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
