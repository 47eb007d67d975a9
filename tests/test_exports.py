"""Exports of a locked version, each read back by an independent reader."""

import copy
import csv
import html
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import icalendar
import pytest
from jsonschema import Draft202012Validator
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from forum.exports import (
    FORMATS,
    IntegrityError,
    LockedVersion,
    canonical_json,
    filename,
    sha256_hex,
    wording,
)
from forum.exports.markdown import block, escape
from tests.sample_versions import (
    FORMULA,
    MARKDOWN,
    RTL_OVERRIDE,
    SCRIPT,
    reopened_document,
    sample_document,
    sample_version,
)

pytestmark = pytest.mark.exports

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "docs" / "export-schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def squash(text: str) -> str:
    """Text without any whitespace, since PDF text extraction breaks lines wherever the layout did."""
    return "".join(text.split())


def required_strings(document: dict, sha256: str) -> list[str]:
    """Every field that the issue says each full output must show, as display text."""
    expected = [
        document["marking"],
        document["forum"]["reference"],
        document["forum"]["title"],
        wording.lock_time(document),
        document["chair"]["name"],
        document["chair"]["agency"],
        document["lead_worker"]["name"],
        document["lead_worker"]["agency"],
        document["hypothesis"],
        wording.long_date(document["review_date"]),
        document["family_communication"],
        sha256,
    ]
    for group in document["attendance"]:
        expected += [group["agency"], *(person["name"] for person in group["people"])]
    for stance in document["stances"]:
        expected += [stance["agency"], wording.STANCE_LABELS[stance["stance"]], stance["reason"] or ""]
    for panel in document["panels"]:
        expected.append(panel["name"])
        for entry in panel["entries"]:
            expected += [entry["text"], entry["agency"]]
    expected += [priority["text"] for priority in document["priorities"]]
    expected += [goal["text"] for goal in document["goals"]]
    for action in document["actions"]:
        expected += [action["what"], action["owner"]["name"], action["measure"]]
    return [text for text in expected if text]


def missing_from(text: str, expected: list[str]) -> list[str]:
    haystack = squash(text)
    return [item for item in expected if squash(item) not in haystack]


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


def structure_types(reader: PdfReader) -> set[str]:
    """Every structure element type (/S) in the PDF's tag tree."""
    found: set[str] = set()
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop().get_object()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "/S" in node:
                found.add(str(node["/S"]))
            if "/K" in node:
                stack.append(node["/K"])
    return found


@pytest.fixture(scope="module")
def version() -> LockedVersion:
    return sample_version()


@pytest.fixture(scope="module")
def outputs(version) -> dict[str, bytes]:
    """Every format rendered once for the module: PDF rendering takes about a second."""
    return {fmt: spec.render(version) for fmt, spec in FORMATS.items()}


# --- the canonical document and its hash -------------------------------------------------------


def test_schema_is_valid_2020_12_and_the_sample_matches_it():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == "urn:rethink-forum:export:v1"
    VALIDATOR.validate(sample_document())
    VALIDATOR.validate(reopened_document())


def _drop_marking(d):
    del d["marking"]


def _five_panels(d):
    d["panels"].pop()


def _unknown_member(d):
    d["forum"]["family_name"] = "Smith"


def _objection_without_reason(d):
    d["stances"][3]["reason"] = None


def _bad_stance(d):
    d["stances"][0]["stance"] = "maybe"


def _due_not_a_date(d):
    d["actions"][0]["due"] = "next week"


def _lock_time_without_offset(d):
    d["version"]["locked_at"] = "2026-06-16T15:40:12"


def _bad_contact(d):
    d["lead_worker"]["contact"] = "not an email"


@pytest.mark.parametrize(
    "break_document",
    [
        _drop_marking,
        _five_panels,
        _unknown_member,
        _objection_without_reason,
        _bad_stance,
        _due_not_a_date,
        _lock_time_without_offset,
        _bad_contact,
    ],
)
def test_schema_rejects_a_broken_document(break_document):
    document = sample_document()
    break_document(document)
    assert list(VALIDATOR.iter_errors(document))


def test_canonical_json_is_sorted_compact_utf8_and_independent_of_key_order():
    document = sample_document()
    reordered = json.loads(json.dumps(document), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    assert list(reordered) != list(document)
    assert canonical_json(reordered) == canonical_json(document)
    assert canonical_json({"b": 1, "a": {"d": "é 🏠", "c": [1, None, True]}}) == (
        '{"a":{"c":[1,null,true],"d":"é 🏠"},"b":1}'.encode()
    )
    assert sha256_hex(document) == sha256_hex(reordered)


def test_a_hash_mismatch_is_refused():
    document = sample_document()
    good = sha256_hex(document)
    with pytest.raises(IntegrityError):
        LockedVersion(document, "0" * 64)
    tampered = copy.deepcopy(document)
    tampered["actions"][0]["due"] = "2027-01-01"
    with pytest.raises(IntegrityError):
        LockedVersion(tampered, good)
    with pytest.raises(IntegrityError):
        LockedVersion.from_canonical(json.dumps(document).encode(), good)  # right content, not canonical
    assert LockedVersion.from_canonical(canonical_json(document), good).sha256 == good


def test_a_locked_version_keeps_its_own_copy_of_the_document():
    document = sample_document()
    version = LockedVersion(document, sha256_hex(document))
    before = FORMATS["json"].render(version)
    document["hypothesis"] = "edited after the lock"
    assert FORMATS["json"].render(version) == before
    assert sha256_hex(version.document) == version.sha256


# --- JSON -----------------------------------------------------------------------------------------


def test_json_export_validates_and_its_integrity_member_verifies(outputs, version):
    published = json.loads(outputs["json"])
    VALIDATOR.validate(published)
    integrity = published.pop("integrity")
    assert integrity["sha256"] == version.sha256 == sha256_hex(published)
    assert "sort_keys=True" in integrity["canonicalisation"]
    assert published == sample_document()


# --- PDF ------------------------------------------------------------------------------------------


def test_pdf_is_tagged_pdf_ua_with_title_language_headings_and_tables(outputs):
    reader, _ = pdf_text(outputs["pdf"])
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    assert reader.metadata.title == "RF-2026-01 version 1: multi-agency plan (OFFICIAL-SENSITIVE)"
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD"} <= structure_types(reader)
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)


def test_pdf_shows_every_required_field_and_marks_every_page(outputs, version):
    _, pages = pdf_text(outputs["pdf"])
    printable = wording.readable(version.document, wording.pictographs_as_words)
    assert missing_from("\n".join(pages), required_strings(printable, version.sha256)) == []
    assert len(pages) > 1
    for page in pages:
        assert page.count("OFFICIAL-SENSITIVE") >= 2  # running header and footer
        assert "RF-2026-01" in squash(page)


def test_pdf_shows_user_markup_as_literal_text(outputs):
    text = squash("\n".join(pdf_text(outputs["pdf"])[1]))
    assert squash(SCRIPT) in text
    assert squash(MARKDOWN) in text
    assert squash(FORMULA) in text
    assert "[U+202E]" in text and RTL_OVERRIDE not in text
    assert "(emoji:housebuilding)" in text


# --- family summary -------------------------------------------------------------------------------


def test_family_summary_has_goals_actions_lead_worker_and_review_date(outputs, version):
    reader, pages = pdf_text(outputs["family-pdf"])
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert {"/H1", "/H2", "/Table"} <= structure_types(reader)
    document = wording.readable(version.document, wording.pictographs_as_words)
    lead = document["lead_worker"]
    expected = [
        "OFFICIAL-SENSITIVE",
        "RF-2026-01",
        "version 1",
        lead["name"],
        lead["agency"],
        lead["contact"],
        wording.long_date(document["review_date"]),
        *(goal["text"] for goal in document["goals"]),
        *(action["what"] for action in document["actions"]),
        *(action["owner"]["agency"] for action in document["actions"]),
        *(wording.long_date(action["due"]) for action in document["actions"]),
    ]
    assert missing_from("\n".join(pages), expected) == []
    assert all(page.count("OFFICIAL-SENSITIVE") >= 2 for page in pages)


def test_family_summary_leaves_out_the_formulation_stances_and_votes(outputs, version):
    text = squash("\n".join(pdf_text(outputs["family-pdf"])[1]))
    document = version.document
    left_out = [
        document["hypothesis"],
        "Perpetuating",
        "Presenting",
        "Hypothesis",
        "Votes",
        "Stance",
        "Object",
    ]
    left_out += [e["text"] for panel in document["panels"] for e in panel["entries"]]
    left_out += [s["reason"] for s in document["stances"] if s["reason"]]
    left_out += [p["text"] for p in document["priorities"]]
    assert [item for item in left_out if squash(item) in text] == []
    assert document["chair"]["name"] not in text


# --- DOCX -----------------------------------------------------------------------------------------


def test_docx_has_heading_styles_marked_header_and_every_field(outputs, version):
    document = docx.Document(io.BytesIO(outputs["docx"]))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == ("Heading 1", f"Multi-agency plan: {version.document['forum']['title']}")
    level_two = {text for style, text in headings if style == "Heading 2"}
    assert {
        "Attendance",
        "Agreement",
        "Lead worker",
        "Hypothesis",
        "Priorities",
        "Goals",
        "Actions",
    } <= level_two
    assert [text for style, text in headings if style == "Heading 3"] == [
        panel["name"] for panel in version.document["panels"]
    ]
    for section in document.sections:
        assert "OFFICIAL-SENSITIVE" in section.header.paragraphs[0].text
        assert "OFFICIAL-SENSITIVE" in section.footer.paragraphs[0].text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    readable = wording.readable(version.document)
    assert missing_from(text, required_strings(readable, version.sha256)) == []
    assert SCRIPT in text and MARKDOWN in text and RTL_OVERRIDE not in text
    assert document.core_properties.title == "RF-2026-01 version 1: multi-agency plan"
    assert document.core_properties.author == "Rethink Forum"


def _table_with_header(document, first_cells: list[str]):
    for table in document.tables:
        if [cell.text for cell in table.rows[0].cells][: len(first_cells)] == first_cells:
            return table
    raise AssertionError(f"no table headed {first_cells}")


def test_docx_actions_and_stances_are_tables_with_one_row_each(outputs, version):
    document = docx.Document(io.BytesIO(outputs["docx"]))
    actions = _table_with_header(document, ["What", "Who", "By when", "How we will know"])
    rows = [[cell.text for cell in row.cells] for row in actions.rows[1:]]
    assert [row[0] for row in rows] == [action["what"] for action in version.document["actions"]]
    assert rows[0][1] == "Tom O'Neill, Oakfield High School"
    assert rows[0][2] == "Friday 3 July 2026"
    assert 'w:tblHeader w:val="true"' in actions.rows[0]._tr.xml
    stances = _table_with_header(document, ["Agency", "Stance", "Reason", "Recorded by"])
    assert len(stances.rows) - 1 == len(version.document["stances"])
    assert [cell.text for cell in stances.rows[4].cells][:2] == ["West Yorkshire Police", "Object"]


# --- Markdown -------------------------------------------------------------------------------------


def _unescape_markdown(text: str) -> str:
    """What a CommonMark reader shows for escaped text: backslash escapes and entities resolved."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text))


def test_markdown_shows_every_field_with_user_markup_inert(outputs, version):
    text = outputs["md"].decode("utf-8")
    assert text.startswith("**OFFICIAL-SENSITIVE**\n") and text.rstrip().endswith("**OFFICIAL-SENSITIVE**")
    readable = wording.readable(version.document)
    assert missing_from(_unescape_markdown(text), required_strings(readable, version.sha256)) == []
    # Nothing from users can open a tag, a link, emphasis or an autolink.
    assert "<" not in text.replace("<br>", "")
    assert "<script" not in text and not re.search(r"(?<!\\)\]\(", text) and "**bold**" not in text
    assert escape(SCRIPT) == "&lt;script>alert(1)&lt;/script>"
    assert escape(MARKDOWN) == "\\*\\*bold\\*\\* \\[link\\](javascript:alert(1))"
    assert (
        block("# not a heading\n    not code\n> not a quote")
        == "\\# not a heading\\\nnot code\\\n\\> not a quote"
    )
    assert RTL_OVERRIDE not in text and "\\[U+202E\\]" in text
    assert "🏠" in text


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_has_one_row_per_action_and_no_live_formulas(outputs, version):
    assert outputs["csv"].startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(outputs["csv"].decode("utf-8-sig"))))
    actions = version.document["actions"]
    assert len(rows) == len(actions)
    assert [int(row["action_id"]) for row in rows] == [action["id"] for action in actions]
    for row in rows:
        assert row["marking"] == "OFFICIAL-SENSITIVE"
        assert row["reference"] == "RF-2026-01" and row["version"] == "1"
        assert row["sha256"] == version.sha256
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert rows[1]["what"] == "'" + FORMULA
    assert rows[1]["how_we_will_know"].startswith("'+ Mum")
    assert rows[2]["how_we_will_know"].startswith("'@ A decision")
    assert rows[3]["how_we_will_know"] == "'-J attends at least one session a week."
    assert rows[4]["how_we_will_know"].startswith("'\tWeekly")
    assert rows[0]["what"] == actions[0]["what"]  # ordinary text is untouched
    assert rows[0]["owner_name"] == "Tom O'Neill" and rows[0]["due"] == "2026-07-03"
    assert rows[0]["priority"] == "2. Missed lessons mean J feels behind and avoids school."


# --- ICS ------------------------------------------------------------------------------------------


def test_ics_review_event_is_all_day_and_names_only_action_owners(outputs, version):
    calendar = icalendar.Calendar.from_ical(outputs["ics"])
    events = calendar.walk("VEVENT")
    assert len(events) == 1 + len(version.document["actions"])
    event = events[0]
    start = event.decoded("DTSTART")
    assert type(start) is date and start == date(2026, 9, 15)
    assert event.decoded("DTEND") == date(2026, 9, 16)
    assert event.decoded("DTSTAMP") == datetime(2026, 6, 16, 14, 40, 12, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Review: RF-2026-01 v1"
    assert "OFFICIAL-SENSITIVE" in str(event["DESCRIPTION"]) and version.sha256 in str(event["DESCRIPTION"])
    names = {p["name"] for g in version.document["attendance"] for p in g["people"]}
    owners = {action["owner"]["name"] for action in version.document["actions"]}
    assert [name for name in names - owners if name.encode() in outputs["ics"]] == []
    other = sample_version(reopened_document())
    other_event = icalendar.Calendar.from_ical(FORMATS["ics"].render(other)).walk("VEVENT")[0]
    assert str(other_event["UID"]) != str(event["UID"])
    assert str(
        icalendar.Calendar.from_ical(FORMATS["ics"].render(sample_version())).walk("VEVENT")[0]["UID"]
    ) == str(event["UID"])


# --- zip, file names, determinism -----------------------------------------------------------------


def test_zip_holds_every_format_under_its_file_name(outputs, version):
    archive = zipfile.ZipFile(io.BytesIO(outputs["zip"]))
    assert archive.testzip() is None
    expected = {filename(version, fmt): outputs[fmt] for fmt in FORMATS if fmt != "zip"}
    assert sorted(archive.namelist()) == sorted(expected)
    for name, data in expected.items():
        assert archive.read(name) == data
    assert {info.date_time for info in archive.infolist()} == {(2026, 6, 16, 15, 40, 12)}


def test_file_names_carry_reference_version_and_format_only(version):
    assert filename(version, "pdf") == "RF-2026-01_v1_plan.pdf"
    assert filename(version, "csv") == "RF-2026-01_v1_actions.csv"
    assert filename(version, "ics") == "RF-2026-01_v1_review.ics"
    assert filename(version, "family-pdf") == "RF-2026-01_v1_family-summary.pdf"
    assert filename(version, "zip") == "RF-2026-01_v1_all-formats.zip"
    document = sample_document()
    document["forum"]["reference"] = "../RF 2026/01 <x>"
    assert filename(sample_version(document), "docx") == "RF-2026-01-x_v1_plan.docx"
    assert {fmt: spec.extension for fmt, spec in FORMATS.items()} == {
        "pdf": "pdf",
        "docx": "docx",
        "json": "json",
        "md": "md",
        "csv": "csv",
        "ics": "ics",
        "family-pdf": "pdf",
        "zip": "zip",
    }


def test_the_same_version_gives_the_same_bytes(outputs):
    again = sample_version(json.loads(json.dumps(sample_document())))
    for fmt in ("json", "md", "csv", "ics", "docx"):
        assert FORMATS[fmt].render(again) == outputs[fmt], fmt
    first = zipfile.ZipFile(io.BytesIO(outputs["zip"]))
    second = zipfile.ZipFile(io.BytesIO(FORMATS["zip"].render(again)))
    for name in first.namelist():
        if not name.endswith(".pdf"):
            assert first.read(name) == second.read(name), name


def test_a_reopened_version_does_not_change_version_one_outputs(outputs):
    reopened = sample_version(reopened_document())
    for fmt in ("json", "md", "csv", "ics"):
        assert FORMATS[fmt].render(reopened) != outputs[fmt]
        assert FORMATS[fmt].render(sample_version()) == outputs[fmt]
    assert "Reopened from version 1" in FORMATS["md"].render(reopened).decode()
