"""Bringing a forum's people in at once: several invitations in one go, resending a link, and adding
people who already have an account (found by name or email)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select

from forum.extensions import db
from forum.models import Forum, Invitation, InvitationState, Participant, Stage, User
from forum.services import ServiceError
from forum.services.accounts import normalise_email
from forum.services.audit import record
from forum.services.forums import parse_role, participation
from forum.services.invitations import _new_link, link_token, stage_invitation
from forum.services.scheduling import managed_forum

MAX_PEOPLE = 20  # invitations in one form
MAX_RESULTS = 20  # accounts a search shows
MIN_SEARCH = 2  # characters


@dataclass(frozen=True)
class Invitee:
    """One row of the chair's invitation form."""

    email: str
    agency_id: int | None
    role: str


class PersonRefusedError(ServiceError):
    """One row of several refused; row is its index (from 0) and field the field it is about."""

    def __init__(self, row: int, field: str, error: ServiceError):
        super().__init__(f"Person {row + 1}: {error.message}", error.code)
        self.row, self.field, self.reason = row, field, error.message


_FIELD_OF = {"agency": "agency_id", "not_found": "agency_id"}


def invite_people(
    forum_id: int, invitees: list[Invitee], inviter: User, days: int
) -> list[tuple[Invitation, str]]:
    """Invite several people at once: all of them, or (any row refused) none. Returns each
    invitation with its link token, in the order given."""
    forum = managed_forum(forum_id, inviter)
    if not invitees:
        raise ServiceError("Enter at least one person's email address.", "empty")
    if len(invitees) > MAX_PEOPLE:
        raise ServiceError(f"Invite at most {MAX_PEOPLE} people at once.", "too_many")
    seen: set[str] = set()
    created = []
    for row, invitee in enumerate(invitees):
        try:
            parse_role(invitee.role)
        except ServiceError as error:
            raise PersonRefusedError(row, "role", error) from error
        try:
            email = normalise_email(invitee.email)
            if email in seen:
                raise ServiceError(f"{email} is in the list twice.", "duplicate")
            seen.add(email)
            if invitee.agency_id is None:
                raise ServiceError("Choose the agency they represent.", "agency")
            invitation = stage_invitation(forum, email, invitee.role, invitee.agency_id, inviter, days)
        except ServiceError as error:
            raise PersonRefusedError(row, _FIELD_OF.get(error.code, "email"), error) from error
        created.append(invitation)
    return [(invitation, link_token(invitation)) for invitation in created]


def _invitation(forum: Forum, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.forum_id != forum.id:
        raise ServiceError("Unknown invitation.", "not_found")
    return invitation


def resend(forum_id: int, invitation_id: int, actor: User, days: int) -> tuple[Invitation, str]:
    """A new link for a pending (or expired) invitation, lasting `days` again; the old link stops
    working. Returns the invitation and the new link's token."""
    forum = managed_forum(forum_id, actor)
    invitation = _invitation(forum, invitation_id)
    if invitation.state != InvitationState.PENDING:
        raise ServiceError(
            "Only an invitation nobody has used or withdrawn can be sent again.", "not_pending"
        )
    if forum.stage == Stage.LOCKED:
        raise ServiceError("This forum's plan is locked: nobody new can join it.", "locked")
    _new_link(invitation, datetime.now(UTC), days)
    record("invitation.resend", actor_id=actor.id, forum_id=forum.id, invitation_id=invitation.id)
    return invitation, link_token(invitation)


def current_link(forum_id: int, invitation_id: int, actor: User) -> str | None:
    """The token of a pending invitation's link, for the chair to copy again."""
    forum = managed_forum(forum_id, actor)
    invitation = _invitation(forum, invitation_id)
    return link_token(invitation) if invitation.state == InvitationState.PENDING else None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_accounts(forum_id: int, query: str, actor: User) -> list[User]:
    """Active accounts whose name or email contains the query, not yet in the forum (at most
    MAX_RESULTS, by name)."""
    forum = managed_forum(forum_id, actor)
    query = " ".join((query or "").split()).lower()
    if len(query) < MIN_SEARCH:
        raise ServiceError(f"Enter at least {MIN_SEARCH} letters of a name or email address.", "query")
    if len(query) > 254:
        raise ServiceError("Enter at most 254 characters.", "query")
    pattern = _like(query)
    in_forum = select(Participant.user_id).where(Participant.forum_id == forum.id)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active,
                User.id.not_in(in_forum),
                or_(
                    func.lower(User.full_name).like(pattern, escape="\\"),
                    User.email.like(pattern, escape="\\"),
                ),
            )
            .order_by(User.full_name, User.id)
            .limit(MAX_RESULTS)
        )
    )


def add_account(forum_id: int, user_id: int, role: str, actor: User) -> Participant:
    """Add someone who already has an account to the forum with a role."""
    forum = managed_forum(forum_id, actor)
    forum_role = parse_role(role)
    if forum.stage == Stage.LOCKED:
        raise ServiceError("This forum's plan is locked: nobody new can join it.", "locked")
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise ServiceError("There is no such active account.", "not_found")
    if participation(forum.id, user.id) is not None:
        raise ServiceError(f"{user.full_name} already takes part in this forum.", "duplicate")
    participant = Participant(forum_id=forum.id, user_id=user.id, role=forum_role)
    db.session.add(participant)
    db.session.flush()
    record(
        "forum.participant_add", actor_id=actor.id, forum_id=forum.id, user_id=user.id, role=forum_role.value
    )
    return participant
