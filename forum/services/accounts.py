"""Agencies and user accounts."""

import secrets
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import lazyload

from forum.auth.passwords import check_strength, hash_password, verify_password
from forum.extensions import db
from forum.models import Agency, EndedSession, User
from forum.services import ServiceError
from forum.services.audit import record


def normalise_email(email: str) -> str:
    """A canonical, lower-case email address, or ServiceError."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ServiceError(f"Email address {email!r} is not valid: {error}") from error


def find_agency(name: str) -> Agency | None:
    """The agency with this name (case-insensitive), if any."""
    return db.session.scalar(select(Agency).where(func.lower(Agency.name) == name.strip().lower()))


def find_user(email: str) -> User | None:
    """The user with this email address, if any."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_agency(name: str, actor_id: int | None = None) -> Agency:
    """Create an agency with a unique name."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise ServiceError("Agency name must be between 1 and 120 characters.")
    if find_agency(name):
        raise ServiceError(f"Agency {name!r} already exists.")
    agency = Agency(name=name)
    db.session.add(agency)
    db.session.flush()
    record("agency.create", actor_id=actor_id, agency_id=agency.id)
    return agency


def create_user(
    email: str,
    full_name: str,
    agency_name: str,
    password: str,
    is_admin: bool = False,
    actor_id: int | None = None,
) -> User:
    """Create an account in an existing agency, with a strong password."""
    email = normalise_email(email)
    full_name = " ".join(full_name.split())
    if not full_name or len(full_name) > 120:
        raise ServiceError("Full name must be between 1 and 120 characters.")
    agency = find_agency(agency_name)
    if agency is None or not agency.active:
        raise ServiceError(f"Unknown agency {agency_name!r}.")
    if find_user(email):
        raise ServiceError(f"A user with email {email} already exists.")
    check_strength(password)
    user = User(
        email=email,
        full_name=full_name,
        agency_id=agency.id,
        password_hash=hash_password(password),
        is_admin=is_admin,
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.flush()
    record("user.create", actor_id=actor_id, user_id=user.id, admin=is_admin)
    return user


def authenticate(email: str, password: str, ip: str | None = None) -> User | None:
    """The user when the email and password match an active account; audited either way."""
    user = find_user(email) if email else None
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.active:
        record("auth.sign_in", actor_id=user.id, ip=ip)
        return user
    record("auth.sign_in_failed", actor_id=user.id if user else None, ip=ip)
    return None


def end_browser_session(user_id: int, key: str | None, keep: timedelta) -> None:
    """Remember that one browser session of a user ended, so a copy of its cookie is refused; forget
    endings older than `keep` (the absolute session lifetime: their cookies have expired anyway).
    The caller commits."""
    db.session.execute(delete(EndedSession).where(EndedSession.ended_at < datetime.now(UTC) - keep))
    if key is not None and db.session.get(EndedSession, (user_id, key)) is None:
        db.session.add(EndedSession(user_id=user_id, session_key=key))


def browser_session_ended(user_id: int, key: str | None) -> bool:
    """Whether that browser session of the user was ended (signed out or timed out)."""
    return key is not None and db.session.get(EndedSession, (user_id, key)) is not None


def _split_session_id(session_id: str | None) -> tuple[int, str] | None:
    """The user id and token of a Flask-Login session id ("user_id:token"), or None if malformed."""
    user_id, _, token = (session_id or "").partition(":")
    return (int(user_id), token) if user_id.isdigit() and token else None


def load_session_user(session_id: str) -> User | None:
    """The user for a Flask-Login session id ("user_id:token"); None if revoked."""
    if (parts := _split_session_id(session_id)) is None:
        return None
    user_id, token = parts
    # Requests and socket events load their user often: the agency only if they use it.
    user = db.session.get(User, user_id, options=[lazyload(User.agency)])
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user
