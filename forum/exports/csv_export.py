"""The plan's actions as CSV, one row per action, safe to open in a spreadsheet."""

import csv
import io

from forum.exports import wording
from forum.exports.canonical import LockedVersion

HEADER = [
    "marking",
    "reference",
    "version",
    "locked_at",
    "sha256",
    "presenting_agency",
    "action_id",
    "what",
    "owner_name",
    "owner_agency",
    "due",
    "how_we_will_know",
    "goal_id",
    "goal",
    "priority_rank",
    "priority",
    "written_by",
]

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """Text that no spreadsheet will evaluate: a formula-like cell gets a leading single quote."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def neutralise(value: object) -> str:
    """A plan cell as inert text: hidden control characters shown, formulas neutralised."""
    return formula_safe("" if value is None else wording.reveal_controls(str(value)))


def render_csv(version: LockedVersion) -> bytes:
    """UTF-8 (with BOM, for Excel) CSV of the actions, each row also naming its version and marking."""
    doc = version.document
    context = [
        wording.MARKING,
        doc["forum"]["reference"],
        doc["version"]["number"],
        doc["version"]["locked_at"],
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for action in doc["actions"]:
        row = [
            *context,
            version.sha256,
            doc["forum"].get("presenting_agency") or "",
            action["id"],
            action["what"],
            action["owner"]["name"],
            action["owner"]["agency"],
            action["due"],
            action["measure"],
            action["goal"],
            wording.goal_text(doc, action["goal"]),
            action["priority"],
            wording.priority_text(doc, action["priority"]),
            wording.contributors_text(action),
        ]
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
