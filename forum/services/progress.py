"""Progress between forums: how each action of the latest locked version is going.

Progress is a log beside the locked version, never in it: each record is a new row (status and a short
note, dated), so the version's bytes and hash never change and the history of an action stays readable.
The action's owner, the lead worker and the chair may record it; observers and other participants read.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from forum.exports import LockedVersion
from forum.extensions import db
from forum.models import ActionProgress, Forum, ForumRole, Participant, ProgressStatus, User
from forum.models.facilitation import Action
from forum.models.version import PlanVersion
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.forums import NOT_A_PARTICIPANT, participation
from forum.services.stages import read_plan

NOTE_LIMIT = 1000
LONDON = ZoneInfo("Europe/London")


def today_in_london(now: datetime | None = None) -> date:
    """The date in the UK now: an action is overdue from the day after its due date, UK time."""
    return (now or datetime.now(LONDON)).astimezone(LONDON).date()


@dataclass
class ActionState:
    """One action of a locked version with its progress log (newest first)."""

    forum: Forum
    version: int
    action: dict
    log: list[ActionProgress] = field(default_factory=list)
    may_record: bool = False

    @property
    def latest(self) -> ActionProgress | None:
        return self.log[0] if self.log else None

    @property
    def status(self) -> ProgressStatus:
        return self.latest.status if self.latest else ProgressStatus.NOT_STARTED

    @property
    def due(self) -> date:
        return date.fromisoformat(self.action["due"])

    def overdue(self, today: date) -> bool:
        return self.status is not ProgressStatus.DONE and self.due < today


def latest_version(forum_id: int) -> tuple[PlanVersion, dict] | None:
    """The forum's newest locked version and its integrity-checked document, or None if never locked."""
    row = db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.forum_id == forum_id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    )
    if row is None:
        return None
    return row, LockedVersion.from_canonical(row.canonical_json, row.sha256).document


def _may_record(forum_id: int, participant: Participant | None, action_id: int) -> bool:
    if participant is None or participant.role is ForumRole.OBSERVER:
        return False
    if participant.role is ForumRole.CHAIR or read_plan(forum_id).lead_worker_id == participant.user_id:
        return True
    action = db.session.get(Action, action_id)
    return action is not None and action.forum_id == forum_id and action.owner_id == participant.user_id


def action_logs(forum_id: int, action_ids: list[int]) -> dict[int, list[ActionProgress]]:
    """Each action's progress records, newest first."""
    rows = db.session.scalars(
        select(ActionProgress)
        .where(ActionProgress.forum_id == forum_id, ActionProgress.action_id.in_(action_ids))
        .order_by(ActionProgress.recorded_at.desc(), ActionProgress.id.desc())
    )
    logs: dict[int, list[ActionProgress]] = {}
    for row in rows:
        logs.setdefault(row.action_id, []).append(row)
    return logs


def plan_progress(forum: Forum, user: User) -> tuple[int | None, list[ActionState]]:
    """The latest version's number and every action's progress, as the participant user sees it."""
    participant = participation(forum.id, user.id)
    if participant is None:
        raise ServiceError(NOT_A_PARTICIPANT, code="forbidden")
    latest = latest_version(forum.id)
    if latest is None:
        return None, []
    row, document = latest
    logs = action_logs(forum.id, [action["id"] for action in document["actions"]])
    return row.number, [
        ActionState(
            forum,
            row.number,
            action,
            logs.get(action["id"], []),
            _may_record(forum.id, participant, action["id"]),
        )
        for action in document["actions"]
    ]


def record_progress(
    forum_id: int, user: User, action_id: int, status: str, note: str | None
) -> ActionProgress:
    """Add a dated status and note to an action of the latest locked version (never changing it)."""
    participant = participation(forum_id, user.id)
    if participant is None:
        raise ServiceError(NOT_A_PARTICIPANT, code="forbidden")
    if participant.role is ForumRole.OBSERVER:
        raise ServiceError("Observers can read progress but not record it.", code="forbidden")
    latest = latest_version(forum_id)
    if latest is None:
        raise ServiceError("This forum's plan has not been locked yet.", code="not_locked")
    row, document = latest
    if action_id not in {action["id"] for action in document["actions"]}:
        raise ServiceError(f"Version {row.number} has no action {action_id}.", code="not_found")
    if not _may_record(forum_id, participant, action_id):
        raise ServiceError(
            "Only the action's owner, the lead worker and the chair can record its progress.",
            code="forbidden",
        )
    try:
        parsed = ProgressStatus(status)
    except ValueError as error:
        raise ServiceError("Choose a status: not started, on track, done or stuck.", code="status") from error
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ServiceError(f"The note must be at most {NOTE_LIMIT} characters.", code="note")
    progress = ActionProgress(
        forum_id=forum_id,
        version_number=row.number,
        action_id=action_id,
        status=parsed,
        note=note,
        recorded_by=user.id,
    )
    db.session.add(progress)
    db.session.flush()
    record(
        "action.progress",
        actor_id=user.id,
        forum_id=forum_id,
        version=row.number,
        action_id=action_id,
        status=parsed.value,
    )
    return progress


def my_actions(user: User, today: date) -> list[ActionState]:
    """Every open action the user owns in the latest locked version of each of their forums,
    overdue first (oldest due date first), then by due date."""
    owned = db.session.execute(
        select(Action.forum_id, Action.id)
        .join(Participant, (Participant.forum_id == Action.forum_id) & (Participant.user_id == user.id))
        .where(Action.owner_id == user.id)
    ).all()
    by_forum: dict[int, set[int]] = {}
    for forum_id, action_id in owned:
        by_forum.setdefault(forum_id, set()).add(action_id)
    states: list[ActionState] = []
    for forum_id, action_ids in by_forum.items():
        latest = latest_version(forum_id)
        if latest is None:
            continue
        row, document = latest
        mine = [action for action in document["actions"] if action["id"] in action_ids]
        logs = action_logs(forum_id, [action["id"] for action in mine])
        forum = db.session.get(Forum, forum_id)
        states += [
            ActionState(forum, row.number, action, logs.get(action["id"], []), may_record=True)
            for action in mine
        ]
    open_states = [state for state in states if state.status is not ProgressStatus.DONE]
    return sorted(open_states, key=lambda s: (not s.overdue(today), s.due, s.forum.reference, s.action["id"]))
