"""Typed SQLAlchemy models, one module per aggregate."""

from forum.models.agency import Agency
from forum.models.audit import AttributionSummary, AuditEvent
from forum.models.document import DocumentSnapshot, DocumentUpdate
from forum.models.entry import Entry
from forum.models.forum import Forum, ForumRole, Participant, Stage
from forum.models.frozen_client import FrozenClient
from forum.models.invitation import FormulationTemplate, Invitation, InvitationState, PasswordLink
from forum.models.progress import (
    ActionProgress,
    GoalAnswer,
    GoalReview,
    ProgressStatus,
    ReminderKind,
    ReminderSent,
)
from forum.models.user import EndedSession, User

__all__ = [
    "ActionProgress",
    "Agency",
    "AttributionSummary",
    "AuditEvent",
    "DocumentSnapshot",
    "DocumentUpdate",
    "EndedSession",
    "Entry",
    "Forum",
    "FormulationTemplate",
    "FrozenClient",
    "GoalAnswer",
    "GoalReview",
    "ForumRole",
    "Invitation",
    "InvitationState",
    "Participant",
    "PasswordLink",
    "ProgressStatus",
    "ReminderKind",
    "ReminderSent",
    "Stage",
    "User",
]
