"""XLSX: its zip parts checked against the limits before openpyxl parses them, its sheets, merged cells and formulas."""
from __future__ import annotations

import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput
from .common import MAX_CELLS, MAX_PART_BYTES, MAX_SHEET_BYTES, MESSAGES, CellError, letter, refuse
from .vocabulary import Heading, header_key


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted .xlsx, or an old .xls, is an OLE2 file
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _check_parts(p: Path, archive: zipfile.ZipFile) -> None:
    """Refuse, from the zip directory alone, a part that would expand past its limit (zipfile never
    inflates a member past the size the directory declares)."""
    for info in archive.infolist():
        name = info.filename
        if not name.endswith((".xml", ".rels")) or name.startswith("xl/worksheets/"):
            continue
        if info.file_size > MAX_PART_BYTES:
            raise refuse(p, MESSAGES["too_big"].format(part=name, size=info.file_size // 2**20,
                                                       limit=MAX_PART_BYTES // 2**20))
        if name.lower().endswith("sharedstrings.xml"):  # openpyxl builds every string at once: count them first
            _count(p, archive, name, _NS + "si", MESSAGES["too_many_strings"])


def _count(p: Path, archive: zipfile.ZipFile, part: str, tag: str, message: str) -> int:
    """The elements `tag` in a part, streamed in flat memory; refused past MAX_CELLS."""
    from xml.etree.ElementTree import ParseError, iterparse

    count = 0
    try:
        with archive.open(part) as xml:
            for _, el in iterparse(xml):
                if el.tag == tag:
                    count += 1
                    if count > MAX_CELLS:
                        raise refuse(p, message.format(part=part, limit=f"{MAX_CELLS:,}".replace(",", ".")))
                    el.clear()
    except (ParseError, zipfile.BadZipFile, EOFError) as exc:
        raise refuse(p, MESSAGES["not_xlsx"].format(reason=type(exc).__name__)) from None
    return count


def _choose_sheet(p: Path, book, name: str | None):
    visible = [s for s in book.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
    if name is not None:
        wanted = unicodedata.normalize("NFC", name).strip()
        match = next((s for s in book.worksheets if s.title == wanted), None) or \
            next((s for s in book.worksheets if header_key(s.title) == header_key(wanted)), None)
        if match is None:
            raise refuse(p, MESSAGES["sheet_missing"].format(
                name=name, names=", ".join(f"“{s.title}”" for s in visible) or "không có"))
        if match not in visible:
            raise refuse(p, MESSAGES["sheet_hidden"].format(name=match.title))
        return match, []
    if not visible:
        raise refuse(p, MESSAGES["no_sheet"])
    active = book.active
    sheet = active if active in visible else visible[0]
    notes = [MESSAGES["sheet_read"].format(name=sheet.title, count=len(visible))] if len(visible) > 1 else []
    return sheet, notes


def open_xlsx(p: Path, sheet_name: str | None):
    import openpyxl
    with open(p, "rb") as f:
        if f.read(8) == _OLE2:
            raise refuse(p, MESSAGES["ole2"])
    try:
        with zipfile.ZipFile(p) as archive:
            _check_parts(p, archive)
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)  # data_only: a formula's last value
    except InvalidInput:
        raise
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a broken file
        raise refuse(p, MESSAGES["not_xlsx"].format(reason=type(exc).__name__)) from None
    try:
        sheet, notes = _choose_sheet(p, book, sheet_name)
        scan = _scan_sheet(p, sheet)
        sheet.reset_dimensions()  # a stale <dimension> would cut the rows and columns beyond it
        rows = _as_excel_shows(enumerate(sheet.iter_rows(values_only=True), start=1), scan.errors)
    except BaseException:
        book.close()
        raise

    def width_error(number: int, cells: list, index: int, width: int) -> str:
        return MESSAGES["untitled"].format(ref=f"{letter(index)}{number}", letter=letter(index))

    return rows, notes, book.close, width_error, scan


@dataclass
class SheetScan:
    """What one streaming pass over a sheet's XML found that read-only openpyxl cannot show."""

    merged: list[str] = field(default_factory=list)         # the merged ranges
    uncalculated: list[str] = field(default_factory=list)   # formulas never calculated (openpyxl: None)
    errors: dict[int, dict[int, str]] = field(default_factory=dict)  # row -> {column index: Excel error}
    hidden_rows: dict[int, list[int]] = field(default_factory=dict)  # hidden row (or filtered out) -> its columns
                                                                     # (indexes) that hold a value
    hidden_columns: dict[int, int] = field(default_factory=dict)  # hidden column index -> the last row it has a value in
    filtered: bool = False                                  # the sheet has an AutoFilter (its hidden rows: filtered)


def _scan_sheet(p: Path, sheet) -> SheetScan:
    """One streaming pass over the sheet's XML, before openpyxl reads it: its size and cell count within the
    limits, and what read-only openpyxl cannot show (merged cells; formulas never calculated, which it gives
    as None; cells holding an Excel error, which it gives as text). Measured on 10,000 rows: 45 MB resident for
    read-only plus this pass, 153 MB for a full load."""
    from xml.etree.ElementTree import ParseError, iterparse

    scan = SheetScan()
    cells = 0
    row = column = 0
    row_hidden = False
    hidden: list[tuple[int, int]] = []   # the hidden columns' ranges (1-based), from <cols> before the rows
    try:
        with zipfile.ZipFile(p) as archive:
            part = sheet._worksheet_path  # openpyxl's own path to the sheet
            size = archive.getinfo(part).file_size
            if size > MAX_SHEET_BYTES:
                raise refuse(p, MESSAGES["too_big"].format(part=part, size=size // 2**20,
                                                           limit=MAX_SHEET_BYTES // 2**20))
            with archive.open(part) as xml:
                data = None
                for event, el in iterparse(xml, events=("start", "end")):
                    if event == "start":
                        if el.tag == _NS + "row":  # numbered as openpyxl numbers it: r, else the next one
                            row, column = int(el.get("r") or row + 1), 0
                            row_hidden = el.get("hidden") in _TRUE
                        elif el.tag == _NS + "sheetData":
                            data = el
                        continue
                    if el.tag == _NS + "c":
                        cells += 1
                        if cells > MAX_CELLS:
                            raise refuse(p, MESSAGES["too_many_cells"].format(
                                limit=f"{MAX_CELLS:,}".replace(",", ".")))
                        column += 1  # the cell's place in its row, for a writer that leaves out r
                        formula, value = el.find(_NS + "f"), el.find(_NS + "v")
                        if formula is not None and (value is None or not (value.text or "").strip()):
                            scan.uncalculated.append(el.get("r") or f"{letter(column - 1)}{row}")
                        elif el.get("t") == "e":
                            index = _column(el.get("r"), column) - 1
                            scan.errors.setdefault(row, {})[index] = value.text if value is not None else ""
                        if (row_hidden or hidden) and _holds_value(el, value):
                            index = _column(el.get("r"), column)
                            if row_hidden:
                                scan.hidden_rows.setdefault(row, []).append(index - 1)
                            if any(first <= index <= last for first, last in hidden):
                                scan.hidden_columns[index - 1] = row
                    elif el.tag == _NS + "col" and el.get("hidden") in _TRUE:
                        hidden.append((int(el.get("min")), int(el.get("max") or el.get("min"))))
                    elif el.tag == _NS + "autoFilter":
                        scan.filtered = True
                    elif el.tag == _NS + "row" and data is not None:
                        data.clear()  # rows already read: memory stays flat
                    elif el.tag == _NS + "mergeCell":
                        scan.merged.append(el.get("ref") or "")
    except (KeyError, AttributeError, TypeError, ValueError, ParseError, zipfile.BadZipFile) as exc:
        raise refuse(p, MESSAGES["broken_sheet"].format(reason=type(exc).__name__)) from None
    return scan


_TRUE = ("1", "true")  # xsd:boolean


def _holds_value(cell, value) -> bool:
    """Whether a <c> element holds a value (a number, a shared or inline string, an error), not just a style."""
    if value is not None:
        return bool(value.text)
    inline = cell.find(_NS + "is")
    return inline is not None and any(inline.itertext())


def _column(ref: str | None, place: int) -> int:
    """The 1-based column of a cell reference (“Q12”: 17); without one, its place in the row."""
    from openpyxl.utils import column_index_from_string
    return column_index_from_string(ref.rstrip("0123456789")) if ref else place


# Excel keeps and shows a number to 15 significant digits: =B2*1.1 saved as 165000000.00000003 is 165000000 to it.
EXCEL_DIGITS = 15


def _as_excel_shows(rows, errors: dict[int, dict[int, str]]):
    """The sheet's rows as Excel shows them: text with its _xHHHH_ escapes decoded (ECMA-376 ST_Xstring:
    _x000D_ a carriage return, _x005F_ an underscore), which openpyxl leaves in; a number to Excel's 15
    significant digits (a formula's binary remainder beyond them is not the number a person sees); a cell holding
    an Excel error as a CellError (openpyxl gives its text)."""
    from openpyxl.utils.escape import unescape
    for number, cells in rows:
        cells = [unescape(c) if isinstance(c, str) and "_x" in c
                 else float(f"{c:.{EXCEL_DIGITS}g}") if type(c) is float else c for c in cells]
        for index, code in errors.get(number, {}).items():
            if index < len(cells):
                cells[index] = CellError(code or cells[index])
        yield number, cells


SHOWN_ROWS = 5  # the hidden rows a refusal names; the others are counted


def _refuse_hidden(p: Path, header_row: int, headings: list[Heading], ignored, scan: SheetScan) -> None:
    """Refuse rows and columns hidden (a row filtered out too) that hold values the table would read unseen: a
    row from the header down, a column below its header (what STT and Ghi chú hold, which nothing reads, aside)."""
    rows = [r for r, columns in scan.hidden_rows.items() if r >= header_row and set(columns) - ignored]
    if rows:
        shown = ", ".join(map(str, rows[:SHOWN_ROWS]))
        more = MESSAGES["more_rows"].format(count=len(rows) - SHOWN_ROWS) if len(rows) > SHOWN_ROWS else ""
        raise refuse(p, MESSAGES["hidden_rows"].format(rows=shown + more,
                                                       how=MESSAGES["filtered"] if scan.filtered else "",
                                                       undo=MESSAGES["unfilter"] if scan.filtered else ""))
    titles = {h.index: h.title for h in headings}
    columns = sorted(i for i, last in scan.hidden_columns.items() if last > header_row and i not in ignored)
    if columns:
        named = ", ".join(letter(i) + (f" (“{titles[i]}”)" if i in titles else "") for i in columns)
        raise refuse(p, MESSAGES["hidden_columns"].format(columns=named))


def audit(p: Path, header_row: int, headings: list[Heading], scan: SheetScan | None, ignored=frozenset()) -> None:
    """Refuse rows and columns hidden that hold values, a merged cell in the header or the data (a merged title
    above the header is a title), and a formula never calculated there."""
    if scan is not None:
        _refuse_hidden(p, header_row, headings, ignored, scan)
    merged, formulas = (scan.merged, scan.uncalculated) if scan else ((), ())
    if not merged and not formulas:  # a CSV, or a sheet without either: nothing to refuse, openpyxl not loaded
        return
    from openpyxl.utils import column_index_from_string, range_boundaries

    titles = {h.index: h.title for h in headings}

    def column(index: int) -> str:
        return titles.get(index - 1) or letter(index - 1)

    def more(items) -> str:
        return MESSAGES["more"].format(count=len(items) - 1) if len(items) > 1 else ""

    merged = [ref for ref in merged if range_boundaries(ref)[3] >= header_row]
    if merged:
        first_col, first_row, last_col, last_row = range_boundaries(merged[0])
        if first_row <= header_row:
            where = MESSAGES["merged_header"].format(ref=merged[0])
        else:
            columns = ", ".join(dict.fromkeys(column(c) for c in range(first_col, last_col + 1)))
            rows = f"dòng {first_row}" + (f"–{last_row}" if last_row > first_row else "")
            where = MESSAGES["merged_rows"].format(ref=merged[0], rows=rows, columns=columns)
        raise InvalidInput(f"{MESSAGES['where'].format(path=p)}: {where}{more(merged)}{MESSAGES['unmerge']}")
    formulas = [ref for ref in formulas if int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or 0) >= header_row]
    if formulas:
        ref = formulas[0]
        letters = ref.rstrip("0123456789")
        raise InvalidInput(f"{MESSAGES['where'].format(path=p)}, dòng {ref[len(letters):]}, cột "
                           f"{column(column_index_from_string(letters))}: "
                           + MESSAGES["formula"].format(more=more(formulas)))
