"""The review of a reopened forum: "How did the plan go?" for the version it was reopened from."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.models import ForumRole, GoalAnswer
from forum.services import ServiceError
from forum.services.progress import today_in_london
from forum.services.review import answer_goals, current_review
from forum.unit_of_work import unit_of_work
from forum.web.access import forum_for_current_user

bp = Blueprint("review", __name__)


def _page(forum, participant, errors: dict[int, str] | None = None, entered: dict | None = None, status=200):
    return (
        render_template(
            "review/review.html",
            forum=forum,
            review=current_review(forum),
            may_answer=participant.role is not ForumRole.OBSERVER,
            answers=[(answer.value, answer.label) for answer in GoalAnswer],
            errors=errors or {},
            entered=entered or {},
            today=today_in_london(),
        ),
        status,
    )


@bp.route("/forums/<int:forum_id>/review")
@login_required
def show(forum_id: int):
    """How each action and goal of the reviewed version went, with the goal answers to give."""
    forum, participant = forum_for_current_user(forum_id)
    return _page(forum, participant)


@bp.route("/forums/<int:forum_id>/review", methods=["POST"])
@login_required
def answer(forum_id: int):
    """Save the group's answers for the goals; nothing is saved if any answer is wrong."""
    forum, participant = forum_for_current_user(forum_id)
    if participant.role is ForumRole.OBSERVER:
        abort(403)
    review = current_review(forum)
    if review is None:
        abort(409)
    entered, errors = {}, {}
    for goal in review.document["goals"]:
        value = request.form.get(f"goal-{goal['id']}-answer", "")
        note = request.form.get(f"goal-{goal['id']}-note", "")
        entered[goal["id"]] = (value, note)
        if value and value not in {a.value for a in GoalAnswer}:
            errors[goal["id"]] = "Choose achieved, partly or not yet"
        elif len(note.strip()) > 1000:
            errors[goal["id"]] = "The note must be at most 1000 characters"
        elif note.strip() and not value:
            errors[goal["id"]] = "Choose how the goal went before adding a note"
    if not errors:
        try:
            with unit_of_work():
                answer_goals(forum, current_user, [(g, v, n) for g, (v, n) in entered.items() if v])
        except ServiceError as error:
            abort(409 if error.code == "not_reviewing" else 400)
        flash("The review of the goals is saved.", "success")
        return redirect(url_for("review.show", forum_id=forum.id))
    return _page(forum, participant, errors, entered, status=400)
