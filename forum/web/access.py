"""Who may open which forum page."""

from flask import abort
from flask_login import current_user

from forum.extensions import db
from forum.models import Forum, Participant
from forum.services.forums import participation


def forum_for_current_user(forum_id: int) -> tuple[Forum, Participant]:
    """The forum and the current user's participation; 404 for anyone not in it.

    Administrators are no exception: the live room is for the forum's participants (the socket
    refuses anyone else too). They read locked versions and the audit trail instead.
    """
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        abort(404)
    participant = participation(forum.id, current_user.id)
    if participant is None:
        abort(404)  # do not reveal that the forum exists
    return forum, participant
