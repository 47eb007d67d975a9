"""Reading the audit trail: filtering and CSV export for administrators."""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select

from forum.exports.csv_export import formula_safe
from forum.extensions import db
from forum.models import AuditEvent, Forum, User
from forum.services import ServiceError


@dataclass(frozen=True)
class AuditFilter:
    """What an administrator asked to see."""

    action: str = ""
    forum_reference: str = ""
    actor_email: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> "AuditFilter":
        """Build a filter from query arguments, refusing malformed dates."""

        def parse(name: str) -> date | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError as error:
                raise ServiceError(f"Enter the {name} date as YYYY-MM-DD.") from error

        return cls(
            action=(args.get("action") or "").strip()[:64],
            forum_reference=(args.get("forum") or "").strip()[:64],
            actor_email=(args.get("actor") or "").strip().lower()[:254],
            since=parse("since"),
            until=parse("until"),
        )


def _query(audit_filter: AuditFilter) -> Select:
    query = (
        select(AuditEvent, User.email, Forum.reference)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Forum, Forum.id == AuditEvent.forum_id)
        .order_by(AuditEvent.id.desc())
    )
    if audit_filter.action:
        query = query.where(AuditEvent.action.startswith(audit_filter.action, autoescape=True))
    if audit_filter.forum_reference:
        query = query.where(Forum.reference == audit_filter.forum_reference)
    if audit_filter.actor_email:
        query = query.where(User.email == audit_filter.actor_email)
    if audit_filter.since:
        query = query.where(AuditEvent.at >= datetime.combine(audit_filter.since, time.min))
    if audit_filter.until:
        query = query.where(
            AuditEvent.at < datetime.combine(audit_filter.until + timedelta(days=1), time.min)
        )
    return query


def audit_events(
    audit_filter: AuditFilter, limit: int = 500
) -> list[tuple[AuditEvent, str | None, str | None]]:
    """The newest matching events with the actor's email and the forum reference."""
    return [tuple(row) for row in db.session.execute(_query(audit_filter).limit(limit))]


@dataclass
class AuditLine:
    """One line of the audit page: an event, or a person's edits of one text in one minute."""

    at: datetime
    action: str
    email: str | None
    reference: str | None
    detail: dict
    count: int = 1


DOCUMENT_UPDATE = "document.update"


def audit_lines(audit_filter: AuditFilter, limit: int = 500, scan: int = 50_000) -> list[AuditLine]:
    """The newest matching events, document edits summarised: one line per person per text per
    minute, with how many updates it stands for (every row stays in the database and the CSV).

    At most `scan` newest events are read, so one forum's keystrokes cannot hide everything else.
    """
    lines: list[AuditLine] = []
    edits: dict[tuple, AuditLine] = {}
    for event, email, reference in db.session.execute(_query(audit_filter).limit(scan)):
        if event.action != DOCUMENT_UPDATE:
            lines.append(AuditLine(event.at, event.action, email, reference, event.detail))
        else:
            minute = event.at.replace(second=0, microsecond=0)
            for root in (event.detail or {}).get("roots") or ["(no text)"]:
                key = (event.actor_id, event.forum_id, root, minute)
                if key in edits:
                    edits[key].count += 1
                    continue
                edits[key] = AuditLine(minute, DOCUMENT_UPDATE, email, reference, {"text": root})
                lines.append(edits[key])
        if len(lines) >= limit:
            break
    return lines


def audit_csv(audit_filter: AuditFilter) -> bytes:
    """All matching events as CSV, formula-looking cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "at", "action", "actor", "forum", "detail"])
    for event, email, reference in db.session.execute(_query(audit_filter)):
        detail = json.dumps(event.detail, sort_keys=True)
        row = [event.id, event.at.isoformat(), event.action, email, reference, detail]
        writer.writerow([formula_safe("" if value is None else str(value)) for value in row])
    return out.getvalue().encode("utf-8")
