"""An iCalendar file with one all-day event on the plan's review date."""

import uuid
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from forum.exports import wording
from forum.exports.canonical import LockedVersion

PRODID = "-//Rethink Forum//Plan export//EN"


def review_uid(reference: str, number: int) -> str:
    """The same UID for the same forum reference and version, so re-imports update, not duplicate."""
    return (
        f"{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:rethink-forum:review:{reference}:v{number}')}@rethink-forum"
    )


def render_ics(version: LockedVersion) -> bytes:
    """The review date as a VEVENT stamped with the lock time; no personal names in its summary.

    The description names the plan and its hash, not its content: calendar entries are copied to phones
    and shared calendars, so the plan itself stays in the other formats.
    """
    doc = version.document
    reference, number = doc["forum"]["reference"], doc["version"]["number"]
    review = date.fromisoformat(doc["review_date"])
    locked_at = datetime.fromisoformat(doc["version"]["locked_at"]).astimezone(UTC)

    event = Event()
    event.add("uid", review_uid(reference, number))
    event.add("dtstamp", locked_at)
    event.add("dtstart", review)
    event.add("dtend", review + timedelta(days=1))
    event.add("summary", wording.reveal_controls(f"Review: {reference} v{number}"))
    event.add(
        "description",
        wording.reveal_controls(
            f"{wording.MARKING}. Review of the multi-agency plan {reference}, version {number}, "
            f"locked {wording.lock_time(doc)}. SHA-256 of the locked version: {version.sha256}."
        ),
    )
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "TRANSPARENT")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()
