"""Who may see and change a forum. Least privilege for children's data: a forum's content (its room,
its versions, its Manage page) is for its participants; an administrator who is not one of them
runs accounts, agencies, the template and the audit trail, and sees a forum's reference, date and
chairs, never its content. There is no support access: a chair adds whoever must take part.

Every rule of who may do what to a forum is here; services call the require_* checks (which raise
ServiceError "forbidden"), views and socket handlers only translate the refusal."""

from forum.models import Forum, ForumRole, Participant, User
from forum.services import ServiceError
from forum.services.forums import NOT_A_PARTICIPANT, participation, write_refusal


def participation_in(forum: Forum, user: User) -> Participant | None:
    """The user's participation in the forum, if any."""
    return next((p for p in forum.participants if p.user_id == user.id), None)


def may_manage(forum: Forum, user: User) -> bool:
    """A forum's chairs, and nobody else, schedule it and change who takes part."""
    participant = participation_in(forum, user)
    return participant is not None and participant.role == ForumRole.CHAIR


def may_read(forum: Forum, user: User) -> bool:
    """A forum's participants, and nobody else, read and download its versions."""
    return participation_in(forum, user) is not None


def require_participant(forum_id: int, user: User) -> Participant:
    """The user's participation in the forum; ServiceError "forbidden" for anyone not in it."""
    participant = participation(forum_id, user.id)
    if participant is None:
        raise ServiceError(NOT_A_PARTICIPANT, code="forbidden")
    return participant


def require_writer(forum_id: int, user: User) -> Participant:
    """The participation of a chair or contributor; observers and outsiders are refused."""
    participant = require_participant(forum_id, user)
    if (refusal := write_refusal(participant.role)) is not None:
        raise refusal
    return participant


def require_chair(forum_id: int, user: User) -> Participant:
    """The user's participation if they chair the forum; ServiceError "forbidden" otherwise."""
    participant = require_participant(forum_id, user)
    if participant.role != ForumRole.CHAIR:
        raise ServiceError("Only the chair can do this.", code="forbidden")
    return participant
