"""The facilitation state of a forum as sent to everyone in its room (the `facilitation` event)."""

from sqlalchemy import select

from forum.extensions import db
from forum.models import Participant
from forum.services.agreement import PRINCIPLES, attending_agencies, principles, stances
from forum.services.forums import get_forum
from forum.services.lock import blockers, london, versions
from forum.services.plan import actions, goals
from forum.services.proposal import current_proposal, stored_document, summary
from forum.services.stages import read_plan, timer_state
from forum.services.votes import priorities, tallies


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"user": user.id, "name": user.full_name, "agency": user.agency.name}


def version_summary(version) -> dict:
    return {
        "number": version.number,
        "locked_at": london(version.locked_at),
        "locked_by": _person(version.locker),
        "sha256": version.sha256,
        "reopened_from": version.reopened_from,
        "reopen_reason": version.reopen_reason,
        "override_reason": version.override_reason,
        "proposal_sha256": version.proposal_sha256,
    }


def facilitation_state(forum_id: int, vote_budget: int) -> dict:
    """Everything server-authoritative about the forum's facilitation, for every participant alike."""
    forum = get_forum(forum_id)
    plan = read_plan(forum_id)
    participants = db.session.scalars(
        select(Participant).where(Participant.forum_id == forum_id).order_by(Participant.id)
    ).all()
    chair = next((p for p in participants if p.role.value == "chair"), None)
    recorded = {stance.agency_id: stance for stance in stances(forum_id)}
    doc = stored_document(forum_id) if forum.stage.value != "locked" else None
    frozen = current_proposal(forum_id, doc) if doc is not None else None
    proposal = frozen[1] if frozen else None
    answers = principles(forum_id)
    pending_reopen = None
    if plan.reopened_from is not None:
        pending_reopen = {"from": plan.reopened_from, "reason": plan.reopen_reason}
    state = {
        "forum": forum_id,
        "stage": forum.stage.value,
        "started_at": london(forum.started_at),
        "proposal": summary(*frozen) if frozen else None,
        "chair": _person(chair.user) if chair else None,
        "participants": [{**_person(p.user), "role": p.role.value} for p in participants],
        "timer": timer_state(plan),
        "spotlight": plan.spotlight,
        "votes": {
            "budget": vote_budget,
            "tallies": [
                {"entry": entry_id, "votes": len(voters), "voters": voters}
                for entry_id, voters in tallies(forum_id).items()
            ],
        },
        "priorities": [{"rank": p.rank, "entry": p.entry_id} for p in priorities(forum_id)],
        "priorities_confirmed_at": london(plan.priorities_confirmed_at),
        "goals": [
            {"id": goal.id, "root": goal.root_name, "from_entry": goal.source_entry_id}
            for goal in goals(forum_id)
        ],
        "actions": [
            {
                "id": action.id,
                "what_root": action.what_root,
                "measure_root": action.measure_root,
                "owner": (
                    {**_person(action.owner), "agency": action.owner_agency.name} if action.owner else None
                ),
                "due": action.due.isoformat() if action.due else None,
                "goal": action.goal_id,
                "priority": action.priority_entry_id,
                "from_entry": action.source_entry_id,
            }
            for action in actions(forum_id)
        ],
        "review_date": plan.review_date.isoformat() if plan.review_date else None,
        "lead_worker": {
            "nominee": _person(plan.lead_worker),
            "nominated_at": london(plan.lead_nominated_at),
            "accepted_at": london(plan.lead_accepted_at),
            "on_proposal": bool(proposal) and plan.lead_accepted_proposal == proposal,
        },
        "stances": [
            {
                "agency": agency.name,
                "agency_id": agency.id,
                "stance": recorded[agency.id].stance.value if agency.id in recorded else None,
                "reason": recorded[agency.id].reason if agency.id in recorded else None,
                "recorded_by": _person(recorded[agency.id].recorder) if agency.id in recorded else None,
                # False: given to an earlier draft, shown but not counted.
                "on_proposal": agency.id in recorded and recorded[agency.id].proposal_sha256 == proposal,
            }
            for agency in attending_agencies(forum_id)
        ],
        "principles": [
            {
                "key": key,
                "question": question,
                "answer": answers[key].answer.value if key in answers else None,
                "note": answers[key].note if key in answers else "",
            }
            for key, question in PRINCIPLES
        ],
        "versions": [version_summary(version) for version in versions(forum_id)],
        "reopen": pending_reopen,
        "lock_blockers": [],
    }
    if doc is not None:
        state["lock_blockers"] = [blocker.as_dict() for blocker in blockers(forum_id, doc, None, proposal)]
    return state
