"""Flask-Login wiring, idle timeout and absolute lifetime of a session."""

from datetime import UTC, datetime

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from forum.extensions import login_manager
from forum.services.accounts import browser_session_ended, end_browser_session, load_session_user
from forum.services.audit import record
from forum.services.signals import session_ended
from forum.unit_of_work import unit_of_work

# Requests that do not count as activity.
_PASSIVE_ENDPOINTS = {"static"}


def start_session() -> None:
    """Mark the start of a signed-in session."""
    now = datetime.now(UTC).timestamp()
    session["signed_in_at"] = now
    session["last_seen"] = now
    session.permanent = True


def session_key() -> str | None:
    """What tells one signed-in browser session from another of the same user (its sign-in time)."""
    started = session.get("signed_in_at")
    return None if started is None else repr(started)


def end_session(reason: str = "auth.sign_out") -> None:
    """End this browser session for good (a copy of its cookie is refused from now on) and audit
    it, in the caller's unit of work; the caller then logs the user out."""
    if current_user.is_authenticated:
        keep = current_app.config["PERMANENT_SESSION_LIFETIME"]
        end_browser_session(current_user.id, session_key(), keep)
        record(reason, actor_id=current_user.id)


def load_user(session_id: str):
    """Flask-Login's loader: the session's user, unless the user's token changed or this browser
    session was ended (a copied cookie outliving a sign-out)."""
    user = load_session_user(session_id)
    if user is not None and browser_session_ended(user.id, session_key()):
        return None
    return user


def _expired() -> str | None:
    """Why the current session has ended, or None."""
    now = datetime.now(UTC).timestamp()
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    if now - session.get("last_seen", 0) > idle:
        return "You were signed out because you had not used the service for a while."
    if now - session.get("signed_in_at", 0) > lifetime:
        return "Your session has ended. Sign in again to continue."
    return None


def register_session(app: Flask) -> None:
    """Configure Flask-Login and enforce idle and absolute session limits."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)

    @app.before_request
    def enforce_session_limits():
        if request.endpoint in _PASSIVE_ENDPOINTS or not current_user.is_authenticated:
            return None
        reason = _expired()
        if reason:
            user_id, key = current_user.id, session_key()
            with unit_of_work():
                end_session("auth.session_expired")
            logout_user()
            session.clear()
            session_ended.send(None, user_id=user_id, session_key=key)
            flash(reason, "info")
            return redirect(url_for("auth.login", next=request.path if request.method == "GET" else None))
        session["last_seen"] = datetime.now(UTC).timestamp()
        return None

    @app.context_processor
    def session_settings():
        return {"session_idle_seconds": current_app.config["SESSION_IDLE_MINUTES"] * 60}
