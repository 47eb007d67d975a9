"""Flask-Login wiring: loading the user from the session."""

from flask import Flask

from forum.extensions import login_manager
from forum.services.accounts import load_session_user


def register_session(app: Flask) -> None:
    """Configure Flask-Login for this app."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
