"""Locked plan versions: the history page, one version read-only, and its downloads."""

from datetime import date, datetime

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from forum.auth.permissions import may_read
from forum.exports import wording
from forum.exports.comparison import SECTIONS, compare
from forum.extensions import db
from forum.models import Forum
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.downloads import export, locked_version
from forum.services.lock import versions
from forum.unit_of_work import unit_of_work

bp = Blueprint("versions", __name__)

DOWNLOADS = [
    ("pdf", "PDF"),
    ("docx", "Word (DOCX)"),
    ("json", "JSON"),
    ("md", "Markdown"),
    ("csv", "Actions (CSV)"),
    ("ics", "Review and due dates (calendar)"),
    ("family-pdf", "Family summary (PDF)"),
    ("zip", "All formats (zip)"),
]


@bp.app_template_filter("uk_datetime")
def uk_datetime(moment: datetime | str, seconds: bool = False) -> str:
    """A stored (UTC) time or an ISO 8601 string as '16 June 2026, 15:40 BST (Europe/London)'."""
    if isinstance(moment, datetime):
        moment = moment.isoformat()
    return wording.local_time(moment, seconds=seconds)


@bp.app_template_filter("long_date")
def long_date(day: date | str) -> str:
    """A date or an ISO 8601 date string as 'Tuesday 15 September 2026'."""
    return wording.long_date(day if isinstance(day, str) else day.isoformat())


def _forum_for_download(forum_id: int) -> Forum:
    """The forum, for its participants only; 404 alike for anyone else and for a forum that does not exist."""
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        abort(404)
    if not may_read(forum, current_user):
        with unit_of_work():
            record("version.refused", actor_id=current_user.id, forum_id=forum.id)
        abort(404)
    return forum


@bp.route("/forums/<int:forum_id>/versions")
@login_required
def history(forum_id: int):
    """Every locked version of the forum, newest first."""
    forum = _forum_for_download(forum_id)
    return render_template("versions/history.html", forum=forum, versions=list(reversed(versions(forum.id))))


@bp.route("/forums/<int:forum_id>/versions/<int:number>")
@login_required
def show(forum_id: int, number: int):
    """One locked version, read-only, with its downloads."""
    forum = _forum_for_download(forum_id)
    try:
        row, version = locked_version(forum.id, number)
    except ServiceError:
        abort(404)
    with unit_of_work():
        record("version.view", actor_id=current_user.id, forum_id=forum.id, version=number)
    return render_template(
        "versions/show.html",
        forum=forum,
        row=row,
        doc=version.document,
        sha256=version.sha256,
        downloads=DOWNLOADS,
    )


@bp.route("/forums/<int:forum_id>/versions/<int:number>/compare")
@login_required
def compare_versions(forum_id: int, number: int):
    """What changed from the version before (or ?with=N) to this one."""
    forum = _forum_for_download(forum_id)
    earlier = request.args.get("with", str(number - 1))
    if not earlier.isdigit() or int(earlier) == number:
        abort(404)
    try:
        before = locked_version(forum.id, int(earlier))[1].document
        after = locked_version(forum.id, number)[1].document
    except ServiceError:
        abort(404)
    changes = compare(before, after)
    with unit_of_work():
        record(
            "version.compare",
            actor_id=current_user.id,
            forum_id=forum.id,
            version=number,
            compared_with=int(earlier),
        )
    return render_template(
        "versions/compare.html",
        forum=forum,
        before=int(earlier),
        after=number,
        changes=changes,
        sections=SECTIONS,
        grouped={section: [c for c in changes if c.section == section] for section in SECTIONS},
    )


@bp.route("/forums/<int:forum_id>/versions/<int:number>/download/<fmt>")
@login_required
def download(forum_id: int, number: int, fmt: str):
    """One output of a locked version, as a file."""
    forum = _forum_for_download(forum_id)
    try:
        with unit_of_work():
            body, media_type, name = export(forum.id, number, fmt, current_user.id)
    except ServiceError:
        abort(404)
    return Response(
        body,
        content_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
