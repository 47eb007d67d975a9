"""Administration of user accounts: create, edit agency and admin flag, deactivate, password links."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forum.services import ServiceError
from forum.services.administration import (
    add_user,
    agencies,
    get_user,
    issue_password_link,
    set_user_active,
    update_user,
    users,
)
from forum.unit_of_work import unit_of_work
from forum.web.admin import admin_required, viewed
from forum.web.forms import ActionForm, UserCreateForm, UserEditForm, agency_choices, errors_of, refuse
from forum.web.links import absolute

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


def _password_link_page(user, token: str, created: bool = False):
    link = absolute(url_for("account.set_password", token=token))
    return render_template("admin/password_link.html", user=user, link=link, created=created)


@bp.route("/")
@admin_required
def index():
    """Every account, with its agency and state."""
    viewed("users")
    return render_template("admin/users.html", users=users(), action=ActionForm())


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    """Create an account; the administrator is given a one-time link for the person to set a password."""
    form = UserCreateForm()
    form.agency_id.choices = agency_choices(agencies(active_only=True))
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user, token = add_user(
                    form.email.data,
                    form.full_name.data,
                    form.agency_id.data,
                    form.is_admin.data,
                    current_user,
                )
        except ServiceError as error:
            refuse(form, error, {"invalid": "email"})
        else:
            return _password_link_page(user, token, created=True)
    elif not form.is_submitted():
        viewed("user_new")
    return render_template("admin/user_new.html", form=form, errors=errors_of(form)), (
        400 if form.is_submitted() else 200
    )


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit(user_id: int):
    """Change a user's agency and administrator flag."""
    try:
        user = get_user(user_id)
    except ServiceError:
        abort(404)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.agency_id.choices = agency_choices([a for a in agencies() if a.active or a.id == user.agency_id])
    if form.validate_on_submit():
        try:
            with unit_of_work():
                update_user(user.id, form.agency_id.data, form.is_admin.data, current_user)
        except ServiceError as error:
            refuse(form, error, {"inactive": "agency_id", "self": "is_admin"})
        else:
            flash(f"{user.full_name}'s account is updated.", "success")
            return redirect(url_for("admin_users.index"))
    elif not form.is_submitted():
        viewed("user")
    return render_template(
        "admin/user_edit.html", user=user, form=form, errors=errors_of(form), action=ActionForm()
    ), (400 if form.is_submitted() else 200)


@bp.route("/<int:user_id>/<any(deactivate, activate):change>", methods=["POST"])
@admin_required
def active(user_id: int, change: str):
    """Deactivate an account (signing it out everywhere at once), or reactivate it."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            user = set_user_active(user_id, change == "activate", current_user)
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(error.message, "error")
        return redirect(url_for("admin_users.edit", user_id=user_id))
    message = "reactivated" if user.active else "deactivated and signed out everywhere"
    flash(f"{user.full_name}'s account is {message}.", "success")
    return redirect(url_for("admin_users.index"))


@bp.route("/<int:user_id>/password-link", methods=["POST"])
@admin_required
def password_link(user_id: int):
    """Issue a one-time link with which the user sets a new password."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            token = issue_password_link(user_id, current_user)
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(error.message, "error")
        return redirect(url_for("admin_users.edit", user_id=user_id))
    return _password_link_page(get_user(user_id), token)
