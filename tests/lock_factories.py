"""Small factories for the facilitated-forum tests: a forum with people, entries and texts."""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import jsonschema
from pycrdt import Doc, Text

from forum.extensions import db
from forum.live.room import accept_update
from forum.live.rooms import Rooms
from forum.services.accounts import find_user
from forum.services.agreement import accept_lead, nominate_lead, set_stance
from forum.services.entries import add_entry
from forum.services.plan import add_action, add_goal, set_action, set_review_date
from forum.services.stages import set_stage

ROOT = Path(__file__).resolve().parent.parent
CHAIR = "chair@example.org"
HEALTH = "nurse@example.org"
SCHOOL = "teacher@example.org"
OBSERVER = "observer@example.org"


@dataclass
class ForumSetup:
    forum_id: int
    chair: object
    nurse: object
    teacher: object
    observer: object
    perpetuating: list[int]
    plan_entries: list[int]


def write_text(forum_id: int, user_id: int, root: str, text: str) -> None:
    """Store a CRDT update that writes text into a new root, as an accepted client update would be."""
    doc = Doc()
    doc[root] = Text(text)
    accept_update(Rooms().room(forum_id), user_id, doc.get_update())


def _person(people, email: str, agency: str, name: str):
    return find_user(email) or people.user(email, agency=agency, name=name)


def forum_with_people(people, reference: str = "RF-LOCK") -> ForumSetup:
    """A forum: chair (Children's Social Care), nurse (Health), teacher (School), observer (Police)."""
    chair = _person(people, CHAIR, "Children's Social Care", "Cara Chair")
    nurse = _person(people, HEALTH, "Health", "Nia Nurse")
    teacher = _person(people, SCHOOL, "School", "Tom Teacher")
    observer = _person(people, OBSERVER, "Police", "Olu Observer")
    forum = people.forum(reference, **{HEALTH: "contributor", SCHOOL: "contributor", OBSERVER: "observer"})
    perpetuating, plan_entries = [], []
    for text in ("Late nights make mornings hard.", "Missed lessons mean J avoids school."):
        entry = add_entry(forum.id, nurse, "perpetuating")
        write_text(forum.id, nurse.id, entry.root_name, text)
        perpetuating.append(entry.id)
    entry = add_entry(forum.id, teacher, "plan")
    write_text(forum.id, teacher.id, entry.root_name, "Meet J at the gate each morning.")
    plan_entries.append(entry.id)
    db.session.commit()  # set-up is stored, as the edge would store it
    return ForumSetup(forum.id, chair, nurse, teacher, observer, perpetuating, plan_entries)


def make_lockable(setup: ForumSetup) -> None:
    """Everything a lock needs: one complete action, review date, then in Agree an accepted lead
    worker and every attending agency's stance on the proposal."""
    make_draft(setup)
    agree_on_it(setup)


def make_draft(setup: ForumSetup) -> None:
    """The draft a lock needs: a goal, one complete action, review date, hypothesis, family text."""
    fid = setup.forum_id
    goal = add_goal(fid, setup.nurse)
    write_text(fid, setup.nurse.id, goal.root_name, "J gets to school on time.")
    action = add_action(fid, setup.teacher, goal=goal.id)
    write_text(fid, setup.teacher.id, action.what_root, "Meet J at the gate.")
    write_text(fid, setup.teacher.id, action.measure_root, "J is in by 8:45 four days a week.")
    set_action(
        fid, setup.chair, action.id, {"owner": setup.teacher.id, "due": date.today() + timedelta(days=14)}
    )
    set_review_date(fid, setup.chair, date.today() + timedelta(days=90))
    write_text(fid, setup.chair.id, "hypothesis", "Late nights keep J from school.")
    write_text(fid, setup.chair.id, "family_communication", "Nia visits Mum on Friday.")
    db.session.commit()


def agree_on_it(setup: ForumSetup) -> None:
    """Agree: the draft frozen as the proposal, the nurse lead worker, every stance on it."""
    fid = setup.forum_id
    set_stage(fid, setup.chair, "agree", confirm=True)  # freezes the draft as the proposal
    nominate_lead(fid, setup.chair, setup.nurse.id)
    accept_lead(fid, setup.nurse)
    for person in (setup.chair, setup.nurse, setup.teacher):
        set_stance(fid, person, "agree", None)
    db.session.commit()


def export_schema() -> dict:
    return json.loads((ROOT / "docs" / "export-schema.json").read_text())


def assert_valid_document(document: dict) -> None:
    """The document is valid against the export schema (docs/export-schema.json)."""
    jsonschema.Draft202012Validator(
        export_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)
