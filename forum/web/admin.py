"""Administration pages (administrators only)."""

from functools import wraps

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.extensions import db
from forum.models import FormulationTemplate
from forum.services import ServiceError
from forum.services.administration import (
    add_agency,
    agencies,
    current_template,
    get_agency,
    rename_agency,
    save_template,
    set_agency_active,
)
from forum.services.audit import record
from forum.services.audit_trail import AuditFilter, audit_csv, audit_lines
from forum.unit_of_work import unit_of_work
from forum.web.forms import ActionForm, AgencyForm, TemplateForm, errors_of, refuse

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    """Refuse anyone who is not an administrator (403), after sign-in."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            with unit_of_work():
                record("admin.refused", actor_id=current_user.id, endpoint=request.endpoint)
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
        events = audit_lines(audit_filter)
    except ServiceError as refused:
        audit_filter, error = AuditFilter(), refused.message
    with unit_of_work():
        record("audit.view", actor_id=current_user.id)
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
    with unit_of_work():
        record("audit.export", actor_id=current_user.id)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'},
    )


def viewed(page: str) -> None:
    """Audit that an administrator opened an administration page."""
    with unit_of_work():
        record("admin.view", actor_id=current_user.id, page=page)


@bp.route("/")
@admin_required
def index():
    """The administration start page."""
    viewed("index")
    return render_template("admin/index.html")


@bp.route("/agencies", methods=["GET", "POST"])
@admin_required
def agencies_page():
    """List agencies and add one."""
    form = AgencyForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                agency = add_agency(form.name.data, current_user)
        except ServiceError as error:
            refuse(form, error, {"invalid": "name", "duplicate": "name"})
        else:
            flash(f"{agency.name} added.", "success")
            return redirect(url_for("admin.agencies_page"))
    if form.is_submitted():
        status = 400
    else:
        viewed("agencies")
    return render_template(
        "admin/agencies.html", form=form, errors=errors_of(form), agencies=agencies(), action=ActionForm()
    ), status


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@admin_required
def agency_page(agency_id: int):
    """Rename an agency."""
    try:
        agency = get_agency(agency_id)
    except ServiceError:
        abort(404)
    form = AgencyForm(data={"name": agency.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                rename_agency(agency.id, form.name.data, current_user)
        except ServiceError as error:
            refuse(form, error, {"invalid": "name", "duplicate": "name"})
        else:
            flash(f"Renamed to {agency.name}.", "success")
            return redirect(url_for("admin.agencies_page"))
    elif not form.is_submitted():
        viewed("agency")
    return render_template("admin/agency.html", agency=agency, form=form, errors=errors_of(form)), (
        400 if form.is_submitted() else 200
    )


@bp.route("/agencies/<int:agency_id>/<any(deactivate, activate):change>", methods=["POST"])
@admin_required
def agency_active(agency_id: int, change: str):
    """Deactivate an agency (no new accounts or forums with it), or bring it back."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            agency = set_agency_active(agency_id, change == "activate", current_user)
    except ServiceError:
        abort(404)
    flash(f"{agency.name} is {'active' if agency.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.agencies_page"))


@bp.route("/template", methods=["GET", "POST"])
@admin_required
def template_page():
    """Edit the formulation template new forums are created with."""
    current = current_template(current_app.config["FORMULATION_TEMPLATE"])
    form = TemplateForm(data=current if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                save_template(form.template(), current_user)
        except ServiceError as error:
            refuse(form, error)
        else:
            flash("The template is saved. New forums use it; existing forums keep their own.", "success")
            return redirect(url_for("admin.template_page"))
    elif not form.is_submitted():
        viewed("template")
        for position, entry in enumerate(form.panels.entries, start=1):
            entry.form.position.data = position
    edits = db.session.query(FormulationTemplate).count()
    return render_template("admin/template.html", form=form, errors=errors_of(form), edits=edits), (
        400 if form.is_submitted() else 200
    )
