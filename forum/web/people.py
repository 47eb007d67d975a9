"""The chair brings the forum's people in: several invitations at once, copying and resending links,
and adding people who already have an account."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.models import Invitation
from forum.services import ServiceError
from forum.services.administration import agencies
from forum.services.forum_people import Invitee, PersonRefusedError, add_account, invite_people, resend
from forum.services.invitations import send_invitation_email
from forum.unit_of_work import unit_of_work
from forum.web.forms import ActionForm, AddAccountForm, InvitePeopleForm
from forum.web.links import invitation_link
from forum.web.manage import forum_or_refuse, manage_page

bp = Blueprint("people", __name__)

MAIL_SETTINGS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_SENDER")


def _send(invitations: list[Invitation]) -> list[tuple[Invitation, str | None]]:
    """Email each link when SMTP is configured; (invitation, link to show) with None when emailed.

    Called once the invitations are committed; each email sent is audited in its own unit of work.
    """
    mail = {name: current_app.config.get(name) for name in MAIL_SETTINGS}
    sent = []
    for invitation in invitations:
        link = invitation_link(invitation)
        with unit_of_work():
            emailed = send_invitation_email(invitation, link, mail)
        sent.append((invitation, None if emailed else link))
    return sent


def _created(forum, invitations: list[Invitation], resent: bool = False):
    return render_template(
        "invitations/created.html",
        forum=forum,
        sent=_send(invitations),
        resent=resent,
        mail_configured=bool(current_app.config.get("MAIL_SERVER")),
    )


@bp.route("/forums/<int:forum_id>/invitations", methods=["POST"])
@login_required
def invite(forum_id: int):
    """Invite several people at once (each with the agency and role the chair chose); all or none."""
    forum = forum_or_refuse(forum_id)
    form = InvitePeopleForm()
    form.set_agencies(agencies(active_only=True))
    if not form.validate_on_submit():
        return manage_page(forum, invite_form=form, status=400)
    rows = form.filled_rows()
    invitees = [Invitee(row.email.data, row.agency_id.data or None, row.role.data) for _index, row in rows]
    try:
        with unit_of_work():
            created = invite_people(forum.id, invitees, current_user, current_app.config["INVITATION_DAYS"])
    except PersonRefusedError as error:
        row = rows[error.row][1]
        field = getattr(row, error.field)
        field.errors = [*field.errors, error.message]
        return manage_page(forum, invite_form=form, status=400)
    except ServiceError as error:
        form.form_errors.append(error.message)
        return manage_page(forum, invite_form=form, status=400)
    return _created(forum, [invitation for invitation, _token in created])


@bp.route("/forums/<int:forum_id>/invitations/<int:invitation_id>/resend", methods=["POST"])
@login_required
def resend_invitation(forum_id: int, invitation_id: int):
    """A new link for a pending or expired invitation (the old one stops working), sent again."""
    forum = forum_or_refuse(forum_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            invitation, _token = resend(
                forum.id, invitation_id, current_user, current_app.config["INVITATION_DAYS"]
            )
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("manage.forum", forum_id=forum.id, _anchor="invitations"))
    return _created(forum, [invitation], resent=True)


@bp.route("/forums/<int:forum_id>/participants", methods=["POST"])
@login_required
def add(forum_id: int):
    """Add someone who already has an account (found by the search on the manage page)."""
    forum = forum_or_refuse(forum_id)
    form = AddAccountForm()
    if not form.validate_on_submit() or not (form.user_id.data or "").isdigit():
        abort(400)
    try:
        with unit_of_work():
            participant = add_account(forum.id, int(form.user_id.data), form.role.data, current_user)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(
            f"{participant.user.full_name} ({participant.user.agency.name}) is added as "
            f"{participant.role.value}.",
            "success",
        )
    return redirect(url_for("manage.forum", forum_id=forum.id, _anchor="participants"))
