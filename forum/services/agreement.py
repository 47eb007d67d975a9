"""Agreeing the plan: the one lead worker, each attending agency's stance, the principles check."""

from sqlalchemy import select

from forum.auth.permissions import require_chair, require_writer
from forum.extensions import db
from forum.models import Agency, Participant, User
from forum.models.base import utcnow
from forum.models.facilitation import PrincipleAnswer, PrincipleAnswerKind, Stance, StanceKind
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.claims import claim_open_forum
from forum.services.entries import WRITERS
from forum.services.forums import participation
from forum.services.proposal import current_proposal
from forum.services.stages import plan_of

MAX_REASON = 2000
NO_PROPOSAL = "There is no proposal to agree to yet: the chair moves the forum to Agree to freeze it."

# The Leeds Practice Principles check, in the order the chair walks through it.
PRINCIPLES = [
    ("strength_focused", "Is the plan strength-focused?"),
    ("family_involved_and_told", "Is the family involved, and will they be told about the plan?"),
    ("education_protective", "Is education considered as a protective factor?"),
    ("fewer_workers", "Does the plan reduce the number of workers around the family?"),
    ("likely_to_achieve", "Is the plan likely to achieve the goals? If not, why not?"),
]
PRINCIPLE_QUESTIONS = dict(PRINCIPLES)


def clean_text(value: str | None, what: str) -> str | None:
    """Text with surrounding space removed (None when blank); ServiceError when too long."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_REASON:
        raise ServiceError(f"The {what} must be at most {MAX_REASON} characters.")
    return value or None


def nominate_lead(forum_id: int, user: User, nominee_id: int | None) -> None:
    """Name the participant proposed as lead worker (chair only); a new nominee must accept again."""
    require_chair(forum_id, user)
    if nominee_id is not None and participation(forum_id, nominee_id) is None:
        raise ServiceError("The lead worker must be a participant of this forum.", code="not_found")
    claim_open_forum(forum_id)
    plan = plan_of(forum_id)
    if plan.lead_worker_id != nominee_id:
        plan.lead_worker_id = nominee_id
        plan.lead_nominated_at = utcnow() if nominee_id is not None else None
        plan.lead_accepted_at = plan.lead_accepted_proposal = None
        record("lead.nominate", actor_id=user.id, forum_id=forum_id, nominee=nominee_id)


def accept_lead(forum_id: int, user: User) -> None:
    """The nominee accepts being the lead worker."""
    participant = participation(forum_id, user.id)
    if participant is None:
        raise ServiceError("You are not a participant of this forum.", code="forbidden")
    claim_open_forum(forum_id)
    plan = plan_of(forum_id)
    if plan.lead_worker_id != user.id:
        raise ServiceError("Only the person nominated as lead worker can accept.", code="forbidden")
    sha256 = _proposal_sha256(forum_id)
    if plan.lead_accepted_at is None or plan.lead_accepted_proposal != sha256:
        plan.lead_accepted_at, plan.lead_accepted_proposal = utcnow(), sha256
        record("lead.accept", actor_id=user.id, forum_id=forum_id, proposal=sha256)


def _proposal_sha256(forum_id: int) -> str:
    """The hash of the proposal being agreed (after claim_open_forum); ServiceError no_proposal."""
    proposal = current_proposal(forum_id)
    if proposal is None:
        raise ServiceError(NO_PROPOSAL, code="no_proposal")
    return proposal[1]


def decline_lead(forum_id: int, user: User) -> None:
    """The nominee declines; nobody is nominated until the chair nominates again."""
    claim_open_forum(forum_id)
    plan = plan_of(forum_id)
    if plan.lead_worker_id != user.id:
        raise ServiceError("Only the person nominated as lead worker can decline.", code="forbidden")
    plan.lead_worker_id = plan.lead_nominated_at = plan.lead_accepted_at = plan.lead_accepted_proposal = None
    record("lead.decline", actor_id=user.id, forum_id=forum_id)


def attending_agencies(forum_id: int) -> list[Agency]:
    """The agencies of the forum's chair and contributors, by name: each must record a stance."""
    users = db.session.scalars(
        select(User)
        .join(Participant, Participant.user_id == User.id)
        .where(Participant.forum_id == forum_id, Participant.role.in_(WRITERS))
    ).all()
    agencies = {user.agency.id: user.agency for user in users}
    return sorted(agencies.values(), key=lambda agency: (agency.name.lower(), agency.id))


def stances(forum_id: int) -> list[Stance]:
    return list(db.session.scalars(select(Stance).where(Stance.forum_id == forum_id).order_by(Stance.id)))


def set_stance(forum_id: int, user: User, stance: str, reason: str | None) -> Stance:
    """Record (or change) the user's agency's stance on the current proposal (in Agree only);
    concerns and objections need a reason. Earlier stances stay in the audit trail."""
    participant = require_writer(forum_id, user)
    try:
        kind = StanceKind(stance)
    except ValueError as error:
        raise ServiceError("Stance must be agree, agree_with_concerns or object.") from error
    reason = clean_text(reason, "reason")
    if kind != StanceKind.AGREE and reason is None:
        raise ServiceError("Say why: a reason is needed for concerns or an objection.", code="reason_needed")
    claim_open_forum(forum_id)
    sha256 = _proposal_sha256(forum_id)
    agency_id = participant.user.agency_id
    row = db.session.scalar(select(Stance).where(Stance.forum_id == forum_id, Stance.agency_id == agency_id))
    if row is None:
        row = Stance(forum_id=forum_id, agency_id=agency_id, stance=kind, recorded_by=user.id)
        db.session.add(row)
    row.stance, row.reason, row.recorded_by, row.recorded_at = kind, reason, user.id, utcnow()
    row.proposal_sha256 = sha256
    db.session.flush()
    record(
        "stance.set",
        actor_id=user.id,
        forum_id=forum_id,
        agency_id=agency_id,
        stance=kind.value,
        proposal=sha256,
    )
    return row


def principles(forum_id: int) -> dict[str, PrincipleAnswer]:
    rows = db.session.scalars(select(PrincipleAnswer).where(PrincipleAnswer.forum_id == forum_id))
    return {row.key: row for row in rows}


def set_principle(forum_id: int, user: User, key: str, answer: str, note: str | None) -> PrincipleAnswer:
    """Record the group's answer to one principles question (chair only)."""
    require_chair(forum_id, user)
    if key not in PRINCIPLE_QUESTIONS:
        raise ServiceError(f"Unknown principle {key!r}.")
    try:
        kind = PrincipleAnswerKind(answer)
    except ValueError as error:
        raise ServiceError("Answer must be yes, no or partly.") from error
    note = clean_text(note, "note") or ""
    if key == "likely_to_achieve" and kind == PrincipleAnswerKind.NO and not note:
        raise ServiceError("Say why the plan is not likely to achieve the goals.", code="reason_needed")
    claim_open_forum(forum_id)
    row = db.session.scalar(
        select(PrincipleAnswer).where(PrincipleAnswer.forum_id == forum_id, PrincipleAnswer.key == key)
    )
    if row is None:
        row = PrincipleAnswer(forum_id=forum_id, key=key, answer=kind, recorded_by=user.id)
        db.session.add(row)
    row.answer, row.note, row.recorded_by, row.recorded_at = kind, note, user.id, utcnow()
    record("principles.set", actor_id=user.id, forum_id=forum_id, key=key, answer=kind.value)
    return row
