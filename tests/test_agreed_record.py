"""A record people can trust, on the real server: the chair starts the forum, agreement is bound to
a frozen proposal, every change is attributed, and removals can be seen and undone."""

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from forum.exports.canonical import LockedVersion, canonical_json
from forum.exports.formats import FILE_FORMATS
from forum.extensions import db
from forum.models import AuditEvent, Entry, Forum
from forum.services.agreement import set_stance
from forum.services.entries import add_entry
from forum.services.forums import add_participant
from forum.services.lock import lock_plan
from forum.services.plan import actions
from forum.services.proposal import PROPOSAL_KEYS
from forum.services.scheduling import LIVE, UPCOMING, my_forums
from tests.live_clients import b64, eventually
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
from tests.test_lock_live import connected, ok, refused, run, stored_versions

pytestmark = pytest.mark.record


def fresh(model, key):
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(model, key)


def test_the_chair_starts_the_forum_and_written_input_is_what_came_before(live_server, people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    forum = db.session.get(Forum, fid)
    forum.scheduled_at = datetime.now(UTC) + timedelta(hours=2)  # run early, as in the report
    db.session.commit()
    assert [f.id for f, _ in my_forums(setup.chair).groups[UPCOMING]] == [fid]

    async def scenario():
        chair, nurse, observer = [await connected(live_server, e, fid) for e in (CHAIR, HEALTH, OBSERVER)]
        before = ok(await nurse.call("entry:add", {"forum": fid, "panel": "protective"}))["entry"]
        assert before["written_input"] is True
        assert chair.state["started_at"] is None
        refused(await nurse.call("forum:start", {"forum": fid}), "forbidden")
        refused(await observer.call("forum:start", {"forum": fid}), "forbidden")
        refused(await chair.call("forum:start", {"forum": fid, "at": "yesterday"}), "invalid")
        ok(await chair.call("forum:start", {"forum": fid}))
        assert await eventually(lambda: observer.state["started_at"] and nurse.state["started_at"])
        assert observer.state["by"]["name"] == "Cara Chair"
        refused(await chair.call("forum:start", {"forum": fid}), "already_started")
        after = ok(await nurse.call("entry:add", {"forum": fid, "panel": "protective"}))["entry"]
        assert after["written_input"] is False
        for client in (chair, nurse, observer):
            await client.disconnect()
        return before["id"], after["id"]

    before_id, after_id = run(scenario)
    assert fresh(Entry, before_id).written_input and not fresh(Entry, after_id).written_input
    assert fresh(Forum, fid).started_at is not None
    starts = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "forum.start")).all()
    assert [(e.actor_id, e.detail["how"]) for e in starts] == [(setup.chair.id, "chair")]
    assert [f.id for f, _ in my_forums(setup.chair).groups[LIVE]] == [fid]  # live, though scheduled later


def test_agreement_is_bound_to_the_frozen_proposal(live_server, people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    make_lockable(setup)  # ends in Agree with every stance and the acceptance on the proposal
    action = actions(fid)[0]

    async def scenario():
        chair, nurse, teacher = [await connected(live_server, e, fid) for e in (CHAIR, HEALTH, SCHOOL)]
        assert await eventually(lambda: chair.state and chair.state["proposal"])
        first = chair.state["proposal"]
        assert first["short"] == first["sha256"][:12] and first["actions"] == 1 and first["goals"] == 1
        assert all(s["on_proposal"] for s in chair.state["stances"])
        assert chair.state["lead_worker"]["on_proposal"]

        # Frozen: every part of the draft is refused with its own code, the text kept unsaved.
        refused(
            await nurse.call("update", {"forum": fid, "update": _appended(nurse, action.what_root)}), "frozen"
        )
        refused(await teacher.edit("hypothesis", " and mornings"), "frozen")
        refused(await teacher.call("entry:add", {"forum": fid, "panel": "plan"}), "frozen")
        refused(await teacher.call("action:set", {"forum": fid, "action": action.id, "due": None}), "frozen")
        refused(await teacher.call("review:set", {"forum": fid, "date": None}), "frozen")
        refused(await teacher.call("goal:add", {"forum": fid}), "frozen")
        refused(await nurse.call("vote:add", {"forum": fid, "entry": setup.perpetuating[0]}), "frozen")
        refused(await chair.call("priorities:confirm", {"forum": fid, "entries": []}), "frozen")
        refused(await nurse.call("entry:remove", {"forum": fid, "entry": setup.plan_entries[0]}), "frozen")
        message = (await teacher.call("entry:add", {"forum": fid, "panel": "plan"}))["error"]["message"]
        assert "frozen" in message

        # Back to Plan, change an action, forward again: a new proposal; earlier stances are stale.
        ok(await chair.call("stage:set", {"forum": fid, "stage": "plan"}))
        assert await eventually(lambda: teacher.state["stage"] == "plan")
        assert teacher.state["proposal"] is None
        assert not any(s["on_proposal"] for s in teacher.state["stances"])
        ok(await nurse.edit(action.what_root, " (and Fridays)"))
        ok(await chair.call("stage:set", {"forum": fid, "stage": "agree", "confirm": True}))
        assert await eventually(lambda: chair.state["stage"] == "agree" and chair.state["proposal"])
        second = chair.state["proposal"]
        assert second["sha256"] != first["sha256"]
        assert [s["stance"] for s in chair.state["stances"]] == ["agree", "agree", "agree"]
        assert not any(s["on_proposal"] for s in chair.state["stances"])
        assert not chair.state["lead_worker"]["on_proposal"]
        codes = {b["code"] for b in chair.state["lock_blockers"]}
        assert codes == {"stale_stances", "lead_worker_not_accepted"}
        reply = refused(await chair.call("lock", {"forum": fid}), "lock_refused")
        assert {r["code"] for r in reply["error"]["reasons"]} == codes

        for client in (chair, nurse, teacher):
            ok(await client.call("stance:set", {"forum": fid, "stance": "agree"}))
        ok(await nurse.call("lead:accept", {"forum": fid}))
        assert await eventually(lambda: all(s["on_proposal"] for s in chair.state["stances"]))
        version = ok(await chair.call("lock", {"forum": fid}))["version"]
        assert version["proposal_sha256"] == second["sha256"]
        for client in (chair, nurse, teacher):
            await client.disconnect()
        return first, second

    first, second = run(scenario)
    version = stored_versions(fid)[0]
    document = json.loads(version.canonical_json)
    assert_valid_document(document)
    assert document["proposal"]["sha256"] == second["sha256"] == version.proposal_sha256
    content = {key: document[key] for key in PROPOSAL_KEYS}
    assert hashlib.sha256(canonical_json(content)).hexdigest() == second["sha256"]
    assert document["actions"][0]["what"].endswith("(and Fridays)")
    history = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "stance.set").order_by(AuditEvent.id)
    ).all()
    proposals = [event.detail["proposal"] for event in history]
    assert proposals.count(first["sha256"]) == 3 and proposals.count(second["sha256"]) == 3


def test_every_change_is_attributed_in_the_room_and_every_output(live_server, people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    housing = people.user("housing@example.org", agency="Housing", name="Hana Okafor")
    add_participant(fid, "housing@example.org", "contributor")
    entry = add_entry(fid, setup.teacher, "presenting")
    write_text(fid, setup.teacher.id, entry.root_name, "J is late four days a week.")

    async def scenario():
        teacher, hana = [await connected(live_server, e, fid) for e in (SCHOOL, "housing@example.org")]
        assert hana.text(entry.root_name) == "J is late four days a week."
        ok(await hana.edit(entry.root_name, " (not true - housing)"))
        assert await eventually(lambda: teacher.update_senders)
        assert teacher.update_senders[-1] == (housing.id, [entry.root_name])
        ok(await hana.edit("hypothesis", "Mornings are the hard part."))
        await hana.disconnect()
        late = await connected(live_server, SCHOOL, fid)
        credits = late.join_reply["contributors"]
        await teacher.disconnect()
        await late.disconnect()
        return credits

    credits = run(scenario)
    people_of = [(p["name"], p["agency"], p["role"]) for p in credits[entry.root_name]]
    assert people_of == [("Tom Teacher", "School", "author"), ("Hana Okafor", "Housing", "editor")]
    assert [p["name"] for p in credits["hypothesis"]] == ["Hana Okafor"]

    make_lockable(setup)
    set_stance(fid, housing, "agree", None)
    version = lock_plan(fid, setup.chair)
    document = json.loads(version.canonical_json)
    assert_valid_document(document)
    presenting = next(p for p in document["panels"] if p["key"] == "presenting")["entries"][0]
    assert [(p["name"], p["role"]) for p in presenting["contributors"]] == [
        ("Tom Teacher", "author"),
        ("Hana Okafor", "editor"),
    ]
    assert presenting["contributors"][1]["last_changed_at"]
    locked = LockedVersion.from_canonical(version.canonical_json, version.sha256)
    texts = {
        "json": FILE_FORMATS["json"].render(locked).decode(),
        "md": FILE_FORMATS["md"].render(locked).decode().replace("\\", ""),  # without Markdown escapes
        "pdf": _pdf_text(FILE_FORMATS["pdf"].render(locked)),
        "docx": _docx_text(FILE_FORMATS["docx"].render(locked)),
    }
    assert "Tom Teacher (School)" in FILE_FORMATS["csv"].render(locked).decode(
        "utf-8-sig"
    )  # the action's author
    for fmt, text in texts.items():
        assert "Tom Teacher" in text and "Hana Okafor" in text, fmt
        if fmt != "json":
            assert "edited by Hana Okafor (Housing)" in " ".join(text.split()), fmt


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return " ".join([p.text for p in document.paragraphs] + cells)


def test_removal_is_seen_by_the_author_and_can_be_undone(live_server, people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    entry = add_entry(fid, setup.teacher, "protective")
    write_text(fid, setup.teacher.id, entry.root_name, "Loves football on Saturdays.")

    async def scenario():
        chair, nurse, teacher, observer = [
            await connected(live_server, e, fid) for e in (CHAIR, HEALTH, SCHOOL, OBSERVER)
        ]
        ok(await nurse.call("entry:remove", {"forum": fid, "entry": entry.id}))
        assert await eventually(lambda: teacher.entries_message and teacher.entries_message["removed"])
        message = teacher.entries_message
        assert message["change"]["kind"] == "removed" and message["change"]["author"] == setup.teacher.id
        assert message["change"]["by"]["name"] == "Nia Nurse"
        removed = message["removed"][0]
        assert removed["id"] == entry.id and removed["removed_by"]["name"] == "Nia Nurse"
        assert removed["author"]["name"] == "Tom Teacher" and removed["removed_at"]
        refused(await observer.call("entry:restore", {"forum": fid, "entry": entry.id}), "forbidden")
        refused(await chair.call("entry:restore", {"forum": fid, "entry": 10**9}), "not_found")
        ok(await teacher.call("entry:restore", {"forum": fid, "entry": entry.id}))  # the author
        assert await eventually(lambda: any(e["id"] == entry.id for e in nurse.entries))
        assert nurse.entries_message["change"]["kind"] == "restored"
        assert nurse.entries_message["removed"] == []
        ok(await teacher.call("entry:remove", {"forum": fid, "entry": entry.id}))
        refused(await nurse.call("entry:restore", {"forum": fid, "entry": entry.id}), "forbidden")
        ok(await chair.call("entry:restore", {"forum": fid, "entry": entry.id}))  # the chair
        refused(await chair.call("entry:restore", {"forum": fid, "entry": entry.id}), "not_found")
        joined = await connected(live_server, HEALTH, fid)
        assert joined.join_reply["removed"] == []
        for client in (chair, nurse, teacher, observer, joined):
            await client.disconnect()

    run(scenario)
    restored = fresh(Entry, entry.id)
    assert restored.removed_at is None and restored.removed_by is None
    actions_seen = [
        e.action
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.forum_id == fid).order_by(AuditEvent.id)
        )
        if e.action.startswith("entry.re")
    ]
    assert actions_seen == ["entry.remove", "entry.restore", "entry.remove", "entry.restore"]


def _appended(client, root: str) -> str:
    """An update appending to a root, built on a copy of the client's document (so it keeps no trace)."""
    from pycrdt import Doc, Text

    copy = Doc()
    copy.apply_update(client.doc.get_update())
    before = copy.get_state()
    text = copy.get(root, type=Text)
    text.insert(len(text), " today")
    return b64(copy.get_update(before))
