"""The chair's pages: create and schedule a forum, change its details, participants and invitations."""

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.extensions import db
from forum.models import Forum
from forum.services import ServiceError
from forum.services.administration import agencies, current_template
from forum.services.audit import record
from forum.services.invitations import invitations_for, invite, is_expired, send_invitation_email, withdraw
from forum.services.scheduling import (
    managed_forum,
    remove_participant,
    schedule_forum,
    set_role,
    update_forum,
)
from forum.web.forms import (
    LONDON,
    ActionForm,
    ForumDetailsForm,
    InviteForm,
    RoleForm,
    ScheduleForm,
    agency_choices,
    errors_of,
    refuse,
)
from forum.web.links import absolute

bp = Blueprint("manage", __name__)


@bp.app_template_filter("uk_time")
def uk_time(moment: datetime) -> str:
    """A stored UTC time as UK time, e.g. "Fri 27 March 2026, 09:30"."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).strftime("%a %d %B %Y, %H:%M")


MAIL_SETTINGS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_SENDER")
DETAIL_FIELDS = {"title": "title", "presenting_agency": "presenting_agency_id", "reference": "reference"}


def _agency_choices(form: ForumDetailsForm) -> None:
    form.presenting_agency_id.choices = agency_choices(agencies(active_only=True), blank="Not known yet")


def _forum_or_refuse(forum_id: int) -> Forum:
    """The forum if the signed-in user may manage it; 404 alike whether it does not exist or is not theirs."""
    try:
        return managed_forum(forum_id, current_user)
    except ServiceError as error:
        if error.code != "not_found":
            record("forum.manage_refused", actor_id=current_user.id, forum_id=forum_id)
            db.session.commit()
        abort(404)  # the same answer: an outsider cannot learn which forums exist


@bp.route("/forums/new", methods=["GET", "POST"])
@login_required
def create():
    """Create and schedule a forum; whoever creates it is its chair."""
    form = ScheduleForm()
    _agency_choices(form)
    if form.validate_on_submit():
        try:
            forum = schedule_forum(
                form.reference.data,
                form.title.data,
                form.scheduled_at(),
                form.presenting_agency_id.data or None,
                current_user,
                current_template(current_app.config["FORMULATION_TEMPLATE"]),
            )
        except ServiceError as error:
            db.session.rollback()
            refuse(form, error, DETAIL_FIELDS)
        else:
            flash(f"Forum {forum.reference} is created. Invite the people who will take part.", "success")
            return redirect(url_for("manage.forum", forum_id=forum.id))
    return render_template("forums/manage_new.html", form=form, errors=errors_of(form)), (
        400 if form.is_submitted() else 200
    )


def _page(forum: Forum, details=None, invite_form=None, status: int = 200):
    if details is None:
        details = ForumDetailsForm(
            formdata=None,
            data={"title": forum.title, "presenting_agency_id": forum.presenting_agency_id or 0},
        )
        details.show(forum.scheduled_at)
    _agency_choices(details)
    invite_form = invite_form or InviteForm(formdata=None)
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
        participants=participants,
        role_forms=role_forms,
        invitations=invitations_for(forum.id),
        is_expired=is_expired,
        action=ActionForm(),
    ), status


@bp.route("/forums/<int:forum_id>/manage", methods=["GET", "POST"])
@login_required
def forum(forum_id: int):
    """The forum's details, participants and invitations; POST changes the details."""
    forum = _forum_or_refuse(forum_id)
    if request.method == "GET":
        return _page(forum)
    details = ForumDetailsForm()
    _agency_choices(details)
    if details.validate_on_submit():
        try:
            update_forum(
                forum.id,
                current_user,
                details.title.data,
                details.scheduled_at(),
                details.presenting_agency_id.data or None,
            )
        except ServiceError as error:
            db.session.rollback()
            refuse(details, error, DETAIL_FIELDS)
        else:
            flash("The forum's details are saved.", "success")
            return redirect(url_for("manage.forum", forum_id=forum.id))
    return _page(forum, details=details, status=400)


@bp.route("/forums/<int:forum_id>/invitations", methods=["POST"])
@login_required
def invite_person(forum_id: int):
    """Invite someone by email address; the link is emailed, or shown to pass on."""
    forum = _forum_or_refuse(forum_id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(forum, invite_form=form, status=400)
    try:
        invitation, token = invite(
            forum.id,
            form.email.data,
            form.role.data,
            current_user,
            days=current_app.config["INVITATION_DAYS"],
        )
    except ServiceError as error:
        db.session.rollback()
        refuse(form, error, {"invalid": "email", "duplicate": "email", "inactive": "email"})
        return _page(forum, invite_form=form, status=400)
    link = absolute(url_for("invitations.accept", token=token))
    mail = {name: current_app.config.get(name) for name in MAIL_SETTINGS}
    emailed = send_invitation_email(invitation, link, mail)
    return render_template(
        "invitations/created.html",
        forum=forum,
        invitation=invitation,
        link=None if emailed else link,
        mail_configured=bool(mail["MAIL_SERVER"]),
    )


@bp.route("/forums/<int:forum_id>/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@login_required
def withdraw_invitation(forum_id: int, invitation_id: int):
    """Withdraw a pending invitation: its link stops working."""
    forum = _forum_or_refuse(forum_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        invitation = withdraw(invitation_id, forum.id, current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(f"The invitation to {invitation.email} is withdrawn.", "success")
    return redirect(url_for("manage.forum", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/participants/<int:participant_id>/role", methods=["POST"])
@login_required
def participant_role(forum_id: int, participant_id: int):
    """Change a participant's role."""
    forum = _forum_or_refuse(forum_id)
    form = RoleForm(prefix=f"p{participant_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        participant = set_role(forum.id, current_user, participant_id, form.role.data)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(f"{participant.user.full_name} is now {participant.role.value}.", "success")
    return redirect(url_for("manage.forum", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/participants/<int:participant_id>/remove", methods=["POST"])
@login_required
def participant_remove(forum_id: int, participant_id: int):
    """Take someone out of the forum."""
    forum = _forum_or_refuse(forum_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        remove_participant(forum.id, current_user, participant_id)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash("They no longer take part in this forum.", "success")
    return redirect(url_for("manage.forum", forum_id=forum.id))
