"""Retention: purging the working documents of forums locked long ago (and, by choice, their versions).

RETENTION_DAYS: a forum locked longer ago than this loses its live document (snapshots) and update log;
0 turns purging off. RETAIN_LOCKED_VERSIONS: "true" keeps locked versions for ever, "false" purges them
with the documents, a number of days purges versions locked longer ago than that. Run by
`flask --app wsgi retention purge [--dry-run]`; every purge is audited, a dry run changes nothing.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from forum.extensions import db
from forum.models import ActionProgress, AuditEvent, DocumentSnapshot, DocumentUpdate, Forum, Stage
from forum.models.version import PlanVersion
from forum.services import ServiceError
from forum.services.audit import record

PURGE_ACTION = "retention.purge"
KEEP, PURGE = "keep", "purge"


@dataclass(frozen=True)
class Policy:
    """How long working documents stay, and whether (or how long) locked versions stay."""

    retention_days: int
    versions: str  # KEEP, PURGE, or a number of days as text
    version_days: int | None = None

    @classmethod
    def from_config(cls, config) -> "Policy":
        """The policy from RETENTION_DAYS and RETAIN_LOCKED_VERSIONS, or ServiceError saying what is wrong."""
        days = config.get("RETENTION_DAYS", 0)
        if not isinstance(days, int) or days < 0:
            raise ServiceError("RETENTION_DAYS must be a whole number of days, 0 or more.", "config")
        raw = str(config.get("RETAIN_LOCKED_VERSIONS", "true")).strip().lower()
        if raw in ("true", "yes", "1", ""):
            return cls(days, KEEP)
        if raw in ("false", "no", "0"):
            return cls(days, PURGE)
        if raw.isdigit() and len(raw) <= 6:
            return cls(days, raw, int(raw))
        raise ServiceError("RETAIN_LOCKED_VERSIONS must be true, false or a whole number of days.", "config")

    def describe(self) -> str:
        versions = {KEEP: "kept", PURGE: "purged with them"}.get(
            self.versions, f"purged {self.version_days} days after their lock"
        )
        return (
            f"documents of forums locked over {self.retention_days} days ago are purged; versions {versions}"
        )


@dataclass
class ForumPurge:
    """What goes (or would go) from one forum."""

    forum_id: int
    reference: str
    locked_at: datetime
    updates: int
    snapshots: int
    versions: list[int] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{self.updates} document updates", f"{self.snapshots} snapshots"]
        parts.append(f"versions {', '.join(map(str, self.versions))}" if self.versions else "no versions")
        return (
            f"forum {self.forum_id} ({self.reference}, locked {self.locked_at:%Y-%m-%d}): {'; '.join(parts)}"
        )


def _count(model, forum_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.forum_id == forum_id))


def purgeable(policy: Policy, now: datetime | None = None) -> list[ForumPurge]:
    """What a purge under this policy would remove now, forum by forum (nothing is changed)."""
    if policy.retention_days == 0:
        return []
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=policy.retention_days)
    last_lock = (
        select(PlanVersion.forum_id, func.max(PlanVersion.locked_at).label("locked_at"))
        .group_by(PlanVersion.forum_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Forum.id, Forum.reference, last_lock.c.locked_at)
        .join(last_lock, last_lock.c.forum_id == Forum.id)
        .where(Forum.stage == Stage.LOCKED)
        .order_by(Forum.id)
    ).all()
    purges = []
    for forum_id, reference, locked_at in rows:
        if locked_at > cutoff:
            continue
        purge = ForumPurge(
            forum_id,
            reference,
            locked_at,
            _count(DocumentUpdate, forum_id),
            _count(DocumentSnapshot, forum_id),
        )
        purge.versions = _versions_to_purge(policy, forum_id, now)
        if purge.updates or purge.snapshots or purge.versions:
            purges.append(purge)
    return purges


def _versions_to_purge(policy: Policy, forum_id: int, now: datetime) -> list[int]:
    if policy.versions == KEEP:
        return []
    versions = db.session.execute(
        select(PlanVersion.number, PlanVersion.locked_at).where(PlanVersion.forum_id == forum_id)
    ).all()
    if policy.versions == PURGE:
        return sorted(number for number, _at in versions)
    cutoff = now - timedelta(days=policy.version_days)
    return sorted(number for number, locked_at in versions if locked_at <= cutoff)


def purge(policy: Policy, dry_run: bool = False, now: datetime | None = None) -> list[ForumPurge]:
    """Remove what purgeable() lists, audited per forum, in the caller's transaction; a dry run only reports it."""
    purges = purgeable(policy, now)
    if dry_run:
        return purges
    for item in purges:
        db.session.execute(delete(DocumentUpdate).where(DocumentUpdate.forum_id == item.forum_id))
        db.session.execute(delete(DocumentSnapshot).where(DocumentSnapshot.forum_id == item.forum_id))
        if item.versions:
            db.session.execute(
                delete(PlanVersion).where(
                    PlanVersion.forum_id == item.forum_id, PlanVersion.number.in_(item.versions)
                )
            )
            # Progress notes written against a purged version go with it.
            db.session.execute(
                delete(ActionProgress).where(
                    ActionProgress.forum_id == item.forum_id, ActionProgress.version_number.in_(item.versions)
                )
            )
        record(
            PURGE_ACTION,
            forum_id=item.forum_id,
            document_updates=item.updates,
            snapshots=item.snapshots,
            versions=item.versions,
            policy=policy.describe(),
        )
    record("retention.run", forums=[item.forum_id for item in purges], policy=policy.describe())
    return purges


def was_purged(forum_id: int) -> bool:
    """Whether retention purged this forum's working document (it cannot be reopened then)."""
    return (
        db.session.scalar(
            select(AuditEvent.id)
            .where(AuditEvent.action == PURGE_ACTION, AuditEvent.forum_id == forum_id)
            .limit(1)
        )
        is not None
    )
