"""Who may see and change a forum. Least privilege for children's data: a forum's content (its room,
its versions, its Manage page) is for its participants; an administrator who is not one of them
runs accounts, agencies, the template and the audit trail, and sees a forum's reference, date and
chairs, never its content. There is no support access: a chair adds whoever must take part."""

from forum.models import Forum, ForumRole, Participant, User


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
