"""The single-file formats of a locked version, and the file names they are downloaded under."""

import re
from collections.abc import Callable
from typing import NamedTuple

from forum.exports.canonical import LockedVersion
from forum.exports.csv_export import render_csv
from forum.exports.docx import render_docx
from forum.exports.family_pdf import render_family_pdf
from forum.exports.ics import render_ics
from forum.exports.json_export import render_json
from forum.exports.markdown import render_markdown
from forum.exports.pdf import render_pdf


class ExportFormat(NamedTuple):
    """How to render one format, and how to serve it."""

    render: Callable[[LockedVersion], bytes]
    media_type: str
    extension: str


# Format name -> (what the file holds, extension); names carry no personal data.
NAMES = {
    "pdf": ("plan", "pdf"),
    "docx": ("plan", "docx"),
    "json": ("plan", "json"),
    "md": ("plan", "md"),
    "csv": ("actions", "csv"),
    "ics": ("review", "ics"),
    "family-pdf": ("family-summary", "pdf"),
    "zip": ("all-formats", "zip"),
}

FILE_FORMATS: dict[str, ExportFormat] = {
    "pdf": ExportFormat(render_pdf, "application/pdf", "pdf"),
    "docx": ExportFormat(
        render_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
    ),
    "json": ExportFormat(render_json, "application/json", "json"),
    "md": ExportFormat(render_markdown, "text/markdown; charset=utf-8", "md"),
    "csv": ExportFormat(render_csv, "text/csv; charset=utf-8", "csv"),
    "ics": ExportFormat(render_ics, "text/calendar; charset=utf-8", "ics"),
    "family-pdf": ExportFormat(render_family_pdf, "application/pdf", "pdf"),
}


def filename(version: LockedVersion, fmt: str) -> str:
    """A download name from the reference, version and format only, e.g. 'RF-2026-01_v1_plan.pdf'."""
    content, extension = NAMES[fmt]
    reference = re.sub(r"[^A-Za-z0-9-]+", "-", version.document["forum"]["reference"]).strip("-")[:64]
    return f"{reference or 'forum'}_v{version.document['version']['number']}_{content}.{extension}"
