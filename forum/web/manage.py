"""The chair's pages: create and schedule a forum, change its details, participants and invitations."""

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.models import Forum
from forum.services import ServiceError
from forum.services.administration import agencies, current_template
from forum.services.audit import record
from forum.services.forum_people import search_accounts
from forum.services.invitations import invitations_for, status_of, withdraw
from forum.services.scheduling import (
    managed_forum,
    remove_participant,
    schedule_forum,
    set_role,
    update_forum,
)
from forum.unit_of_work import unit_of_work
from forum.web.forms import (
    INVITE_ROWS,
    LONDON,
    MAX_INVITE_ROWS,
    ROLE_CHOICES,
    AccountSearchForm,
    ActionForm,
    ForumDetailsForm,
    InvitePeopleForm,
    RoleForm,
    ScheduleForm,
    agency_choices,
    errors_of,
    refuse,
)
from forum.web.links import invitation_link

bp = Blueprint("manage", __name__)


@bp.app_template_filter("uk_time")
def uk_time(moment: datetime) -> str:
    """A stored UTC time as UK time, e.g. "Fri 27 March 2026, 09:30"."""
    return moment.astimezone(LONDON).strftime("%a %d %B %Y, %H:%M")


def _uk(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


@bp.app_template_filter("uk_date")
def uk_date(moment: datetime) -> str:
    """A stored UTC time's UK date, e.g. "Friday 4 December 2026"."""
    uk = _uk(moment)
    return f"{uk:%A} {uk.day} {uk:%B %Y}"


@bp.app_template_filter("uk_short")
def uk_short(moment: datetime) -> str:
    """A stored UTC time as a short UK date and time, e.g. "4 Dec 2026, 09:30"."""
    uk = _uk(moment)
    return f"{uk.day} {uk:%b %Y, %H:%M}"


@bp.app_template_filter("uk_clock")
def uk_clock(moment: datetime) -> str:
    """A stored UTC time's UK clock time, e.g. "09:30"."""
    return _uk(moment).strftime("%H:%M")


DETAIL_FIELDS = {"title": "title", "presenting_agency": "presenting_agency_id", "reference": "reference"}


def _agency_choices(form: ForumDetailsForm) -> None:
    form.presenting_agency_id.choices = agency_choices(agencies(active_only=True), blank="Not known yet")


def forum_or_refuse(forum_id: int) -> Forum:
    """The forum if the signed-in user may manage it; 404 alike whether it does not exist or is not theirs."""
    try:
        return managed_forum(forum_id, current_user)
    except ServiceError as error:
        if error.code != "not_found":
            with unit_of_work():
                record("forum.manage_refused", actor_id=current_user.id, forum_id=forum_id)
        abort(404)  # the same answer: an outsider cannot learn which forums exist


@bp.route("/forums/new", methods=["GET", "POST"])
@login_required
def create():
    """Create and schedule a forum; whoever creates it is its chair."""
    form = ScheduleForm()
    _agency_choices(form)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                forum = schedule_forum(
                    form.reference.data,
                    form.title.data,
                    form.scheduled_at(),
                    form.presenting_agency_id.data or None,
                    current_user,
                    current_template(current_app.config["FORMULATION_TEMPLATE"]),
                )
        except ServiceError as error:
            refuse(form, error, DETAIL_FIELDS)
        else:
            flash(f"Forum {forum.reference} is created. Invite the people who will take part.", "success")
            return redirect(url_for("manage.forum", forum_id=forum.id))
    return render_template("forums/manage_new.html", form=form, errors=errors_of(form)), (
        400 if form.is_submitted() else 200
    )


def _search(forum: Forum) -> tuple[AccountSearchForm, list | None]:
    """The account search of the manage page (?q=…) and its results (None when not searched)."""
    form = AccountSearchForm(request.args)
    if not form.q.data:
        return form, None
    if not form.validate():
        return form, []
    try:
        return form, search_accounts(forum.id, form.q.data, current_user)
    except ServiceError as error:
        form.q.errors = [*form.q.errors, error.message]
        return form, []


def manage_page(forum: Forum, details=None, invite_form=None, status: int = 200):
    """The forum's management page, with any submitted form's errors."""
    if details is None:
        details = ForumDetailsForm(
            formdata=None,
            data={"title": forum.title, "presenting_agency_id": forum.presenting_agency_id or 0},
        )
        details.show(forum.scheduled_at)
    _agency_choices(details)
    if invite_form is None:
        invite_form = InvitePeopleForm(formdata=None)
        rows = min(max(request.args.get("people", INVITE_ROWS, type=int), INVITE_ROWS), MAX_INVITE_ROWS)
        while len(invite_form.people) < rows:
            invite_form.people.append_entry()
    invite_form.set_agencies(agencies(active_only=True))
    search, found = _search(forum)
    participants = sorted(forum.participants, key=lambda p: (p.role.value != "chair", p.user.full_name))
    role_forms = {
        p.id: RoleForm(prefix=f"p{p.id}", formdata=None, data={"role": p.role.value}) for p in participants
    }
    return render_template(
        "forums/manage.html",
        forum=forum,
        details=details,
        detail_errors=errors_of(details) if details.is_submitted() else [],
        invite_form=invite_form,
        invite_errors=errors_of(invite_form) if invite_form.is_submitted() else [],
        search=search,
        search_errors=[(search.q.id, message) for message in search.q.errors],
        found=found,
        role_choices=ROLE_CHOICES,
        max_invite_rows=MAX_INVITE_ROWS,
        participants=participants,
        role_forms=role_forms,
        invitations=invitations_for(forum.id),
        status_of=status_of,
        invitation_link=invitation_link,
        action=ActionForm(),
    ), status


@bp.route("/forums/<int:forum_id>/manage", methods=["GET", "POST"])
@login_required
def forum(forum_id: int):
    """The forum's details, participants and invitations; POST changes the details."""
    forum = forum_or_refuse(forum_id)
    if request.method == "GET":
        return manage_page(forum)
    details = ForumDetailsForm()
    _agency_choices(details)
    if details.validate_on_submit():
        try:
            with unit_of_work():
                update_forum(
                    forum.id,
                    current_user,
                    details.title.data,
                    details.scheduled_at(),
                    details.presenting_agency_id.data or None,
                )
        except ServiceError as error:
            refuse(details, error, DETAIL_FIELDS)
        else:
            flash("The forum's details are saved.", "success")
            return redirect(url_for("manage.forum", forum_id=forum.id))
    return manage_page(forum, details=details, status=400)


@bp.route("/forums/<int:forum_id>/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@login_required
def withdraw_invitation(forum_id: int, invitation_id: int):
    """Withdraw a pending invitation: its link stops working."""
    forum = forum_or_refuse(forum_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            invitation = withdraw(invitation_id, forum.id, current_user)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"The invitation to {invitation.email} is withdrawn.", "success")
    return redirect(url_for("manage.forum", forum_id=forum.id, _anchor="invitations"))


@bp.route("/forums/<int:forum_id>/participants/<int:participant_id>/role", methods=["POST"])
@login_required
def participant_role(forum_id: int, participant_id: int):
    """Change a participant's role."""
    forum = forum_or_refuse(forum_id)
    form = RoleForm(prefix=f"p{participant_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            participant = set_role(forum.id, current_user, participant_id, form.role.data)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"{participant.user.full_name} is now {participant.role.value}.", "success")
    return redirect(url_for("manage.forum", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/participants/<int:participant_id>/remove", methods=["POST"])
@login_required
def participant_remove(forum_id: int, participant_id: int):
    """Take someone out of the forum."""
    forum = forum_or_refuse(forum_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            remove_participant(forum.id, current_user, participant_id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash("They no longer take part in this forum.", "success")
    return redirect(url_for("manage.forum", forum_id=forum.id))
