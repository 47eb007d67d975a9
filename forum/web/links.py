"""Absolute links to put in emails and to show for passing on."""

from flask import current_app, request


def absolute(path: str) -> str:
    """SERVER_PUBLIC_URL + path when configured (behind a proxy), else this request's own origin."""
    base = current_app.config.get("SERVER_PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path
