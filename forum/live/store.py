"""Where a live room's document is kept: an append-only log of updates and the snapshots that replace
its beginning. The store reads and writes in the caller's transaction and never commits: the room
(or group commit) decides when a transaction ends."""

from dataclasses import dataclass, field
from typing import Protocol

from pycrdt import Doc, Text
from sqlalchemy import delete, func, insert, select

from forum.extensions import db
from forum.live.updates import ROOT_NAME
from forum.models import DocumentSnapshot, DocumentUpdate, FrozenClient
from forum.models.base import utcnow
from forum.prepared import Prepared
from forum.services.claims import claim_open_forum

# Run for every batch of updates: prepared once (forum/prepared.py).
_APPEND = Prepared(
    insert(DocumentUpdate).returning(DocumentUpdate.id), ["forum_id", "user_id", "data", "created_at"]
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


def stored_document(forum_id: int) -> Doc:
    """The forum's document as stored in the database, read inside the caller's transaction."""
    return SqlDocumentStore().since(forum_id, 0)[0].doc()


@dataclass
class Missed:
    """What the store holds after some update: a newer snapshot, then updates (id, data) in order."""

    snapshot: bytes | None = None
    updates: list[tuple[int, bytes]] = field(default_factory=list)
    last_id: int = 0

    def doc(self) -> Doc:
        """The document these make on their own (read from update 0: the whole stored document)."""
        return build_doc(self.snapshot, [data for _id, data in self.updates])


class DocumentStore(Protocol):
    """Where a live room's document is loaded from and saved to. Every method works in the caller's
    transaction and none commits (the shape of pycrdt-websocket's YStore, in this project's words)."""

    def since(self, forum_id: int, after: int) -> tuple[Missed, int]:
        """What was stored after update `after` (a newer snapshot replaces the updates it covers), and
        the update id the reading started from (the snapshot's, if there was a newer one)."""

    def newest_snapshot(self, forum_id: int) -> int:
        """The update id the newest snapshot goes up to (0: none)."""

    def claim(self, forum_id: int, after: int | None) -> Missed:
        """Take the forum for the current transaction, refusing (ServiceError) a locked, frozen or unknown
        one without writing anything; with `after`, also return what others stored after that update."""

    def append(self, forum_id: int, updates: list[tuple[int, bytes]]) -> list[int]:
        """Add (user id, update) pairs to the claimed forum's log; their ids."""

    def compact(self, forum_id: int, snapshot: bytes, upto_update_id: int) -> None:
        """Replace the updates up to upto_update_id by one snapshot (the forum claimed first)."""

    def frozen(self, forum_id: int) -> dict[int, int]:
        """The CRDT clients refused for good in this forum, each with the clock it was frozen at."""

    def freeze(self, forum_id: int, clients: dict[int, int], code: str) -> None:
        """Record clients refused for good (an earlier freeze stands)."""


class SqlDocumentStore:
    """The database store: document_updates (append-only log) and document_snapshots."""

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
        claim_open_forum(forum_id, draft=True)  # every text of the document is the draft's
        return Missed() if after is None else self.since(forum_id, after)[0]

    def append(self, forum_id: int, updates: list[tuple[int, bytes]]) -> list[int]:
        at = utcnow()
        return [  # one row at a time: each id as the database gave it, in order
            _APPEND.first({"forum_id": forum_id, "user_id": user_id, "data": data, "created_at": at})[0]
            for user_id, data in updates
        ]

    def newest_snapshot(self, forum_id: int) -> int:
        return db.session.scalar(
            select(func.coalesce(func.max(DocumentSnapshot.upto_update_id), 0)).where(
                DocumentSnapshot.forum_id == forum_id
            )
        )

    def since(self, forum_id: int, after: int) -> tuple[Missed, int]:
        missed = Missed(last_id=after)
        newest = self.newest_snapshot(forum_id)
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

    def compact(self, forum_id: int, snapshot: bytes, upto_update_id: int) -> None:
        claim_open_forum(forum_id)  # not while another process appends, compacts or locks
        db.session.add(DocumentSnapshot(forum_id=forum_id, data=snapshot, upto_update_id=upto_update_id))
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
