"""Reviewing a locked version: "How did the plan go?" and what it carries into version N+1.

While a forum is reopened from version N, the group answers for each of N's goals how it went (achieved,
partly, not yet, with a note) beside each action's latest progress. The lock of N+1 writes all of this,
with what changed since N, into N+1's document as its `review` member.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from forum.auth.permissions import require_writer
from forum.exports import LockedVersion
from forum.exports.comparison import compare
from forum.extensions import db
from forum.models import Forum, GoalAnswer, GoalReview, ProgressStatus, Stage, User
from forum.models.version import PlanVersion
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.progress import ActionState, action_logs
from forum.services.stages import read_plan

NOTE_LIMIT = 1000
LONDON = ZoneInfo("Europe/London")


def _document(forum_id: int, number: int) -> dict:
    """Version `number`'s integrity-checked document."""
    row = db.session.scalar(
        select(PlanVersion).where(PlanVersion.forum_id == forum_id, PlanVersion.number == number)
    )
    if row is None:
        raise ServiceError(f"There is no version {number}.", code="not_found")
    return LockedVersion.from_canonical(row.canonical_json, row.sha256).document


def _london(moment: datetime) -> str:
    return moment.astimezone(LONDON).isoformat()


@dataclass
class Review:
    """The review of version `from_version`: its document, its actions' progress, the goal answers so far."""

    forum: Forum
    from_version: int
    document: dict
    actions: list[ActionState]
    answers: dict[int, GoalReview]


def current_review(forum: Forum) -> Review | None:
    """The review under way (the forum is reopened from a version), or None."""
    from_version = read_plan(forum.id).reopened_from
    if from_version is None or forum.stage is Stage.LOCKED:
        return None
    document = _document(forum.id, from_version)
    logs = action_logs(forum.id, [action["id"] for action in document["actions"]])
    answers = db.session.scalars(
        select(GoalReview).where(GoalReview.forum_id == forum.id, GoalReview.from_version == from_version)
    )
    return Review(
        forum,
        from_version,
        document,
        [
            ActionState(forum, from_version, action, logs.get(action["id"], []))
            for action in document["actions"]
        ],
        {answer.goal_id: answer for answer in answers},
    )


def answer_goals(forum: Forum, user: User, answers: list[tuple[int, str, str | None]]) -> None:
    """Record (or change) the group's answers on how goals of the reviewed version went: all or none."""
    require_writer(forum.id, user)
    review = current_review(forum)
    if review is None:
        raise ServiceError(
            "The plan is not being reviewed: reopen it for review first.", code="not_reviewing"
        )
    for goal_id, answer, note in answers:  # a refused answer refuses them all: the edge rolls back
        _answer_goal(review, user, goal_id, answer, note)


def _answer_goal(review: Review, user: User, goal_id: int, answer: str, note: str | None) -> GoalReview:
    forum = review.forum
    if goal_id not in {goal["id"] for goal in review.document["goals"]}:
        raise ServiceError(f"Version {review.from_version} has no goal {goal_id}.", code="not_found")
    try:
        parsed = GoalAnswer(answer)
    except ValueError as error:
        raise ServiceError("Choose how the goal went: achieved, partly or not yet.", code="answer") from error
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ServiceError(f"The note must be at most {NOTE_LIMIT} characters.", code="note")
    row = review.answers.get(goal_id) or GoalReview(
        forum_id=forum.id, from_version=review.from_version, goal_id=goal_id
    )
    row.answer, row.note, row.recorded_by = parsed, note, user.id
    db.session.add(row)
    db.session.flush()
    record("review.goal", actor_id=user.id, forum_id=forum.id, version=review.from_version, goal_id=goal_id)
    return row


def review_member(forum_id: int, from_version: int, document: dict) -> dict:
    """The `review` member of version N+1's document: how N's actions and goals went, and what changed.

    Read inside the lock's transaction; `document` is N+1's document without this member.
    """
    before = _document(forum_id, from_version)
    logs = action_logs(forum_id, [action["id"] for action in before["actions"]])
    answers = {
        row.goal_id: row
        for row in db.session.scalars(
            select(GoalReview).where(GoalReview.forum_id == forum_id, GoalReview.from_version == from_version)
        )
    }
    actions = []
    for action in before["actions"]:
        latest = (logs.get(action["id"]) or [None])[0]
        actions.append(
            {
                "id": action["id"],
                "what": action["what"],
                "owner": action["owner"],
                "due": action["due"],
                "status": latest.status.value if latest else ProgressStatus.NOT_STARTED.value,
                "note": latest.note if latest else "",
                "recorded_at": _london(latest.recorded_at) if latest else None,
            }
        )
    goals = [
        {
            "id": goal["id"],
            "text": goal["text"],
            "answer": answers[goal["id"]].answer.value if goal["id"] in answers else None,
            "note": answers[goal["id"]].note if goal["id"] in answers else "",
        }
        for goal in before["goals"]
    ]
    return {
        "from_version": from_version,
        "actions": actions,
        "goals": goals,
        "changes": [change.as_dict() for change in compare(before, document)],
    }
