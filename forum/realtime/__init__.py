"""Socket.IO namespaces for the live forum room."""

from flask import Flask
from flask_socketio import SocketIO

from forum.realtime import revocation
from forum.realtime.namespace import ForumNamespace
from forum.realtime.schemas import NAMESPACE
from forum.realtime.signal_relay import SignalRelay

RELAY_KEY = "forum_signal_relay"


def register_namespaces(socketio: SocketIO) -> None:
    """Attach the live room namespace and its one error handler."""
    namespace = ForumNamespace(NAMESPACE)
    socketio.on_namespace(namespace)
    socketio.on_error(NAMESPACE)(namespace.handle_error)
    revocation.subscribe()


def register_signal_relay(app: Flask) -> None:
    """Several processes (REDIS_URL): publish this app's access signals; serving listens for the
    other processes' ones (forum/server.py), so a sign-out on one closes sockets on all."""
    if app.config.get("REDIS_URL"):
        app.extensions[RELAY_KEY] = SignalRelay.from_url(
            app.config["REDIS_URL"], app.config["SOCKETIO_CHANNEL"]
        )
