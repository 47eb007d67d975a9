"""Socket.IO namespaces for the live forum room."""

from flask_socketio import SocketIO

from forum.realtime import revocation
from forum.realtime.namespace import ForumNamespace
from forum.realtime.schemas import NAMESPACE


def register_namespaces(socketio: SocketIO) -> None:
    """Attach the live room namespace and its one error handler."""
    namespace = ForumNamespace(NAMESPACE)
    socketio.on_namespace(namespace)
    socketio.on_error(NAMESPACE)(namespace.handle_error)
    revocation.subscribe()
