"""The structured plan: goals, SMART actions and the review date. Free texts live in the document."""

from datetime import date

from pycrdt import Doc, Text
from sqlalchemy import select, update

from forum.auth.permissions import require_writer
from forum.extensions import db
from forum.models import Entry, User
from forum.models.base import utcnow
from forum.models.facilitation import Action, Goal
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.claims import claim_open_forum
from forum.services.forums import participation
from forum.services.stages import plan_of
from forum.services.votes import perpetuating_entry

PLAN_PANEL = "plan"
HYPOTHESIS_ROOT = "hypothesis"
FAMILY_COMMUNICATION_ROOT = "family_communication"
ACTION_FIELDS = ("owner", "due", "goal", "priority")


def seed_update(root: str, text: str) -> bytes:
    """A CRDT update that writes text into a new, empty Text root (a server-originated change).

    It depends on nothing else in the document, so it applies cleanly to any replica.
    """
    doc = Doc()
    doc[root] = Text(text)
    return doc.get_update()


def plan_entry(forum_id: int, entry_id: int) -> Entry:
    """An active entry of the plan panel (a starting point), or ServiceError."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.forum_id != forum_id or entry.removed_at is not None:
        raise ServiceError("There is no such entry.", code="not_found")
    if entry.panel != PLAN_PANEL:
        raise ServiceError("Only entries of the plan panel are starting points for the plan.")
    return entry


def goals(forum_id: int) -> list[Goal]:
    return list(
        db.session.scalars(
            select(Goal).where(Goal.forum_id == forum_id, Goal.removed_at.is_(None)).order_by(Goal.id)
        )
    )


def actions(forum_id: int) -> list[Action]:
    return list(
        db.session.scalars(
            select(Action).where(Action.forum_id == forum_id, Action.removed_at.is_(None)).order_by(Action.id)
        )
    )


def _goal_in(forum_id: int, goal_id: int) -> Goal:
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.forum_id != forum_id or goal.removed_at is not None:
        raise ServiceError("There is no such goal.", code="not_found")
    return goal


def _action_in(forum_id: int, action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None or action.forum_id != forum_id or action.removed_at is not None:
        raise ServiceError("There is no such action.", code="not_found")
    return action


def add_goal(forum_id: int, user: User, from_entry: int | None = None) -> Goal:
    """Add a goal, optionally started from a plan-panel entry (the caller seeds its text)."""
    require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)
    if from_entry is not None:
        plan_entry(forum_id, from_entry)
    goal = Goal(forum_id=forum_id, created_by=user.id, source_entry_id=from_entry)
    db.session.add(goal)
    db.session.flush()
    record("goal.add", actor_id=user.id, forum_id=forum_id, goal_id=goal.id, from_entry=from_entry)
    return goal


def remove_goal(forum_id: int, user: User, goal_id: int) -> Goal:
    """Remove a goal; actions that served it are left without a goal."""
    require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)
    goal = _goal_in(forum_id, goal_id)
    goal.removed_at = utcnow()
    db.session.execute(
        update(Action)
        .where(Action.forum_id == forum_id, Action.goal_id == goal.id)
        .values(goal_id=None)
        .execution_options(synchronize_session=False)
    )
    record("goal.remove", actor_id=user.id, forum_id=forum_id, goal_id=goal.id)
    return goal


def add_action(forum_id: int, user: User, from_entry: int | None = None, goal: int | None = None) -> Action:
    """Add an action, optionally started from a plan-panel entry and linked to a goal."""
    require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)
    if from_entry is not None:
        plan_entry(forum_id, from_entry)
    if goal is not None:
        _goal_in(forum_id, goal)
    action = Action(forum_id=forum_id, created_by=user.id, source_entry_id=from_entry, goal_id=goal)
    db.session.add(action)
    db.session.flush()
    record("action.add", actor_id=user.id, forum_id=forum_id, action_id=action.id, from_entry=from_entry)
    return action


def set_action(forum_id: int, user: User, action_id: int, changes: dict) -> Action:
    """Change an action's owner (a participant), due date, goal or priority entry; None clears one."""
    require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)
    action = _action_in(forum_id, action_id)
    if "owner" in changes:
        owner_id = changes["owner"]
        if owner_id is None:
            action.owner_id = action.owner_agency_id = None
        else:
            owner = participation(forum_id, owner_id)
            if owner is None:
                raise ServiceError("The owner must be a participant of this forum.", code="not_found")
            action.owner_id = owner.user_id
            action.owner_agency_id = owner.user.agency_id
    if "due" in changes:
        action.due = changes["due"]
    if "goal" in changes:
        action.goal_id = None if changes["goal"] is None else _goal_in(forum_id, changes["goal"]).id
    if "priority" in changes:
        priority = changes["priority"]
        action.priority_entry_id = None if priority is None else perpetuating_entry(forum_id, priority).id
    record(
        "action.set",
        actor_id=user.id,
        forum_id=forum_id,
        action_id=action.id,
        fields=sorted(key for key in changes if key in ACTION_FIELDS),
    )
    return action


def remove_action(forum_id: int, user: User, action_id: int) -> Action:
    require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)
    action = _action_in(forum_id, action_id)
    action.removed_at = utcnow()
    record("action.remove", actor_id=user.id, forum_id=forum_id, action_id=action.id)
    return action


def set_review_date(forum_id: int, user: User, review_date: date | None) -> None:
    """Set (or clear) the date the forum will review the plan."""
    require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)
    plan_of(forum_id).review_date = review_date
    record(
        "plan.review_date",
        actor_id=user.id,
        forum_id=forum_id,
        review_date=review_date.isoformat() if review_date else None,
    )
