"""Sign in, sign out and keeping a session alive."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum import metrics
from forum.auth.council import SIGNED_IN_WITH, end_session_url
from forum.auth.forms import SignInForm
from forum.auth.session import end_session, session_key, start_session
from forum.extensions import limiter
from forum.services.accounts import authenticate
from forum.services.signals import session_ended
from forum.unit_of_work import unit_of_work

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "Enter a correct email address and password."
PASSWORD_SIGN_IN_OFF = "Sign-in with a password is turned off here. Sign in with your council account."  # noqa: S105


def _safe_next(target: str | None) -> str:
    """Only follow a relative path on this site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("forums.index")


def _account_key() -> str:
    """Rate-limit key for one account, whether or not it exists."""
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LOCKOUT_LIMIT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("forums.index"))
    form = SignInForm()
    status = 200
    if not current_app.config["PASSWORD_SIGN_IN"]:
        if request.method == "POST":
            metrics.sign_in_failed("password")
            form.form_errors.append(PASSWORD_SIGN_IN_OFF)
            status = 403
        return render_template("auth/login.html", form=form, password_sign_in=False), status
    if form.validate_on_submit():
        with unit_of_work():  # the sign-in is audited whether it succeeds or not
            user = authenticate(form.email.data or "", form.password.data or "", ip=request.remote_addr)
        if user is not None:
            session.clear()
            login_user(user)
            start_session()
            return redirect(_safe_next(request.args.get("next")))
        metrics.sign_in_failed("password")
        form.form_errors.append(SIGN_IN_FAILED)
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, password_sign_in=True), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign the user out, closing the live sockets this browser session opened."""
    user_id, key = current_user.id, session_key()
    with_council = session.get(SIGNED_IN_WITH) == "council"
    with unit_of_work():
        end_session()
    logout_user()
    session.clear()
    session_ended.send(None, user_id=user_id, session_key=key)
    flash("You have signed out.", "success")
    provider_sign_out = end_session_url() if with_council else None
    return redirect(provider_sign_out or url_for("auth.login"))


@bp.route("/session/extend", methods=["POST"])
@login_required
def extend_session():
    """Keep an idle session alive (the idle warning's "Stay signed in" button)."""
    session["last_seen"] = datetime.now(UTC).timestamp()
    return jsonify(ok=True, idle_seconds=current_app.config["SESSION_IDLE_MINUTES"] * 60)
