"""Outputs that read like a council's document: A4 Word with fitted columns, PDF rows kept on one page,
Markdown escaped only where needed, every date in the calendar, the presenting agency everywhere."""

import io
import json
from datetime import date

import docx
import icalendar
import pytest
from markdown_it import MarkdownIt
from PIL import ImageFont
from pypdf import PdfReader
from weasyprint import HTML

from forum.exports import FORMATS, wording
from forum.exports.html_pdf import TEMPLATES, render_html
from forum.exports.markdown import block, escape
from tests.hostile import CORPUS
from tests.sample_versions import (
    MARKDOWN,
    PRESENTING,
    SCRIPT,
    long_document,
    reopened_document,
    sample_document,
    sample_version,
)

pytestmark = pytest.mark.exports

FONTS = "/usr/share/fonts/truetype/liberation/"


@pytest.fixture(scope="module")
def long_version():
    return sample_version(long_document())


@pytest.fixture(scope="module")
def long_pdfs(long_version) -> dict[str, bytes]:
    return {fmt: FORMATS[fmt].render(long_version) for fmt in ("pdf", "family-pdf")}


def squash(text: str) -> str:
    return "".join(text.split())


# --- PDF: no table row starts on one page and ends on the next --------------------------------------


def split_rows(template: str, version) -> list[tuple[str, list[int]]]:
    """Body rows that WeasyPrint's layout puts on more than one page, as (text, pages)."""
    document = HTML(string=render_html(template, version), base_url=str(TEMPLATES)).render()
    pages_of: dict[int, tuple[object, set[int]]] = {}

    def walk(box, page: int, header: bool = False) -> None:
        header = header or getattr(box, "is_header", False)  # a thead repeated on each page
        if type(box).__name__ == "TableRowBox" and not header:
            pages_of.setdefault(id(box.element), (box.element, set()))[1].add(page)
        for child in getattr(box, "children", None) or []:
            walk(child, page, header)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number)
    assert len(pages_of) >= 29, "the sample should have many rows"
    return [(" ".join(row.itertext()), sorted(pages)) for row, pages in pages_of.values() if len(pages) > 1]


@pytest.mark.parametrize("template", ["plan.html", "family.html"])
def test_weasyprint_layout_keeps_every_row_on_one_page_unless_it_is_taller_than_a_page(
    long_version, template
):
    split = split_rows(template, long_version)
    giant = long_version.document["panels"][3]["entries"][-1]["text"]
    assert [text[:40] for text, _ in split] == ([giant[:40]] if template == "plan.html" else [])
    if split:  # the one row taller than a page breaks inside its text, over consecutive pages
        pages = split[0][1]
        assert pages == list(range(pages[0], pages[0] + len(pages))) and len(pages) >= 2


def test_a_table_caption_never_ends_a_page():
    version = sample_version(reopened_document())
    document = HTML(string=render_html("plan.html", version), base_url=str(TEMPLATES)).render()

    def walk(box, boxes: list) -> list:
        if type(box).__name__ in ("TableCaptionBox", "TableRowBox"):
            boxes.append((type(box).__name__, " ".join(box.element.itertext())[:40]))
        for child in getattr(box, "children", None) or []:
            walk(child, boxes)
        return boxes

    orphans = []
    for number, page in enumerate(document.pages):
        boxes = walk(page._page_box, [])
        if boxes and boxes[-1][0] == "TableCaptionBox":
            orphans.append((number, boxes[-1][1]))
    assert orphans == []


def _page_texts(data: bytes) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _pages_holding(pages: list[str], text: str) -> list[int]:
    return [number for number, page in enumerate(pages) if squash(text) in page]


def test_family_summary_pdf_keeps_each_task_with_its_owner_and_date(long_pdfs, long_version):
    pages = _page_texts(long_pdfs["family-pdf"])
    assert len(pages) >= 4
    document = wording.readable(long_version.document, wording.pictographs_as_words)
    for action in document["actions"]:
        holding = _pages_holding(pages, action["what"])
        assert len(holding) == 1, f"action {action['id']} is cut across pages or missing: {holding}"
        page = pages[holding[0]]
        assert squash(action["owner"]["name"]) in page and squash(wording.long_date(action["due"])) in page


def test_plan_pdf_keeps_each_principle_and_action_whole(long_pdfs, long_version):
    pages = _page_texts(long_pdfs["pdf"])
    document = wording.readable(long_version.document, wording.pictographs_as_words)
    for principle in document["principles"]:
        holding = _pages_holding(pages, principle["note"])
        assert len(holding) == 1, f"principle {principle['key']} loses its answer to another page"
        assert squash(principle["question"]) in pages[holding[0]]
    for action in document["actions"]:
        assert len(_pages_holding(pages, action["what"] + action["owner"]["name"])) == 1, action["id"]


# --- Word: A4, one marking at the top, columns fitted to their words ----------------------------------


@pytest.fixture(scope="module", params=["long", "reviewed"])
def word(request, long_version):
    version = long_version if request.param == "long" else sample_version(reopened_document())
    return docx.Document(io.BytesIO(FORMATS["docx"].render(version)))


def test_word_is_a4_portrait_with_margins(word):
    for section in word.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        assert round(section.left_margin.mm) == round(section.right_margin.mm) == 20


def test_word_has_one_marking_at_the_top_of_each_page(word):
    header = [p.text for p in word.sections[0].header.paragraphs]
    assert header == ["OFFICIAL-SENSITIVE"]
    body_top = [p.text for p in word.paragraphs[:2]]
    assert "OFFICIAL-SENSITIVE" not in body_top, "the first page would show the marking twice"
    assert word.paragraphs[0].style.name == "Heading 1"


def _measure(text: str, bold: bool) -> float:
    """The width of text in mm at 10 pt in Liberation Sans (metric-compatible with Arial)."""
    font = ImageFont.truetype(
        FONTS + ("LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf"), 1000
    )
    return font.getlength(text) / 1000 * 10 * 25.4 / 72


def test_word_columns_are_wide_enough_for_their_longest_word_and_fill_the_page(word):
    cell_margins = 2 * 1.905  # Table Grid's default left and right cell margins (0.075 inch each)
    checked = 0
    for table in word.tables:
        widths = [column.width.mm for column in table.columns]
        assert abs(sum(widths) - 170) < 0.5, widths  # the text width of A4 less two 20 mm margins
        assert 'w:tblLayout w:type="fixed"' in table._tbl.xml
        for row_index, row in enumerate(table.rows):
            for column, cell in enumerate(row.cells):
                assert abs(cell.width.mm - widths[column]) < 0.1
                bold = any(run.bold for paragraph in cell.paragraphs for run in paragraph.runs)
                for word_text in cell.text.split():
                    if _measure(word_text, bold) < 85:  # words longer than half the page may break
                        assert _measure(word_text, bold) <= widths[column] - cell_margins, (
                            f"{word_text!r} breaks in a {widths[column]:.1f} mm column (row {row_index})"
                        )
                        checked += 1
    assert checked > 500


def test_word_rows_do_not_split_across_pages(word):
    for table in word.tables:
        for row in table.rows:
            assert "<w:cantSplit/>" in row._tr.xml


# --- Markdown: escaped only where Markdown would change the meaning ---------------------------------


MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def _inline_text(source: str) -> tuple[str, set[str]]:
    """What a CommonMark reader shows for a paragraph, and the kinds of markup it found in it."""
    tokens = MD.parse(source)
    kinds = {token.type for token in tokens} - {"paragraph_open", "paragraph_close", "inline"}
    shown = []
    for token in tokens:
        for child in token.children or []:
            kinds.add(child.type)
            shown.append("\n" if child.type in ("hardbreak", "softbreak") else child.content)
    return "".join(shown), kinds - {"text", "hardbreak"}


@pytest.mark.parametrize(
    "text",
    [
        *CORPUS,
        SCRIPT,
        MARKDOWN,
        "Armley: Mason (9)",
        "2026. A year\n---\n# x\n> y\n===",
        "a_b _c_ &amp; &#65; <b> a<3 *x* `y` ~~z~~ \\*",
    ],
)
def test_markdown_paragraphs_show_user_text_exactly_and_as_text_only(text):
    shown, markup = _inline_text(block(text))
    assert markup == set(), f"{text!r} became {markup}"
    expected = "\n".join(line.strip() for line in wording.reveal_controls(text).splitlines())
    assert shown == expected


def test_markdown_leaves_ordinary_punctuation_alone():
    assert escape("Armley: Mason (9)") == "Armley: Mason (9)"
    assert block("Support for J (13) & family: school, home & safety - 50% done!") == (
        "Support for J (13) & family: school, home & safety - 50% done!"
    )
    assert block("snake_case and C:\\Users\\J") == "snake_case and C:\\Users\\J"
    assert block("+ Mum reports") == "\\+ Mum reports" and block("1. first") == "1\\. first"
    assert escape("a | b") == "a \\| b"


def test_markdown_of_the_hostile_sample_renders_to_no_raw_html_and_no_stray_backslashes():
    document = sample_document()
    for i, text in enumerate(CORPUS):
        document["panels"][i % 6]["entries"].append(
            {
                "id": 200 + i,
                "text": text,
                "author": "Priya Shah",
                "agency": "Armley: Mason (9)",
                "written_input": False,
            }
        )
    source = FORMATS["md"].render(sample_version(document)).decode()
    tokens = MD.parse(source)
    raw = [t.content for t in tokens if t.type == "html_block"]
    raw += [c.content for t in tokens for c in t.children or [] if c.type == "html_inline"]
    assert set(raw) <= {"<br>"}, raw  # only the line breaks inside table cells are HTML
    links = [c for t in tokens for c in t.children or [] if c.type in ("link_open", "image")]
    assert links == []
    html = MD.render(source)
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "Armley: Mason (9)" in source and "\\:" not in source and "\\(" not in source
    assert "Multi-agency plan" in source and "\\-" not in source.replace("\\- ", "")


# --- Calendar: the review date and every due date ------------------------------------------------


def test_calendar_holds_the_review_date_and_every_action_due_date(long_version):
    calendar = icalendar.Calendar.from_ical(FORMATS["ics"].render(long_version))
    events = calendar.walk("VEVENT")
    document = long_version.document
    review = [e for e in events if str(e["SUMMARY"]).startswith("Review:")]
    assert [e.decoded("DTSTART") for e in review] == [date.fromisoformat(document["review_date"])]
    due = {str(e["SUMMARY"]): e for e in events if e not in review}
    assert len(due) == len(document["actions"])
    for action in document["actions"]:
        owner = f"{action['owner']['name']}, {action['owner']['agency']}"
        event = due[f"Action {action['id']} due: RF-2026-01 v1 ({owner})"]
        assert event.decoded("DTSTART") == date.fromisoformat(action["due"])
        assert event.decoded("DTEND") == date.fromisoformat(action["due"]).fromordinal(
            date.fromisoformat(action["due"]).toordinal() + 1
        )
        description = str(event["DESCRIPTION"])
        assert description.startswith("OFFICIAL-SENSITIVE")
        assert wording.reveal_controls(action["what"]) in description and owner in description
    for event in events:
        assert str(event["CLASS"]) == "CONFIDENTIAL" and str(event["TRANSP"]) == "TRANSPARENT"
        assert document["forum"]["title"] not in str(event["SUMMARY"]) + str(event["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == len(events)


# --- the presenting agency in every output --------------------------------------------------------


def _text_of(fmt: str, data: bytes) -> str:
    if fmt in ("pdf", "family-pdf"):
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if fmt == "docx":
        document = docx.Document(io.BytesIO(data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if fmt == "ics":
        return "".join(str(e["DESCRIPTION"]) for e in icalendar.Calendar.from_ical(data).walk("VEVENT"))
    return data.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", sorted(fmt for fmt in FORMATS if fmt != "zip"))
def test_every_output_names_the_presenting_agency(fmt):
    text = _text_of(fmt, FORMATS[fmt].render(sample_version()))
    assert squash(PRESENTING) in squash(text)
    if fmt == "json":
        assert json.loads(text)["forum"]["presenting_agency"] == PRESENTING


def test_a_version_locked_before_the_presenting_agency_was_kept_still_renders():
    document = sample_document()
    del document["forum"]["presenting_agency"]
    version = sample_version(document)
    for fmt in ("md", "docx", "pdf"):
        assert "Not recorded" in _text_of(fmt, FORMATS[fmt].render(version))


def test_the_pdf_of_a_reviewed_version_ends_with_how_it_went_and_what_changed():
    version = sample_version(reopened_document())
    text = squash("".join(_page_texts(FORMATS["pdf"].render(version))))
    review = version.document["review"]
    went, changed, integrity = (
        text.index(squash(h)) for h in ("How version 1 went", "What changed since version 1", "Integrity")
    )
    assert went < changed < integrity
    assert squash("Not answered") in text and squash("In by 8:45 most days.") in text
    section = text[changed:integrity]
    assert [c["section"] for c in review["changes"]] == ["Entries", "Hypothesis", "Goals", "Actions"]
    for change in review["changes"]:
        assert squash(change["after"]) in section
    assert squash("Review the housing application and priority band.") in section  # the action before
    plain = squash("".join(_page_texts(FORMATS["pdf"].render(sample_version()))))
    assert "Whatchangedsince" not in plain and "Howversion" not in plain
