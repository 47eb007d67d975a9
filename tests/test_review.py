"""Reopen for review on the real server: "How did the plan go?", the answers in version N+1, the comparison."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from forum.exports import sha256_hex
from forum.extensions import db
from forum.models import GoalReview
from forum.models.version import PlanVersion
from forum.services.accounts import find_user
from forum.services.agreement import accept_lead, principles, set_principle, set_stance
from forum.services.downloads import locked_version
from forum.services.lock import lock_plan, reopen
from forum.services.plan import add_goal
from forum.services.progress import record_progress
from forum.services.stages import set_stage
from tests.conftest import csrf_token_from
from tests.lock_factories import (
    CHAIR,
    HEALTH,
    OBSERVER,
    SCHOOL,
    assert_valid_document,
    forum_with_people,
    make_lockable,
    write_text,
)

pytestmark = pytest.mark.progress


@pytest.fixture
def reviewing(people):
    """Version 1 locked with a principle answered and progress recorded, then reopened for review."""
    setup = forum_with_people(people)
    make_lockable(setup)
    set_principle(setup.forum_id, setup.chair, "strength_focused", "yes", "Football is used.")
    lock_plan(setup.forum_id, setup.chair)
    record_progress(setup.forum_id, setup.teacher, 1, "stuck", "J was off sick for a week.")
    reopen(setup.forum_id, setup.chair, "Review meeting in September.")
    db.session.commit()  # set-up is stored, as the edge would store it
    return setup


def _post(server, http, forum_id: int, data: dict, allow_redirects=False):
    token = csrf_token_from(http.get(f"{server.url}/forums/{forum_id}/review", timeout=10).text)
    return http.post(
        f"{server.url}/forums/{forum_id}/review",
        data={**data, "csrf_token": token},
        allow_redirects=allow_redirects,
        timeout=10,
    )


def test_review_answers_go_into_version_two_with_what_changed(live_server, reviewing):
    fid = reviewing.forum_id
    v1 = db.session.scalar(select(PlanVersion).where(PlanVersion.forum_id == fid))
    v1_bytes, v1_hash = v1.canonical_json, v1.sha256
    assert principles(fid) == {}, "the practice-principle answers are cleared on reopen"

    teacher, observer = live_server.session(SCHOOL), live_server.session(OBSERVER)
    page = teacher.get(f"{live_server.url}/forums/{fid}/review", timeout=10).text
    assert "How did the plan go?" in page and "J was off sick for a week." in page and "Stuck" in page
    assert "Last time's practice principles check" in page and "Football is used." in page

    # Bad input changes nothing; observers cannot answer.
    bad = _post(live_server, teacher, fid, {"goal-1-answer": "brilliant", "goal-1-note": "x"})
    assert bad.status_code == 400 and "Choose achieved, partly or not yet" in bad.text
    assert 'href="#goal-1-answer"' in bad.text
    note_only = _post(live_server, teacher, fid, {"goal-1-note": "Better mornings."})
    assert note_only.status_code == 400 and "Choose how the goal went" in note_only.text
    assert _post(live_server, observer, fid, {"goal-1-answer": "achieved"}).status_code == 403
    db.session.rollback()
    assert db.session.scalars(select(GoalReview)).all() == []

    saved = _post(
        live_server,
        teacher,
        fid,
        {"goal-1-answer": "partly", "goal-1-note": "Better mornings <b>mostly</b>."},
    )
    assert saved.status_code == 302
    again = teacher.get(f"{live_server.url}/forums/{fid}/review", timeout=10).text
    assert (
        re.search(r'value="partly" checked', again) and "Better mornings &lt;b&gt;mostly&lt;/b&gt;." in again
    )

    # The group changes the plan, agrees again and locks version 2.
    chair, nurse, teacher_user = (find_user(e) for e in (CHAIR, HEALTH, SCHOOL))
    goal = add_goal(fid, nurse)
    write_text(fid, nurse.id, goal.root_name, "J joins the school football team.")
    set_stage(fid, chair, "agree", confirm=True)  # freezes the new draft as the proposal agreed to
    accept_lead(fid, nurse)
    for person in (chair, nurse, teacher_user):
        set_stance(fid, person, "agree", None)
    lock_plan(fid, chair)
    db.session.commit()  # set-up is stored, as the edge would store it

    db.session.expire_all()
    assert (v1.canonical_json, v1.sha256) == (v1_bytes, v1_hash)
    _row, v2 = locked_version(fid, 2)
    document = v2.document
    assert_valid_document(document)
    assert sha256_hex(document) == v2.sha256
    review = document["review"]
    assert review["from_version"] == 1
    assert [(a["id"], a["status"], a["note"]) for a in review["actions"]] == [
        (1, "stuck", "J was off sick for a week.")
    ]
    assert review["goals"] == [
        {
            "id": 1,
            "text": "J gets to school on time.",
            "answer": "partly",
            "note": "Better mornings <b>mostly</b>.",
        }
    ]
    assert {
        "section": "Goals",
        "change": "added",
        "item": f"Goal {goal.id}",
        "before": None,
        "after": "J joins the school football team.",
    } in review["changes"]
    assert document["principles"] == [] and document["version"]["reopened_from"] == 1

    # The comparison page and the PDF of version 2 show what changed.
    compare = teacher.get(f"{live_server.url}/forums/{fid}/versions/2/compare", timeout=10)
    assert compare.status_code == 200 and "J joins the school football team." in compare.text
    assert "What changed from version 1 to version 2" in compare.text
    assert (
        teacher.get(f"{live_server.url}/forums/{fid}/versions/2/compare?with=x", timeout=10).status_code
        == 404
    )
    assert teacher.get(f"{live_server.url}/forums/{fid}/versions/1/compare", timeout=10).status_code == 404
    pdf = teacher.get(f"{live_server.url}/forums/{fid}/versions/2/download/pdf", timeout=30).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = "".join(text.split())
    assert "Whatchangedsinceversion1" in flat and "Jjoinstheschoolfootballteam." in flat
    assert "Betterminnings" not in flat and "Bettermornings<b>mostly</b>." in flat
