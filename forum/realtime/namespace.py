"""The live forum room: the Socket.IO namespace /forum. Thin: validate → check → service → emit."""

import base64
import logging
import uuid

from flask import current_app, request, session
from flask_login import current_user
from flask_socketio import Namespace, join_room, leave_room

from forum import metrics
from forum.auth.session import session_key
from forum.extensions import db, socketio
from forum.realtime import schemas
from forum.realtime.facilitation import FACILITATION_EVENTS, FacilitationEvents
from forum.realtime.limits import connection_guard, rate_limited_reply, refusal_code, unknown_event_reply
from forum.services import ServiceError
from forum.services.accounts import session_user_id
from forum.services.attribution import contributors
from forum.services.audit import record
from forum.services.documents import LiveDocument, Person, RoomRegistry, accept_update
from forum.services.entries import (
    active_entries,
    add_entry,
    entry_dict,
    entry_of_forum,
    member,
    move_entry,
    remove_entry,
    removed_dict,
    removed_entries,
    restore_entry,
)
from forum.services.forums import get_forum
from forum.services.presence import SharedPresence
from forum.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

REGISTRY_KEY = "forum_rooms"
PRESENCE_DELAY = 0.1  # seconds: presence changes within it reach the room as one message


def registry() -> RoomRegistry:
    """This app's room registry, created on first use."""
    rooms = current_app.extensions.get(REGISTRY_KEY)
    if rooms is None:
        redis_url = current_app.config.get("REDIS_URL")
        presence = (
            SharedPresence.from_url(redis_url, current_app.config["SOCKETIO_CHANNEL"]) if redis_url else None
        )  # several processes
        created = RoomRegistry(
            compact_every=current_app.config.get("DOCUMENT_COMPACT_EVERY", 500),
            presence=presence,
            shared=bool(redis_url),
        )
        created.disconnect_hook = lambda sid: socketio.server.disconnect(sid, namespace=schemas.NAMESPACE)
        created.relay = relay_to_own_clients
        rooms = current_app.extensions.setdefault(REGISTRY_KEY, created)
        if rooms is created and presence is not None:
            socketio.start_background_task(presence.keep_alive, socketio.sleep)
    return rooms


def room_name(forum_id: int) -> str:
    return f"forum:{forum_id}"


def relay_to_own_clients(forum_id: int, update: bytes) -> None:
    """Send an update to this process's clients in a forum (not through Redis: each process does its own)."""
    socketio.emit(
        schemas.SERVER_UPDATE,
        {"forum": forum_id, "update": b64(update)},
        to=room_name(forum_id),
        namespace=schemas.NAMESPACE,
        ignore_queue=True,
    )


def ok(**fields) -> dict:
    return {"ok": True, **fields}


def refusal(error: ServiceError) -> dict:
    return {"ok": False, "error": {"code": error.code, "message": error.message}}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def origin_allowed() -> bool:
    """The Origin header is one of SOCKETIO_ALLOWED_ORIGINS, or the same origin when that is empty."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: nothing cross-site to defend against; the session still decides
    allowed = current_app.config.get("SOCKETIO_ALLOWED_ORIGINS") or [f"{request.scheme}://{request.host}"]
    return origin.rstrip("/") in [item.rstrip("/") for item in allowed]


class ForumNamespace(FacilitationEvents, Namespace):
    """Socket.IO events of the live forum room; see docs/protocol.md."""

    EVENTS = {
        schemas.JOIN: "on_join",
        schemas.UPDATE: "on_update",
        schemas.ENTRY_ADD: "on_entry_add",
        schemas.ENTRY_REMOVE: "on_entry_remove",
        schemas.ENTRY_MOVE: "on_entry_move",
        schemas.ENTRY_RESTORE: "on_entry_restore",
        schemas.FOCUS: "on_focus",
        schemas.LEAVE: "on_leave",
        schemas.SYNC: "on_sync",
        **FACILITATION_EVENTS,
    }

    def trigger_event(self, event, *args):
        """Dispatch by the table above, so names with ':' (entry:add) reach their on_ method.

        Every event first passes the connection's rate limit; a connection refused too often for
        its own fault is disconnected (forum/realtime/limits.py).
        """
        sid = args[0] if args else None
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        app = self._app_of(sid)
        rooms = app.extensions.get(REGISTRY_KEY) if app is not None else None
        connection = rooms.connections.get(sid) if rooms is not None else None
        if connection is None:
            return None  # not a connection of this namespace (any more)
        guard = connection_guard(app)
        handler_name = self.EVENTS.get(event)
        if not guard.admit(connection):
            reply = rate_limited_reply()
        elif handler_name is None:
            reply = unknown_event_reply()
        else:
            reply = self.socketio._handle_event(getattr(self, handler_name), event, self.namespace, *args)
        if guard.refused(connection, refusal_code(reply)):
            log.warning("socket %s disconnected: too many refused events", sid)
            self.server.disconnect(sid, namespace=self.namespace)
        return reply

    def _app_of(self, sid):
        """The Flask app of a connection (trigger_event runs outside any app context)."""
        environ = self.server.get_environ(sid, namespace=self.namespace) if sid else None
        return environ.get("flask.app") if environ else None

    def on_connect(self, auth=None):
        """Refuse a connection without a signed-in user or from a foreign Origin."""
        try:
            if not current_user.is_authenticated or not origin_allowed():
                return False
            registry().connected(request.sid, current_user.id, session_key())
            return True
        except Exception as error:  # a failure must refuse the connection, never let it through
            self.handle_error(error)
            return False

    def on_disconnect(self, reason=None):
        user_id = current_user.id if current_user.is_authenticated else None
        for live in registry().disconnected(request.sid):
            record("forum.leave", actor_id=user_id, forum_id=live.forum_id, reason="disconnect")
            self._emit_presence(live)
        db.session.commit()

    # Each handler: validate the payload, check who is asking, call a service, emit.

    def on_join(self, payload=None):
        try:
            data = schemas.validate(schemas.JOIN, payload)
            forum_id = data["forum"]
            participant = member(forum_id, current_user)
            forum = get_forum(forum_id)
        except ServiceError as error:
            return refusal(error)
        person = Person(
            user=current_user.id,
            name=current_user.full_name,
            agency=current_user.agency.name,
            role=participant.role.value,
        )
        # In the room before the sync is computed: whatever is accepted meanwhile, on any process,
        # is either in the sync or relayed to this connection.
        was_in = registry().is_in(request.sid, forum_id)
        live = registry().joined(request.sid, forum_id, person)
        join_room(room_name(forum_id))
        try:
            missing, server_sv = live.sync_for(data.get("sv", b""))
        except ServiceError as error:
            if not was_in:
                registry().left(request.sid, forum_id)
                leave_room(room_name(forum_id))
            return refusal(error)
        record("forum.join", actor_id=current_user.id, forum_id=forum_id, role=participant.role.value)
        reply = ok(
            forum={
                "id": forum.id,
                "reference": forum.reference,
                "title": forum.title,
                "stage": forum.stage.value,
            },
            me=person.as_dict(),
            panels=[
                {"key": panel["key"], "name": panel["name"], "help": panel["help"]}
                for panel in forum.template["panels"]
            ],
            entries=[entry_dict(entry) for entry in active_entries(forum_id)],
            removed=[removed_dict(entry) for entry in removed_entries(forum_id)],
            contributors=contributors(forum_id),
            update=b64(missing),
            sv=b64(server_sv),
        )
        db.session.commit()
        reply["presence"] = live.people()
        self._emit_presence(live)
        self.emit_facilitation(forum_id, to=request.sid)
        return reply

    def on_update(self, payload=None):
        try:
            data = schemas.validate(schemas.UPDATE, payload)
            live = self._joined(data["forum"])
            user_id = self._signed_in_user_id()
            roots = accept_update(live, user_id, data["update"])
        except ServiceError as error:
            metrics.update_refused(error.code)
            return refusal(error)
        metrics.update_accepted()
        self.socketio.emit(
            schemas.SERVER_UPDATE,
            {"forum": live.forum_id, "update": payload["update"], "by": user_id, "roots": roots},
            to=room_name(live.forum_id),
            skip_sid=request.sid,
            namespace=self.namespace,
        )
        return ok()

    def on_sync(self, payload=None):
        """What the client lacks (by its state vector), and the server's state vector: the periodic re-sync."""
        try:
            data = schemas.validate(schemas.SYNC, payload)
            live = self._joined(data["forum"])
            missing, server_sv = live.sync_for(data["sv"], fresh=False)
        except ServiceError as error:
            return refusal(error)
        return ok(update=b64(missing), sv=b64(server_sv))

    def on_entry_add(self, payload=None):
        try:
            data = schemas.validate(schemas.ENTRY_ADD, payload)
            live = self._joined(data["forum"])
            with unit_of_work():  # edge (to be replaced by the event dispatcher)
                entry = add_entry(live.forum_id, current_user, data["panel"])
        except ServiceError as error:
            return refusal(error)
        reply = ok(entry=entry_dict(entry))
        self._emit_entries(live.forum_id, "added", entry)
        return reply

    def on_entry_remove(self, payload=None):
        try:
            data = schemas.validate(schemas.ENTRY_REMOVE, payload)
            live = self._joined(data["forum"])
            with unit_of_work():  # edge (to be replaced by the event dispatcher)
                entry = remove_entry(live.forum_id, current_user, data["entry"])
        except ServiceError as error:
            return refusal(error)
        self._emit_entries(live.forum_id, "removed", entry)
        return ok()

    def on_entry_move(self, payload=None):
        try:
            data = schemas.validate(schemas.ENTRY_MOVE, payload)
            live = self._joined(data["forum"])
            with unit_of_work():  # edge (to be replaced by the event dispatcher)
                entry = move_entry(live.forum_id, current_user, data["entry"], data["direction"])
        except ServiceError as error:
            return refusal(error)
        self._emit_entries(live.forum_id, "moved", entry)
        return ok()

    def on_entry_restore(self, payload=None):
        try:
            data = schemas.validate(schemas.ENTRY_RESTORE, payload)
            live = self._joined(data["forum"])
            with unit_of_work():  # edge (to be replaced by the event dispatcher)
                entry = restore_entry(live.forum_id, current_user, data["entry"])
        except ServiceError as error:
            return refusal(error)
        self._emit_entries(live.forum_id, "restored", entry)
        return ok()

    def on_focus(self, payload=None):
        try:
            data = schemas.validate(schemas.FOCUS, payload)
            live = self._joined(data["forum"])
            member(live.forum_id, current_user)
            if data["entry"] is not None:
                entry_of_forum(live.forum_id, data["entry"])
        except ServiceError as error:
            return refusal(error)
        person = live.clients.get(request.sid)
        if person is not None:
            person.editing = data["entry"]
        self._emit_presence(live)
        return ok()

    def on_leave(self, payload=None):
        try:
            data = schemas.validate(schemas.LEAVE, payload)
            self._joined(data["forum"])
        except ServiceError as error:
            return refusal(error)
        live = registry().left(request.sid, data["forum"])
        leave_room(room_name(data["forum"]))
        record("forum.leave", actor_id=current_user.id, forum_id=data["forum"], reason="leave")
        db.session.commit()
        if live is not None:
            self._emit_presence(live)
        return ok()

    def handle_error(self, error: Exception) -> dict:
        """The one error handler: log the event name and an error id only, acknowledge server_error."""
        db.session.rollback()
        error_id = uuid.uuid4().hex[:12]
        event = getattr(request, "event", {}).get("message", "?")
        log.error("socket event %r failed: error %s (%s)", event, error_id, type(error).__name__)

        return {
            "ok": False,
            "error": {
                "code": "server_error",
                "message": f"The server failed; nothing was changed. Error reference {error_id}.",
            },
        }

    def _signed_in_user_id(self) -> int:
        """The connection's user, checked as current_user is but without loading the whole user."""
        user_id = session_user_id(session.get("_user_id"))
        if user_id is None:
            raise ServiceError("You have been signed out. Sign in again to go on.", code="signed_out")
        return user_id

    def _joined(self, forum_id: int) -> LiveDocument:
        """The live document of a forum this connection has joined, or ServiceError not_joined."""
        live = registry().loaded(forum_id)
        if live is None or not registry().is_in(request.sid, forum_id):
            raise ServiceError("Join the forum first.", code="not_joined")
        return live

    def _emit_entries(self, forum_id: int, kind: str, entry) -> None:
        self.socketio.emit(
            schemas.SERVER_ENTRIES,
            {
                "forum": forum_id,
                "entries": [entry_dict(item) for item in active_entries(forum_id)],
                "removed": [removed_dict(item) for item in removed_entries(forum_id)],
                "change": {
                    "kind": kind,
                    "entry": entry.id,
                    "panel": entry.panel,
                    "author": entry.author_id,
                    "by": {
                        "user": current_user.id,
                        "name": current_user.full_name,
                        "agency": current_user.agency.name,
                    },
                },
            },
            to=room_name(forum_id),
            namespace=self.namespace,
        )

    def _emit_presence(self, live: LiveDocument) -> None:
        """Tell the room who is in it, soon: changes within PRESENCE_DELAY share one message.

        When a forum starts, everyone joins within seconds; one list per join would send each of
        n people n lists.
        """
        if live.presence_due:
            return
        live.presence_due = True
        self.socketio.start_background_task(self._send_presence, current_app._get_current_object(), live)

    def _send_presence(self, app, live: LiveDocument) -> None:
        self.socketio.sleep(PRESENCE_DELAY)
        live.presence_due = False
        with app.app_context():  # several processes: presence reads roles from the database
            people = live.people()
        self.socketio.emit(
            schemas.SERVER_PRESENCE,
            {"forum": live.forum_id, "people": people},
            to=room_name(live.forum_id),
            namespace=self.namespace,
        )
