"""Service-level rules of the facilitated forum, lead worker, stances and the lock (fast, no server)."""

import hashlib
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from forum.exports.canonical import LockedVersion, canonical_json
from forum.extensions import db
from forum.models import AuditEvent, Forum, ForumRole, Stage
from forum.models.version import ImmutableVersionError, PlanVersion
from forum.services import ServiceError
from forum.services.agreement import accept_lead, nominate_lead, set_principle, set_stance
from forum.services.entries import add_entry
from forum.services.forums import participation
from forum.services.lock import LockRefusedError, lock_plan, lock_refusals, reopen
from forum.services.plan import add_action, add_goal, set_review_date
from forum.services.stages import control_timer, hand_over_chair, read_plan, set_stage, timer_state
from forum.services.votes import add_vote, confirm_priorities, remove_vote, tallies
from tests.lock_factories import assert_valid_document, forum_with_people, make_lockable, write_text

pytestmark = pytest.mark.lock


def codes(error: LockRefusedError) -> set[str]:
    return {reason.code for reason in error.reasons}


def test_stages_move_forwards_with_confirmation_and_back_without(people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    with pytest.raises(ServiceError) as refused:
        set_stage(fid, setup.chair, "hypothesis")
    assert refused.value.code == "confirm_needed"
    assert set_stage(fid, setup.chair, "prioritise", confirm=True) == Stage.PRIORITISE
    assert set_stage(fid, setup.chair, "gather") == Stage.GATHER
    with pytest.raises(ServiceError) as refused:
        set_stage(fid, setup.chair, "locked", confirm=True)
    assert refused.value.code == "invalid"
    with pytest.raises(ServiceError) as refused:
        set_stage(fid, setup.nurse, "hypothesis", confirm=True)
    assert refused.value.code == "forbidden"
    stages = [
        e.detail["stage"]
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "forum.stage"))
    ]
    assert stages == ["prioritise", "gather"]


def test_chair_handover_makes_the_old_chair_a_contributor(people):
    setup = forum_with_people(people)
    hand_over_chair(setup.forum_id, setup.chair, setup.nurse.id)
    assert participation(setup.forum_id, setup.chair.id).role == ForumRole.CONTRIBUTOR
    assert participation(setup.forum_id, setup.nurse.id).role == ForumRole.CHAIR
    with pytest.raises(ServiceError):
        set_stage(setup.forum_id, setup.chair, "gather")
    set_stage(setup.forum_id, setup.nurse, "hypothesis", confirm=True)


def test_timer_starts_pauses_and_resets(people):
    setup = forum_with_people(people)
    plan = control_timer(setup.forum_id, setup.chair, "start")
    assert timer_state(plan)["running"] and timer_state(plan)["started_at"]
    plan = control_timer(setup.forum_id, setup.chair, "pause")
    assert not timer_state(plan)["running"] and timer_state(plan)["started_at"] is None
    plan = control_timer(setup.forum_id, setup.chair, "reset")
    assert timer_state(plan)["elapsed"] == 0
    with pytest.raises(ServiceError):
        control_timer(setup.forum_id, setup.nurse, "start")


def test_votes_respect_the_budget_panel_and_role(people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    extra = add_entry(fid, setup.nurse, "perpetuating").id
    add_vote(fid, setup.nurse, setup.perpetuating[0], budget=2)
    with pytest.raises(ServiceError):
        add_vote(fid, setup.nurse, setup.perpetuating[0], budget=2)  # once per entry
    add_vote(fid, setup.nurse, setup.perpetuating[1], budget=2)
    with pytest.raises(ServiceError) as refused:
        add_vote(fid, setup.nurse, extra, budget=2)
    assert refused.value.code == "no_votes_left"
    remove_vote(fid, setup.nurse, setup.perpetuating[1])
    add_vote(fid, setup.nurse, extra, budget=2)
    with pytest.raises(ServiceError) as refused:
        add_vote(fid, setup.observer, extra)
    assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError):
        add_vote(fid, setup.chair, setup.plan_entries[0])  # not a perpetuating factor
    assert tallies(fid) == {setup.perpetuating[0]: [setup.nurse.id], extra: [setup.nurse.id]}


def test_changing_the_nominee_clears_acceptance_and_only_the_nominee_accepts(people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    nominate_lead(fid, setup.chair, setup.nurse.id)
    with pytest.raises(ServiceError) as refused:
        accept_lead(fid, setup.nurse)
    assert refused.value.code == "no_proposal"  # acceptance is of a proposal, frozen in Agree
    set_stage(fid, setup.chair, "agree", confirm=True)
    with pytest.raises(ServiceError):
        accept_lead(fid, setup.teacher)
    accept_lead(fid, setup.nurse)
    assert read_plan(fid).lead_accepted_at is not None
    nominate_lead(fid, setup.chair, setup.teacher.id)
    assert read_plan(fid).lead_accepted_at is None
    with pytest.raises(ServiceError) as refused:
        nominate_lead(fid, setup.nurse, setup.nurse.id)
    assert refused.value.code == "forbidden"


def test_stances_need_reasons_and_a_writer_of_the_agency(people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    with pytest.raises(ServiceError) as refused:
        set_stance(fid, setup.nurse, "agree", None)
    assert refused.value.code == "no_proposal"
    set_stage(fid, setup.chair, "agree", confirm=True)
    with pytest.raises(ServiceError) as refused:
        set_stance(fid, setup.nurse, "object", "  ")
    assert refused.value.code == "reason_needed"
    with pytest.raises(ServiceError) as refused:
        set_stance(fid, setup.observer, "agree", None)
    assert refused.value.code == "forbidden"
    first = set_stance(fid, setup.nurse, "agree_with_concerns", "Needs a GP appointment first.")
    second = set_stance(fid, setup.nurse, "agree", None)
    assert first.id == second.id and second.reason is None


def test_principles_need_a_note_when_the_plan_is_not_likely_to_achieve(people):
    setup = forum_with_people(people)
    with pytest.raises(ServiceError):
        set_principle(setup.forum_id, setup.chair, "likely_to_achieve", "no", "")
    with pytest.raises(ServiceError):
        set_principle(setup.forum_id, setup.nurse, "strength_focused", "yes", "")
    set_principle(setup.forum_id, setup.chair, "likely_to_achieve", "no", "Housing is out of our hands.")


def test_lock_lists_every_reason_at_once(people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    add_action(fid, setup.nurse)  # no owner, no date, no text
    add_goal(fid, setup.nurse)  # no text
    with pytest.raises(LockRefusedError) as refused:
        lock_plan(fid, setup.chair)
    assert codes(refused.value) == {
        "not_frozen",
        "no_lead_worker",
        "no_action",
        "incomplete_action",
        "empty_goal",
        "no_review_date",
        "missing_stances",
    }
    assert db.session.get(Forum, fid).stage == Stage.GATHER  # the refused lock changed nothing
    assert db.session.scalar(select(PlanVersion)) is None


def test_a_locked_version_is_valid_hashed_and_immutable_and_reopening_makes_version_two(people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    confirm_priorities(fid, setup.chair, [setup.perpetuating[1], setup.perpetuating[0]])
    make_lockable(setup)
    set_principle(fid, setup.chair, "strength_focused", "partly", "Football is used.")
    set_stance(fid, setup.teacher, "object", "Mornings are not covered.")
    with pytest.raises(LockRefusedError) as refused:
        lock_plan(fid, setup.chair)
    assert codes(refused.value) == {"objection_needs_override"}
    version = lock_plan(fid, setup.chair, override_reason="School's concern is addressed by action 1.")
    db.session.commit()  # as the edge would: the refusals below roll back their own transactions
    assert version.number == 1 and db.session.get(Forum, fid).stage == Stage.LOCKED
    document = json.loads(version.canonical_json)
    assert_valid_document(document)
    assert canonical_json(document) == version.canonical_json
    assert hashlib.sha256(version.canonical_json).hexdigest() == version.sha256
    LockedVersion.from_canonical(version.canonical_json, version.sha256)
    assert document["lead_worker"]["name"] == "Nia Nurse"
    assert document["version"]["override_reason"].startswith("School's concern")
    assert [p["entry"] for p in document["priorities"]] == [setup.perpetuating[1], setup.perpetuating[0]]
    assert document["priorities"][0]["text"] == "Missed lessons mean J avoids school."
    assert document["hypothesis"] == "Late nights keep J from school."
    assert document["actions"][0]["what"] == "Meet J at the gate."
    assert [p["key"] for p in document["principles"]] == ["strength_focused"]

    for edit in (
        lambda: set_review_date(fid, setup.chair, date.today()),
        lambda: add_vote(fid, setup.nurse, setup.perpetuating[0]),
        lambda: set_stance(fid, setup.nurse, "agree", None),
        lambda: add_entry(fid, setup.nurse, "plan"),
        lambda: write_text(fid, setup.nurse.id, "hypothesis", "late"),
        lambda: set_stage(fid, setup.chair, "plan"),
    ):
        with pytest.raises(ServiceError) as refused:
            edit()
        assert refused.value.code == "locked"
    with pytest.raises(ServiceError) as refused:
        lock_plan(fid, setup.chair, override_reason="again")
    assert refused.value.code == "locked"

    stored, digest = version.canonical_json, version.sha256
    with pytest.raises(ServiceError):
        reopen(fid, setup.nurse, "Review")
    with pytest.raises(ServiceError):
        reopen(fid, setup.chair, "   ")
    assert reopen(fid, setup.chair, "Review: housing decision received.") == 1
    db.session.commit()
    assert db.session.get(Forum, fid).stage == Stage.PLAN
    assert read_plan(fid).lead_accepted_at is None
    assert {b.code for b in lock_refusals(fid)} == {
        "not_frozen",
        "lead_worker_not_accepted",
        "missing_stances",
    }
    set_review_date(fid, setup.chair, date.today() + timedelta(days=120))
    set_stage(fid, setup.chair, "agree", confirm=True)
    accept_lead(fid, setup.nurse)
    for person in (setup.chair, setup.nurse, setup.teacher):
        set_stance(fid, person, "agree", None)
    second = lock_plan(fid, setup.chair)
    document2 = json.loads(second.canonical_json)
    assert_valid_document(document2)
    assert document2["version"]["number"] == 2
    assert document2["version"]["reopened_from"] == 1
    assert document2["version"]["reopen_reason"] == "Review: housing decision received."
    assert document2["version"]["override_reason"] is None
    db.session.expire_all()
    first = db.session.scalar(select(PlanVersion).where(PlanVersion.number == 1))
    assert first.canonical_json == stored and first.sha256 == digest
    first.sha256 = "0" * 64
    with pytest.raises(ImmutableVersionError):
        db.session.commit()
    db.session.rollback()
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    for action in ("lead.nominate", "lead.accept", "stance.set", "plan.lock", "plan.reopen"):
        assert action in actions
