"""The full plan as Markdown, with every user string escaped so it can never become markup or a link."""

import re

from forum.exports import wording
from forum.exports.canonical import CANONICALISATION, LockedVersion

# The ASCII punctuation that can start or end Markdown/GFM markup (emphasis, links, code, headings, lists,
# tables, strikethrough, autolinks, maths, setext underlines); CommonMark lets any of it be backslash-escaped.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:@$=])")


def escape(text: str) -> str:
    """User text as inert Markdown: punctuation backslash-escaped, <, > and & as HTML entities, one line."""
    text = _PUNCTUATION.sub(r"\\\1", wording.reveal_controls(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # One line, so no user line can start a block (heading, list, quote, indented code) of its own.
    return "<br>".join(line.strip() for line in text.splitlines())


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A GFM table; cells must already be escaped."""
    return [_row(headers), _row(["---"] * len(headers)), *(_row(r) for r in rows), ""]


def render_markdown(version: LockedVersion) -> bytes:
    """The locked plan as UTF-8 Markdown marked OFFICIAL-SENSITIVE at top and bottom."""
    doc = version.document
    forum, number = doc["forum"], doc["version"]["number"]
    chair, lead = doc["chair"], doc["lead_worker"]
    lines = [
        f"**{wording.MARKING}**",
        "",
        f"# Multi\\-agency plan: {escape(forum['title'])}",
        "",
        *_table(
            ["About this version", ""],
            [
                ["Forum reference", escape(forum["reference"])],
                ["Forum title", escape(forum["title"])],
                ["Version", str(number)],
                ["Locked", escape(wording.lock_time(doc))],
                ["Chair", f"{escape(chair['name'])}, {escape(chair['agency'])}"],
                ["Lead worker", f"{escape(lead['name'])}, {escape(lead['agency'])}"],
                ["Review date", escape(wording.long_date(doc["review_date"]))],
                ["Protective marking", wording.MARKING],
            ],
        ),
    ]
    if note := wording.reopen_note(doc):
        lines += [escape(note), ""]
    if doc["version"]["override_reason"]:
        lines += [
            f"Locked despite an objection\\. Chair's reason: {escape(doc['version']['override_reason'])}",
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
        f"{escape(lead['name'])}, {escape(lead['agency'])}\\. Contact: {escape(lead['contact'])}\\. "
        f"Accepted the role {escape(wording.local_time(lead['accepted_at']))}\\.",
        "",
        "## Formulation: the 6Ps",
        "",
    ]
    for panel in doc["panels"]:
        lines += [f"### {escape(panel['name'])}", ""]
        lines += [
            f"- {escape(e['text'])} — *{escape(e['agency'])}* ({escape(e['author'])}"
            + (", written input" if e["written_input"] else "")
            + (f"; {escape(wording.edited_by(e))})" if wording.edited_by(e) else ")")
            for e in panel["entries"]
        ] or ["No entries\\."]
        lines.append("")
    lines += ["## Hypothesis", "", escape(doc["hypothesis"]), ""]
    if wording.hypothesis_authors(doc):
        lines += ["Written by " + escape(wording.hypothesis_authors(doc)) + "\\.", ""]
    lines += ["## Priorities", ""]
    lines += _table(
        ["Rank", "Perpetuating factor", "Votes"],
        [[str(p["rank"]), escape(p["text"]), str(p["votes"])] for p in doc["priorities"]],
    )
    lines += ["## Goals", ""]
    lines += [
        f"- Goal {goal['id']}: {escape(goal['text'])}"
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
                escape(a["due"]),
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
        f"The plan will be reviewed on {escape(wording.long_date(doc['review_date']))}\\.",
        "",
        "## How the family will be told",
        "",
        escape(doc["family_communication"]),
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
    lines += [
        "## Integrity",
        "",
        f"SHA\\-256 of this version's canonical JSON: `{version.sha256}`",
        "",
        f"Canonical form: {escape(CANONICALISATION)}\\.",
        "",
        f"**{wording.MARKING}**",
        "",
    ]
    return "\n".join(lines).encode("utf-8")
