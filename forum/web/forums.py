"""My forums and the forum page."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from forum.services.audit import record
from forum.services.progress import today_in_london
from forum.services.reminders import shown_to
from forum.services.scheduling import GROUPS, my_forums
from forum.unit_of_work import unit_of_work
from forum.web.access import forum_for_current_user

bp = Blueprint("forums", __name__)


@bp.route("/")
@login_required
def index():
    """The forums the signed-in user takes part in, grouped, with search by reference."""
    mine = my_forums(current_user, request.args.get("q", ""))
    config = current_app.config
    reminders = shown_to(
        current_user,
        today_in_london(),
        config["REMINDER_DAYS_BEFORE_DUE"],
        config["REMINDER_DAYS_BEFORE_REVIEW"],
    )
    return render_template("forums/index.html", mine=mine, groups=GROUPS, reminders=reminders)


@bp.route("/forums/<int:forum_id>")
@login_required
def room(forum_id: int):
    """The live forum room; with ?present, its read-only view for a shared screen."""
    forum, participant = forum_for_current_user(forum_id)
    with unit_of_work():
        record("forum.view", actor_id=current_user.id, forum_id=forum.id)
    present = "present" in request.args
    return render_template("forums/room.html", forum=forum, participant=participant, present=present)
