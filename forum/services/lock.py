"""Locking the plan into an immutable, numbered version, and reopening it for review."""

import hashlib
from dataclasses import dataclass

from pycrdt import Doc
from sqlalchemy import func, select, update

from forum.auth.permissions import require_chair
from forum.exports.canonical import canonical_json
from forum.extensions import db
from forum.models import Forum, ForumRole, Participant, Stage, User
from forum.models.base import utcnow
from forum.models.facilitation import StanceKind
from forum.models.version import PlanVersion
from forum.services import ServiceError
from forum.services.agreement import PRINCIPLES, attending_agencies, clean_text, principles, stances
from forum.services.attribution import TIMEZONE, london
from forum.services.audit import record
from forum.services.forums import get_forum
from forum.services.plan import actions, goals
from forum.services.proposal import (
    current_proposal,
    proposal_content,
    proposal_sha256,
    stored_document,
    text_of,
)
from forum.services.retention import was_purged
from forum.services.review import review_member
from forum.services.stages import current_chair, plan_of, read_plan
from forum.services.votes import priorities

SCHEMA_VERSION = 1
MARKING = "OFFICIAL-SENSITIVE"
ROLE_ORDER = {ForumRole.CHAIR: 0, ForumRole.CONTRIBUTOR: 1, ForumRole.OBSERVER: 2}


@dataclass(frozen=True)
class Blocker:
    """One reason the plan cannot be locked yet."""

    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class LockRefusedError(ServiceError):
    """The lock was refused; `reasons` lists every blocker."""

    def __init__(self, reasons: list[Blocker]):
        super().__init__(
            "The plan cannot be locked yet: " + " ".join(r.message for r in reasons), "lock_refused"
        )
        self.reasons = reasons


def current_stances(forum_id: int, proposal: str | None) -> list:
    """The stances given to this proposal (the others were given to an earlier draft)."""
    return [stance for stance in stances(forum_id) if proposal and stance.proposal_sha256 == proposal]


def blockers(forum_id: int, doc: Doc, override_reason: str | None, proposal: str | None) -> list[Blocker]:
    """Every reason the forum's plan cannot be locked now (empty when it can); `proposal` is the
    hash of the frozen proposal (None: the forum is not in Agree)."""
    found: list[Blocker] = []
    if proposal is None:
        found.append(
            Blocker("not_frozen", "Move the forum to Agree: the plan is locked as the proposal agreed to.")
        )
    plan = read_plan(forum_id)
    if plan.lead_worker_id is None:
        found.append(Blocker("no_lead_worker", "Nominate a lead worker."))
    elif plan.lead_accepted_at is None or plan.lead_accepted_proposal != proposal:
        found.append(
            Blocker("lead_worker_not_accepted", "The lead worker has not accepted this proposal yet.")
        )
    plan_actions = actions(forum_id)
    if not any(action.owner_id and action.due for action in plan_actions):
        found.append(Blocker("no_action", "Add at least one action with an owner and a due date."))
    for action in plan_actions:
        missing = [
            label
            for label, present in (
                ("what is to be done", text_of(doc, action.what_root).strip()),
                ("an owner", action.owner_id),
                ("a due date", action.due),
            )
            if not present
        ]
        if missing:
            found.append(
                Blocker(
                    "incomplete_action", f"Action {action.id} needs {' and '.join(missing)} (or remove it)."
                )
            )
    ranked = {priority.entry_id for priority in priorities(forum_id)}
    for action in plan_actions:
        if action.priority_entry_id is not None and action.priority_entry_id not in ranked:
            found.append(
                Blocker(
                    "unconfirmed_priority", f"Action {action.id} addresses a factor that is not a priority."
                )
            )
    for goal in goals(forum_id):
        if not text_of(doc, goal.root_name).strip():
            found.append(Blocker("empty_goal", f"Goal {goal.id} has no text (write it or remove it)."))
    if plan.review_date is None:
        found.append(Blocker("no_review_date", "Set a review date."))
    recorded = {stance.agency_id: stance for stance in current_stances(forum_id, proposal)}
    earlier = {stance.agency_id for stance in stances(forum_id)} - set(recorded)
    attending = attending_agencies(forum_id)
    missing_agencies = [a.name for a in attending if a.id not in recorded and a.id not in earlier]
    stale_agencies = [a.name for a in attending if a.id in earlier]
    if missing_agencies:
        found.append(Blocker("missing_stances", "No stance yet from: " + ", ".join(missing_agencies) + "."))
    if stale_agencies:
        found.append(
            Blocker(
                "stale_stances",
                "Given to an earlier draft, so not counted: " + ", ".join(stale_agencies) + ".",
            )
        )
    if any(stance.stance == StanceKind.OBJECT for stance in recorded.values()) and not override_reason:
        found.append(
            Blocker(
                "objection_needs_override", "An agency objects: the chair must record an override reason."
            )
        )
    return found


def _attendance(forum: Forum) -> list[dict]:
    by_agency: dict[str, list[Participant]] = {}
    for participant in forum.participants:
        by_agency.setdefault(participant.user.agency.name, []).append(participant)
    return [
        {
            "agency": agency,
            "people": [
                {"name": p.user.full_name, "role": p.role.value}
                for p in sorted(members, key=lambda p: (ROLE_ORDER[p.role], p.user.full_name, p.user_id))
            ],
        }
        for agency, members in sorted(by_agency.items(), key=lambda item: item[0].lower())
    ]


def build_document(forum_id: int, doc: Doc, version: dict, proposal: str) -> dict:
    """The canonical document of the forum as it stands in the database (see docs/export-schema.json):
    the proposal (PROPOSAL_KEYS) with who agreed to it and how."""
    forum = get_forum(forum_id)
    plan = read_plan(forum_id)
    the_chair = current_chair(forum_id)
    lead = plan.lead_worker
    answers = principles(forum_id)
    agency_order = {agency.id: index for index, agency in enumerate(attending_agencies(forum_id))}
    content = proposal_content(forum_id, doc)
    return {
        "schema_version": SCHEMA_VERSION,
        "marking": MARKING,
        "forum": {
            "id": forum.id,
            "reference": forum.reference,
            "title": forum.title,
            "scheduled_at": london(forum.scheduled_at),
            "presenting_agency": forum.presenting_agency.name if forum.presenting_agency else None,
            "started_at": london(forum.started_at),
        },
        "version": version,
        "proposal": {"sha256": proposal},
        "chair": {"name": the_chair.user.full_name, "agency": the_chair.user.agency.name},
        "attendance": _attendance(forum),
        "stances": [
            {
                "agency": stance.agency.name,
                "stance": stance.stance.value,
                "reason": stance.reason,
                "recorded_by": stance.recorder.full_name,
            }
            for stance in sorted(
                current_stances(forum_id, proposal),
                key=lambda s: agency_order.get(s.agency_id, len(agency_order)),
            )
        ],
        "lead_worker": {
            "name": lead.full_name,
            "agency": lead.agency.name,
            "contact": lead.email,
            "accepted_at": london(plan.lead_accepted_at),
        },
        **content,
        "principles": [
            {"key": key, "question": question, "answer": answers[key].answer.value, "note": answers[key].note}
            for key, question in PRINCIPLES
            if key in answers
        ],
    }


def lock_refusals(forum_id: int, override_reason: str | None = None) -> list[Blocker]:
    """What stands in the way of locking now (for showing the chair before they try)."""
    doc = stored_document(forum_id)
    proposal = current_proposal(forum_id, doc)
    return blockers(forum_id, doc, override_reason, proposal[1] if proposal else None)


def lock_plan(forum_id: int, user: User, override_reason: str | None = None) -> PlanVersion:
    """Lock the plan: one transaction (the caller's) that ends editing and stores the next numbered version.

    The conditional UPDATE comes first, so of two locks at once exactly one proceeds, and any
    edit (which claims the same row) is either committed before it, and so in the version, or
    refused as locked after it.
    """
    require_chair(forum_id, user)
    override_reason = clean_text(override_reason, "override reason")
    claimed = db.session.execute(
        update(Forum)
        .where(Forum.id == forum_id, Forum.stage != Stage.LOCKED)
        .values(stage=Forum.stage)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ServiceError("This forum's plan is already locked.", code="locked")
    db.session.expire_all()  # everything below is read inside this transaction
    require_chair(forum_id, user)  # still the chair now that the row is ours
    doc = stored_document(forum_id)
    frozen = current_proposal(forum_id, doc)  # None unless in Agree
    proposal = frozen[1] if frozen else None
    reasons = blockers(forum_id, doc, override_reason, proposal)
    if reasons:
        raise LockRefusedError(reasons)
    get_forum(forum_id).stage = Stage.LOCKED
    current = current_stances(forum_id, proposal)
    has_objection = any(stance.stance == StanceKind.OBJECT for stance in current)
    plan = plan_of(forum_id)
    previous = db.session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.forum_id == forum_id))
    number = (previous or 0) + 1
    locked_at = utcnow().replace(microsecond=0)
    version = {
        "number": number,
        "locked_at": london(locked_at),
        "timezone": TIMEZONE,
        "reopened_from": plan.reopened_from,
        "reopen_reason": plan.reopen_reason,
        "override_reason": override_reason if has_objection else None,
    }
    document = build_document(forum_id, doc, version, proposal)
    if proposal_sha256(document) != proposal:  # the draft is frozen; this guards the invariant
        raise ServiceError("The proposal changed while it was being locked; try again.", code="conflict")
    if plan.reopened_from is not None:
        document["review"] = review_member(forum_id, plan.reopened_from, document)
    stored = canonical_json(document)
    row = PlanVersion(
        forum_id=forum_id,
        number=number,
        locked_at=locked_at,
        locked_by=user.id,
        canonical_json=stored,
        sha256=hashlib.sha256(stored).hexdigest(),
        reopened_from=plan.reopened_from,
        reopen_reason=plan.reopen_reason,
        override_reason=version["override_reason"],
        proposal_sha256=proposal,
    )
    db.session.add(row)
    plan.timer_running, plan.timer_started_at, plan.timer_elapsed = False, None, 0
    plan.reopened_from = plan.reopen_reason = None  # carried into this version; done with
    db.session.flush()
    record(
        "plan.lock",
        actor_id=user.id,
        forum_id=forum_id,
        version=number,
        sha256=row.sha256,
        proposal=proposal,
    )
    return row


def reopen(forum_id: int, user: User, reason: str) -> int:
    """Reopen a locked forum for review: back to the plan stage, towards version N+1.

    The lead worker's acceptance, every stance and the practice-principle answers are cleared (the
    principles are answered afresh; last time's stay in version N); stored versions are untouched.
    """
    require_chair(forum_id, user)
    reason = clean_text(reason, "reason")
    if not reason:
        raise ServiceError("Give a reason for reopening the plan.", code="reason_needed")
    if was_purged(forum_id):
        raise ServiceError(
            "This forum's working document was purged under the retention policy; it cannot be reopened.",
            code="purged",
        )
    claimed = db.session.execute(
        update(Forum)
        .where(Forum.id == forum_id, Forum.stage == Stage.LOCKED)
        .values(stage=Stage.PLAN)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ServiceError("Only a locked plan can be reopened.", code="not_locked")
    db.session.expire_all()
    latest = db.session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.forum_id == forum_id))
    plan = plan_of(forum_id)
    plan.reopened_from, plan.reopen_reason = latest, reason
    plan.lead_accepted_at = plan.lead_accepted_proposal = None
    for stance in stances(forum_id):
        db.session.delete(stance)
    for answer in principles(forum_id).values():
        db.session.delete(answer)
    record("plan.reopen", actor_id=user.id, forum_id=forum_id, version=latest)
    return latest


def versions(forum_id: int) -> list[PlanVersion]:
    """The forum's locked versions, oldest first."""
    return list(
        db.session.scalars(
            select(PlanVersion).where(PlanVersion.forum_id == forum_id).order_by(PlanVersion.number)
        )
    )


def get_version(forum_id: int, number: int) -> PlanVersion:
    version = db.session.scalar(
        select(PlanVersion).where(PlanVersion.forum_id == forum_id, PlanVersion.number == number)
    )
    if version is None:
        raise ServiceError(f"There is no version {number}.", code="not_found")
    return version
