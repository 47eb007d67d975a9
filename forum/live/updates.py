"""What a Yjs (v1) update does to a document: whether it integrates completely, and whose clocks it moves.

A document applies an update whose dependencies it lacks only in part: the rest waits, invisible, until
they arrive. The server must never acknowledge such an update (it is not applied, and a snapshot would
drop it), so it asks the document what is left of the update once applied: nothing, if it integrated.
"""

import re

from pycrdt import Doc, get_update

from forum.extensions import db
from forum.models import Entry
from forum.models.facilitation import Action, Goal
from forum.services import ServiceError

# The document's top-level Texts (docs/protocol.md "The shared document"); any other root is refused.
_ID = r"[1-9][0-9]{0,17}"
ROOT_NAME = re.compile(
    rf"^(?:hypothesis|family_communication|entry:{_ID}|goal:{_ID}|action:{_ID}:(?:what|measure))$"
)

OUT_OF_SYNC = ServiceError(
    "Your change builds on text the server does not have; the page will sync again.", code="out_of_sync"
)


def read_var_uint(data: bytes, offset: int) -> tuple[int, int]:
    """A lib0 variable-length unsigned integer at offset, and the offset after it."""
    value = shift = 0
    while True:
        if offset >= len(data):
            raise ValueError("truncated integer")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, offset
        shift += 7


def state_vector(encoded: bytes) -> dict[int, int]:
    """A state vector (as Doc.get_state() encodes it) as {client id: next clock}."""
    count, offset = read_var_uint(encoded, 0)
    clocks = {}
    for _ in range(count):
        client, offset = read_var_uint(encoded, offset)
        clocks[client], offset = read_var_uint(encoded, offset)
    return clocks


def deleted_ranges(update: bytes, offset: int) -> list[tuple[int, int, int]]:
    """The delete set that starts at offset of a v1 update: (client, clock, length) triples."""
    ranges = []
    clients, offset = read_var_uint(update, offset)
    for _ in range(clients):
        client, offset = read_var_uint(update, offset)
        count, offset = read_var_uint(update, offset)
        for _ in range(count):
            clock, offset = read_var_uint(update, offset)
            length, offset = read_var_uint(update, offset)
            ranges.append((client, clock, length))
    return ranges


def check_integrated(doc: Doc, update: bytes) -> None:
    """Refuse (out_of_sync) an update just applied to doc that left items or deletions waiting.

    What the document still lacks of the update after applying it is the part that could not be
    integrated; a deletion is waiting when it names an item beyond the document's clocks.
    """
    state = doc.get_state()
    leftover = get_update(update, state)
    structs, offset = read_var_uint(leftover, 0)
    if structs:
        raise OUT_OF_SYNC
    ranges = deleted_ranges(leftover, offset)
    if ranges:
        clocks = state_vector(state)
        if any(clock + length > clocks.get(client, 0) for client, clock, length in ranges):
            raise OUT_OF_SYNC


def advanced_clients(doc: Doc, update: bytes) -> dict[int, int]:
    """The clients whose items the update would add to doc, each with doc's clock for it now.

    Applies the update to a copy, so it costs a copy of the document: for refusals only.
    """
    before = state_vector(doc.get_state())
    copy = Doc()
    copy.apply_update(doc.get_update())
    try:
        copy.apply_update(update)
    except Exception:  # an update that does not decode adds nothing
        return {}
    after = copy.get_state()
    clients = {
        client: before.get(client, 0)
        for client, clock in state_vector(after).items()
        if clock > before.get(client, 0)
    }
    # Items that wait for others (they build on text refused earlier): the first client of what is
    # left can be read without decoding the items (a browser's update has one client).
    leftover = get_update(update, after)
    structs, offset = read_var_uint(leftover, 0)
    if structs:
        _count, offset = read_var_uint(leftover, offset)
        client, _offset = read_var_uint(leftover, offset)
        clients.setdefault(client, before.get(client, 0))
    return clients


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
