"""Group commit of live document updates: one transaction, and so one fsync, for every update that
arrived while the previous transaction was being written.

An update is applied to its forum's document in memory inside the transaction that stores it and
its audit event, under the document's lock; the sender is acknowledged and the room relayed to
only after that transaction commits. If the transaction fails, the documents it touched are
reloaded from the database, so memory never holds what the database does not.

Whoever submits while no batch is being written leads: it yields once (so the handlers that are
already scheduled can add their updates), writes everything queued, then hands the lead to the
first update that queued meanwhile. Works alike with eventlet green threads and real threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from forum import metrics
from forum.extensions import db
from forum.services import ServiceError
from forum.services.audit import record_many
from forum.services.crdt_updates import advanced_clients
from forum.services.forums import writing_refusals

if TYPE_CHECKING:
    from forum.services.documents import LiveDocument

# Refusals that stand: the browser discards the refused change, so nothing built on it may come later.
FINAL_REFUSALS = frozenset({"forbidden", "locked", "frozen"})


@dataclass(eq=False)
class PendingUpdate:
    """One submitted update and, once its batch is written, its outcome."""

    live: LiveDocument
    user_id: int
    data: bytes
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to write the next batch rather than with an outcome
    update_id: int = 0
    roots: list[str] = field(default_factory=list)
    error: Exception | None = None


class GroupCommit:
    """Stores the updates of every live document of one server process, in batches."""

    def __init__(self, pause: Callable[[], None] = lambda: time.sleep(0)):
        self._pause = pause  # under eventlet time.sleep is green: sleep(0) lets ready handlers run
        self._mutex = threading.Lock()
        self._queue: list[PendingUpdate] = []
        self._writing = False
        self.batches = 0  # how many transactions were written (for tests and the benchmark)

    def submit(self, live: LiveDocument, user_id: int, data: bytes) -> tuple[int, list[str]]:
        """Store, audit and apply an update; its id and the entry roots it changed. Blocks until committed.

        Raises ServiceError when the forum refuses it (locked, gone), or the database's error.
        """
        pending = PendingUpdate(live, user_id, data)
        with self._mutex:
            self._queue.append(pending)
            leading = not self._writing
            self._writing = True
        if not leading:
            pending.done.wait()
            leading = pending.lead
        if leading:
            self._lead()
        if pending.error is not None:
            raise pending.error
        return pending.update_id, pending.roots

    def _lead(self) -> None:
        self._pause()
        with self._mutex:
            batch, self._queue = self._queue, []
        try:
            started = time.perf_counter()
            write_batch(batch)
            metrics.batch_written(len(batch), time.perf_counter() - started)
            self.batches += 1
        except Exception as error:  # nobody may be told "saved" by a batch that did not finish
            for pending in batch:
                if pending.error is None and not pending.update_id:
                    pending.error = error
            raise
        finally:
            with self._mutex:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    self._writing = False
            for pending in batch:
                pending.done.set()


def write_batch(batch: list[PendingUpdate]) -> None:
    """Write a batch in one transaction; each pending update gets its id and roots, or its error."""
    by_forum: dict[int, list[PendingUpdate]] = {}
    for pending in batch:
        by_forum.setdefault(id(pending.live), []).append(pending)
    groups = sorted(by_forum.values(), key=lambda group: group[0].live.forum_id)
    lives = [group[0].live for group in groups]
    for live in lives:  # always in forum order, so two writers cannot wait for each other
        live.lock.acquire()
    frozen: list[tuple[LiveDocument, dict[int, int]]] = []
    try:
        accepted = _claim(groups)
        for group in accepted:
            _stage(group)
        for group in groups:
            frozen.extend(_freeze_refused(group))
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        for pending in batch:
            if pending.error is None:  # not refused on its own: it fails with the transaction
                pending.error = error
        for live in lives:
            live.reload()  # memory may hold what was just rolled back
        return
    else:
        for group in accepted:
            if group:  # every update of a forum may have been refused while it was applied
                live = group[0].live
                live.stored(group[-1].update_id, len(group))
                live.compact_if_due()
        for live, clients in frozen:
            live.frozen = {**clients, **live.frozen}
    finally:
        for live in lives:
            live.lock.release()


def _claim(groups: list[list[PendingUpdate]]) -> list[list[PendingUpdate]]:
    """Of each forum's updates, those its writers may send, each forum taken for this transaction.

    Who may write is checked here, in the transaction that stores the updates, so a role changed
    or a participant removed before it commits is seen. The groups are left whole (with each
    refused update's error set); the accepted are returned as new lists.
    """
    accepted = []
    for group in groups:
        live = group[0].live
        refusals = writing_refusals(live.forum_id, {pending.user_id for pending in group})
        for pending in group:
            pending.error = refusals.get(pending.user_id)
        writable = [pending for pending in group if pending.error is None]
        if not writable:
            continue
        try:
            live.refresh()
            missed = live.store.claim(live.forum_id, live.last_update_id if live.shared else None)
        except ServiceError as refusal:
            for pending in writable:
                pending.error = refusal
            continue
        live.absorb(missed)  # what other processes stored first (several processes only)
        if live.shared:
            live.frozen = live.store.frozen(live.forum_id)  # another process may have refused a client
        accepted.append(writable)
    return accepted


def _freeze_refused(group: list[PendingUpdate]) -> list[tuple[LiveDocument, dict[int, int]]]:
    """Record the CRDT clients of updates refused for good, so that what builds on them is refused too.

    A browser that rejoins sends everything the server lacks, refused text included; the store
    remembers whose text it was (client id and clock) and refuses it then (already_refused).
    """
    live = group[0].live
    clients: dict[int, int] = {}
    code = ""
    for pending in group:
        if pending.error is not None and getattr(pending.error, "code", None) in FINAL_REFUSALS:
            code = pending.error.code
            for client, clock in advanced_clients(live.doc, pending.data).items():
                clients.setdefault(client, clock)
    if not clients:
        return []
    live.store.freeze(live.forum_id, clients, code)
    return [(live, clients)]


def _stage(group: list[PendingUpdate]) -> None:
    """Apply a forum's updates to memory and add them, with their audit events, to the transaction."""
    live = group[0].live
    group[:] = live.integrate(group)
    if not group:
        return
    ids = live.store.add(live.forum_id, [(pending.user_id, pending.data) for pending in group])
    for pending, update_id in zip(group, ids, strict=True):
        pending.update_id = update_id
    record_many(
        [
            {
                "action": "document.update",
                "actor_id": pending.user_id,
                "forum_id": live.forum_id,
                "detail": {"update_id": pending.update_id, "roots": pending.roots},
            }
            for pending in group
        ]
    )
