"""Forums and who takes part in them."""

import re

from sqlalchemy import bindparam, select

from forum.extensions import db
from forum.models import Forum, ForumRole, Participant
from forum.prepared import Prepared
from forum.services import ServiceError
from forum.services.accounts import find_user
from forum.services.audit import record
from forum.services.signals import participation_changed, send_after_commit

REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$")
NOT_A_PARTICIPANT = "You are not a participant of this forum."
OBSERVERS_ONLY_WATCH = "Observers can see the forum but not change it."


def parse_role(role: str) -> ForumRole:
    """The forum role named by role, or ServiceError."""
    try:
        return ForumRole(role.strip().lower())
    except ValueError as error:
        raise ServiceError(f"Unknown role {role!r}: use chair, contributor or observer.") from error


def get_forum(forum_id: int) -> Forum:
    """The forum with this id, or ServiceError."""
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        raise ServiceError(f"Unknown forum {forum_id}.", code="not_found")
    return forum


def add_participant(forum_id: int, email: str, role: str, actor_id=None) -> Participant:
    """Add a user to a forum with a role, or change the role they already have."""
    forum_role = parse_role(role)
    forum = get_forum(forum_id)
    user = find_user(email)
    if user is None or not user.active:
        raise ServiceError(f"Unknown user {email!r}.")
    participant = participation(forum.id, user.id)
    if participant is None:
        participant = Participant(forum_id=forum.id, user_id=user.id, role=forum_role)
        db.session.add(participant)
        record(
            "forum.participant_set",
            actor_id=actor_id,
            forum_id=forum.id,
            user_id=user.id,
            role=forum_role.value,
        )
        return participant
    return change_role(forum, participant, forum_role, actor_id)


def change_role(forum: Forum, participant: Participant, role: ForumRole, actor_id: int | None) -> Participant:
    """Give a participant another role (the one rule for the Manage page and `flask forum
    add-participant`): a forum keeps a chair; audited; their open sockets are told once it is stored."""
    if participant.role == ForumRole.CHAIR and role != ForumRole.CHAIR:
        keeps_a_chair(forum, participant)
    participant.role = role
    record(
        "forum.participant_set",
        actor_id=actor_id,
        forum_id=forum.id,
        user_id=participant.user_id,
        role=role.value,
    )
    send_after_commit(participation_changed, forum_id=forum.id, user_id=participant.user_id, role=role.value)
    return participant


def keeps_a_chair(forum: Forum, changing: Participant) -> None:
    """Refuse (last_chair) a change that would leave the forum without a chair."""
    chairs = [p for p in forum.participants if p.role == ForumRole.CHAIR and p.id != changing.id]
    if not chairs:
        raise ServiceError("A forum needs a chair: make someone else chair first.", "last_chair")


def participation(forum_id: int, user_id: int) -> Participant | None:
    """The user's participation in the forum, if any."""
    return db.session.scalar(
        select(Participant).where(Participant.forum_id == forum_id, Participant.user_id == user_id)
    )


def write_refusal(role: ForumRole | None) -> ServiceError | None:
    """Why someone with this role (None: not a participant) may not change a forum, or None."""
    if role is None:
        return ServiceError(NOT_A_PARTICIPANT, code="forbidden")
    if not role.writes:
        return ServiceError(OBSERVERS_ONLY_WATCH, code="forbidden")
    return None


_ROLE = Prepared(
    select(Participant.role).where(
        Participant.forum_id == bindparam("forum"), Participant.user_id == bindparam("user")
    )
)


def writing_refusals(forum_id: int, user_ids: set[int]) -> dict[int, ServiceError]:
    """Why each of these users may not change the forum (absent: they may).

    One prepared statement per user (forum/prepared.py): it runs for every batch of document
    updates, and a batch holds few authors per forum.
    """
    refusals = {}
    for user_id in user_ids:
        row = _ROLE.first({"forum": forum_id, "user": user_id})
        if (refusal := write_refusal(row[0] if row else None)) is not None:
            refusals[user_id] = refusal
    return refusals
