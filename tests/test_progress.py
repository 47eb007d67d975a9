"""Progress between forums on the real server: who may record it, that the locked version never
changes, the Plan progress page and My actions (overdue first)."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from forum.exports import FORMATS
from forum.extensions import db
from forum.models import ActionProgress, AuditEvent
from forum.models.version import PlanVersion
from forum.services.downloads import locked_version
from forum.services.lock import lock_plan
from forum.services.plan import add_action, set_action
from forum.services.progress import today_in_london
from tests.conftest import csrf_token_from
from tests.lock_factories import (
    CHAIR,
    HEALTH,
    OBSERVER,
    SCHOOL,
    agree_on_it,
    forum_with_people,
    make_draft,
    write_text,
)

pytestmark = pytest.mark.progress

OUTSIDER = "outsider@example.org"


@dataclass
class Locked:
    forum_id: int
    gate: int  # the teacher's action, due in 14 days
    overdue: int  # the teacher's action, due 3 days ago
    soon: int  # the teacher's action, due in 5 days
    nurse_action: int  # the nurse's (lead worker's) action


@pytest.fixture
def locked(people) -> Locked:
    """A forum locked as version 1: the teacher owns three actions (one overdue), the nurse one."""
    setup = forum_with_people(people)
    make_draft(setup)
    people.user(OUTSIDER, agency="Housing")
    fid = setup.forum_id
    ids = {}
    for name, owner, days, text in (
        ("overdue", setup.teacher, -3, "Send the attendance letter home."),
        ("soon", setup.teacher, 5, "Book the mentor's first session."),
        ("nurse_action", setup.nurse, 10, "Sleep routine visit."),
    ):
        action = add_action(fid, setup.chair)
        write_text(fid, setup.chair.id, action.what_root, text)
        set_action(
            fid, setup.chair, action.id, {"owner": owner.id, "due": today_in_london() + timedelta(days=days)}
        )
        ids[name] = action.id
    agree_on_it(setup)
    lock_plan(fid, setup.chair)
    db.session.commit()  # set-up is stored, as the edge would store it
    _row, version = locked_version(fid, 1)
    gate = next(a["id"] for a in version.document["actions"] if a["what"] == "Meet J at the gate.")
    return Locked(fid, gate, ids["overdue"], ids["soon"], ids["nurse_action"])


def post_progress(server, http, forum_id: int, action_id: int, status: str, note: str = ""):
    token = csrf_token_from(http.get(f"{server.url}/forums/{forum_id}/progress", timeout=10).text)
    return http.post(
        f"{server.url}/forums/{forum_id}/progress/{action_id}",
        data={"status": status, "note": note, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )


def stored(forum_id: int) -> tuple[bytes, str, list[ActionProgress]]:
    db.session.rollback()
    db.session.expire_all()
    row = db.session.scalar(select(PlanVersion).where(PlanVersion.forum_id == forum_id))
    rows = list(db.session.scalars(select(ActionProgress).order_by(ActionProgress.id)))
    return row.canonical_json, row.sha256, rows


def test_owner_lead_worker_and_chair_record_progress_others_cannot_and_the_version_never_changes(
    live_server, locked
):
    fid = locked.forum_id
    before_bytes, before_hash, _ = stored(fid)
    before_exports = {
        fmt: FORMATS[fmt].render(locked_version(fid, 1)[1]) for fmt in ("json", "md", "csv", "ics")
    }
    teacher, nurse, chair = (live_server.session(e) for e in (SCHOOL, HEALTH, CHAIR))
    observer, outsider = live_server.session(OBSERVER), live_server.session(OUTSIDER)

    # The owner, the lead worker (on someone else's action) and the chair may write.
    response = post_progress(
        live_server, teacher, fid, locked.gate, "on_track", "Met J at the gate <b>3 times</b>."
    )
    assert response.status_code == 302, live_server.log()[-3000:]
    assert response.headers["Location"].endswith(f"#action-{locked.gate}")
    assert (
        post_progress(live_server, nurse, fid, locked.gate, "stuck", "J missed two days.").status_code == 302
    )
    assert post_progress(live_server, chair, fid, locked.nurse_action, "done").status_code == 302

    # Another contributor's action, an observer, an outsider: refused, nothing stored.
    assert post_progress(live_server, teacher, fid, locked.nurse_action, "done").status_code == 403
    assert post_progress(live_server, observer, fid, locked.gate, "done").status_code == 403
    outsider_token = csrf_token_from(outsider.get(live_server.url + "/", timeout=10).text)
    refused = outsider.post(
        f"{live_server.url}/forums/{fid}/progress/{locked.gate}",
        data={"status": "done", "csrf_token": outsider_token},
        timeout=10,
    )
    assert refused.status_code == 404
    assert outsider.get(f"{live_server.url}/forums/{fid}/progress", timeout=10).status_code == 404

    # Bad input: a clear error beside the form, nothing stored.
    bad = post_progress(live_server, teacher, fid, locked.gate, "finished")
    assert bad.status_code == 400 and "There is a problem" in bad.text and "Not a valid choice" in bad.text
    long_note = post_progress(live_server, teacher, fid, locked.gate, "done", "x" * 1001)
    assert long_note.status_code == 400 and "at most 1000 characters" in long_note.text
    assert post_progress(live_server, teacher, fid, 9999, "done").status_code == 404
    no_token = teacher.post(f"{live_server.url}/forums/{fid}/progress/{locked.gate}", data={"status": "done"})
    assert no_token.status_code == 400

    after_bytes, after_hash, rows = stored(fid)
    assert (after_bytes, after_hash) == (before_bytes, before_hash)
    assert {fmt: FORMATS[fmt].render(locked_version(fid, 1)[1]) for fmt in before_exports} == before_exports
    assert [(r.action_id, r.status.value, r.version_number) for r in rows] == [
        (locked.gate, "on_track", 1),
        (locked.gate, "stuck", 1),
        (locked.nurse_action, "done", 1),
    ]
    audit = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "action.progress")))
    assert len(audit) == 3 and all("note" not in event.detail for event in audit)
    assert {event.detail["action_id"] for event in audit} == {locked.gate, locked.nurse_action}

    # Everyone in the forum reads the page; the note is shown as text; only writers get a form.
    page = observer.get(f"{live_server.url}/forums/{fid}/progress", timeout=10).text
    assert "Plan progress" in page and "J missed two days." in page
    assert "Met J at the gate &lt;b&gt;3 times&lt;/b&gt;." in page and "<b>3 times" not in page
    assert "Record progress" not in page
    section = page[page.index(f'id="action-{locked.gate}"') :]
    assert section.index("J missed two days.") < section.index("Met J at the gate")  # newest first
    teacher_page = teacher.get(f"{live_server.url}/forums/{fid}/progress", timeout=10).text
    forms = re.findall(r'action="/forums/\d+/progress/(\d+)"', teacher_page)
    assert sorted(map(int, forms)) == sorted([locked.gate, locked.overdue, locked.soon])
    chair_forms = re.findall(
        r'action="/forums/\d+/progress/(\d+)"', chair.get(f"{live_server.url}/forums/{fid}/progress").text
    )
    assert len(chair_forms) == 4


def test_my_actions_lists_open_actions_overdue_first_and_drops_done_ones(live_server, locked):
    teacher = live_server.session(SCHOOL)
    page = teacher.get(live_server.url + "/my-actions", timeout=10).text
    order = [
        page.index(text)
        for text in ("Send the attendance letter home.", "Book the mentor", "Meet J at the gate.")
    ]
    assert order == sorted(order), "overdue first, then by due date"
    assert page.count("Overdue") == 1 and "Sleep routine visit." not in page  # the nurse's action
    assert "My actions" in page and f"/forums/{locked.forum_id}/progress#action-{locked.overdue}" in page

    assert (
        post_progress(live_server, teacher, locked.forum_id, locked.soon, "done", "Booked.").status_code
        == 302
    )
    page = teacher.get(live_server.url + "/my-actions", timeout=10).text
    assert "Book the mentor" not in page and "Send the attendance letter home." in page

    nurse_page = live_server.session(HEALTH).get(live_server.url + "/my-actions", timeout=10).text
    assert "Sleep routine visit." in nurse_page and "Meet J at the gate." not in nurse_page
    outsider_page = live_server.session(OUTSIDER).get(live_server.url + "/my-actions", timeout=10).text
    assert "You have no open actions." in outsider_page


def test_an_action_is_overdue_from_the_day_after_its_due_date_in_uk_time():
    from datetime import UTC, datetime

    # 23:30 UTC on 30 June is already 1 July in London (BST).
    assert today_in_london(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert today_in_london(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)
