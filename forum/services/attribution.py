"""Who changed each text of a forum's document, derived from what is already stored.

Every accepted update leaves a `document.update` audit event naming its sender and the roots it
changed (forum/live/group_commit.py), so attribution needs no extra write on the typing path: a
text's contributors are its author (the entry's, goal's or action's creator; for the hypothesis
and family text, whoever wrote first), then everyone else whose updates changed it, in the order
they first did, each with their agency and last change time.

A forum's events are summarised with each compaction of its document (summarise, the forum
claimed), and reads start from that summary: a join never reads more than the events since the
last compaction. The claim also orders the events of one forum: whoever adds them holds the forum
row until it commits, so those added later have higher ids.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from forum.extensions import db
from forum.models import Agency, AttributionSummary, AuditEvent, Entry, User
from forum.models.facilitation import Action, Goal

TIMEZONE = "Europe/London"
LONDON = ZoneInfo(TIMEZONE)


def london(moment: datetime | None) -> str | None:
    """An ISO 8601 time with its Europe/London offset (stored times are UTC)."""
    if moment is None:
        return None
    return moment.astimezone(LONDON).isoformat()


def _authors(forum_id: int) -> dict[str, tuple[int, int | None]]:
    """Root name → (creator's user id, agency id recorded with it, if any)."""
    authors: dict[str, tuple[int, int | None]] = {}
    for entry_id, author_id, agency_id in db.session.execute(
        select(Entry.id, Entry.author_id, Entry.agency_id).where(Entry.forum_id == forum_id)
    ):
        authors[f"entry:{entry_id}"] = (author_id, agency_id)
    for goal_id, created_by in db.session.execute(
        select(Goal.id, Goal.created_by).where(Goal.forum_id == forum_id)
    ):
        authors[f"goal:{goal_id}"] = (created_by, None)
    for action_id, created_by in db.session.execute(
        select(Action.id, Action.created_by).where(Action.forum_id == forum_id)
    ):
        for part in ("what", "measure"):
            authors[f"action:{action_id}:{part}"] = (created_by, None)
    return authors


def changes_by_root(forum_id: int) -> dict[str, dict[int, datetime]]:
    """Root name → {user id: last change time}, users in the order of their first change."""
    return _read(forum_id)[0]


def summarise(forum_id: int) -> None:
    """Keep the forum's attribution as it stands, for later reads to start from (in the caller's
    transaction, with the forum claimed: no event of it can be added meanwhile)."""
    changes, upto = _read(forum_id)
    if not upto:
        return  # no event yet
    encoded = {
        root: [[user_id, moment.isoformat()] for user_id, moment in users.items()]
        for root, users in changes.items()
    }
    summary = db.session.get(AttributionSummary, forum_id)
    if summary is None:
        db.session.add(AttributionSummary(forum_id=forum_id, upto_audit_id=upto, changes=encoded))
    elif upto > summary.upto_audit_id:
        summary.upto_audit_id, summary.changes = upto, encoded


def _read(forum_id: int) -> tuple[dict[str, dict[int, datetime]], int]:
    """The changes by root, and the id of the last event they include (0: none)."""
    summary = db.session.get(AttributionSummary, forum_id)
    changes: dict[str, dict[int, datetime]] = {}
    upto = 0
    if summary is not None:
        upto = summary.upto_audit_id
        for root, users in summary.changes.items():
            changes[root] = {user_id: datetime.fromisoformat(text) for user_id, text in users}
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.actor_id, AuditEvent.at, AuditEvent.detail)
        .where(
            AuditEvent.forum_id == forum_id,
            AuditEvent.action == "document.update",
            AuditEvent.id > upto,
        )
        .order_by(AuditEvent.id)
    )
    for event_id, actor_id, at, detail in rows:
        upto = event_id
        if actor_id is None:
            continue
        for root in (detail or {}).get("roots", ()):
            changes.setdefault(root, {})[actor_id] = at.replace(microsecond=0)
    return changes, upto


def contributors(forum_id: int) -> dict[str, list[dict]]:
    """Root name → its contributors: {user, name, agency, role (author | editor), last_changed_at}."""
    changes = changes_by_root(forum_id)
    authors = _authors(forum_id)
    user_ids = {user for users in changes.values() for user in users} | {a for a, _ in authors.values()}
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    result: dict[str, list[dict]] = {}
    for root in set(changes) | set(authors):
        changed = changes.get(root, {})
        author_id, author_agency = authors.get(root, (next(iter(changed), None), None))
        people = []
        if author_id is not None:
            people.append((author_id, "author", author_agency))
        people += [(user_id, "editor", None) for user_id in changed if user_id != author_id]
        result[root] = [
            {
                "user": user_id,
                "name": users[user_id].full_name,
                "agency": _agency_name(users[user_id], agency_id),
                "role": role,
                "last_changed_at": london(changed.get(user_id)),
            }
            for user_id, role, agency_id in people
            if user_id in users
        ]
    return result


def _agency_name(user: User, agency_id: int | None) -> str:
    if agency_id is None or agency_id == user.agency_id:
        return user.agency.name
    agency = db.session.get(Agency, agency_id)  # the agency the entry was added for
    return agency.name if agency else user.agency.name


def of_texts(credits: dict[str, list[dict]], *roots: str) -> list[dict]:
    """The contributors of one text made of these roots (an action's what and measure), without user ids."""
    merged: dict[int, dict] = {}
    for root in roots:
        for person in credits.get(root, []):
            known = merged.get(person["user"])
            if known is None:
                merged[person["user"]] = dict(person)
            elif (person["last_changed_at"] or "") > (known["last_changed_at"] or ""):
                known["last_changed_at"] = person["last_changed_at"]
    return [{key: value for key, value in person.items() if key != "user"} for person in merged.values()]
