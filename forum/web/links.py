"""Absolute links to put in emails and to show for passing on."""

from flask import current_app, request, url_for

from forum.models import Invitation
from forum.services.invitations import link_token


def absolute(path: str) -> str:
    """SERVER_PUBLIC_URL + path when configured (behind a proxy), else this request's own origin."""
    base = current_app.config.get("SERVER_PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path


def invitation_link(invitation: Invitation) -> str | None:
    """The full address of an invitation's current link (None if it cannot be shown again)."""
    token = link_token(invitation)
    return absolute(url_for("invitations.accept", token=token)) if token else None
