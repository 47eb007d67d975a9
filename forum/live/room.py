"""One live forum room: its document in memory, the people connected to it, what other processes
stored (catch-up), and the batches of updates group commit hands it (claim, integrate, stage, freeze)."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pycrdt import Doc, Text, merge_updates

from forum.extensions import db
from forum.live.group_commit import GroupCommit
from forum.live.presence import SharedPresence, merge_people, participant_roles
from forum.live.store import DocumentStore, Missed
from forum.live.updates import (
    ROOT_NAME,
    advanced_clients,
    check_integrated,
    check_roots_belong,
    check_update,
    state_vector,
)
from forum.services import ServiceError
from forum.services.attribution import summarise
from forum.services.audit import record_many

log = logging.getLogger(__name__)

DEFAULT_COMPACT_EVERY = 500
EMPTY_UPDATE = b"\x00\x00"
CATCH_UP_ATTEMPTS = 5
CATCH_UP_EVERY = 1.0  # seconds: a periodic re-sync reads the store at most this often per room
ALREADY_REFUSED = (
    "This change builds on a change that was refused earlier; the page will load the forum again."
)


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
class Room:
    """One live forum: its pycrdt Doc, the people connected to it, and its store.

    Group commit hands it each batch of its updates, in the batch's transaction and under its lock:
    claim() takes the forum and catches up, integrate() applies them to memory, stage() adds them to
    the store with their audit rows, freeze_refused() records clients refused for good, and after the
    commit stored() notes them (or reload() forgets them after a rollback).
    """

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
    publish: Callable[[int, bytes, list[dict], str | None], None] | None = None  # to the room, all processes
    caught_up_at: float = 0.0  # time.monotonic() of the last read of the store (several processes)

    @classmethod
    def open(cls, forum_id: int, store: DocumentStore, **settings) -> "Room":
        """The room of a forum, its document read from the store (in a read transaction ended here)."""
        missed = stored_since(store, forum_id, 0)
        room = cls(
            forum_id=forum_id,
            doc=missed.doc(),
            store=store,
            last_update_id=missed.last_id,
            updates_since_snapshot=len(missed.updates),
            **settings,
        )
        room.frozen = room.read_frozen()
        room.compact_if_due()  # a long log is read once: the next load starts from one snapshot
        return room

    # Reading: joins and periodic syncs

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

    def text_of(self, root: str) -> str:
        """The text of a root as it stands, with what other processes stored (empty if none)."""
        with self.lock:
            self.refresh()
            self.catch_up()
            return str(self.doc.get(root, type=Text)) if root in self.doc else ""

    # A batch, inside group commit's transaction (hold self.lock)

    def claim(self) -> None:
        """Take the forum for the batch's transaction (ServiceError if locked, frozen or gone) and apply
        what other processes stored first (several processes only)."""
        self.refresh(in_transaction=True)
        self.absorb(self.store.claim(self.forum_id, self.last_update_id if self.shared else None))
        if self.shared:
            self.frozen = self.store.frozen(self.forum_id)  # another process may have refused a client

    def integrate(self, pending: list) -> list:
        """Apply each pending update (.data) to memory, setting its .roots or its .error; the accepted.

        An update is accepted only if it integrates completely and adds nothing of a client refused
        for good. When one is refused, memory is read again from the store (inside the caller's
        transaction) and the others applied afresh, until every one left is accepted: memory then
        holds exactly the store plus the accepted updates.
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
            self._replace(self.store.since(self.forum_id, 0)[0])
            pending = accepted

    def stage(self, pending: list) -> list:
        """Integrate the batch's updates of this forum and add them, with their audit rows, to the
        transaction; the accepted ones (each with its update id)."""
        accepted = self.integrate(pending)
        if not accepted:
            return accepted
        ids = self.store.append(self.forum_id, [(item.user_id, item.data) for item in accepted])
        for item, update_id in zip(accepted, ids, strict=True):
            item.update_id = update_id
        record_many(
            [
                {
                    "action": "document.update",
                    "actor_id": item.user_id,
                    "forum_id": self.forum_id,
                    "detail": {"update_id": item.update_id, "roots": item.roots},
                }
                for item in accepted
            ]
        )
        return accepted

    def freeze_refused(self, pending: list, final: frozenset[str]) -> dict[int, int]:
        """Record the CRDT clients of updates refused for good (codes in `final`), so that what builds
        on them is refused too; the clients recorded.

        A browser that rejoins sends everything the server lacks, refused text included; the store
        remembers whose text it was (client id and clock) and refuses it then (already_refused).
        """
        clients: dict[int, int] = {}
        code = ""
        for item in pending:
            if item.error is not None and getattr(item.error, "code", None) in final:
                code = item.error.code
                for client, clock in advanced_clients(self.doc, item.data).items():
                    clients.setdefault(client, clock)
        if clients:
            self.store.freeze(self.forum_id, clients, code)
        return clients

    def stored(self, accepted: list, frozen: dict[int, int]) -> None:
        """After the batch's commit: note its accepted updates and refused clients; compact if due."""
        if accepted:
            self.last_update_id = accepted[-1].update_id
            self.updates_since_snapshot += len(accepted)
            self.compact_if_due()
        self.frozen = {**frozen, **self.frozen}

    def announce(self, accepted: list) -> None:
        """Relay a batch's accepted updates of this forum to the room as ONE update (merged), naming
        each author and the roots they changed; the sender is skipped when there was only one (its
        client has it). Called after the commit, before anyone is acknowledged."""
        if self.publish is None or not accepted:
            return
        data = accepted[0].data if len(accepted) == 1 else merge_updates(*(item.data for item in accepted))
        roots: dict[int, set[str]] = {}
        for item in accepted:
            roots.setdefault(item.user_id, set()).update(item.roots)
        authors = [{"by": user, "roots": sorted(changed)} for user, changed in roots.items()]
        senders = {item.sid for item in accepted}
        try:
            self.publish(self.forum_id, data, authors, senders.pop() if len(senders) == 1 else None)
        except Exception:  # stored is stored; clients that missed it get it from their next sync
            log.exception("forum %s: relaying a batch failed", self.forum_id)

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

    # Keeping memory equal to the store

    def reload(self, in_transaction: bool = False) -> None:
        """Replace the document by the stored one (after a transaction that applied updates failed).

        If the store cannot be read either, the document is marked stale and reloaded before its
        next use, so nobody is ever sent what was rolled back. `in_transaction`: read inside the
        caller's transaction (a batch's) rather than in one of its own.
        """
        self.stale = True
        try:
            if in_transaction:
                missed = self.store.since(self.forum_id, 0)[0]
                frozen = self.store.frozen(self.forum_id)
            else:
                missed = stored_since(self.store, self.forum_id, 0)
                frozen = self.read_frozen()
        except Exception:
            if not in_transaction:
                db.session.rollback()
            log.exception("forum %s: the document could not be reloaded", self.forum_id)
            return
        self._replace(missed)
        self.frozen = frozen
        self.stale = False

    def read_frozen(self) -> dict[int, int]:
        """The clients refused for good, from the store (ends the read transaction)."""
        try:
            return self.store.frozen(self.forum_id)
        finally:
            db.session.commit()  # end the read transaction; nothing was written

    def refresh(self, in_transaction: bool = False) -> None:
        """Reload a stale document, refusing (ServiceError) while the store cannot be read (hold self.lock)."""
        if self.stale:
            self.reload(in_transaction)
        if self.stale:
            raise ServiceError("The forum could not be loaded; try again in a moment.", code="unavailable")

    def catch_up(self) -> None:
        """Apply what other server processes stored since this document's last update (hold self.lock)."""
        if self.shared:
            self.caught_up_at = time.monotonic()
            self.absorb(stored_since(self.store, self.forum_id, self.last_update_id))

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

    def _replace(self, missed: Missed) -> None:
        """Memory becomes the whole stored document `missed` (read from update 0)."""
        self.doc = missed.doc()
        self.last_update_id, self.updates_since_snapshot = missed.last_id, len(missed.updates)
        self._observed = {}
        self._watch_roots()

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
        """Replace the stored log by one snapshot every compact_every updates (hold self.lock), in a
        transaction of its own."""
        if self.updates_since_snapshot < self.compact_every:
            return
        try:
            self.store.compact(self.forum_id, self.doc.get_update(), self.last_update_id)
            summarise(self.forum_id)  # attribution too: a join then reads only what came after
            db.session.commit()  # the compaction's own transaction
            self.updates_since_snapshot = 0
        except ServiceError:  # locked (or gone): its document no longer changes; the log stays
            db.session.rollback()
        except Exception:  # compaction is an optimisation; the update log is still complete
            db.session.rollback()
            log.exception("compaction of forum %s failed", self.forum_id)

    # People

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


def stored_since(store: DocumentStore, forum_id: int, after: int) -> Missed:
    """What the store holds after update `after`, read in a transaction of its own (ended here).

    Without the forum row, a compaction may commit between the reads (PostgreSQL reads each statement
    afresh): read again when the newest snapshot moved meanwhile.
    """
    for _attempt in range(CATCH_UP_ATTEMPTS):
        missed, base = store.since(forum_id, after)
        moved = store.newest_snapshot(forum_id) > base
        db.session.commit()  # end the read transaction (nothing was written); SQLite must not hold it
        if not moved:
            return missed
    raise RuntimeError(f"forum {forum_id}: the stored document kept changing while it was read")


def accept_update(live: Room, user_id: int, data: bytes, sid: str | None = None) -> list[str]:
    """Check, store, audit and apply a user's update to a live forum; the entry roots it changed.

    Returns once the update is committed (with whatever else was waiting: see group_commit.py) and
    relayed to the room (merged with the batch's others; `sid`, its sender, skipped if it was alone),
    so the caller may acknowledge it. The caller's own transaction is ended first, so that
    a handler waiting for its batch holds no database connection (hundreds may wait at once).
    """
    names = check_update(data)
    new = [name for name in names if name not in live.doc]  # roots already in the document were checked
    if new:
        check_roots_belong(live.forum_id, new)
    if db.session.registry.has():  # most updates touch no session: none is made just to end it
        db.session.commit()  # end the caller's read transaction: hundreds may wait for a batch, holding nothing
    _update_id, roots = live.group.submit(live, user_id, data, sid)
    return roots
