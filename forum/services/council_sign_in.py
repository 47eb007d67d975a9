"""Signing in with the council's identity provider (OpenID Connect): who the verified email address is.

The provider's ID token has been checked (signature, issuer, audience, expiry, nonce) before these
functions see its claims. An account is matched by a verified email address only; someone without
an account gets one only through a pending invitation to that address; nobody else gets in.
"""

import secrets
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from forum.auth.passwords import hash_password
from forum.extensions import db
from forum.models import Invitation, InvitationState, User
from forum.services import ServiceError
from forum.services.accounts import find_user
from forum.services.audit import record
from forum.services.invitations import claim_and_join

NOT_VERIFIED = (
    "Your council account did not confirm your email address, so it cannot be matched to an account here."
)
UNKNOWN = (
    "There is no account here for the email address your council account gave. Ask the chair of your "
    "forum to invite you, then sign in again."
)
INACTIVE = "Your account here is deactivated. Ask an administrator."
NO_AGENCY = "Your invitation does not say which agency you represent. Ask the chair to invite you again."


class CouncilSignInRefusedError(ServiceError):
    """The provider vouched for someone who may not come in; code says why."""


def _true(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def verified_email(claims: dict) -> str:
    """The normalised email address the provider verified, or CouncilSignInRefusedError."""
    email = claims.get("email")
    # Microsoft Entra ID vouches with the optional claim xms_edov (email domain owner verified).
    if not isinstance(email, str) or not (
        _true(claims.get("email_verified")) or _true(claims.get("xms_edov"))
    ):
        raise CouncilSignInRefusedError(NOT_VERIFIED, "unverified")
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise CouncilSignInRefusedError(NOT_VERIFIED, "unverified") from error


def _full_name(claims: dict, email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str))
    name = " ".join(name.split())[:120]
    return name or email.split("@")[0]


def _pending_invitation(email: str) -> Invitation | None:
    """The newest unexpired pending invitation to this address."""
    return db.session.scalar(
        select(Invitation)
        .where(
            Invitation.email == email,
            Invitation.state == InvitationState.PENDING,
            Invitation.expires_at > datetime.now(UTC),
        )
        .order_by(Invitation.id.desc())
        .limit(1)
    )


def council_account(claims: dict, ip: str | None = None) -> tuple[User, int | None]:
    """The account the council's verified claims sign in to, and the forum joined on the way (if an
    invitation gave the account), with its audit row; CouncilSignInRefusedError when it may not come
    in (the edge rolls back, then audits the refusal with refused_sign_in)."""
    email = verified_email(claims)
    user = find_user(email)
    if user is not None:
        if not user.active:
            raise CouncilSignInRefusedError(INACTIVE, "inactive")
        record("auth.sign_in", actor_id=user.id, ip=ip, method="oidc")
        return user, None
    invitation = _pending_invitation(email)
    if invitation is None:
        raise CouncilSignInRefusedError(UNKNOWN, "unknown")
    if invitation.agency is None or not invitation.agency.active:
        raise CouncilSignInRefusedError(NO_AGENCY, "no_agency")
    user = User(
        email=email,
        full_name=_full_name(claims, email),
        agency_id=invitation.agency_id,
        password_hash=hash_password(secrets.token_urlsafe(32)),  # nobody knows it: council sign-in only
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.flush()
    record("user.create", actor_id=user.id, user_id=user.id, invitation_id=invitation.id, method="oidc")
    claim_and_join(invitation, user)
    record("auth.sign_in", actor_id=user.id, ip=ip, method="oidc")
    return user, invitation.forum_id


def refused_sign_in(claims: dict, error: CouncilSignInRefusedError, ip: str | None = None) -> None:
    """Audit a refused council sign-in (its own transaction: the refused one was rolled back)."""
    known = find_user(claims["email"]) if isinstance(claims.get("email"), str) else None
    record(
        "auth.sign_in_failed",
        actor_id=known.id if known else None,
        ip=ip,
        method="oidc",
        reason=error.code,
    )
