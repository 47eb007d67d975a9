"""The full plan as Markdown: user text escaped only where Markdown would read it as markup or a link."""

import re

from forum.exports import wording
from forum.exports.canonical import CANONICALISATION, LockedVersion

# Escaped wherever they are: emphasis, code, strikethrough and link brackets (CommonMark and GFM).
_INLINE = re.compile(r"[`*~\[\]]")
# A backslash is an escape (or a hard line break) only before ASCII punctuation or at the end of a line.
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)")
# '_' opens or closes emphasis only at a word's edge; snake_case stays as it is.
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# '<' starts raw HTML or an autolink only before a letter, '/', '!' or '?'; '&' only when it starts an entity.
# Both become entities ('&lt;script>' is not a tag, and raw text never holds '<script').
_ANGLE = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[Xx][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
# What makes a line the start of a block: a heading, quote, list item, thematic break or setext underline.
_BLOCK_START = re.compile(r"^(?:(?:#{1,6}|[-+])(?=\s|$)|>|(=+|-+)\s*$|(\d{1,9})([.)])(?=\s|$))")


def _block_start(match: re.Match) -> str:
    number, delimiter = match.group(2), match.group(3)
    return f"{number}\\{delimiter}" if number else "\\" + match.group()


def _inline(line: str, starts_block: bool = True) -> str:
    """One line of user text with only the characters escaped that Markdown would read as markup."""
    line = _BACKSLASH.sub(r"\\\\", _ENTITY.sub("&amp;", line))
    line = _INLINE.sub(lambda match: "\\" + match.group(), line)
    line = _UNDERSCORE.sub(r"\\_", line)
    line = _ANGLE.sub("&lt;", line)
    return _BLOCK_START.sub(_block_start, line, count=1) if starts_block else line


def _lines(text: str) -> list[str]:
    """The visible lines of user text: controls revealed, indentation dropped (it would make code)."""
    return [line.strip() for line in wording.reveal_controls(text).splitlines()] or [""]


def escape(text: str) -> str:
    """User text as inert Markdown in a table cell: lines joined by <br>, '|' escaped; cells hold no blocks."""
    return "<br>".join(_inline(line, starts_block=False).replace("|", "\\|") for line in _lines(text))


def block(text: str, indent: str = "") -> str:
    """User text as an inert Markdown paragraph: each line escaped, kept apart by hard line breaks."""
    return ("\\\n" + indent).join(_inline(line) for line in _lines(text))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A GFM table; cells must already be escaped."""
    return [_row(headers), _row(["---"] * len(headers)), *(_row(r) for r in rows), ""]


def _review_lines(review: dict, number: int) -> list[str]:
    """How the reviewed version went, and what changed since it."""
    earlier = review["from_version"]
    lines = [f"## How version {earlier} went", ""]
    lines += _table(
        ["Action", "Who", "Status", "Latest note"],
        [
            [
                escape(a["what"]),
                f"{escape(a['owner']['name'])}, {escape(a['owner']['agency'])}",
                wording.STATUS_LABELS[a["status"]],
                escape(a["note"])
                + (f" ({wording.local_time(a['recorded_at'])})" if a["recorded_at"] else ""),
            ]
            for a in review["actions"]
        ],
    )
    lines += _table(
        ["Goal", "How it went", "Note"],
        [
            [
                escape(g["text"]),
                wording.GOAL_ANSWER_LABELS.get(g["answer"], "Not answered"),
                escape(g["note"]),
            ]
            for g in review["goals"]
        ],
    )
    lines += [f"## What changed since version {earlier}", ""]
    lines += (
        _table(
            ["Part", "What", f"Version {earlier}", f"Version {number}"],
            [
                [
                    c["section"],
                    f"{escape(c['item'])} ({c['change']})",
                    escape(c["before"] or "—"),
                    escape(c["after"] or "—"),
                ]
                for c in review["changes"]
            ],
        )
        if review["changes"]
        else ["Nothing changed.", ""]
    )
    return lines


def render_markdown(version: LockedVersion) -> bytes:
    """The locked plan as UTF-8 Markdown marked OFFICIAL-SENSITIVE at top and bottom."""
    doc = version.document
    forum, number = doc["forum"], doc["version"]["number"]
    chair, lead = doc["chair"], doc["lead_worker"]
    lines = [
        f"**{wording.MARKING}**",
        "",
        f"# Multi-agency plan: {block(forum['title'])}",
        "",
        *_table(
            ["About this version", ""],
            [
                ["Forum reference", escape(forum["reference"])],
                ["Forum title", escape(forum["title"])],
                ["Version", str(number)],
                ["Locked", escape(wording.lock_time(doc))],
                ["Presenting agency", escape(wording.presenting_agency(doc))],
                ["Chair", f"{escape(chair['name'])}, {escape(chair['agency'])}"],
                ["Lead worker", f"{escape(lead['name'])}, {escape(lead['agency'])}"],
                ["Review date", escape(wording.long_date(doc["review_date"]))],
                ["Protective marking", wording.MARKING],
            ],
        ),
    ]
    if note := wording.reopen_note(doc):
        lines += [block(note), ""]
    if doc["version"]["override_reason"]:
        lines += [
            f"Locked despite an objection. Chair's reason: {block(doc['version']['override_reason'])}",
            "",
        ]

    lines += ["## Attendance", ""]
    lines += _table(
        ["Agency", "Name", "Role"],
        [
            [escape(group["agency"]), escape(person["name"]), wording.ROLE_LABELS[person["role"]]]
            for group in doc["attendance"]
            for person in group["people"]
        ],
    )
    lines += ["## Agreement", ""]
    lines += _table(
        ["Agency", "Stance", "Reason", "Recorded by"],
        [
            [
                escape(s["agency"]),
                wording.STANCE_LABELS[s["stance"]],
                escape(s["reason"] or ""),
                escape(s["recorded_by"]),
            ]
            for s in doc["stances"]
        ],
    )
    lines += [
        "## Lead worker",
        "",
        f"{block(lead['name'])}, {block(lead['agency'])}. Contact: {block(lead['contact'])}. "
        f"Accepted the role {wording.local_time(lead['accepted_at'])}.",
        "",
        "## Formulation: the 6Ps",
        "",
    ]
    for panel in doc["panels"]:
        lines += [f"### {block(panel['name'])}", ""]
        lines += [
            f"- {block(e['text'], indent='  ')} — *{escape(e['agency'])}* ({escape(e['author'])}"
            + (", written input" if e["written_input"] else "")
            + (f"; {escape(wording.edited_by(e))})" if wording.edited_by(e) else ")")
            for e in panel["entries"]
        ] or ["No entries."]
        lines.append("")
    lines += ["## Hypothesis", "", block(doc["hypothesis"]), ""]
    if wording.hypothesis_authors(doc):
        lines += ["Written by " + escape(wording.hypothesis_authors(doc)) + ".", ""]
    lines += ["## Priorities", ""]
    lines += _table(
        ["Rank", "Perpetuating factor", "Votes"],
        [[str(p["rank"]), escape(p["text"]), str(p["votes"])] for p in doc["priorities"]],
    )
    lines += ["## Goals", ""]
    lines += [
        f"- Goal {goal['id']}: {block(goal['text'], indent='  ')}"
        + (f" ({escape(wording.edited_by(goal))})" if wording.edited_by(goal) else "")
        for goal in doc["goals"]
    ] + [""]
    lines += ["## Actions", ""]
    lines += _table(
        ["What", "Who", "By when", "How we will know", "Goal", "Priority"],
        [
            [
                escape(a["what"]),
                f"{escape(a['owner']['name'])}, {escape(a['owner']['agency'])}",
                wording.long_date(a["due"]),
                escape(a["measure"]),
                escape(wording.goal_text(doc, a["goal"])),
                escape(wording.priority_text(doc, a["priority"])),
            ]
            for a in doc["actions"]
        ],
    )
    lines += [
        "## Review",
        "",
        f"The plan will be reviewed on {wording.long_date(doc['review_date'])}.",
        "",
        "## How the family will be told",
        "",
        block(doc["family_communication"]),
        "",
    ]
    if doc["principles"]:
        lines += ["## Practice principles check", ""]
        lines += _table(
            ["Question", "Answer", "Note"],
            [
                [escape(p["question"]), wording.ANSWER_LABELS[p["answer"]], escape(p["note"])]
                for p in doc["principles"]
            ],
        )
    if review := doc.get("review"):
        lines += _review_lines(review, number)
    lines += [
        "## Integrity",
        "",
        f"SHA-256 of this version's canonical JSON: `{version.sha256}`",
        "",
        f"Canonical form: {block(CANONICALISATION)}.",
        "",
        f"**{wording.MARKING}**",
        "",
    ]
    return "\n".join(lines).encode("utf-8")
