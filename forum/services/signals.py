"""Domain signals other layers subscribe to, so services never reach into them directly."""

from blinker import Namespace

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
