"""Who may open which forum page."""

from flask import abort
from flask_login import current_user

from forum.extensions import db
from forum.models import Forum, Participant
from forum.services.forums import participation


def forum_for_current_user(forum_id: int) -> tuple[Forum, Participant | None]:
    """The forum and the current user's participation; 404 for anyone not in it.

    Administrators may open any forum (participation is None for them when they are not in it).
    """
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        abort(404)
    participant = participation(forum.id, current_user.id)
    if participant is None and not current_user.is_admin:
        abort(404)  # do not reveal that the forum exists
    return forum, participant
