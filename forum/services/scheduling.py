"""Scheduling forums and managing who takes part: the chair's side of a forum before and during it."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import exists, select

from forum.auth import permissions
from forum.extensions import db
from forum.models import Forum, ForumRole, Participant, Stage, User
from forum.models.version import PlanVersion
from forum.services import ServiceError
from forum.services.accounts import find_user
from forum.services.administration import get_agency
from forum.services.audit import record
from forum.services.forums import REFERENCE_PATTERN, change_role, get_forum, keeps_a_chair, parse_role
from forum.services.signals import participation_changed, send_after_commit


def managed_forum(forum_id: int, user: User) -> Forum:
    """The forum, if the user may manage it; ServiceError otherwise."""
    forum = get_forum(forum_id)
    if not permissions.may_manage(forum, user):
        raise ServiceError("Only the forum's chair can change it.", "forbidden")
    return forum


def _details(title: str, presenting_agency_id: int | None) -> tuple[str, int | None]:
    title = " ".join((title or "").split())
    if not title or len(title) > 200:
        raise ServiceError("Enter a title of at most 200 characters.", "title")
    if presenting_agency_id is not None and not get_agency(presenting_agency_id).active:
        raise ServiceError("Choose an active agency.", "presenting_agency")
    return title, presenting_agency_id


def schedule_forum(
    reference: str,
    title: str,
    scheduled_at: datetime | None,
    presenting_agency_id: int | None,
    chair: User,
    template: dict,
    *,
    by_chair: bool = True,
    actor_id: int | None = None,
) -> Forum:
    """Create a forum chaired by `chair`, keeping its own copy of the formulation template: the one
    forum creation (the Manage page, `flask forum create`, the demo). Audited as the chair's act, or,
    with by_chair=False, as `actor_id`'s (None: the command line)."""
    reference = (reference or "").strip()
    if not REFERENCE_PATTERN.match(reference):
        raise ServiceError(
            "Reference must be 1 to 64 letters, digits or / _ . - and start with a letter or digit.",
            "reference",
        )
    if db.session.scalar(select(Forum.id).where(Forum.reference == reference)):
        raise ServiceError(f"A forum with reference {reference} already exists.", "reference")
    if not chair.active:
        raise ServiceError(f"{chair.email} cannot chair a forum: the account is deactivated.", "chair")
    title, presenting_agency_id = _details(title, presenting_agency_id)
    forum = Forum(
        reference=reference,
        title=title,
        scheduled_at=scheduled_at,
        presenting_agency_id=presenting_agency_id,
        template=template,
    )
    forum.participants.append(Participant(user_id=chair.id, role=ForumRole.CHAIR))
    db.session.add(forum)
    db.session.flush()
    record("forum.create", actor_id=chair.id if by_chair else actor_id, forum_id=forum.id, chair_id=chair.id)
    return forum


def create_forum(reference: str, title: str, chair_email: str, template: dict, actor_id=None) -> Forum:
    """schedule_forum for the command line: the chair named by email, no date yet."""
    chair = find_user(chair_email)
    if chair is None or not chair.active:
        raise ServiceError(f"Unknown user {chair_email!r}.")
    return schedule_forum(reference, title, None, None, chair, template, by_chair=False, actor_id=actor_id)


def update_forum(
    forum_id: int, actor: User, title: str, scheduled_at: datetime | None, presenting_agency_id: int | None
) -> Forum:
    """Change a forum's title, date and time, or presenting agency (not once it is locked)."""
    forum = managed_forum(forum_id, actor)
    if forum.stage == Stage.LOCKED:
        raise ServiceError("The plan is locked: reopen it before changing the forum.", "locked")
    forum.title, forum.presenting_agency_id = _details(title, presenting_agency_id)
    forum.scheduled_at = scheduled_at
    record("forum.update", actor_id=actor.id, forum_id=forum.id)
    return forum


def _participant(forum: Forum, participant_id: int) -> Participant:
    for participant in forum.participants:
        if participant.id == participant_id:
            return participant
    raise ServiceError("That person does not take part in this forum.", "not_found")


def set_role(forum_id: int, actor: User, participant_id: int, role: str) -> Participant:
    """Change a participant's role, before or during the forum."""
    forum = managed_forum(forum_id, actor)
    return change_role(forum, _participant(forum, participant_id), parse_role(role), actor.id)


def remove_participant(forum_id: int, actor: User, participant_id: int) -> None:
    """Take someone out of a forum; their entries keep their attribution."""
    forum = managed_forum(forum_id, actor)
    participant = _participant(forum, participant_id)
    if participant.role == ForumRole.CHAIR:
        keeps_a_chair(forum, participant)
    forum.participants.remove(participant)
    record("forum.participant_remove", actor_id=actor.id, forum_id=forum.id, user_id=participant.user_id)
    send_after_commit(participation_changed, forum_id=forum.id, user_id=participant.user_id, role=None)


# My forums


UPCOMING, LIVE, LOCKED, UNDER_REVIEW = "upcoming", "live", "locked", "under_review"
GROUPS = [(UPCOMING, "Upcoming"), (LIVE, "Live"), (UNDER_REVIEW, "Under review"), (LOCKED, "Locked")]


def is_upcoming(forum: Forum, now: datetime | None = None) -> bool:
    """Not started by its chair yet (the scheduled time only orders and labels the list)."""
    return forum.started_at is None and forum.stage == Stage.GATHER


def forum_group(forum: Forum, now: datetime | None = None) -> str:
    """Which group of "My forums" a forum belongs in."""
    if forum.stage == Stage.LOCKED:
        return LOCKED
    if db.session.scalar(select(exists().where(PlanVersion.forum_id == forum.id))):
        return UNDER_REVIEW  # locked before and reopened
    return UPCOMING if is_upcoming(forum, now) else LIVE


@dataclass
class MyForums:
    """The user's forums with their role, grouped; `search` is the reference searched for."""

    search: str = ""
    groups: dict[str, list[tuple[Forum, ForumRole]]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(rows) for rows in self.groups.values())


def my_forums(user: User, search: str = "") -> MyForums:
    """The forums the user takes part in, grouped upcoming / live / under review / locked."""
    search = (search or "").strip()[:64]
    query = (
        select(Forum, Participant.role)
        .join(Participant, Participant.forum_id == Forum.id)
        .where(Participant.user_id == user.id)
    )
    if search:
        query = query.where(Forum.reference.icontains(search, autoescape=True))
    result = MyForums(search=search, groups={key: [] for key, _label in GROUPS})
    now = datetime.now(UTC)
    for forum, role in db.session.execute(query.order_by(Forum.scheduled_at.desc(), Forum.id.desc())):
        result.groups[forum_group(forum, now)].append((forum, role))
    # Soonest first; forums without a date after them.
    result.groups[UPCOMING].sort(key=lambda row: (row[0].scheduled_at is None, row[0].scheduled_at or now))
    return result


def is_written_input(forum_id: int) -> bool:
    """Whether an entry added now is written input: added before the chair started the forum.

    The live room calls this when it creates an entry, and stores the answer in Entry.written_input.
    """
    return get_forum(forum_id).started_at is None
