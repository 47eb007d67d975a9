"""Domain signals other layers subscribe to, so services never reach into them directly."""

from blinker import Namespace

_signals = Namespace()

# Sent with user_id=… after a user's sessions were revoked (deactivation, password reset):
# the realtime layer closes that user's open sockets.
user_signed_out_everywhere = _signals.signal("user-signed-out-everywhere")
