"""Live forum documents: one pycrdt Doc per live forum, its clients, and a durable store behind it."""

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pycrdt import Doc, Text
from sqlalchemy import delete, func, insert, select, update

from forum.extensions import db
from forum.models import DocumentSnapshot, DocumentUpdate, Entry, Forum, FrozenClient, Stage
from forum.models.facilitation import Action, Goal
from forum.services import ServiceError
from forum.services.connections import Connection, Connections
from forum.services.crdt_updates import check_integrated, state_vector
from forum.services.group_commit import GroupCommit
from forum.services.presence import SharedPresence, merge_people, participant_roles

log = logging.getLogger(__name__)

# The document's top-level Texts (docs/protocol.md "The shared document"); any other root is refused.
_ID = r"[1-9][0-9]{0,17}"
ROOT_NAME = re.compile(
    rf"^(?:hypothesis|family_communication|entry:{_ID}|goal:{_ID}|action:{_ID}:(?:what|measure))$"
)
DEFAULT_COMPACT_EVERY = 500
CATCH_UP_ATTEMPTS = 5
EMPTY_UPDATE = b"\x00\x00"
CATCH_UP_EVERY = 1.0  # seconds: a periodic re-sync reads the store at most this often per room
ALREADY_REFUSED = (
    "This change builds on a change that was refused earlier; the page will load the forum again."
)


FROZEN_MESSAGE = (
    "The plan is frozen while the agencies agree to it; your change was not saved. "
    "The chair can go back a stage to change it."
)
# Stages in which the draft (6Ps, hypothesis, priorities, plan) may not change; see claim_in_transaction.
_CLOSED = (Stage.LOCKED,)
_CLOSED_TO_DRAFT = (Stage.LOCKED, Stage.AGREE)


def claim_open_forum(forum_id: int, draft: bool = False) -> None:
    """Take the forum row for this transaction unless the forum is locked (ServiceError "locked"),
    or, for a change to the draft, frozen as a proposal in Agree (ServiceError "frozen").

    A conditional write, so a concurrent lock either commits first (and this refuses) or waits
    for this transaction: nothing is accepted into a locked forum. A refusal rolls back.
    """
    try:
        claim_in_transaction(forum_id, draft)
    except ServiceError:
        db.session.rollback()
        raise


def claim_in_transaction(forum_id: int, draft: bool = False) -> None:
    """claim_open_forum without the rollback, for a transaction that goes on with other forums.

    A refused claim wrote nothing, so the rest of the transaction is unaffected. Core on the
    session's connection: it runs for every batch of document updates.
    """
    closed = _CLOSED_TO_DRAFT if draft else _CLOSED
    connection = db.session.connection()
    result = connection.execute(
        update(Forum).where(Forum.id == forum_id, Forum.stage.not_in(closed)).values(stage=Forum.stage)
    )
    if result.rowcount == 1:
        return
    stage = connection.execute(select(Forum.stage).where(Forum.id == forum_id)).scalar()
    if stage is None:
        raise ServiceError("There is no such forum.", code="not_found")
    if stage == Stage.AGREE:
        raise ServiceError(FROZEN_MESSAGE, code="frozen")
    raise ServiceError("This forum's plan is locked; your change was not saved.", code="locked")


def check_update(update_bytes: bytes) -> list[str]:
    """Refuse (ServiceError "bad_update") an update that does not decode or names foreign roots; its roots."""
    scratch = Doc()
    try:
        scratch.apply_update(update_bytes)
    except Exception as error:  # pycrdt raises ValueError, but a decoder panic must not escape either
        raise ServiceError("The change could not be read; it was not saved.", code="bad_update") from error
    # Roots first created by this update are visible here; each must be one the protocol names.
    names = list(scratch.keys())
    if any(not ROOT_NAME.match(name) for name in names):
        raise ServiceError("The change touches something that is not part of the forum.", code="bad_update")
    return names


ROOT_ROWS = {"entry": Entry, "goal": Goal, "action": Action}  # roots named after a row of the forum


def check_roots_belong(forum_id: int, names: list[str]) -> None:
    """Refuse (bad_update) roots named after an entry, goal or action that is not this forum's."""
    for name in names:
        kind, _, rest = name.partition(":")
        model = ROOT_ROWS.get(kind)
        if model is None:
            continue  # hypothesis, family_communication: every forum has them
        row = db.session.get(model, int(rest.split(":")[0]))
        if row is None or row.forum_id != forum_id:
            raise ServiceError(
                "The change touches something that is not part of the forum.", code="bad_update"
            )


def build_doc(snapshot: bytes | None, updates: list[bytes]) -> Doc:
    """A Doc from a snapshot and the updates after it, in order."""
    doc = Doc()
    for data in ([snapshot] if snapshot else []) + updates:
        doc.apply_update(data)
    return doc


def texts_of(doc: Doc) -> dict[str, str]:
    """Each text root's text, by root name."""
    return {name: str(doc.get(name, type=Text)) for name in sorted(doc.keys()) if ROOT_NAME.match(name)}


@dataclass
class Missed:
    """What other processes stored after a document's last update: a newer snapshot, then updates."""

    snapshot: bytes | None = None
    updates: list[tuple[int, bytes]] = field(default_factory=list)
    last_id: int = 0


class DocumentStore(Protocol):
    """Where a live document is loaded from and saved to (hooks, not handler code)."""

    def load(self, forum_id: int) -> tuple[Doc, int, int]:
        """The document, the id of the last update in it, and how many updates follow the snapshot."""

    def claim(self, forum_id: int, after: int | None) -> Missed:
        """Take the forum for the current transaction, refusing (ServiceError) a locked or unknown one
        without writing anything; with `after`, also return what others stored after that update."""

    def add(self, forum_id: int, updates: list[tuple[int, bytes]]) -> list[int]:
        """Add (user id, update) pairs to the claimed forum's log in the current transaction; their ids."""

    def changes_since(self, forum_id: int, after: int) -> Missed:
        """What was stored after update `after` (a newer snapshot replaces the updates it covers)."""

    def compact(self, forum_id: int, data: bytes, upto_update_id: int) -> None:
        """Replace the updates up to upto_update_id by one snapshot."""

    def read(self, forum_id: int) -> tuple[Doc, int, int]:
        """As load, inside the current transaction (which goes on)."""

    def frozen(self, forum_id: int) -> dict[int, int]:
        """The CRDT clients refused for good in this forum, each with the clock it was frozen at."""

    def freeze(self, forum_id: int, clients: dict[int, int], code: str) -> None:
        """Record clients refused for good, in the current transaction (an earlier freeze stands)."""


class SqlDocumentStore:
    """The database store: document_updates (append-only log) and document_snapshots."""

    def load(self, forum_id: int) -> tuple[Doc, int, int]:
        missed = self.changes_since(forum_id, 0)
        doc = build_doc(missed.snapshot, [data for _id, data in missed.updates])
        return doc, missed.last_id, len(missed.updates)

    def read(self, forum_id: int) -> tuple[Doc, int, int]:
        missed, _base = self._read_since(forum_id, 0)
        doc = build_doc(missed.snapshot, [data for _id, data in missed.updates])
        return doc, missed.last_id, len(missed.updates)

    def frozen(self, forum_id: int) -> dict[int, int]:
        rows = db.session.connection().execute(
            select(FrozenClient.client_id, FrozenClient.clock).where(FrozenClient.forum_id == forum_id)
        )
        return {row.client_id: row.clock for row in rows}

    def freeze(self, forum_id: int, clients: dict[int, int], code: str) -> None:
        known = self.frozen(forum_id)
        rows = [
            {"forum_id": forum_id, "client_id": client, "clock": clock, "code": code}
            for client, clock in clients.items()
            if client not in known
        ]
        if rows:
            db.session.execute(insert(FrozenClient), rows)

    def claim(self, forum_id: int, after: int | None) -> Missed:
        # The claimed forum row serialises appends and compactions of one forum (in every process),
        # so update ids grow in commit order and what is read here cannot change before the commit.
        claim_in_transaction(forum_id, draft=True)  # every text of the document is the draft's
        return Missed() if after is None else self._read_since(forum_id, after)[0]

    def add(self, forum_id: int, updates: list[tuple[int, bytes]]) -> list[int]:
        rows = [{"forum_id": forum_id, "user_id": user_id, "data": data} for user_id, data in updates]
        statement = insert(DocumentUpdate).returning(DocumentUpdate.id, sort_by_parameter_order=True)
        return list(db.session.connection().execute(statement, rows).scalars())  # Core: no ORM objects

    def changes_since(self, forum_id: int, after: int) -> Missed:
        # Without the forum row, a compaction may commit between the reads (PostgreSQL reads each
        # statement afresh): read again when the newest snapshot moved meanwhile.
        for _attempt in range(CATCH_UP_ATTEMPTS):
            missed, base = self._read_since(forum_id, after)
            moved = self._newest_snapshot(forum_id) > base
            db.session.commit()  # end the read transaction; SQLite must not hold it open
            if not moved:
                return missed
        raise RuntimeError(f"forum {forum_id}: the stored document kept changing while it was read")

    def _newest_snapshot(self, forum_id: int) -> int:
        return db.session.scalar(
            select(func.coalesce(func.max(DocumentSnapshot.upto_update_id), 0)).where(
                DocumentSnapshot.forum_id == forum_id
            )
        )

    def _read_since(self, forum_id: int, after: int) -> tuple[Missed, int]:
        """What follows update `after`, and the update id the reading started from."""
        missed = Missed(last_id=after)
        newest = self._newest_snapshot(forum_id)
        start = after
        if newest > after:
            missed.snapshot = db.session.scalar(
                select(DocumentSnapshot.data).where(
                    DocumentSnapshot.forum_id == forum_id, DocumentSnapshot.upto_update_id == newest
                )
            )
            start = missed.last_id = newest
        missed.updates = [
            (row.id, row.data)
            for row in db.session.execute(
                select(DocumentUpdate.id, DocumentUpdate.data)
                .where(DocumentUpdate.forum_id == forum_id, DocumentUpdate.id > start)
                .order_by(DocumentUpdate.id)
            )
        ]
        if missed.updates:
            missed.last_id = missed.updates[-1][0]
        return missed, start

    def compact(self, forum_id: int, data: bytes, upto_update_id: int) -> None:
        claim_open_forum(forum_id)  # not while another process appends, compacts or locks
        db.session.add(DocumentSnapshot(forum_id=forum_id, data=data, upto_update_id=upto_update_id))
        db.session.execute(
            delete(DocumentUpdate).where(
                DocumentUpdate.forum_id == forum_id, DocumentUpdate.id <= upto_update_id
            )
        )
        db.session.execute(
            delete(DocumentSnapshot).where(
                DocumentSnapshot.forum_id == forum_id, DocumentSnapshot.upto_update_id < upto_update_id
            )
        )
        db.session.commit()


@dataclass
class Person:
    """Someone connected to a live forum, as shown in presence."""

    user: int
    name: str
    agency: str
    role: str
    editing: int | None = None

    def as_dict(self) -> dict:
        return {
            "user": self.user,
            "name": self.name,
            "agency": self.agency,
            "role": self.role,
            "editing": self.editing,
        }


@dataclass
class LiveDocument:
    """One live forum: its pycrdt Doc, the connections in it, and its store."""

    forum_id: int
    doc: Doc
    store: DocumentStore
    last_update_id: int = 0
    updates_since_snapshot: int = 0
    compact_every: int = DEFAULT_COMPACT_EVERY
    clients: dict[str, Person] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    presence: SharedPresence | None = None  # several processes: everyone's presence, via Redis
    shared: bool = False  # several processes write this forum: catch up from the store first
    group: GroupCommit = field(default_factory=GroupCommit)  # writes its updates, batched with others
    presence_due: bool = False  # a presence message to the room is scheduled
    frozen: dict[int, int] = field(default_factory=dict)  # CRDT client id -> clock refused for good
    relay: Callable[[int, bytes], None] | None = None  # sends an update to this process's own clients
    caught_up_at: float = 0.0  # time.monotonic() of the last read of the store (several processes)

    def sync_for(self, client_state: bytes, fresh: bool = True) -> tuple[bytes, bytes]:
        """What the client with client_state lacks, and the server's state vector.

        With several processes the store is read first (at most every CATCH_UP_EVERY seconds unless
        `fresh`), so what another process stored reaches this client even if its broadcast did not.
        """
        with self.lock:
            self.refresh()
            if fresh or time.monotonic() - self.caught_up_at >= CATCH_UP_EVERY:
                self.catch_up()
            try:
                missing = self.doc.get_update(client_state) if client_state else self.doc.get_update()
            except Exception as error:
                raise ServiceError("The state vector could not be read.", code="bad_update") from error
            return missing, self.doc.get_state()

    def integrate(self, pending: list) -> list:
        """Apply each pending update (.data) to memory, setting its .roots or its .error; the accepted.

        An update is accepted only if it integrates completely and adds nothing of a client refused
        for good. When one is refused, memory is read again from the store (inside the caller's
        transaction) and the others applied afresh, until every one left is accepted: memory then
        holds exactly the store plus the accepted updates. Hold self.lock.
        """
        while True:
            for item in pending:
                try:
                    item.roots = self.apply_checked(item.data)
                except ServiceError as refusal:
                    item.error = refusal
            accepted = [item for item in pending if item.error is None]
            if len(accepted) == len(pending):
                return accepted
            self.doc, self.last_update_id, self.updates_since_snapshot = self.store.read(self.forum_id)
            self._observed = {}
            self._watch_roots()
            pending = accepted

    def apply_checked(self, data: bytes) -> list[str]:
        """apply(), refusing (ServiceError) an update that did not integrate or moves a frozen client."""
        before = state_vector(self.doc.get_state()) if self.frozen else {}
        roots = self.apply(data)
        check_integrated(self.doc, data)
        if self.frozen:
            after = state_vector(self.doc.get_state())
            for client, clock in self.frozen.items():
                if after.get(client, 0) > max(before.get(client, 0), clock):
                    raise ServiceError(ALREADY_REFUSED, code="already_refused")
        return roots

    def stored(self, last_update_id: int, count: int) -> None:
        """Note that `count` updates applied by apply() are committed, the last as last_update_id."""
        self.last_update_id = last_update_id
        self.updates_since_snapshot += count

    def reload(self) -> None:
        """Replace the document by the stored one (after a transaction that applied updates failed).

        If the store cannot be read either, the document is marked stale and reloaded before its
        next use, so nobody is ever sent what was rolled back.
        """
        self.stale = True
        try:
            doc, last_update_id, pending = self.store.load(self.forum_id)
        except Exception:
            db.session.rollback()
            log.exception("forum %s: the document could not be reloaded", self.forum_id)
            return
        self.doc, self.last_update_id, self.updates_since_snapshot = doc, last_update_id, pending
        self._observed = {}
        self._watch_roots()
        self.stale = False
        self.frozen = self.read_frozen()

    def read_frozen(self) -> dict[int, int]:
        """The clients refused for good, from the store (ends the read transaction)."""
        try:
            return self.store.frozen(self.forum_id)
        finally:
            db.session.commit()  # end the read transaction

    def refresh(self) -> None:
        """Reload a stale document, refusing (ServiceError) while the store cannot be read (hold self.lock)."""
        if self.stale:
            self.reload()
        if self.stale:
            raise ServiceError("The forum could not be loaded; try again in a moment.", code="unavailable")

    def catch_up(self) -> None:
        """Apply what other server processes stored since this document's last update (hold self.lock)."""
        if self.shared:
            self.caught_up_at = time.monotonic()
            self.absorb(self.store.changes_since(self.forum_id, self.last_update_id))

    def absorb(self, missed: Missed) -> None:
        """Apply what other processes stored (hold self.lock), and relay it to this process's clients.

        Their broadcast may not have reached this process (it died between its commit and its
        publish, or the client joined while it was on its way): relaying again is harmless.
        """
        if missed.snapshot is None and not missed.updates:
            return
        before = self.doc.get_state()
        if missed.snapshot is not None:
            self.apply(missed.snapshot)  # a full state: merging it is idempotent
            self.updates_since_snapshot = 0
        for _update_id, data in missed.updates:
            self.apply(data)
            self.updates_since_snapshot += 1
        self.last_update_id = max(self.last_update_id, missed.last_id)
        if self.relay is not None:
            news = self.doc.get_update(before)
            if news != EMPTY_UPDATE:
                self.relay(self.forum_id, news)

    def apply(self, data: bytes) -> list[str]:
        """Apply an update to memory (hold self.lock); the entry roots it changed."""
        self._changed = set()
        self.doc.apply_update(data)
        for name in list(self.doc.keys()):
            if name not in self._observed and ROOT_NAME.match(name):
                self._changed.add(name)
                self._observe(name)
        return sorted(self._changed)

    def _observe(self, name: str) -> None:
        self._observed[name] = self.doc.get(name, type=Text).observe(lambda _event: self._changed.add(name))

    def __post_init__(self) -> None:
        self._changed: set[str] = set()
        self._observed: dict = {}
        self.stale = False
        self._watch_roots()

    def _watch_roots(self) -> None:
        for name in list(self.doc.keys()):
            if ROOT_NAME.match(name):
                self._observe(name)

    def compact_if_due(self) -> None:
        """Replace the stored log by one snapshot every compact_every updates (hold self.lock)."""
        if self.updates_since_snapshot < self.compact_every:
            return
        try:
            self.store.compact(self.forum_id, self.doc.get_update(), self.last_update_id)
            self.updates_since_snapshot = 0
        except Exception:  # compaction is an optimisation; the update log is still complete
            db.session.rollback()
            log.exception("compaction of forum %s failed", self.forum_id)

    def people(self) -> list[dict]:
        """Who is in the room: one line per user, the most recent focus wins; roles as stored now
        (a chair handover or a role change on any process shows at once)."""
        mine = merge_people([person.as_dict() for person in list(self.clients.values())])
        people = mine if self.presence is None else self.presence.everyone(self.forum_id, mine)
        roles = participant_roles(self.forum_id)
        return [{**person, "role": roles.get(person["user"], person["role"])} for person in people]

    def focus(self, sid: str, entry_id: int | None) -> None:
        """Note what a connection is writing in (an entry, or None), for presence."""
        if (person := self.clients.get(sid)) is not None:
            person.editing = entry_id

    def text_of(self, root: str) -> str:
        """The text of a root as it stands, with what other processes stored (empty if none)."""
        with self.lock:
            self.refresh()
            self.catch_up()
            return str(self.doc.get(root, type=Text)) if root in self.doc else ""


class RoomRegistry:
    """The live documents of one server process, and which sockets each user has open."""

    def __init__(
        self,
        store: DocumentStore | None = None,
        compact_every: int = DEFAULT_COMPACT_EVERY,
        presence: SharedPresence | None = None,
        shared: bool = False,
        group: GroupCommit | None = None,
    ):
        self.store = store or SqlDocumentStore()
        self.compact_every = compact_every
        self.presence = presence
        self.shared = shared  # other server processes serve the same forums (REDIS_URL)
        self.group = group or GroupCommit()  # one writer of updates for every room of this process
        self.rooms: dict[int, LiveDocument] = {}
        self.connections = Connections()  # every socket of this process, one record each
        self.disconnect_hook = None  # set by the realtime layer: callable(sid)
        self.relay = None  # set by the realtime layer: callable(forum id, update) to this process's clients
        self.broadcast = None  # set by the realtime layer: callable(event, payload, forum id) to a room
        self._lock = threading.Lock()

    def room(self, forum_id: int) -> LiveDocument:
        """The live document of a forum, loaded from the store on first use."""
        with self._lock:
            live = self.rooms.get(forum_id)
            if live is None:
                doc, last_id, pending = self.store.load(forum_id)
                live = LiveDocument(
                    forum_id=forum_id,
                    doc=doc,
                    store=self.store,
                    last_update_id=last_id,
                    updates_since_snapshot=pending,
                    compact_every=self.compact_every,
                    presence=self.presence,
                    shared=self.shared,
                    group=self.group,
                    relay=self.relay,
                )
                live.frozen = live.read_frozen()
                self.rooms[forum_id] = live
            return live

    def loaded(self, forum_id: int) -> LiveDocument | None:
        """The live document if it is in memory."""
        return self.rooms.get(forum_id)

    def connected(self, sid: str, user_id: int, session_key: str | None = None) -> Connection:
        """Remember a new socket of a user (and the browser session it was opened from)."""
        return self.connections.opened(sid, user_id, session_key)

    def joined(self, sid: str, forum_id: int, person: Person) -> LiveDocument:
        """Put a socket in a forum's room."""
        live = self.room(forum_id)
        with self._lock:
            live.clients[sid] = person
            if (connection := self.connections.get(sid)) is not None:
                connection.forums.add(forum_id)
        return live

    def is_in(self, sid: str, forum_id: int) -> bool:
        """Whether this socket has joined that forum."""
        connection = self.connections.get(sid)
        return connection is not None and forum_id in connection.forums

    def left(self, sid: str, forum_id: int) -> LiveDocument | None:
        """Take a socket out of a forum's room; unload the room when it is empty."""
        with self._lock:
            if (connection := self.connections.get(sid)) is not None:
                connection.forums.discard(forum_id)
            live = self.rooms.get(forum_id)
            if live is None:
                return None
            live.clients.pop(sid, None)
            if not live.clients:
                with live.lock:  # wait for an update in flight before letting go of the document
                    if not live.clients:
                        self.rooms.pop(forum_id, None)
            return live

    def disconnected(self, sid: str) -> list[LiveDocument]:
        """Forget a socket and everything kept about it; return the rooms it was in."""
        connection = self.connections.get(sid)
        forums = list(connection.forums) if connection is not None else []
        rooms = [live for forum_id in forums if (live := self.left(sid, forum_id))]
        self.connections.forget(sid)
        return rooms

    def sids_of(self, user_id: int) -> set[str]:
        """The open sockets of a user."""
        return {connection.sid for connection in self.connections.of_user(user_id)}

    def disconnect_user(self, user_id: int) -> int:
        """Close every socket of a user (e.g. when their access is withdrawn); return how many."""
        sids = self.sids_of(user_id)
        if self.disconnect_hook is not None:
            for sid in sids:
                self.disconnect_hook(sid)
        return len(sids)


def accept_update(live: LiveDocument, user_id: int, data: bytes) -> list[str]:
    """Check, store, audit and apply a user's update to a live forum; the entry roots it changed.

    Returns once the update is committed (with whatever else was waiting: see group_commit.py), so
    the caller may acknowledge and relay it. The caller's own transaction is ended first, so that
    a handler waiting for its batch holds no database connection (hundreds may wait at once).
    """
    names = check_update(data)
    new = [name for name in names if name not in live.doc]  # roots already in the document were checked
    if new:
        check_roots_belong(live.forum_id, new)
    db.session.commit()
    _update_id, roots = live.group.submit(live, user_id, data)
    return roots


def document_texts(forum_id: int) -> dict[str, str]:
    """Each root's text as stored in the DATABASE (not memory), by root name; used by the lock."""
    doc, _last, _count = SqlDocumentStore().load(forum_id)
    return texts_of(doc)
