"""Domain signals other layers subscribe to, so services never reach into them directly."""

from blinker import Namespace, Signal

from forum.extensions import db

_signals = Namespace()

# Sent with user_id=… after a user's sessions were revoked (deactivation, password reset):
# the realtime layer closes that user's open sockets.
user_signed_out_everywhere = _signals.signal("user-signed-out-everywhere")

# Sent with user_id=… and session_key=… after one browser session signed out or expired:
# the realtime layer closes the sockets that session opened.
session_ended = _signals.signal("session-ended")

# Sent with forum_id=…, user_id=… and role=… (None: removed) after someone's part in a forum changed:
# the realtime layer closes their sockets in that forum, or tells the room their new role.
participation_changed = _signals.signal("participation-changed")


_QUEUE = "signals_after_commit"  # session.info key: the signals the open transaction will send


def send_after_commit(signal: Signal, **fields) -> None:
    """Send `signal` once the edge commits the current transaction (never, if it rolls back)."""
    db.session.info.setdefault(_QUEUE, []).append((signal, fields))


def send_committed() -> None:
    """Send the signals queued by the transaction the edge has just committed."""
    for signal, fields in db.session.info.pop(_QUEUE, []):
        signal.send(None, **fields)


def forget_queued() -> None:
    """Drop the signals of a transaction that was rolled back."""
    db.session.info.pop(_QUEUE, None)
