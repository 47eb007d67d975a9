"""Progress between forums: a forum's "Plan progress" page and each person's "My actions"."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.services import ServiceError
from forum.services.audit import record
from forum.services.progress import my_actions, plan_progress, record_progress, today_in_london
from forum.unit_of_work import unit_of_work
from forum.web.access import forum_for_current_user
from forum.web.forms import ProgressForm

bp = Blueprint("progress", __name__)


def _page(forum, form: ProgressForm | None = None, failed_action: int | None = None, status: int = 200):
    number, states = plan_progress(forum, current_user)
    return (
        render_template(
            "progress/plan.html",
            forum=forum,
            number=number,
            states=states,
            today=today_in_london(),
            form=form,
            failed_action=failed_action,
            blank=ProgressForm,
        ),
        status,
    )


@bp.route("/forums/<int:forum_id>/progress")
@login_required
def plan(forum_id: int):
    """Every action of the latest locked version with its latest status and its log."""
    forum, _participant = forum_for_current_user(forum_id)
    with unit_of_work():
        record("progress.view", actor_id=current_user.id, forum_id=forum.id)
    return _page(forum)


@bp.route("/forums/<int:forum_id>/progress/<int:action_id>", methods=["POST"])
@login_required
def add(forum_id: int, action_id: int):
    """Record a status and note on one action; errors are shown beside its form and change nothing."""
    forum, _participant = forum_for_current_user(forum_id)
    form = ProgressForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                record_progress(forum.id, current_user, action_id, form.status.data, form.note.data)
        except ServiceError as error:
            if error.code == "forbidden":
                abort(403)
            if error.code == "not_found":
                abort(404)
            form.status.errors = [*form.status.errors, str(error)]
        else:
            flash(f"Progress on action {action_id} recorded.", "success")
            return redirect(url_for("progress.plan", forum_id=forum.id) + f"#action-{action_id}")
    return _page(forum, form, action_id, status=400)


@bp.route("/my-actions")
@login_required
def mine():
    """The signed-in person's open actions across forums, overdue first."""
    today = today_in_london()
    return render_template("progress/mine.html", states=my_actions(current_user, today), today=today)
