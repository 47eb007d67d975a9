"""Administration pages (administrators only)."""

from functools import wraps

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from forum.extensions import db
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.audit_trail import AuditFilter, audit_csv, audit_events

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    """Refuse anyone who is not an administrator (403), after sign-in."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            record("admin.refused", actor_id=current_user.id, endpoint=request.endpoint)
            db.session.commit()
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/audit")
@admin_required
def audit():
    """Read and filter the audit trail."""
    error = None
    events = []
    try:
        audit_filter = AuditFilter.from_args(request.args)
        events = audit_events(audit_filter)
    except ServiceError as refused:
        audit_filter, error = AuditFilter(), refused.message
    record("audit.view", actor_id=current_user.id)
    db.session.commit()
    return render_template("admin/audit.html", events=events, query=request.args, error=error), (
        400 if error else 200
    )


@bp.route("/audit.csv")
@admin_required
def audit_export():
    """Download the filtered audit trail as CSV."""
    try:
        audit_filter = AuditFilter.from_args(request.args)
    except ServiceError:
        abort(400)
    body = audit_csv(audit_filter)
    record("audit.export", actor_id=current_user.id)
    db.session.commit()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'},
    )
