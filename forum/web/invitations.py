"""Following an invitation link: set up an account and join, or just join with the account you have."""

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user, login_user

from forum.auth.session import start_session
from forum.services import ServiceError
from forum.services.accounts import find_user
from forum.services.administration import agencies
from forum.services.invitations import accept_as, accept_with_new_account, check_invitation
from forum.services.signed_links import LinkRefusedError
from forum.unit_of_work import unit_of_work
from forum.web.account import refused_link
from forum.web.forms import AccountSetupForm, ActionForm, agency_choices, errors_of, refuse

bp = Blueprint("invitations", __name__)

REFUSED = "invitations/refused.html"


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Show what the invitation is for; joining happens only on POST (mail scanners follow links)."""
    try:
        invitation = check_invitation(token)
    except LinkRefusedError as error:
        return refused_link(error, REFUSED)
    if current_user.is_authenticated:
        return _join_with_account(token, invitation)
    if find_user(invitation.email) is not None:
        return render_template("invitations/sign_in.html", invitation=invitation, token=token)
    return _set_up_account(token, invitation)


def _join_with_account(token: str, invitation):
    if current_user.email != invitation.email:
        error = LinkRefusedError(
            f"This invitation was sent to a different email address from the one you are signed in "
            f"with ({current_user.email}). Sign out, then open the link again.",
            "other_account",
        )
        return render_template(REFUSED, error=error), 403
    form = ActionForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                forum = accept_as(token, current_user)
        except LinkRefusedError as error:
            return refused_link(error, REFUSED)
        return redirect(url_for("forums.room", forum_id=forum.id))
    return render_template("invitations/join.html", invitation=invitation, form=form)


def _set_up_account(token: str, invitation):
    if not current_app.config["PASSWORD_SIGN_IN"]:  # the council's sign-in sets the account up
        return render_template(
            "invitations/sign_in.html", invitation=invitation, token=token, new_account=True
        )
    form = AccountSetupForm()
    if invitation.agency is not None:  # the chair chose it
        del form.agency_id
    else:
        form.agency_id.choices = agency_choices(agencies(active_only=True), blank="Choose your agency")
    if form.validate_on_submit():
        try:
            agency_id = form.agency_id.data if "agency_id" in form else None
            with unit_of_work():
                user = accept_with_new_account(token, form.full_name.data, agency_id, form.password.data)
        except LinkRefusedError as error:
            return refused_link(error, REFUSED)
        except ServiceError as error:
            refuse(form, error, {"invalid": "password", "agency": "agency_id", "not_found": "agency_id"})
        else:
            session.clear()
            login_user(user)
            start_session()
            return redirect(url_for("forums.room", forum_id=invitation.forum_id))
    return render_template(
        "invitations/set_up.html", invitation=invitation, form=form, errors=errors_of(form)
    ), (400 if form.is_submitted() else 200)
