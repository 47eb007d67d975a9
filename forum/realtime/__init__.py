"""Socket.IO namespaces for the live forum room."""

from flask_socketio import SocketIO


def register_namespaces(socketio: SocketIO) -> None:
    """Attach the live room namespace (added by the live room work)."""
