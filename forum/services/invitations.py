"""Invitations: a chair invites an email address to a forum with a role, by a signed single-use link."""

import logging
import secrets
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select, update

from forum.auth.passwords import check_strength, hash_password
from forum.auth.permissions import may_manage
from forum.extensions import db
from forum.models import Forum, ForumRole, Invitation, InvitationState, Participant, Stage, User
from forum.services import ServiceError
from forum.services.accounts import find_user, normalise_email
from forum.services.administration import get_agency
from forum.services.audit import record
from forum.services.forums import get_forum, parse_role, participation
from forum.services.mail import deliver
from forum.services.signed_links import (
    LinkRefusedError,
    derived_secret,
    hash_secret,
    new_nonce,
    secret_matches,
    sign,
    unsign,
)

log = logging.getLogger(__name__)

INVITATION = "invitation"
DEFAULT_DAYS = 7
_NOT_VALID = "This invitation link is not valid. Check you copied all of it, or ask the chair for a new one."


def invite(
    forum_id: int,
    email: str,
    role: str,
    inviter: User | None,
    days: int = DEFAULT_DAYS,
    agency_id: int | None = None,
) -> tuple[Invitation, str]:
    """Invite an email address to a forum; return the invitation and its link token.

    inviter None is an administrator at the command line. A new invitation to the same address
    replaces a pending one (its link stops working).
    """
    forum = get_forum(forum_id)
    if inviter is not None and not may_manage(forum, inviter):
        raise ServiceError("Only the forum's chair can invite people.", "forbidden")
    invitation = stage_invitation(forum, email, role, agency_id, inviter, days)
    return invitation, link_token(invitation)


def stage_invitation(
    forum: Forum, email: str, role: str, agency_id: int | None, inviter: User | None, days: int
) -> Invitation:
    """Check and add one invitation to the transaction (the caller checked the inviter may manage
    the forum, and commits)."""
    forum_role = parse_role(role)
    email = normalise_email(email)
    if forum.stage == Stage.LOCKED:
        raise ServiceError("This forum's plan is locked: nobody new can join it.", "locked")
    existing = find_user(email)
    if existing is not None and not existing.active:
        raise ServiceError(f"The account for {email} is deactivated. Ask an administrator.", "inactive")
    if existing is not None and participation(forum.id, existing.id) is not None:
        raise ServiceError(f"{email} already takes part in this forum.", "duplicate")
    if not 1 <= days <= 30:
        raise ServiceError("An invitation lasts between 1 and 30 days.")
    if agency_id is not None and not get_agency(agency_id).active:
        raise ServiceError("Choose an active agency.", "agency")
    actor_id = inviter.id if inviter else None
    now = datetime.now(UTC)
    for earlier in db.session.scalars(_pending(forum.id, email)):
        earlier.state, earlier.withdrawn_at = InvitationState.WITHDRAWN, now
        record("invitation.replace", actor_id=actor_id, forum_id=forum.id, invitation_id=earlier.id)
    invitation = Invitation(
        forum_id=forum.id,
        email=email,
        role=forum_role,
        agency_id=agency_id,
        invited_by=actor_id,
    )
    _new_link(invitation, now, days)
    db.session.add(invitation)
    db.session.flush()
    record(
        "invitation.create",
        actor_id=actor_id,
        forum_id=forum.id,
        invitation_id=invitation.id,
        role=forum_role.value,
    )
    return invitation


def _new_link(invitation: Invitation, now: datetime, days: int) -> None:
    """Give the invitation a fresh link (any earlier link stops working) that lasts `days`."""
    invitation.link_nonce = new_nonce()
    invitation.token_hash = hash_secret(derived_secret(INVITATION, invitation.link_nonce))
    invitation.expires_at = now + timedelta(days=days)
    invitation.sent_at = now


def link_token(invitation: Invitation) -> str | None:
    """The token of the invitation's current link, or None for a link made before links could be
    shown again (resend it to get one)."""
    if not invitation.link_nonce:
        return None
    return sign(INVITATION, invitation.id, derived_secret(INVITATION, invitation.link_nonce))


def status_of(invitation: Invitation) -> str:
    """pending, expired, accepted or withdrawn."""
    if invitation.state == InvitationState.PENDING and is_expired(invitation):
        return "expired"
    return invitation.state.value


def _pending(forum_id: int, email: str):
    return select(Invitation).where(
        Invitation.forum_id == forum_id,
        Invitation.email == email,
        Invitation.state == InvitationState.PENDING,
    )


def invitations_for(forum_id: int) -> list[Invitation]:
    """A forum's invitations, newest first."""
    return list(
        db.session.scalars(
            select(Invitation).where(Invitation.forum_id == forum_id).order_by(Invitation.id.desc())
        )
    )


def is_expired(invitation: Invitation) -> bool:
    return invitation.expires_at <= datetime.now(UTC)


def check_invitation(token: str) -> Invitation:
    """The pending, unexpired invitation of a link, or LinkRefusedError saying why not."""
    try:
        invitation_id, secret = unsign(INVITATION, token)
    except LinkRefusedError as error:
        raise LinkRefusedError(_NOT_VALID, "tampered") from error
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not secret_matches(invitation.token_hash, secret):
        raise LinkRefusedError(_NOT_VALID, "tampered")
    if invitation.state == InvitationState.ACCEPTED:
        raise LinkRefusedError("This invitation has already been used. Sign in to open the forum.", "used")
    if invitation.state == InvitationState.WITHDRAWN:
        raise LinkRefusedError("The chair has withdrawn this invitation.", "withdrawn")
    if is_expired(invitation):
        raise LinkRefusedError("This invitation has expired. Ask the chair to invite you again.", "expired")
    return invitation


def _claim(invitation: Invitation) -> None:
    """Mark the invitation accepted, exactly once even when two requests race."""
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.state == InvitationState.PENDING)
        .values(state=InvitationState.ACCEPTED, accepted_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise LinkRefusedError("This invitation has already been used. Sign in to open the forum.", "used")


def _join(invitation: Invitation, user: User) -> Participant:
    participant = participation(invitation.forum_id, user.id)
    if participant is None:
        participant = Participant(forum_id=invitation.forum_id, user_id=user.id, role=invitation.role)
        db.session.add(participant)
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(accepted_by=user.id)
        .execution_options(synchronize_session=False)
    )
    record(
        "invitation.accept",
        actor_id=user.id,
        forum_id=invitation.forum_id,
        invitation_id=invitation.id,
        role=invitation.role.value,
    )
    return participant


def claim_and_join(invitation: Invitation, user: User) -> Participant:
    """Use the invitation (once) to put this user in its forum; the caller commits."""
    _claim(invitation)
    return _join(invitation, user)


def accept_as(token: str, user: User) -> Forum:
    """A signed-in person with an account joins the forum through their invitation."""
    invitation = check_invitation(token)
    if user.email != invitation.email:
        raise LinkRefusedError(
            "This invitation was sent to a different email address. Sign out, then open the link again.",
            "other_account",
        )
    _claim(invitation)
    _join(invitation, user)
    return invitation.forum


def accept_with_new_account(token: str, full_name: str, agency_id: int | None, password: str) -> User:
    """A person without an account sets their name, password and (unless the chair chose it) agency,
    and joins the forum."""
    invitation = check_invitation(token)
    if find_user(invitation.email) is not None:
        raise ServiceError("There is already an account for this email address: sign in instead.", "exists")
    full_name = " ".join((full_name or "").split())
    if not full_name or len(full_name) > 120:
        raise ServiceError("Enter your full name (at most 120 characters).", "full_name")
    agency = invitation.agency or get_agency(agency_id or 0)
    if not agency.active:
        raise ServiceError("Choose your agency from the list.", "agency")
    check_strength(password)
    _claim(invitation)
    user = User(
        email=invitation.email,
        full_name=full_name,
        agency_id=agency.id,
        password_hash=hash_password(password),
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.flush()
    record("user.create", actor_id=user.id, user_id=user.id, invitation_id=invitation.id)
    _join(invitation, user)
    return user


def withdraw(invitation_id: int, forum_id: int, actor: User) -> Invitation:
    """The chair withdraws a pending invitation; its link stops working."""
    forum = get_forum(forum_id)
    if not may_manage(forum, actor):
        raise ServiceError("Only the forum's chair can withdraw invitations.", "forbidden")
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.forum_id != forum.id:
        raise ServiceError("Unknown invitation.", "not_found")
    if invitation.state != InvitationState.PENDING:
        raise ServiceError("Only a pending invitation can be withdrawn.", "not_pending")
    invitation.state, invitation.withdrawn_at = InvitationState.WITHDRAWN, datetime.now(UTC)
    record("invitation.withdraw", actor_id=actor.id, forum_id=forum.id, invitation_id=invitation.id)
    return invitation


def send_invitation_email(invitation: Invitation, link: str, mail: dict) -> bool:
    """Send the invitation by SMTP when MAIL_SERVER is configured; False when not sent."""
    if not mail.get("MAIL_SERVER"):
        return False
    message = EmailMessage()
    message["Subject"] = f"You are invited to a Rethink forum ({invitation.forum.reference})"
    message["From"] = mail.get("MAIL_SENDER") or "rethink-forum@localhost"
    message["To"] = invitation.email
    role = {ForumRole.CHAIR: "chair", ForumRole.CONTRIBUTOR: "contributor", ForumRole.OBSERVER: "observer"}
    message.set_content(
        f"You have been invited to take part in the Rethink forum {invitation.forum.reference} "
        f"as {role[invitation.role]}.\n\nOpen this link to join (it works once, until "
        f"{invitation.expires_at:%d %B %Y}):\n\n{link}\n\n"
        "The forum's information is OFFICIAL-SENSITIVE. Do not forward this email.\n"
    )
    if (failure := deliver(message, mail)) is not None:
        log.warning("invitation %s: email not sent (%s)", invitation.id, failure)
        return False
    record("invitation.email", forum_id=invitation.forum_id, invitation_id=invitation.id)
    return True
