"""The full plan as an editable Word document with heading styles and real tables."""

import io
from datetime import datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from forum.exports import wording
from forum.exports.canonical import CANONICALISATION, LockedVersion
from forum.exports.word_tables import FONT, FONT_SIZE, fit_columns, keep_rows_whole
from forum.exports.zipped import restamp, zip_time

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Mm(210), Mm(297), Mm(20)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN


def _table(document, headers: list[str], rows: list[list[str]]):
    """A 'Table Grid' table fitted to its text: a bold header repeated on every page, rows kept whole."""
    table = document.add_table(rows=1, cols=len(headers), style="Table Grid")
    header = table.rows[0]
    row_properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row_properties.append(repeat)
    for cell, text in zip(header.cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    fit_columns(table, TEXT_WIDTH, header_rows=1)
    keep_rows_whole(table)
    return table


def _facts(document, facts: list[tuple[str, str]]) -> None:
    """A two-column table of label and value, labels in bold."""
    table = document.add_table(rows=0, cols=2, style="Table Grid")
    for label, value in facts:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = value
    fit_columns(table, TEXT_WIDTH, bold_columns=(0,))
    keep_rows_whole(table)


def _marking(paragraph) -> None:
    paragraph.text = ""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(wording.MARKING).bold = True


def _review(document, review: dict, number: int) -> None:
    """How the reviewed version went, and what changed since it."""
    earlier = review["from_version"]
    document.add_heading(f"How version {earlier} went", level=2)
    _table(
        document,
        ["Action", "Who", "Status", "Latest note"],
        [
            [
                a["what"],
                f"{a['owner']['name']}, {a['owner']['agency']}",
                wording.STATUS_LABELS[a["status"]],
                a["note"] + (f" ({wording.local_time(a['recorded_at'])})" if a["recorded_at"] else ""),
            ]
            for a in review["actions"]
        ],
    )
    document.add_paragraph()
    _table(
        document,
        ["Goal", "How it went", "Note"],
        [
            [g["text"], wording.GOAL_ANSWER_LABELS.get(g["answer"], "Not answered"), g["note"]]
            for g in review["goals"]
        ],
    )
    document.add_heading(f"What changed since version {earlier}", level=2)
    if not review["changes"]:
        document.add_paragraph("Nothing changed.")
        return
    _table(
        document,
        ["Part", "What", f"Version {earlier}", f"Version {number}"],
        [
            [c["section"], f"{c['item']} ({c['change']})", c["before"] or "—", c["after"] or "—"]
            for c in review["changes"]
        ],
    )


def render_docx(version: LockedVersion) -> bytes:
    """The locked plan as a .docx marked OFFICIAL-SENSITIVE in every page header and footer."""
    doc = wording.readable(version.document)
    forum, number = doc["forum"], doc["version"]["number"]
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, FONT_SIZE
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "en-GB")
    normal.element.get_or_add_rPr().append(language)
    for level in (1, 2, 3):
        document.styles[f"Heading {level}"].font.name = FONT

    section = document.sections[0]  # python-docx's template is US Letter; councils print on A4
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    _marking(section.header.paragraphs[0])
    _marking(section.footer.paragraphs[0])
    section.footer.add_paragraph(f"{forum['reference']} version {number} · SHA-256 {version.sha256}")

    locked_at = datetime.fromisoformat(doc["version"]["locked_at"])
    properties = document.core_properties
    properties.title = f"{forum['reference']} version {number}: multi-agency plan"
    properties.subject = "Locked multi-agency plan"
    properties.author = properties.last_modified_by = "Rethink Forum"
    properties.category = properties.content_status = wording.MARKING
    properties.keywords = f"{wording.MARKING}; {forum['reference']}; version {number}"
    properties.comments = f"SHA-256 of the canonical JSON: {version.sha256}"
    properties.created = properties.modified = locked_at
    properties.revision = number
    properties.language = "en-GB"

    # The page header carries the marking on every page, so the body does not repeat it at the top.
    document.add_heading(f"Multi-agency plan: {forum['title']}", level=1)
    _facts(
        document,
        [
            ("Forum reference", forum["reference"]),
            ("Forum title", forum["title"]),
            ("Version", str(number)),
            ("Locked", wording.lock_time(doc)),
            ("Presenting agency", wording.presenting_agency(doc)),
            ("Chair", f"{doc['chair']['name']}, {doc['chair']['agency']}"),
            ("Lead worker", f"{doc['lead_worker']['name']}, {doc['lead_worker']['agency']}"),
            ("Review date", wording.long_date(doc["review_date"])),
            ("Protective marking", wording.MARKING),
        ],
    )
    if note := wording.reopen_note(doc):
        document.add_paragraph(note)
    if doc["version"]["override_reason"]:
        document.add_paragraph(
            f"Locked despite an objection. Chair's reason: {doc['version']['override_reason']}"
        )

    document.add_heading("Attendance", level=2)
    _table(
        document,
        ["Agency", "Name", "Role"],
        [
            [group["agency"], person["name"], wording.ROLE_LABELS[person["role"]]]
            for group in doc["attendance"]
            for person in group["people"]
        ],
    )

    document.add_heading("Agreement", level=2)
    _table(
        document,
        ["Agency", "Stance", "Reason", "Recorded by"],
        [
            [s["agency"], wording.STANCE_LABELS[s["stance"]], s["reason"] or "", s["recorded_by"]]
            for s in doc["stances"]
        ],
    )

    document.add_heading("Lead worker", level=2)
    lead = doc["lead_worker"]
    document.add_paragraph(
        f"{lead['name']}, {lead['agency']}. Contact: {lead['contact']}. "
        f"Accepted the role {wording.local_time(lead['accepted_at'])}."
    )

    document.add_heading("Formulation: the 6Ps", level=2)
    for panel in doc["panels"]:
        document.add_heading(panel["name"], level=3)
        if not panel["entries"]:
            document.add_paragraph("No entries.")
            continue
        _table(
            document,
            ["Entry", "Agency", "Written by"],
            [[e["text"], e["agency"], wording.written_by(e)] for e in panel["entries"]],
        )

    document.add_heading("Hypothesis", level=2)
    document.add_paragraph(doc["hypothesis"])
    if wording.hypothesis_authors(doc):
        document.add_paragraph(f"Written by {wording.hypothesis_authors(doc)}.")

    document.add_heading("Priorities", level=2)
    _table(
        document,
        ["Rank", "Perpetuating factor", "Votes"],
        [[str(p["rank"]), p["text"], str(p["votes"])] for p in doc["priorities"]],
    )

    document.add_heading("Goals", level=2)
    for goal in doc["goals"]:
        edited = f" ({wording.edited_by(goal)})" if wording.edited_by(goal) else ""
        document.add_paragraph(f"Goal {goal['id']}: {goal['text']}{edited}", style="List Bullet")

    document.add_heading("Actions", level=2)
    _table(
        document,
        ["What", "Who", "By when", "How we will know", "Goal, priority"],
        [
            [
                a["what"],
                f"{a['owner']['name']}, {a['owner']['agency']}",
                wording.long_date(a["due"]),
                a["measure"],
                wording.goal_and_priority(a),
            ]
            for a in doc["actions"]
        ],
    )
    document.add_paragraph("Goals are listed above; priorities are the ranked perpetuating factors.")

    document.add_heading("Review", level=2)
    document.add_paragraph(f"The plan will be reviewed on {wording.long_date(doc['review_date'])}.")

    document.add_heading("How the family will be told", level=2)
    document.add_paragraph(doc["family_communication"])

    if doc["principles"]:
        document.add_heading("Practice principles check", level=2)
        _table(
            document,
            ["Question", "Answer", "Note"],
            [[p["question"], wording.ANSWER_LABELS[p["answer"]], p["note"]] for p in doc["principles"]],
        )

    if review := doc.get("review"):
        _review(document, review, number)

    document.add_heading("Integrity", level=2)
    document.add_paragraph(f"SHA-256 of this version's canonical JSON: {version.sha256}")
    document.add_paragraph(f"Canonical form: {CANONICALISATION}.")

    buffer = io.BytesIO()
    document.save(buffer)
    return restamp(buffer.getvalue(), zip_time(doc["version"]["locked_at"]))
