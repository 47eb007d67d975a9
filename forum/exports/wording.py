"""Words and formats shared by every export: labels, dates, lock time, and control characters made visible."""

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

MARKING = "OFFICIAL-SENSITIVE"

STANCE_LABELS = {"agree": "Agree", "agree_with_concerns": "Agree with concerns", "object": "Object"}
ROLE_LABELS = {"chair": "Chair", "contributor": "Contributor", "observer": "Observer"}
ANSWER_LABELS = {"yes": "Yes", "no": "No", "partly": "Partly"}
STATUS_LABELS = {"not_started": "Not started", "on_track": "On track", "done": "Done", "stuck": "Stuck"}
GOAL_ANSWER_LABELS = {"achieved": "Achieved", "partly": "Partly", "not_yet": "Not yet"}

# English names, not strftime's %A/%B, so the output does not depend on the process locale.
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Bidirectional embeddings, overrides and isolates can make text display in a different order from
# how it reads (a "Trojan Source" trick), and C0/C1 controls are invalid in XML or invisible; exports
# show them as a visible code point instead.
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def reveal_controls(text: str) -> str:
    """Replace invisible direction overrides and control characters with a visible [U+XXXX]."""
    return _HIDDEN.sub(lambda match: f"[U+{ord(match.group()):04X}]", text)


def long_date(iso_date: str) -> str:
    """'2026-09-15' as 'Tuesday 15 September 2026'."""
    day = date.fromisoformat(iso_date)
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def local_time(iso_datetime: str, zone: str = "Europe/London", seconds: bool = False) -> str:
    """An ISO 8601 instant as '16 June 2026, 15:40 BST (Europe/London)' (or 15:40:12 with seconds)."""
    moment = datetime.fromisoformat(iso_datetime).astimezone(ZoneInfo(zone))
    clock = f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}"
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {clock} {moment.tzname()} ({zone})"


def lock_time(document: dict) -> str:
    """When the version was locked, in its time zone."""
    version = document["version"]
    return local_time(version["locked_at"], version["timezone"])


def presenting_agency(document: dict) -> str:
    """The presenting practitioner's agency, or 'Not recorded' (also for versions locked before it was kept)."""
    return document["forum"].get("presenting_agency") or "Not recorded"


def edited_by(item: dict) -> str:
    """'edited by Hana Okafor (Housing), …' for everyone but the author who changed a text ('' if nobody).

    Versions locked before attribution was recorded have no contributors: '' as well."""
    editors = [
        f"{p['name']} ({p['agency']})" for p in item.get("contributors") or () if p["role"] == "editor"
    ]
    return "edited by " + ", ".join(editors) if editors else ""


def contributors_text(item: dict) -> str:
    """'Tom Teacher (School); edited by Hana Okafor (Housing)' ('' for versions without attribution)."""
    people = item.get("contributors") or []
    if not people:
        return ""
    first = f"{people[0]['name']} ({people[0]['agency']})"
    return f"{first}; {edited_by(item)}" if edited_by(item) else first


def written_by(entry: dict) -> str:
    """An entry's attribution: author, written input, and everyone else who changed it."""
    text = entry["author"] + (" (written input)" if entry["written_input"] else "")
    return f"{text}; {edited_by(entry)}" if edited_by(entry) else text


def hypothesis_authors(document: dict) -> str:
    """Everyone who wrote the hypothesis, with their agencies ('' for versions without attribution)."""
    return ", ".join(f"{p['name']} ({p['agency']})" for p in document.get("hypothesis_contributors") or ())


def goal_text(document: dict, goal_id: int | None) -> str:
    """The text of the goal an action serves, or '' when it serves none."""
    return next((goal["text"] for goal in document["goals"] if goal["id"] == goal_id), "")


def priority_text(document: dict, rank: int | None) -> str:
    """'1. <text>' for the priority an action addresses, or '' when none."""
    found = next((p for p in document["priorities"] if p["rank"] == rank), None)
    return f"{found['rank']}. {found['text']}" if found else ""


def goal_and_priority(action: dict) -> str:
    """'Goal 1, priority 2' for an action (either part left out when it has none)."""
    parts = [
        f"Goal {action['goal']}" if action["goal"] else "",
        f"priority {action['priority']}" if action["priority"] else "",
    ]
    return ", ".join(part for part in parts if part).capitalize()


def reopen_note(document: dict) -> str:
    """A sentence saying which version this one reopened and why, or '' for a first lock."""
    version = document["version"]
    if version["reopened_from"] is None:
        return ""
    reason = version["reopen_reason"] or "no reason recorded"
    return f"Reopened from version {version['reopened_from']}: {reason}"


def actions_by_agency(document: dict) -> list[tuple[str, list[dict]]]:
    """Actions grouped by the owner's agency, agencies in order of first appearance, actions by due date."""
    groups: dict[str, list[dict]] = {}
    for action in document["actions"]:
        groups.setdefault(action["owner"]["agency"], []).append(action)
    return [
        (agency, sorted(actions, key=lambda a: (a["due"], a["id"]))) for agency, actions in groups.items()
    ]


def readable(value, transform: Callable[[str], str] = reveal_controls):
    """A deep copy of a document with transform (by default reveal_controls) applied to every string."""
    if isinstance(value, str):
        return transform(value)
    if isinstance(value, dict):
        return {key: readable(item, transform) for key, item in value.items()}
    if isinstance(value, list):
        return [readable(item, transform) for item in value]
    return value


_PICTOGRAPHS = re.compile("[\U0001f000-\U0001faff]\ufe0f?|\ufe0f")


def pictographs_as_words(text: str) -> str:
    """Emoji as '(emoji: house building)': the PDF fonts have no emoji, and PDF/UA forbids missing glyphs."""

    def words(match: re.Match) -> str:
        name = unicodedata.name(match.group()[0], "")
        return f"(emoji: {name.lower()})" if name else ""

    return _PICTOGRAPHS.sub(words, reveal_controls(text))
