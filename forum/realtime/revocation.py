"""Closing live sockets when access is withdrawn: a signed-out session, a removal or a role change.

Services send the signals (forum/services/signals.py); this module maps them to the sockets of this
server process and closes them at once (a role change updates the room instead). A client that
reconnects is authenticated and authorised afresh: a signed-out browser has no session any more and a
removed participant is refused on join.
"""

from flask import current_app

from forum.realtime.schemas import REGISTRY_KEY, SERVER_FACILITATION, SERVER_PRESENCE
from forum.services import votes
from forum.services.audit import record
from forum.services.facilitation import facilitation_state
from forum.services.signals import participation_changed, session_ended, user_signed_out_everywhere
from forum.unit_of_work import unit_of_work


def _rooms():
    return current_app.extensions.get(REGISTRY_KEY)


def close_user_sockets(_sender, user_id: int) -> int:
    """Close every socket of a user whose sessions were all revoked (deactivation, password reset,
    sign-out everywhere); return how many, audited."""
    rooms = _rooms()
    closed = rooms.disconnect_user(user_id) if rooms is not None else 0
    if closed:
        with unit_of_work():  # after the revoking transaction committed: this audit row is its own
            record("user.sockets_closed", user_id=user_id, sockets=closed)
    return closed


def close_session_sockets(_sender, user_id: int, session_key: str | None) -> int:
    """Close the sockets one browser session of a user opened; return how many."""
    rooms = _rooms()
    if rooms is None or rooms.disconnect_hook is None:
        return 0
    sids = [c.sid for c in rooms.connections.of_user(user_id) if c.session_key == session_key]
    for sid in sids:
        rooms.disconnect_hook(sid)
    return len(sids)


def close_forum_sockets(_sender, forum_id: int, user_id: int, role: str | None) -> int:
    """A removed user's sockets in a forum are closed; after a role change the room is told at once.

    Every event checks the role in the database, so the new role applies to the next event anyway;
    telling the room updates presence (which reads roles from the database) and lets the user's page
    switch to (or from) read-only. Returns how many of the user's sockets were in the forum.
    """
    rooms = _rooms()
    if rooms is None or rooms.disconnect_hook is None:
        return 0
    sids = [sid for sid in rooms.sids_of(user_id) if rooms.is_in(sid, forum_id)]
    live = rooms.loaded(forum_id)
    if role is None:
        for sid in sids:
            rooms.disconnect_hook(sid)
    elif live is not None and rooms.broadcast is not None:
        budget = int(current_app.config.get("VOTE_BUDGET", votes.DEFAULT_VOTE_BUDGET))
        rooms.broadcast(SERVER_PRESENCE, {"forum": forum_id, "people": live.people()}, forum_id)
        rooms.broadcast(SERVER_FACILITATION, {**facilitation_state(forum_id, budget), "by": None}, forum_id)
    return len(sids)


def subscribe() -> None:
    """Connect the handlers to the signals (idempotent)."""
    user_signed_out_everywhere.connect(close_user_sockets)
    session_ended.connect(close_session_sockets)
    participation_changed.connect(close_forum_sockets)
