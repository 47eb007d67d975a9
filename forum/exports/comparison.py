"""What changed between two locked versions of a forum's plan: a pure function of their two documents.

Entries, goals and actions are matched by id (ids are kept across versions), priorities by rank, stances
by agency; each difference is one Change, in document order.
"""

from typing import NamedTuple

from forum.exports import wording

SECTIONS = ("Entries", "Hypothesis", "Priorities", "Goals", "Actions", "Lead worker", "Stances")


class Change(NamedTuple):
    """One difference: in which section, added / removed / changed, what, and its text before and after."""

    section: str
    change: str
    item: str
    before: str | None
    after: str | None

    def as_dict(self) -> dict:
        return self._asdict()


def _by_id(items: list[dict], label, text) -> dict:
    return {item["id"]: (label(item), text(item)) for item in items}


def _keyed(section: str, before: dict, after: dict) -> list[Change]:
    """Added, removed and changed items of two {key: (label, text)} maps, in the order of the new one."""
    changes = []
    for key, (label, text) in after.items():
        if key not in before:
            changes.append(Change(section, "added", label, None, text))
        elif before[key][1] != text:
            changes.append(Change(section, "changed", label, before[key][1], text))
    changes += [
        Change(section, "removed", label, text, None)
        for key, (label, text) in before.items()
        if key not in after
    ]
    return changes


def _entries(document: dict) -> dict:
    return {
        entry["id"]: (f"{panel['name']} entry ({entry['agency']})", entry["text"])
        for panel in document["panels"]
        for entry in panel["entries"]
    }


def _action_text(action: dict) -> str:
    return (
        f"{action['what']} — {action['owner']['name']}, {action['owner']['agency']}, "
        f"by {wording.long_date(action['due'])}. How we will know: {action['measure']}"
    )


def _stance_text(stance: dict) -> str:
    label = wording.STANCE_LABELS[stance["stance"]]
    return f"{label}: {stance['reason']}" if stance["reason"] else label


def compare(before: dict, after: dict) -> list[Change]:
    """Every difference from the document `before` (version N) to `after` (version N+1)."""
    changes = _keyed("Entries", _entries(before), _entries(after))
    if before["hypothesis"] != after["hypothesis"]:
        changes.append(
            Change("Hypothesis", "changed", "Hypothesis", before["hypothesis"], after["hypothesis"])
        )
    changes += _keyed(
        "Priorities",
        {p["rank"]: (f"Priority {p['rank']}", p["text"]) for p in before["priorities"]},
        {p["rank"]: (f"Priority {p['rank']}", p["text"]) for p in after["priorities"]},
    )
    goal = (lambda g: f"Goal {g['id']}", lambda g: g["text"])
    changes += _keyed("Goals", _by_id(before["goals"], *goal), _by_id(after["goals"], *goal))
    action = (lambda a: f"Action {a['id']}", _action_text)
    changes += _keyed("Actions", _by_id(before["actions"], *action), _by_id(after["actions"], *action))
    lead = (before["lead_worker"]["name"], before["lead_worker"]["agency"])
    new_lead = (after["lead_worker"]["name"], after["lead_worker"]["agency"])
    if lead != new_lead:
        changes.append(Change("Lead worker", "changed", "Lead worker", ", ".join(lead), ", ".join(new_lead)))
    changes += _keyed(
        "Stances",
        {s["agency"]: (s["agency"], _stance_text(s)) for s in before["stances"]},
        {s["agency"]: (s["agency"], _stance_text(s)) for s in after["stances"]},
    )
    return changes
