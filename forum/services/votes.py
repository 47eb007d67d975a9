"""Prioritising: votes on perpetuating entries within a budget, and the chair's confirmed order."""

from sqlalchemy import delete, func, select

from forum.auth.permissions import require_chair, require_writer
from forum.extensions import db
from forum.models import Entry, User
from forum.models.base import utcnow
from forum.models.facilitation import Priority, Vote
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.claims import claim_open_forum
from forum.services.stages import plan_of

DEFAULT_VOTE_BUDGET = 3
VOTE_PANEL = "perpetuating"
MAX_PRIORITIES = 50


def perpetuating_entry(forum_id: int, entry_id: int) -> Entry:
    """An active entry of the forum's perpetuating panel, or ServiceError."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.forum_id != forum_id or entry.removed_at is not None:
        raise ServiceError("There is no such entry.", code="not_found")
    if entry.panel != VOTE_PANEL:
        raise ServiceError("Only perpetuating factors can be voted on or prioritised.")
    return entry


def add_vote(forum_id: int, user: User, entry_id: int, budget: int = DEFAULT_VOTE_BUDGET) -> Vote:
    """Vote for a perpetuating entry, within the user's budget; one vote per entry."""
    require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)  # serialises this user's concurrent votes, so the budget holds
    perpetuating_entry(forum_id, entry_id)
    if db.session.scalar(select(Vote).where(Vote.entry_id == entry_id, Vote.user_id == user.id)):
        raise ServiceError("You have already voted for this entry.", code="already_voted")
    used = db.session.scalar(
        select(func.count(Vote.id))
        .join(Entry, Entry.id == Vote.entry_id)
        .where(Vote.forum_id == forum_id, Vote.user_id == user.id, Entry.removed_at.is_(None))
    )
    if used >= budget:
        raise ServiceError(f"You have used all {budget} of your votes.", code="no_votes_left")
    vote = Vote(forum_id=forum_id, entry_id=entry_id, user_id=user.id)
    db.session.add(vote)
    db.session.flush()
    record("vote.add", actor_id=user.id, forum_id=forum_id, entry_id=entry_id)
    return vote


def remove_vote(forum_id: int, user: User, entry_id: int) -> None:
    """Take back the user's vote for an entry."""
    require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)
    result = db.session.execute(
        delete(Vote).where(Vote.forum_id == forum_id, Vote.entry_id == entry_id, Vote.user_id == user.id)
    )
    if result.rowcount == 0:
        raise ServiceError("You have not voted for this entry.", code="not_found")
    record("vote.remove", actor_id=user.id, forum_id=forum_id, entry_id=entry_id)


def tallies(forum_id: int) -> dict[int, list[int]]:
    """Who voted for each active perpetuating entry: entry id → user ids."""
    rows = db.session.execute(
        select(Vote.entry_id, Vote.user_id)
        .join(Entry, Entry.id == Vote.entry_id)
        .where(Vote.forum_id == forum_id, Entry.removed_at.is_(None))
        .order_by(Vote.entry_id, Vote.user_id)
    )
    voters: dict[int, list[int]] = {}
    for entry_id, user_id in rows:
        voters.setdefault(entry_id, []).append(user_id)
    return voters


def priorities(forum_id: int) -> list[Priority]:
    """The confirmed priorities in rank order."""
    return list(
        db.session.scalars(select(Priority).where(Priority.forum_id == forum_id).order_by(Priority.rank))
    )


def confirm_priorities(forum_id: int, user: User, entry_ids: list[int]) -> list[Priority]:
    """Replace the confirmed priorities by these perpetuating entries, first = rank 1 (chair only)."""
    require_chair(forum_id, user)
    if len(set(entry_ids)) != len(entry_ids):
        raise ServiceError("Each entry can be a priority only once.")
    if len(entry_ids) > MAX_PRIORITIES:
        raise ServiceError(f"At most {MAX_PRIORITIES} priorities.")
    claim_open_forum(forum_id, draft=True)
    for entry_id in entry_ids:
        perpetuating_entry(forum_id, entry_id)
    db.session.execute(delete(Priority).where(Priority.forum_id == forum_id))
    db.session.flush()
    for rank, entry_id in enumerate(entry_ids, start=1):
        db.session.add(Priority(forum_id=forum_id, rank=rank, entry_id=entry_id))
    plan_of(forum_id).priorities_confirmed_at = utcnow()
    record("priorities.confirm", actor_id=user.id, forum_id=forum_id, entries=list(entry_ids))
    return priorities(forum_id)
