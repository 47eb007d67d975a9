"""Word tables whose column widths fit their content, the way a browser lays out an automatic table.

Word itself would re-fit columns when the file is opened, but LibreOffice, Google Docs and Word's
"compatibility" views use the widths written in the file; python-docx writes equal widths, which break
words ("paediatricia n"). Widths are estimated from the text with conservative per-character widths of
Arial (the font the document asks for), so the result is the same on every machine.
"""

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt

FONT = "Arial"
FONT_SIZE = Pt(10)
# Left and right cell margins that Word uses for 'Table Grid' (0.08 inch each side), plus a little slack.
CELL_PADDING = Mm(4.5)

# Advance widths as fractions of the font size, rounded up from Arial's metrics for each class of character.
_NARROW = set("iljtfrI!|.,:;'`\" ()[]{}/\\-")
_WIDE = set("mwMW@%&")
_CAPITAL_OR_DIGIT = set("ABCDEFGHJKLNOPQRSTUVXYZ0123456789#$?_=+<>~^")
_BOLD_FACTOR = 1.08


def _advance(character: str) -> float:
    if character in _NARROW:
        return 0.34
    if character in _WIDE:
        return 0.95
    if character in _CAPITAL_OR_DIGIT:
        return 0.74
    if character.isascii():
        return 0.58
    return 1.0  # accented, other scripts, emoji: as wide as an em, to be safe


def text_width(text: str, bold: bool = False) -> int:
    """The estimated width of text on one line, in EMU, at FONT_SIZE."""
    em = FONT_SIZE * (_BOLD_FACTOR if bold else 1.0)
    return int(sum(_advance(character) for character in text) * em)


def _needs(cells: list[tuple[str, bool]]) -> tuple[int, int]:
    """(narrowest, widest) a column may be: its longest word, and its longest line, padding included."""
    narrowest = widest = 0
    for text, bold in cells:
        for line in text.splitlines() or [""]:
            widest = max(widest, text_width(line, bold))
            for word in line.split():
                narrowest = max(narrowest, text_width(word, bold))
    return narrowest + CELL_PADDING, widest + CELL_PADDING


def column_widths(columns: list[list[tuple[str, bool]]], available: int) -> list[int]:
    """Widths (EMU) summing to available: every column at least its longest word, the rest shared out
    in proportion to how much more each column's longest line needs (CSS 2.1 automatic table layout)."""
    needs = [_needs(cells) for cells in columns]
    # No single word may claim more than half the page (a pasted URL would squeeze every other column).
    narrowest = [min(low, available // 2) for low, _ in needs]
    widest = [max(high, low) for (_, high), low in zip(needs, narrowest, strict=True)]
    if sum(widest) <= available:
        spare = available - sum(widest)
        total = sum(widest)
        widths = [high + spare * high // total for high in widest]
    elif sum(narrowest) >= available:
        total = sum(narrowest)
        widths = [available * low // total for low in narrowest]
    else:
        spare = available - sum(narrowest)
        stretch = [high - low for low, high in zip(narrowest, widest, strict=True)]
        widths = [low + spare * extra // sum(stretch) for low, extra in zip(narrowest, stretch, strict=True)]
    widths[-1] += available - sum(widths)  # rounding
    return widths


def fit_columns(table, available: int, header_rows: int = 0, bold_columns: tuple[int, ...] = ()) -> list[int]:
    """Give a python-docx table fixed column widths fitted to its text; returns the widths (EMU)."""
    columns = [
        [
            (cell.text, index < header_rows or column in bold_columns)
            for index, cell in enumerate(table.columns[column].cells)
        ]
        for column in range(len(table.columns))
    ]
    widths = column_widths(columns, available)
    table.autofit = False  # a fixed layout: the widths below, not Word's re-fitting
    table_width = table._tbl.tblPr.find(qn("w:tblW"))
    table_width.set(qn("w:w"), str(Emu(sum(widths)).twips))
    table_width.set(qn("w:type"), "dxa")
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    return widths


def keep_rows_whole(table) -> None:
    """Ask Word not to split a row across pages (a row taller than a page still breaks)."""
    for row in table.rows:
        # cantSplit comes before tblHeader in the schema's order of row properties.
        row._tr.get_or_add_trPr().insert(0, OxmlElement("w:cantSplit"))
