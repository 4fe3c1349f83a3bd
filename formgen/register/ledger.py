"""The Sổ đăng ký văn bản đi as a printable file: .xlsx (openpyxl, print setup) or .pdf (reportlab), A4 landscape,
one unit to a sheet (or from a new page), with the cover and the ten columns of NĐ 30/2020 Phụ lục IV, mục I
(docs/nd30-sources.md says from which text)."""
from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

from ..errors import InvalidInput
from ..files import write_atomically
from ..vn import dmy, upper
from .messages import MESSAGES
from .outgoing import Entry
from .tables import writer_for

# NĐ 30/2020/NĐ-CP, Phụ lục IV, I.2 “Nội dung đăng ký văn bản đi — Tối thiểu gồm 10 nội dung”, in order (key,
# heading as the annex writes it, width in the spreadsheet's characters; the PDF shares the page in the same
# proportions). The widths and the paper are formgen's: the annex prescribes neither. Ngày chuyển and Ký nhận are
# the văn thư's, written by hand on the printed book (Điều 16.2.b: a book kept in a system is printed and bound).
COLUMNS = (
    ("notation", "Số, ký hiệu văn bản", 20),
    ("date", "Ngày tháng văn bản", 14),
    ("title", "Tên loại và trích yếu nội dung văn bản", 31),
    ("signer", "Người ký", 20),
    ("recipients", "Nơi nhận văn bản", 26),
    ("keeper", "Đơn vị, người nhận bản lưu", 14),
    ("copies", "Số lượng bản", 10),
    ("sent", "Ngày chuyển", 13),
    ("receipt", "Ký nhận", 12),
    ("note", "Ghi chú", 20),
)
BOOK_TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
BLANK = "………"          # what the văn thư fills in by hand (Quyển số: the volume the book is bound in)


def book_rows(entries: list[Entry]) -> list[dict]:
    """The book's cells for each entry: a cancelled number keeps its row, its note says why; Ngày chuyển and Ký
    nhận are left for the văn thư's hand."""
    return [{"notation": e.notation, "date": e.issued_on, "title": e.title, "signer": e.signer,
             "recipients": "; ".join(e.recipients), "keeper": e.keeper, "copies": e.copies, "sent": None,
             "receipt": None, "note": e.note}
            for e in entries]


def cover(name: str, parent: str | None, entries: list[Entry], year: int) -> list[tuple[str, str]]:
    """The cover (“Bìa và trang đầu”, Phụ lục IV, I.1) of one unit's book: (style, text) lines, blank lines as
    ("gap", ""). Năm, Từ ngày ... đến ngày ... and Từ số ... đến số ... are the entries'; a unit numbering several
    sequences (a Party committee: each type of document) gets one “Từ số” line per sequence, by its ký hiệu."""
    days = [e.issued_on for e in entries]
    sequences = [list(group) for _, group in itertools.groupby(entries, key=lambda e: e.sequence)]
    if len(sequences) == 1:
        printed = [_number_printed(e) for e in (entries[0], entries[-1])]
        ranges = [f"Từ số {printed[0]} đến số {printed[1]}"]
    else:
        ranges = [f"Từ số {group[0].notation} đến số {group[-1].notation}" for group in sequences]
    lines = [("parent", upper(parent))] if parent else []
    lines += [("unit", upper(name)), ("gap", ""), ("title", BOOK_TITLE), ("gap", ""), ("line", f"Năm: {year}"),
              ("gap", ""), ("line", f"Từ ngày {dmy(min(days))} đến ngày {dmy(max(days))}")]
    lines += [("line", text) for text in ranges]
    return lines + [("gap", ""), ("volume", f"Quyển số: {BLANK}")]


def _number_printed(entry: Entry) -> str:
    """The number as its notation prints it (“05” of “05/TTr-SNV”, with the format's leading zero)."""
    found = re.match(r"\d+", entry.notation)
    return found.group() if found else entry.notation


def write_book(entries: list[Entry], path: str | os.PathLike, year: int, *, unit: str | None = None,
               parents: dict[str, str] | None = None, overwrite: bool = False) -> int:
    """Write the book of `year` for the entries' units (each from a new sheet or page); the row count. parents:
    each unit's cơ quan chủ quản trực tiếp by its code (the cover's first line; none when absent)."""
    path = Path(path)
    writer = writer_for(path, _WRITERS, MESSAGES["book_type"], overwrite)
    if not entries:
        raise InvalidInput(MESSAGES["book_empty"].format(year=year, unit=f" của đơn vị {unit}" if unit else ""))
    parents = parents or {}
    units = [(group[0].unit_code, cover(group[0].unit_name, parents.get(code), group, year), group)
             for code, grouped in itertools.groupby(entries, key=lambda e: e.unit_code) for group in [list(grouped)]]
    write_atomically(path, lambda tmp: writer(Path(tmp), units, year), overwrite=overwrite)
    return len(entries)


Unit = tuple[str, list[tuple[str, str]], list[Entry]]   # code, cover lines, entries


def _write_xlsx(path: Path, units: list[Unit], year: int) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    book = Workbook()
    book.remove(book.active)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    last = get_column_letter(len(COLUMNS))
    looks = {"parent": {}, "unit": {"bold": True}, "title": {"bold": True, "size": 16}, "line": {"italic": True},
             "volume": {"bold": True}, "gap": {}}
    for code, lines, entries in units:
        sheet = book.create_sheet(_sheet_title(code, book.sheetnames))
        for row, (style, text) in enumerate(lines, 1):   # the cover, printed on a page of its own
            sheet.merge_cells(f"A{row}:{last}{row}")
            cell = sheet.cell(row, 1, text or None)
            cell.font = Font(name="Times New Roman", **{"size": 13, **looks[style]})
            cell.alignment = Alignment(horizontal="center")
        head = len(lines) + 2
        sheet.row_breaks.append(Break(id=head - 1))
        for i, (_key, heading, width) in enumerate(COLUMNS, 1):
            sheet.column_dimensions[get_column_letter(i)].width = width
            for row, value in ((head, heading), (head + 1, f"({i})")):
                cell = sheet.cell(row, i, value)
                cell.font = Font(name="Times New Roman", bold=row == head, size=11)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
                cell.border = box
        for r, values in enumerate(book_rows(entries), head + 2):
            for i, (key, _heading, _width) in enumerate(COLUMNS, 1):
                cell = sheet.cell(r, i, values[key])
                cell.font = Font(name="Times New Roman", size=11, italic=key == "note")
                cell.alignment = Alignment(vertical="top", wrap_text=True,
                                           horizontal="center" if key in ("date", "copies") else None)
                cell.border = box
                if key == "date":
                    cell.number_format = "DD/MM/YYYY"  # NĐ 30: days and months below 10 with their 0
        setup = sheet.page_setup
        setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
        setup.fitToWidth, setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = f"{head}:{head + 1}"   # the headings again on every printed page
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.HeaderFooter.differentFirst = True   # the cover page has no page number
        sheet.oddFooter.center.text = "Trang &P/&N"
    book.save(path)


def _sheet_title(code: str, taken: list[str]) -> str:
    """A unit's code as an Excel sheet name: at most 31 characters, none of []:*?/\\, never twice."""
    base = "".join("-" if c in "[]:*?/\\" else c for c in code)[:28] or "Sổ"
    title, n = base, 2
    while title in taken:
        title, n = f"{base}-{n}", n + 1
    return title


def _bold_beside(regular: Path) -> Path:
    """The bold face next to a regular font file (LiberationSerif-Bold.ttf, DejaVuSerif-Bold.ttf), else itself."""
    stem = regular.stem
    names = [stem.replace("Regular", "Bold"), f"{stem}-Bold", f"{stem}bd", f"{stem}Bold"]
    return next((p for p in (regular.with_name(n + regular.suffix) for n in names) if p.is_file()), regular)


def _write_pdf(path: Path, units: list[Unit], year: int) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (BaseDocTemplate, Frame, NextPageTemplate, PageBreak, PageTemplate, Paragraph,
                                    Spacer, Table, TableStyle)
    from xml.sax.saxutils import escape

    from ..fonts import find_font, register_font

    regular = find_font()
    font, bold = register_font(regular), register_font(_bold_beside(regular))
    page = landscape(A4)

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.drawCentredString(page[0] / 2, 8 * mm, f"Trang {document.page}")
        canvas.restoreState()

    doc = BaseDocTemplate(str(path), pagesize=page, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                          bottomMargin=15 * mm, title=f"{BOOK_TITLE} năm {year}", author="formgen")
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="page")
    doc.addPageTemplates([PageTemplate("cover", [frame]), PageTemplate("book", [frame], onPage=footer)])
    cell = ParagraphStyle("cell", fontName=font, fontSize=10, leading=12)
    centred = ParagraphStyle("centred", parent=cell, alignment=1)
    heading = ParagraphStyle("heading", parent=centred, fontName=bold)
    # the cover as Phụ lục IV, I.1 draws it: the bodies' names, the title, the year and ranges, the volume
    looks = {"parent": ParagraphStyle("parent", parent=centred, fontSize=13, leading=17),
             "unit": ParagraphStyle("unit", parent=centred, fontName=bold, fontSize=13, leading=17),
             "title": ParagraphStyle("title", parent=centred, fontName=bold, fontSize=20, leading=26),
             "line": ParagraphStyle("line", parent=centred, fontSize=14, leading=20),
             "volume": ParagraphStyle("volume", parent=centred, fontName=bold, fontSize=14, leading=20)}
    gaps = {"title": 30 * mm, "line": 10 * mm, "volume": 30 * mm}  # the gap before the line after a blank
    total = sum(width for _key, _heading, width in COLUMNS)
    widths = [doc.width * width / total for _key, _heading, width in COLUMNS]
    story = []
    for n, (_code, lines, entries) in enumerate(units):
        if n:
            story += [NextPageTemplate("cover"), PageBreak()]
        story.append(Spacer(1, 10 * mm))
        for i, (style, text) in enumerate(lines):
            if style == "gap":
                story.append(Spacer(1, gaps[lines[i + 1][0]]))
            else:
                story.append(Paragraph(escape(text), looks[style]))
        story += [NextPageTemplate("book"), PageBreak()]   # the cover has no page number
        rows = [[Paragraph(escape(h), heading) for _key, h, _w in COLUMNS],
                [Paragraph(f"({i})", centred) for i in range(1, len(COLUMNS) + 1)]]
        for values in book_rows(entries):
            rows.append([Paragraph(escape(_shown(key, values[key])), centred if key in ("date", "copies") else cell)
                         for key, _h, _w in COLUMNS])
        table = Table(rows, colWidths=widths, repeatRows=2)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("VALIGN", (0, 0), (-1, 1), "MIDDLE")]))
        story.append(table)
    doc.build(story)


def _shown(key: str, value) -> str:
    """A cell's text in the PDF: the date dd/mm/yyyy, a blank left blank."""
    if value is None:
        return ""
    return dmy(value) if key == "date" else str(value)


_WRITERS = {".xlsx": _write_xlsx, ".pdf": _write_pdf}
