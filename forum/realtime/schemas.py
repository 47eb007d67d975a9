"""Names of the /forum namespace and of the events the server sends (client events: events.py)."""

NAMESPACE = "/forum"
REGISTRY_KEY = "forum_rooms"  # app.extensions key of the app's rooms (namespace.registry)

# Server → client
SERVER_UPDATE = "update"
SERVER_ENTRIES = "entries"
SERVER_PRESENCE = "presence"
SERVER_FACILITATION = "facilitation"
