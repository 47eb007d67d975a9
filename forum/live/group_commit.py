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
from forum.services.forums import writing_refusals
from forum.unit_of_work import roll_back

if TYPE_CHECKING:
    from forum.live.room import Room

# Refusals that stand: the browser discards the refused change, so nothing built on it may come later.
FINAL_REFUSALS = frozenset({"forbidden", "locked", "frozen"})


@dataclass(eq=False)
class PendingUpdate:
    """One submitted update and, once its batch is written, its outcome."""

    live: Room
    user_id: int
    data: bytes
    sid: str | None = None  # the socket that sent it (None: a change of the server's own)
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

    def submit(self, live: Room, user_id: int, data: bytes, sid: str | None = None) -> tuple[int, list[str]]:
        """Store, audit and apply an update; its id and the entry roots it changed. Blocks until committed.

        Raises ServiceError when the forum refuses it (locked, gone), or the database's error.
        """
        pending = PendingUpdate(live, user_id, data, sid)
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
            written = write_batch(batch)
            metrics.batch_written(len(batch), time.perf_counter() - started)
            self.batches += 1
            for room, accepted in written:  # before anyone is acknowledged: relayed means relayed
                room.announce(accepted)
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


def write_batch(batch: list[PendingUpdate]) -> list[tuple[Room, list[PendingUpdate]]]:
    """Write a batch in one transaction; each pending update gets its id and roots, or its error.
    Returns each forum's room with its accepted updates, to be relayed.

    Each forum's room does its own part (Room.claim, stage, freeze_refused, stored); this function
    holds the transaction: the one commit (or rollback) for every forum of the batch.
    """
    by_room: dict[int, list[PendingUpdate]] = {}
    for pending in batch:
        by_room.setdefault(id(pending.live), []).append(pending)
    groups = sorted(by_room.values(), key=lambda group: group[0].live.forum_id)
    rooms = [group[0].live for group in groups]
    for room in rooms:  # always in forum order, so two writers cannot wait for each other
        room.lock.acquire()
    outcomes: list[tuple[Room, list[PendingUpdate], dict[int, int]]] = []
    try:
        # Who may write is settled for every forum first, so an update refused on its own keeps its
        # refusal even if the transaction then fails.
        claimed = [_claimed(group) if _writable(group) else [] for group in groups]
        for group, writable in zip(groups, claimed, strict=True):
            room = group[0].live
            accepted = room.stage(writable) if writable else []
            outcomes.append((room, accepted, room.freeze_refused(group, FINAL_REFUSALS)))
        db.session.commit()  # the one documented exception to "the edge commits": a batch of many edges
    except Exception as error:
        roll_back()  # closes the session if even the rollback fails: memory is reloaded below either way
        for pending in batch:
            if pending.error is None:  # not refused on its own: it fails with the transaction
                pending.error = error
        for room in rooms:
            room.reload()  # memory may hold what was just rolled back
        return []
    else:
        for room, accepted, frozen in outcomes:
            room.stored(accepted, frozen)
        return [(room, accepted) for room, accepted, _frozen in outcomes if accepted]
    finally:
        for room in rooms:
            room.lock.release()


def _writable(group: list[PendingUpdate]) -> bool:
    """Whether any of a forum's updates may be written by its sender (each refused one gets its error).

    Who may write is checked here, in the transaction that stores the updates, so a role changed
    or a participant removed before it commits is seen.
    """
    room = group[0].live
    refusals = writing_refusals(room.forum_id, {pending.user_id for pending in group})
    for pending in group:
        pending.error = refusals.get(pending.user_id)
    return any(pending.error is None for pending in group)


def _claimed(group: list[PendingUpdate]) -> list[PendingUpdate]:
    """The writable updates of a forum, the forum taken for this transaction; [] if it refuses."""
    writable = [pending for pending in group if pending.error is None]
    try:
        group[0].live.claim()
    except ServiceError as refusal:
        for pending in writable:
            pending.error = refusal
        return []
    return writable
