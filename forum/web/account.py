"""A user's own account: changing their password, and setting one through an administrator's link."""

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum.auth.session import start_session
from forum.services import ServiceError
from forum.services.administration import change_password, check_password_link, use_password_link
from forum.services.signed_links import LinkRefusedError
from forum.unit_of_work import unit_of_work
from forum.web.forms import ChangePasswordForm, SetPasswordForm, errors_of, refuse

bp = Blueprint("account", __name__)


def refused_link(error: LinkRefusedError, template: str = "account/link_refused.html"):
    """A clear page for a link that cannot be used: 400 when tampered with, 410 when used up."""
    return render_template(template, error=error), 400 if error.code == "tampered" else 410


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change your own password; your other sessions end, this one continues."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            with unit_of_work():
                change_password(user, form.current_password.data, form.password.data)
        except ServiceError as error:
            refuse(form, error, {"wrong_password": "current_password", "invalid": "password"})
        else:
            login_user(user)  # the session id changed with the password
            start_session()
            flash("Your password is changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("forums.index"))
    return render_template("account/password.html", form=form, errors=errors_of(form)), (
        400 if form.is_submitted() else 200
    )


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set a new password through a one-time link from an administrator."""
    try:
        link = check_password_link(token)
    except LinkRefusedError as error:
        return refused_link(error)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                use_password_link(token, form.password.data)
        except LinkRefusedError as error:
            return refused_link(error)
        except ServiceError as error:
            refuse(form, error, {"invalid": "password"})
        else:
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template("account/set_password.html", form=form, errors=errors_of(form), user=link.user), (
        400 if form.is_submitted() else 200
    )
