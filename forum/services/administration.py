"""Administrators' rules: agencies, accounts, one-time password links and the formulation template."""

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from forum.auth.passwords import check_strength, hash_password, verify_password
from forum.extensions import db
from forum.models import Agency, FormulationTemplate, PasswordLink, User
from forum.services import ServiceError
from forum.services.accounts import create_agency, create_user, find_agency
from forum.services.audit import record
from forum.services.signals import send_after_commit, user_signed_out_everywhere
from forum.services.signed_links import LinkRefusedError, new_secret, secret_matches, sign, unsign
from forum.services.templates import load_template, validate_template

RESET_PURPOSE = "set-password"
PASSWORD_LINK_HOURS = 72


def _clean_name(name: str, what: str, limit: int) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > limit:
        raise ServiceError(f"{what} must be between 1 and {limit} characters.")
    return name


# Agencies


def agencies(active_only: bool = False) -> list[Agency]:
    """Agencies by name."""
    query = select(Agency).order_by(func.lower(Agency.name))
    if active_only:
        query = query.where(Agency.active.is_(True))
    return list(db.session.scalars(query))


def get_agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise ServiceError(f"Unknown agency {agency_id}.", "not_found")
    return agency


def add_agency(name: str, actor: User) -> Agency:
    """Create an agency (audited)."""
    return create_agency(name, actor_id=actor.id)


def rename_agency(agency_id: int, name: str, actor: User) -> Agency:
    """Give an agency a new, unique name; past attributions follow the agency, not the old name."""
    agency = get_agency(agency_id)
    name = _clean_name(name, "Agency name", 120)
    other = find_agency(name)
    if other is not None and other.id != agency.id:
        raise ServiceError(f"Agency {name!r} already exists.", "duplicate")
    agency.name = name
    record("agency.rename", actor_id=actor.id, agency_id=agency.id)
    return agency


def set_agency_active(agency_id: int, active: bool, actor: User) -> Agency:
    """Deactivate an agency (no new accounts or forums with it) or bring it back."""
    agency = get_agency(agency_id)
    agency.active = active
    record("agency.activate" if active else "agency.deactivate", actor_id=actor.id, agency_id=agency.id)
    return agency


# Accounts


def users() -> list[User]:
    """Every account, by name."""
    return list(db.session.scalars(select(User).order_by(func.lower(User.full_name), User.id)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise ServiceError(f"Unknown user {user_id}.", "not_found")
    return user


def add_user(email: str, full_name: str, agency_id: int, is_admin: bool, actor: User) -> tuple[User, str]:
    """Create an account with no usable password; return it with a one-time link token to set one."""
    agency = get_agency(agency_id)
    user = create_user(email, full_name, agency.name, secrets.token_urlsafe(32), is_admin, actor_id=actor.id)
    return user, issue_password_link(user.id, actor)


def update_user(user_id: int, agency_id: int, is_admin: bool, actor: User) -> User:
    """Move a user to another agency and set their administrator flag."""
    user = get_user(user_id)
    agency = get_agency(agency_id)
    if not agency.active and agency.id != user.agency_id:
        raise ServiceError(f"{agency.name} is deactivated: choose an active agency.", "inactive")
    if user.id == actor.id and not is_admin:
        raise ServiceError("You cannot remove your own administrator access.", "self")
    changed = {}
    if user.agency_id != agency.id:
        changed["agency_id"] = agency.id
    if user.is_admin != is_admin:
        changed["admin"] = is_admin
    user.agency_id, user.is_admin = agency.id, is_admin
    record("user.update", actor_id=actor.id, user_id=user.id, **changed)
    return user


def sign_out_everywhere(user: User) -> None:
    """Rotate the session token (part of every session id) so each open session ends."""
    user.session_token = secrets.token_hex(16)


def set_user_active(user_id: int, active: bool, actor: User) -> User:
    """Deactivate an account, signing it out everywhere at once, or reactivate it."""
    user = get_user(user_id)
    if user.id == actor.id and not active:
        raise ServiceError("You cannot deactivate your own account.", "self")
    user.active = active
    if not active:
        sign_out_everywhere(user)
    record("user.activate" if active else "user.deactivate", actor_id=actor.id, user_id=user.id)
    if not active:
        send_after_commit(user_signed_out_everywhere, user_id=user.id)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """A user changes their own password; every other session of theirs ends."""
    if not verify_password(user.password_hash, current):
        raise ServiceError("Your current password is not right.", "wrong_password")
    check_strength(new)
    user.password_hash = hash_password(new)
    sign_out_everywhere(user)
    record("user.password_change", actor_id=user.id, user_id=user.id)
    send_after_commit(user_signed_out_everywhere, user_id=user.id)


# One-time password links


def issue_password_link(user_id: int, actor: User) -> str:
    """Issue a one-time link token for the user to set a new password; earlier links stop working."""
    user = get_user(user_id)
    if not user.active:
        raise ServiceError("Reactivate the account before issuing a password link.", "inactive")
    now = datetime.now(UTC)
    db.session.execute(
        update(PasswordLink)
        .where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
    secret, token_hash = new_secret()
    link = PasswordLink(
        user_id=user.id,
        token_hash=token_hash,
        expires_at=now + timedelta(hours=PASSWORD_LINK_HOURS),
        issued_by=actor.id,
    )
    db.session.add(link)
    db.session.flush()
    record("user.password_link", actor_id=actor.id, user_id=user.id, link_id=link.id)
    return sign(RESET_PURPOSE, link.id, secret)


def check_password_link(token: str) -> PasswordLink:
    """The unused, unexpired link for a token, or LinkRefusedError saying why not."""
    link_id, secret = unsign(RESET_PURPOSE, token)
    link = db.session.get(PasswordLink, link_id)
    if link is None or not secret_matches(link.token_hash, secret):
        raise LinkRefusedError("This link is not valid. Check you copied all of it.", "tampered")
    if link.used_at is not None:
        raise LinkRefusedError("This link has already been used. Ask an administrator for a new one.", "used")
    if link.expires_at <= datetime.now(UTC):
        raise LinkRefusedError("This link has expired. Ask an administrator for a new one.", "expired")
    if not link.user.active:
        raise LinkRefusedError("This account has been deactivated.", "inactive")
    return link


def use_password_link(token: str, new_password: str) -> User:
    """Set a new password through a one-time link, exactly once; every session of the user ends."""
    link = check_password_link(token)
    check_strength(new_password)
    claimed = db.session.execute(
        update(PasswordLink)
        .where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None))
        .values(used_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise LinkRefusedError("This link has already been used. Ask an administrator for a new one.", "used")
    user = link.user
    user.password_hash = hash_password(new_password)
    sign_out_everywhere(user)
    record("user.password_reset", actor_id=user.id, user_id=user.id, link_id=link.id)
    send_after_commit(user_signed_out_everywhere, user_id=user.id)
    return user


# The formulation template


def current_template(fallback_path: str = "") -> dict:
    """The administrators' newest template, else the deployment's file, else the built-in 6Ps."""
    row = db.session.scalar(select(FormulationTemplate).order_by(FormulationTemplate.id.desc()).limit(1))
    return row.template if row is not None else load_template(fallback_path)


def save_template(template: dict, actor: User) -> dict:
    """Store a new current template; existing forums keep their own copies."""
    template = validate_template(template)
    db.session.add(FormulationTemplate(template=template, created_by=actor.id))
    record("template.update", actor_id=actor.id, panels=[panel["key"] for panel in template["panels"]])
    return template
