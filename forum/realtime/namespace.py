"""The live forum room: the Socket.IO namespace /forum, a dispatcher over the event table (events.py).

Every event: rate limit → payload model → joined? → service → one commit → reply → tell the room.
Only connecting, joining, sending a document update, syncing and leaving have handlers of their own.
"""

import base64
import functools
import logging
import uuid

from flask import current_app, request
from flask_login import current_user
from flask_socketio import Namespace, join_room, leave_room

from forum import metrics
from forum.auth.permissions import require_participant
from forum.auth.session import session_key
from forum.extensions import db, socketio
from forum.live.presence import SharedPresence
from forum.live.room import Person, Room, accept_update
from forum.live.rooms import Rooms
from forum.realtime import schemas
from forum.realtime.events import ENTRIES, EVENTS, FACILITATION, PRESENCE, Call, Event
from forum.realtime.limits import connection_guard, rate_limited_reply, refusal_code, unknown_event_reply
from forum.realtime.payloads import parse
from forum.services import ServiceError, votes
from forum.services.attribution import contributors
from forum.services.audit import record
from forum.services.entries import active_entries, entry_dict, removed_dict, removed_entries
from forum.services.facilitation import facilitation_state
from forum.services.forums import get_forum
from forum.services.lock import LockRefusedError
from forum.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

REGISTRY_KEY = schemas.REGISTRY_KEY
PRESENCE_DELAY = 0.1  # seconds: presence changes within it reach the room as one message


def registry() -> Rooms:
    """This app's room registry, created on first use."""
    rooms = current_app.extensions.get(REGISTRY_KEY)
    if rooms is None:
        redis_url = current_app.config.get("REDIS_URL")
        presence = (
            SharedPresence.from_url(redis_url, current_app.config["SOCKETIO_CHANNEL"]) if redis_url else None
        )  # several processes
        created = Rooms(
            compact_every=current_app.config.get("DOCUMENT_COMPACT_EVERY", 500),
            presence=presence,
            shared=bool(redis_url),
        )
        created.disconnect_hook = lambda sid: socketio.server.disconnect(sid, namespace=schemas.NAMESPACE)
        created.relay = relay_to_own_clients
        created.broadcast = broadcast
        created.publish = publish_update
        rooms = current_app.extensions.setdefault(REGISTRY_KEY, created)
        if rooms is created and presence is not None:
            socketio.start_background_task(presence.keep_alive, socketio.sleep)
    return rooms


def room_name(forum_id: int) -> str:
    return f"forum:{forum_id}"


def broadcast(event: str, payload: dict, forum_id: int, skip_sid: str | None = None) -> None:
    """Send a server event to everyone in a forum's room (on every process), or one socket (`to`)."""
    socketio.emit(event, payload, to=room_name(forum_id), skip_sid=skip_sid, namespace=schemas.NAMESPACE)


def publish_update(forum_id: int, update: bytes, authors: list[dict], skip_sid: str | None) -> None:
    """Send a batch's merged update of a forum to its room on every process (docs/protocol.md `update`)."""
    message = {"forum": forum_id, "update": b64(update), "authors": authors}
    if len(authors) == 1:
        message.update(authors[0])  # "by" and "roots", as before there were batches of several
    broadcast(schemas.SERVER_UPDATE, message, forum_id, skip_sid)


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
    refused = {"code": error.code, "message": error.message}
    if isinstance(error, LockRefusedError):
        refused["reasons"] = [reason.as_dict() for reason in error.reasons]
    return {"ok": False, "error": refused}


def server_error(event: str, error: Exception) -> dict:
    """Roll back, log the event name and an error id only (never the payload), acknowledge server_error."""
    db.session.rollback()
    error_id = uuid.uuid4().hex[:12]
    log.error("socket event %r failed: error %s (%s)", event, error_id, type(error).__name__)
    return {
        "ok": False,
        "error": {
            "code": "server_error",
            "message": f"The server failed; nothing was changed. Error reference {error_id}.",
        },
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def vote_budget() -> int:
    return int(current_app.config.get("VOTE_BUDGET", votes.DEFAULT_VOTE_BUDGET))


def person_of(user) -> dict:
    """Who made a change, as the room is told."""
    return {"user": user.id, "name": user.full_name, "agency": user.agency.name}


def origin_allowed() -> bool:
    """The Origin header is one of SOCKETIO_ALLOWED_ORIGINS, or the same origin when that is empty."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: nothing cross-site to defend against; the session still decides
    allowed = current_app.config.get("SOCKETIO_ALLOWED_ORIGINS") or [f"{request.scheme}://{request.host}"]
    return origin.rstrip("/") in [item.rstrip("/") for item in allowed]


class ForumNamespace(Namespace):
    """Socket.IO events of the live forum room; see docs/protocol.md."""

    EVENTS: dict[str, Event] = EVENTS
    SPECIAL = {"join": "on_join", "sync": "on_sync", "leave": "on_leave"}

    def trigger_event(self, event, *args):
        """Dispatch by the event table, after the connection's rate limit.

        A connection refused too often for its own fault is disconnected (forum/realtime/limits.py).
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
        spec = self.EVENTS.get(event)
        if not guard.admit(connection):
            reply = rate_limited_reply()
        elif spec is None:
            reply = unknown_event_reply()
        elif event == "update":  # the hot path: no request context, no session, no user loaded
            reply = self._update(app, rooms, connection, args[1] if len(args) > 1 else None)
        else:
            special = self.SPECIAL.get(event)
            handler = getattr(self, special) if special else functools.partial(self._dispatch, spec)
            reply = self.socketio._handle_event(handler, event, self.namespace, *args)
        if guard.refused(connection, refusal_code(reply)):
            log.warning("socket %s disconnected: too many refused events", sid)
            self.server.disconnect(sid, namespace=self.namespace)
        return reply

    def _app_of(self, sid):
        """The Flask app of a connection (trigger_event runs outside any app context)."""
        environ = self.server.get_environ(sid, namespace=self.namespace) if sid else None
        return environ.get("flask.app") if environ else None

    # The generic event: validate, require a joined connection, run the service, commit once, tell.

    def _dispatch(self, spec: Event, payload=None) -> dict:
        try:
            data = parse(spec.name, spec.payload, payload, spec.max_bytes)
            call = Call(request.sid, current_user, data, self._joined(data.forum), vote_budget())
            with unit_of_work():  # the event's one transaction (rolled back whole on a refusal)
                outcome = spec.service(call)
        except ServiceError as error:
            return refusal(error)
        if spec.then is not None:
            try:
                spec.then(call, outcome)
            except ServiceError as error:  # the row stands (committed); only its starting text is missing
                log.warning("event %r: its follow-up was refused (%s)", spec.name, error.code)
        reply = ok(**spec.reply(outcome))
        self._tell(spec, call, outcome)
        return reply

    def _tell(self, spec: Event, call: Call, outcome) -> None:
        if FACILITATION in spec.tell:
            self.emit_facilitation(call.forum_id, by=person_of(current_user))
        if ENTRIES in spec.tell:
            self._emit_entries(call.forum_id, spec.change, outcome)
        if PRESENCE in spec.tell:
            self._emit_presence(call.live)

    # The special events

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
        with unit_of_work():
            left = registry().disconnected(request.sid)
            for live in left:
                record("forum.leave", actor_id=user_id, forum_id=live.forum_id, reason="disconnect")
        for live in left:
            self._emit_presence(live)

    def on_join(self, payload=None):
        try:
            data = parse("join", EVENTS["join"].payload, payload, EVENTS["join"].max_bytes)
            participant = require_participant(data.forum, current_user)
            forum = get_forum(data.forum)
        except ServiceError as error:
            return refusal(error)
        forum_id = forum.id
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
            missing, server_sv = live.sync_for(data.sv)
        except ServiceError as error:
            if not was_in:
                registry().left(request.sid, forum_id)
                leave_room(room_name(forum_id))
            return refusal(error)
        with unit_of_work():
            record("forum.join", actor_id=current_user.id, forum_id=forum_id, role=participant.role.value)
            reply = self._joined_reply(forum, person, missing, server_sv)
        reply["presence"] = live.people()
        self._emit_presence(live)
        # The facilitation state follows the acknowledgement: the document first (the state takes
        # a score of queries, longer than the join itself).
        self.socketio.start_background_task(
            self._send_facilitation, current_app._get_current_object(), forum_id, request.sid
        )
        return reply

    def _send_facilitation(self, app, forum_id: int, sid: str) -> None:
        self.socketio.sleep(0)  # after the acknowledgement, which is queued once the handler returns
        with app.app_context():
            try:
                self.emit_facilitation(forum_id, to=sid)
            except Exception:  # the joiner gets the state with the room's next change
                log.exception("forum %s: the facilitation state after a join failed", forum_id)

    def _joined_reply(self, forum, person: Person, missing: bytes, server_sv: bytes) -> dict:
        """Everything a client needs to show the room after a join."""
        return ok(
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
            entries=[entry_dict(entry) for entry in active_entries(forum.id)],
            removed=[removed_dict(entry) for entry in removed_entries(forum.id)],
            contributors=contributors(forum.id),
            update=b64(missing),
            sv=b64(server_sv),
        )

    def _update(self, app, rooms: Rooms, connection, payload) -> dict:
        """A document update, sent many times a second by everyone typing: in an app context only.

        The sender is the connection's user, read from the session once when it connected; a session
        that ends (sign-out, password reset, deactivation) or a removal from the forum closes the
        connection at once (forum/realtime/revocation.py), and who may write is checked again in the
        transaction that stores the update (group commit).
        """
        with app.app_context():
            try:
                spec = EVENTS["update"]
                data = parse("update", spec.payload, payload, spec.max_bytes)
                live = rooms.loaded(data.forum)
                if live is None or data.forum not in connection.forums:
                    raise ServiceError("Join the forum first.", code="not_joined")
                accept_update(live, connection.user_id, data.update, connection.sid)  # stored, relayed
            except ServiceError as error:
                metrics.update_refused(error.code)
                return refusal(error)
            except Exception as error:
                return server_error("update", error)
        metrics.update_accepted()
        return ok()

    def on_sync(self, payload=None):
        """What the client lacks (by its state vector), and the server's state vector: the periodic re-sync."""
        try:
            data = parse("sync", EVENTS["sync"].payload, payload, EVENTS["sync"].max_bytes)
            live = self._joined(data.forum)
            missing, server_sv = live.sync_for(data.sv, fresh=False)
        except ServiceError as error:
            return refusal(error)
        return ok(update=b64(missing), sv=b64(server_sv))

    def on_leave(self, payload=None):
        try:
            data = parse("leave", EVENTS["leave"].payload, payload, EVENTS["leave"].max_bytes)
            self._joined(data.forum)
        except ServiceError as error:
            return refusal(error)
        live = registry().left(request.sid, data.forum)
        leave_room(room_name(data.forum))
        with unit_of_work():
            record("forum.leave", actor_id=current_user.id, forum_id=data.forum, reason="leave")
        if live is not None:
            self._emit_presence(live)
        return ok()

    def handle_error(self, error: Exception) -> dict:
        """The one error handler of events run by Flask-SocketIO (see server_error)."""
        return server_error(getattr(request, "event", {}).get("message", "?"), error)

    def _joined(self, forum_id: int) -> Room:
        """The live document of a forum this connection has joined, or ServiceError not_joined."""
        live = registry().loaded(forum_id)
        if live is None or not registry().is_in(request.sid, forum_id):
            raise ServiceError("Join the forum first.", code="not_joined")
        return live

    # Telling the room

    def emit_facilitation(self, forum_id: int, to: str | None = None, by: dict | None = None) -> None:
        """Send the forum's facilitation state to one connection, or to the whole room; `by` is who
        made the change that the state follows (None when nobody did: a join, a role change)."""
        self.socketio.emit(
            schemas.SERVER_FACILITATION,
            {**facilitation_state(forum_id, vote_budget()), "by": by},
            to=to or room_name(forum_id),
            namespace=self.namespace,
        )

    def _emit_entries(self, forum_id: int, kind: str, entry) -> None:
        broadcast(
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
                    "by": person_of(current_user),
                },
            },
            forum_id,
        )

    def _emit_presence(self, live: Room) -> None:
        """Tell the room who is in it, soon: changes within PRESENCE_DELAY share one message.

        When a forum starts, everyone joins within seconds; one list per join would send each of
        n people n lists.
        """
        if live.presence_due:
            return
        live.presence_due = True
        self.socketio.start_background_task(self._send_presence, current_app._get_current_object(), live)

    def _send_presence(self, app, live: Room) -> None:
        self.socketio.sleep(PRESENCE_DELAY)
        live.presence_due = False
        with app.app_context():  # presence reads roles from the database
            people = live.people()
        broadcast(schemas.SERVER_PRESENCE, {"forum": live.forum_id, "people": people}, live.forum_id)
