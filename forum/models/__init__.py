"""Typed SQLAlchemy models, one module per aggregate."""

from forum.models.agency import Agency
from forum.models.audit import AuditEvent
from forum.models.forum import Forum, ForumRole, Participant, Stage
from forum.models.user import User

__all__ = ["Agency", "AuditEvent", "Forum", "ForumRole", "Participant", "Stage", "User"]
