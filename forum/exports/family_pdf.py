"""A plain-language summary for the family: goals, who does what by when, the lead worker, the review."""

from forum.exports.canonical import LockedVersion
from forum.exports.html_pdf import html_to_pdf, render_html


def render_family_pdf(version: LockedVersion) -> bytes:
    """The family summary as an accessible PDF, without the formulation, stances or votes."""
    return html_to_pdf(render_html("family.html", version), version)
