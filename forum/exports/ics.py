"""The review date and every action's due date of a locked version, as an iCalendar file."""

import uuid
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from forum.exports import wording
from forum.exports.canonical import LockedVersion

PRODID = "-//Rethink Forum//Plan export//EN"


def _uid(name: str) -> str:
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:rethink-forum:{name}')}@rethink-forum"


def review_uid(reference: str, number: int) -> str:
    """The same UID for the same forum reference and version, so re-imports update, not duplicate."""
    return _uid(f"review:{reference}:v{number}")


def action_uid(reference: str, number: int, action_id: int) -> str:
    """One stable UID per action of a version."""
    return _uid(f"action:{reference}:v{number}:{action_id}")


def _all_day(uid: str, day: date, stamp: datetime, summary: str, description: str) -> Event:
    """A confidential, free-time, all-day event (it marks a date; it does not block the diary)."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", wording.reveal_controls(summary))
    event.add("description", wording.reveal_controls(description))
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "TRANSPARENT")
    return event


def render_ics(version: LockedVersion) -> bytes:
    """The review date and every action's due date as all-day events stamped with the lock time.

    What a shared calendar may hold: calendars are shared with colleagues and copied to phones, whose
    lock screens show an event's summary. So every event is CLASS:CONFIDENTIAL (others with access see
    'busy', not the text) and TRANSPARENT, and a summary names only the plan's reference, version, action
    number and the action's owner (a professional, with their agency) - never the forum title, which may
    name the child. The action's text and how we will know it happened, which are about the family, are
    in the description with the OFFICIAL-SENSITIVE marking; the formulation, hypothesis and stances are
    never in the calendar.
    """
    doc = version.document
    reference, number = doc["forum"]["reference"], doc["version"]["number"]
    locked_at = datetime.fromisoformat(doc["version"]["locked_at"]).astimezone(UTC)
    plan = (
        f"the multi-agency plan {reference}, version {number}, locked {wording.lock_time(doc)}; "
        f"presenting agency: {wording.presenting_agency(doc)}. SHA-256 of the locked version: {version.sha256}"
    )

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(
        _all_day(
            review_uid(reference, number),
            date.fromisoformat(doc["review_date"]),
            locked_at,
            f"Review: {reference} v{number}",
            f"{wording.MARKING}. Review of {plan}.",
        )
    )
    for action in doc["actions"]:
        owner = f"{action['owner']['name']}, {action['owner']['agency']}"
        calendar.add_component(
            _all_day(
                action_uid(reference, number, action["id"]),
                date.fromisoformat(action["due"]),
                locked_at,
                f"Action {action['id']} due: {reference} v{number} ({owner})",
                f"{wording.MARKING}.\nWhat: {action['what']}\nWho: {owner}\n"
                f"How we will know: {action['measure']}\n\nAction {action['id']} of {plan}.",
            )
        )
    return calendar.to_ical()
