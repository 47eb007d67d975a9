"""Entries in a forum's panels: adding, removing and reordering, attributed by the server."""

from sqlalchemy import func, select, update

from forum.auth.permissions import require_writer
from forum.extensions import db
from forum.models import Entry, Forum, ForumRole, User
from forum.models.base import utcnow
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.claims import claim_open_forum
from forum.services.forums import get_forum
from forum.services.scheduling import is_written_input

WRITERS = tuple(role for role in ForumRole if role.writes)


def panel_keys(forum: Forum) -> list[str]:
    """The forum's panel keys, in template order."""
    return [panel["key"] for panel in forum.template["panels"]]


def active_entries(forum_id: int) -> list[Entry]:
    """The forum's entries that are not removed, in panel order then position."""
    order = {key: index for index, key in enumerate(panel_keys(get_forum(forum_id)))}
    entries = db.session.scalars(
        select(Entry).where(Entry.forum_id == forum_id, Entry.removed_at.is_(None))
    ).all()
    return sorted(entries, key=lambda entry: (order.get(entry.panel, len(order)), entry.position, entry.id))


def entry_dict(entry: Entry) -> dict:
    """An entry as sent to clients (see docs/protocol.md)."""
    return {
        "id": entry.id,
        "panel": entry.panel,
        "position": entry.position,
        "author": {"user": entry.author_id, "name": entry.author.full_name, "agency": entry.agency.name},
        "created_at": entry.created_at.isoformat(),
        "written_input": entry.written_input,
    }


def add_entry(forum_id: int, user: User, panel: str) -> Entry:
    """Add an empty entry at the end of a panel, attributed to the user and their agency."""
    require_writer(forum_id, user)
    forum = get_forum(forum_id)
    if panel not in panel_keys(forum):
        raise ServiceError(f"This forum has no panel {panel!r}.", code="not_found")
    claim_open_forum(forum_id, draft=True)
    position = db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.forum_id == forum_id, Entry.panel == panel, Entry.removed_at.is_(None)
        )
    )
    entry = Entry(
        forum_id=forum_id,
        panel=panel,
        position=position,
        author_id=user.id,
        agency_id=user.agency_id,
        written_input=is_written_input(forum_id),
    )
    db.session.add(entry)
    db.session.flush()
    record("entry.add", actor_id=user.id, forum_id=forum_id, entry_id=entry.id, panel=panel)
    return entry


def entry_of_forum(forum_id: int, entry_id: int) -> Entry:
    """The forum's entry (not removed), or ServiceError not_found (another forum's entry is not found)."""
    return _entry_in(forum_id, entry_id)


def _entry_in(forum_id: int, entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.forum_id != forum_id or entry.removed_at is not None:
        raise ServiceError("There is no such entry.", code="not_found")
    return entry


def remove_entry(forum_id: int, user: User, entry_id: int) -> Entry:
    """Remove an entry (kept in the database, marked removed) and close the gap in its panel."""
    require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)
    entry = _entry_in(forum_id, entry_id)
    entry.removed_at, entry.removed_by = utcnow(), user.id
    db.session.execute(
        update(Entry)
        .where(
            Entry.forum_id == forum_id,
            Entry.panel == entry.panel,
            Entry.removed_at.is_(None),
            Entry.id != entry.id,
            Entry.position > entry.position,
        )
        .values(position=Entry.position - 1)
        .execution_options(synchronize_session=False)
    )
    record("entry.remove", actor_id=user.id, forum_id=forum_id, entry_id=entry.id, panel=entry.panel)
    return entry


def removed_entries(forum_id: int) -> list[Entry]:
    """The forum's removed entries, most recently removed first (they can be restored until the lock)."""
    return list(
        db.session.scalars(
            select(Entry)
            .where(Entry.forum_id == forum_id, Entry.removed_at.is_not(None))
            .order_by(Entry.removed_at.desc(), Entry.id.desc())
        )
    )


def removed_dict(entry: Entry) -> dict:
    """A removed entry as sent to clients: who wrote it, who removed it and when (its text is in the
    document, under its root)."""
    remover = entry.remover
    return {
        **entry_dict(entry),
        "removed_at": entry.removed_at.isoformat(),
        "removed_by": (
            {"user": remover.id, "name": remover.full_name, "agency": remover.agency.name}
            if remover
            else None
        ),
    }


def restore_entry(forum_id: int, user: User, entry_id: int) -> Entry:
    """Put a removed entry back at the end of its panel: its author, whoever removed it, or the chair."""
    participant = require_writer(forum_id, user)
    claim_open_forum(forum_id, draft=True)
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.forum_id != forum_id or entry.removed_at is None:
        raise ServiceError("There is no such removed entry.", code="not_found")
    if user.id not in (entry.author_id, entry.removed_by) and participant.role != ForumRole.CHAIR:
        raise ServiceError(
            "Only the entry's author, whoever removed it or the chair can restore it.", code="forbidden"
        )
    entry.position = db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.forum_id == forum_id, Entry.panel == entry.panel, Entry.removed_at.is_(None)
        )
    )
    entry.removed_at = entry.removed_by = None
    record("entry.restore", actor_id=user.id, forum_id=forum_id, entry_id=entry.id, panel=entry.panel)
    return entry


def move_entry(forum_id: int, user: User, entry_id: int, direction: str) -> Entry:
    """Swap an entry with its neighbour above or below; at the end of its panel it stays put."""
    require_writer(forum_id, user)
    if direction not in ("up", "down"):
        raise ServiceError("Direction must be up or down.")
    claim_open_forum(forum_id, draft=True)
    entry = _entry_in(forum_id, entry_id)
    target = entry.position - 1 if direction == "up" else entry.position + 1
    neighbour = db.session.scalar(
        select(Entry).where(
            Entry.forum_id == forum_id,
            Entry.panel == entry.panel,
            Entry.removed_at.is_(None),
            Entry.position == target,
        )
    )
    if neighbour is not None:
        neighbour.position, entry.position = entry.position, target
        record(
            "entry.move",
            actor_id=user.id,
            forum_id=forum_id,
            entry_id=entry.id,
            panel=entry.panel,
            direction=direction,
        )
    return entry
