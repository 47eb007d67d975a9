"""Attribution kept with each compaction: a join reads the summary and only the events after it
(SQLite and PostgreSQL)."""

import pytest
from pycrdt import Doc, Text
from sqlalchemy import func, select

from forum.extensions import db
from forum.live.room import accept_update
from forum.live.rooms import Rooms
from forum.models import AttributionSummary, AuditEvent
from forum.services.attribution import contributors, summarise
from forum.services.entries import add_entry
from tests.conftest import People

pytestmark = pytest.mark.record


def typed(live, user_id: int, doc: Doc, root: str, words: str) -> None:
    """One accepted update of the shared document, sent by that person."""
    state = doc.get_state()
    doc.get(root, type=Text).insert(len(doc.get(root, type=Text)), words)
    accept_update(live, user_id, doc.get_update(state))


def test_attribution_is_summarised_with_each_compaction_and_read_from_the_summary(each_database):
    people = People()
    people.user("chair@example.org", agency="Children's Social Care", name="Cara Chair")
    nurse = people.user("nurse@example.org", agency="Health", name="Nia Nurse")
    teacher = people.user("teacher@example.org", agency="Education", name="Tom Teacher")
    forum_id = people.forum(
        "RF-ATTR", **{"nurse@example.org": "contributor", "teacher@example.org": "contributor"}
    ).id
    entry = add_entry(forum_id, nurse, "presenting").root_name
    db.session.commit()
    live = Rooms(compact_every=4).room(forum_id)
    shared = Doc()  # one document passed between them, as the room would keep them in step
    typed(live, teacher.id, shared, "hypothesis", "The move ")  # the teacher writes the hypothesis first
    typed(live, nurse.id, shared, entry, "Sleeps badly. ")
    typed(live, teacher.id, shared, entry, "Tired in class. ")
    typed(live, nurse.id, shared, entry, "Since the move. ")  # 4 updates: compacted, summarised
    typed(live, teacher.id, shared, entry, "Better on Mondays. ")
    typed(live, teacher.id, shared, entry, "Asks for help. ")
    typed(live, teacher.id, shared, "hypothesis", "unsettled him ")
    typed(live, teacher.id, shared, "hypothesis", "at school ")  # 8: summarised again
    typed(live, nurse.id, shared, "hypothesis", "and at home.")  # after the summary: read from events
    db.session.rollback()

    summary = db.session.get(AttributionSummary, forum_id)
    events = select(func.max(AuditEvent.id)).where(
        AuditEvent.forum_id == forum_id, AuditEvent.action == "document.update"
    )
    assert summary is not None
    assert summary.upto_audit_id < db.session.scalar(events)  # the ninth came after it
    credits = contributors(forum_id)
    names = {root: [(p["name"], p["role"]) for p in people_] for root, people_ in credits.items()}
    assert names["hypothesis"] == [("Tom Teacher", "author"), ("Nia Nurse", "editor")]
    assert names[entry] == [("Nia Nurse", "author"), ("Tom Teacher", "editor")]
    assert all(person["last_changed_at"] for people_ in credits.values() for person in people_)

    # The same as reading every event from the start.
    db.session.delete(summary)
    db.session.commit()
    assert contributors(forum_id) == credits

    # Read from the summary: once it is kept again, the events it covers are not read at all (the
    # audit trail is append-only, so the summary is altered instead: what it says is what is read).
    summarise(forum_id)
    db.session.commit()
    summary = db.session.get(AttributionSummary, forum_id)
    assert summary.upto_audit_id == db.session.scalar(events)
    assert contributors(forum_id) == credits
    moment = summary.changes["hypothesis"][-1][1]
    summary.changes = {"hypothesis": [[nurse.id, moment]]}
    db.session.commit()
    assert [(p["name"], p["role"]) for p in contributors(forum_id)["hypothesis"]] == [("Nia Nurse", "author")]


def test_a_forum_without_events_has_no_summary_and_its_authors_still_count(each_database):
    people = People()
    people.user("chair@example.org")
    nurse = people.user("nurse@example.org", agency="Health", name="Nia Nurse")
    forum_id = people.forum("RF-QUIET", **{"nurse@example.org": "contributor"}).id
    entry = add_entry(forum_id, nurse, "presenting").root_name
    summarise(forum_id)
    db.session.commit()
    assert db.session.get(AttributionSummary, forum_id) is None
    assert [(p["name"], p["role"]) for p in contributors(forum_id)[entry]] == [("Nia Nurse", "author")]
