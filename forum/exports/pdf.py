"""The full plan as a tagged PDF/UA-1 document."""

from forum.exports.canonical import LockedVersion
from forum.exports.html_pdf import html_to_pdf, render_html


def render_pdf(version: LockedVersion) -> bytes:
    """The locked plan as an accessible A4 PDF marked OFFICIAL-SENSITIVE on every page."""
    return html_to_pdf(render_html("plan.html", version), version)
