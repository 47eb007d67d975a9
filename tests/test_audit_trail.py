"""Administrators read, filter and export the audit trail; nobody else can."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from forum.extensions import db
from forum.models import AuditEvent
from forum.services.accounts import find_user
from forum.services.audit import record, record_many
from tests.conftest import sign_in

pytestmark = [pytest.mark.security, pytest.mark.admin]


@pytest.fixture
def trail(people):
    people.user("admin@example.org", admin=True)
    people.user("chair@example.org")
    forum = people.forum("RF-1")
    record("forum.lock", actor_id=None, forum_id=forum.id, version=1)
    record("entry.add", actor_id=None, forum_id=forum.id, entry="=HYPERLINK(1)")
    db.session.commit()
    return forum


def actions_on(page: str) -> set[str]:
    """The action column of the audit table."""
    row = r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">[^<]*</td>\s*<td class="govuk-table__cell">([^<]*)</td>'
    return set(re.findall(row, page))


def test_admin_reads_and_filters_the_trail(client, trail):
    sign_in(client, "admin@example.org")
    page = client.get("/admin/audit?action=forum.lock").get_data(as_text=True)
    assert actions_on(page) == {"forum.lock"}
    page = client.get("/admin/audit?forum=RF-1").get_data(as_text=True)
    assert actions_on(page) == {"forum.create", "forum.lock", "entry.add"}
    page = client.get("/admin/audit?actor=admin@example.org").get_data(as_text=True)
    assert actions_on(page) == {"auth.sign_in", "audit.view"}


def test_bad_date_is_a_clear_error(client, trail):
    sign_in(client, "admin@example.org")
    response = client.get("/admin/audit?since=yesterday")
    assert response.status_code == 400
    assert "Enter the since date as YYYY-MM-DD." in response.get_data(as_text=True)


def test_csv_export_neutralises_formulas_and_is_audited(client, trail):
    sign_in(client, "admin@example.org")
    response = client.get("/admin/audit.csv?forum=RF-1")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["action"] for row in rows} == {"forum.create", "forum.lock", "entry.add"}
    assert all(not row["detail"].startswith("=") for row in rows)
    assert db.session.query(AuditEvent).filter_by(action="audit.export").count() == 1


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit.csv"])
def test_non_admin_is_refused(client, trail, path):
    sign_in(client, "chair@example.org")
    assert client.get(path).status_code == 403
    assert db.session.query(AuditEvent).filter_by(action="admin.refused").count() == 1


def test_audit_events_cannot_be_changed_or_deleted(app, trail):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE audit_events SET action = 'x'"))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()


def test_document_edits_are_summarised_on_the_page_and_kept_whole_in_the_csv(client, trail):
    actor = find_user("chair@example.org").id
    minute = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    record_many(
        [
            {
                "at": minute + timedelta(seconds=n),
                "action": "document.update",
                "actor_id": actor,
                "forum_id": trail.id,
                "detail": {"update_id": n, "roots": ["entry:7"]},
            }
            for n in range(40)
        ]
    )
    record("entry.add", actor_id=actor, forum_id=trail.id, entry_id=8)
    db.session.commit()
    sign_in(client, "admin@example.org")
    page = client.get("/admin/audit?forum=RF-1").get_data(as_text=True)
    assert page.count("document.update") == 1  # forty keystrokes in one minute: one line
    assert "40 changes to <code>entry:7</code>" in page
    assert actions_on(page) == {"forum.create", "forum.lock", "entry.add", "document.update"}
    export = client.get("/admin/audit.csv?forum=RF-1").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(export)))
    assert sum(row["action"] == "document.update" for row in rows) == 40
