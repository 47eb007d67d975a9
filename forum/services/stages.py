"""The chair's running of a forum: its stage, the stage timer and handing the chair over."""

from sqlalchemy import select, update

from forum.auth.permissions import require_chair
from forum.extensions import db
from forum.models import Entry, Forum, ForumRole, Participant, Stage, User
from forum.models.base import utcnow
from forum.models.facilitation import Action, ForumPlan, Goal
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.claims import claim_open_forum
from forum.services.forums import get_forum, participation

ORDER = [Stage.GATHER, Stage.HYPOTHESIS, Stage.PRIORITISE, Stage.PLAN, Stage.AGREE, Stage.LOCKED]
LOCKED_MESSAGE = "This forum's plan is locked; your change was not saved."


def current_chair(forum_id: int) -> Participant | None:
    """The forum's chair (the first, should there ever be several)."""
    return db.session.scalar(
        select(Participant)
        .where(Participant.forum_id == forum_id, Participant.role == ForumRole.CHAIR)
        .order_by(Participant.id)
        .limit(1)
    )


def plan_of(forum_id: int) -> ForumPlan:
    """The forum's facilitation row, created on first write (call after claim_open_forum)."""
    plan = db.session.get(ForumPlan, forum_id)
    if plan is None:
        plan = ForumPlan(forum_id=forum_id, timer_running=False, timer_elapsed=0)
        db.session.add(plan)
        db.session.flush()
    return plan


def read_plan(forum_id: int) -> ForumPlan:
    """The forum's facilitation row for reading; an unsaved blank one if there is none yet."""
    return db.session.get(ForumPlan, forum_id) or ForumPlan(
        forum_id=forum_id, timer_running=False, timer_elapsed=0
    )


def parse_stage(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError as error:
        raise ServiceError(f"Unknown stage {value!r}.") from error


def set_stage(forum_id: int, user: User, stage: str, confirm: bool = False) -> Stage:
    """Move the forum to another stage (not locked); moving forward needs confirm=True."""
    require_chair(forum_id, user)
    target = parse_stage(stage)
    if target == Stage.LOCKED:
        raise ServiceError("A forum is locked only by locking the plan.", code="invalid")
    current = get_forum(forum_id).stage
    if current == Stage.LOCKED:
        raise ServiceError(LOCKED_MESSAGE, code="locked")
    if ORDER.index(target) > ORDER.index(current) and not confirm:
        raise ServiceError("Moving forward needs confirmation.", code="confirm_needed")
    result = db.session.execute(
        update(Forum)
        .where(Forum.id == forum_id, Forum.stage != Stage.LOCKED)
        .values(stage=target)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ServiceError(LOCKED_MESSAGE, code="locked")
    if target != current:
        _reset_timer(plan_of(forum_id))
        record("forum.stage", actor_id=user.id, forum_id=forum_id, stage=target.value, previous=current.value)
        if ORDER.index(target) > ORDER.index(current):
            _mark_started(forum_id, user, "stage")  # moving on from Gather means the forum is taking place
    db.session.flush()
    db.session.expire_all()  # the stage was changed by a Core UPDATE: read it afresh
    return target


def _mark_started(forum_id: int, user: User, how: str) -> bool:
    """Set the forum's start time now unless it has one (in the caller's claimed transaction)."""
    started = db.session.execute(
        update(Forum)
        .where(Forum.id == forum_id, Forum.started_at.is_(None))
        .values(started_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if started.rowcount == 1:
        record("forum.start", actor_id=user.id, forum_id=forum_id, how=how)
    return started.rowcount == 1


def start_forum(forum_id: int, user: User) -> None:
    """The chair starts the forum: from now on entries are not written input (chair only, once)."""
    require_chair(forum_id, user)
    claim_open_forum(forum_id)
    if not _mark_started(forum_id, user, "chair"):
        raise ServiceError("The forum has already started.", code="already_started")
    db.session.flush()
    db.session.expire_all()  # started_at was set by a Core UPDATE: read it afresh


def hand_over_chair(forum_id: int, user: User, to_user_id: int) -> Participant:
    """Make another participant the chair; the old chair becomes a contributor."""
    old = require_chair(forum_id, user)
    if to_user_id == user.id:
        raise ServiceError("You are already the chair.")
    new = participation(forum_id, to_user_id)
    if new is None:
        raise ServiceError("The new chair must be a participant of this forum.", code="not_found")
    claim_open_forum(forum_id)
    old.role = ForumRole.CONTRIBUTOR
    new.role = ForumRole.CHAIR
    record("forum.chair_handover", actor_id=user.id, forum_id=forum_id, from_user=user.id, to_user=to_user_id)
    return new


def _reset_timer(plan: ForumPlan) -> None:
    plan.timer_running = False
    plan.timer_started_at = None
    plan.timer_elapsed = 0


def _elapsed(plan: ForumPlan) -> int:
    """Seconds on the timer now."""
    running = 0
    if plan.timer_running and plan.timer_started_at is not None:
        running = max(0, int((utcnow() - plan.timer_started_at).total_seconds()))
    return plan.timer_elapsed + running


def control_timer(forum_id: int, user: User, command: str) -> ForumPlan:
    """Start, pause or reset the stage timer (chair only)."""
    require_chair(forum_id, user)
    claim_open_forum(forum_id)
    plan = plan_of(forum_id)
    if command == "start":
        if not plan.timer_running:
            plan.timer_running = True
            plan.timer_started_at = utcnow()
    elif command == "pause":
        if plan.timer_running:
            plan.timer_elapsed = _elapsed(plan)
            plan.timer_running = False
            plan.timer_started_at = None
    elif command == "reset":
        _reset_timer(plan)
    else:
        raise ServiceError(f"Unknown timer command {command!r}.")
    return plan


SPOTLIGHT_KINDS = {"entry": Entry, "goal": Goal, "action": Action}


def set_spotlight(forum_id: int, user: User, target: str | None) -> str | None:
    """Point everyone in the room at one entry, goal or action of this forum, or clear it (chair only).

    target is "entry:12", "goal:3" or "action:5"; something removed or of another forum is refused.
    """
    require_chair(forum_id, user)
    claim_open_forum(forum_id)
    if target is not None:
        kind, _, number = target.partition(":")
        model = SPOTLIGHT_KINDS.get(kind)
        row = db.session.get(model, int(number)) if model and number.isdigit() else None
        if row is None or row.forum_id != forum_id or row.removed_at is not None:
            raise ServiceError("That is not in this forum (or it was removed).", code="not_found")
    plan = plan_of(forum_id)
    if plan.spotlight != target:
        plan.spotlight = target
        record("forum.spotlight", actor_id=user.id, forum_id=forum_id, target=target or "")
    return target


def timer_state(plan: ForumPlan) -> dict:
    """The timer as sent to clients: elapsed seconds before started_at, and whether it runs."""
    started = plan.timer_started_at
    return {
        "running": bool(plan.timer_running),
        "started_at": started.isoformat() if started else None,
        "elapsed": plan.timer_elapsed or 0,
        "now": utcnow().isoformat(),
    }
