"""Render a locked version through an autoescaping Jinja template to a tagged PDF/UA-1 with WeasyPrint."""

import functools
import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import HTML

from forum.exports import wording
from forum.exports.canonical import CANONICALISATION, LockedVersion

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "exports"


@functools.cache
def _environment() -> Environment:
    """A standalone Jinja environment (not the Flask app's) that escapes every value."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(template: str, version: LockedVersion) -> str:
    """The HTML of a template for a version, with controls and emoji in user text made printable."""
    document = wording.readable(version.document, wording.pictographs_as_words)
    context = dict(
        document,
        sha256=version.sha256,
        canonicalisation=CANONICALISATION,
        locked=wording.lock_time(document),
        presenting=wording.presenting_agency(document),
        lead_accepted=wording.local_time(document["lead_worker"]["accepted_at"]),
        review=wording.long_date(document["review_date"]),
        reopened=wording.reopen_note(document),
        actions_by_agency=wording.actions_by_agency(document),
        long_date=wording.long_date,
        written_by=wording.written_by,
        edited_by=wording.edited_by,
        hypothesis_authors=wording.hypothesis_authors(document),
        stance_labels=wording.STANCE_LABELS,
        role_labels=wording.ROLE_LABELS,
        answer_labels=wording.ANSWER_LABELS,
        status_labels=wording.STATUS_LABELS,
        goal_labels=wording.GOAL_ANSWER_LABELS,
        local_time=wording.local_time,
        reviewed=document.get("review"),
    )
    return _environment().get_template(template).render(context)


def html_to_pdf(html: str, version: LockedVersion) -> bytes:
    """A tagged, A4 PDF/UA-1 whose identifier and dates come from the version, not the clock."""
    identifier = hashlib.sha256(f"{version.sha256}:{html}".encode()).hexdigest()[:32].encode("ascii")
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
        pdf_variant="pdf/ua-1",
        pdf_identifier=identifier,
        uncompressed_pdf=False,
    )
