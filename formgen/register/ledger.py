"""The Sổ đăng ký văn bản đi as a printable file: .xlsx (openpyxl, print setup) or .pdf (reportlab), A4 landscape,
one unit to a sheet (or from a new page), in the columns of NĐ 30/2020 Phụ lục IV."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

from ..errors import InvalidInput
from ..files import write_atomically
from ..vn import dmy, upper
from .messages import MESSAGES
from .outgoing import Entry
from .tables import writer_for

# NĐ 30/2020/NĐ-CP, Phụ lục IV, the outgoing register's columns, in order (key, heading, width in the
# spreadsheet's characters; the PDF shares the page in the same proportions).
COLUMNS = (
    ("notation", "Số, ký hiệu văn bản", 16),
    ("date", "Ngày tháng văn bản", 15),
    ("title", "Tên loại và trích yếu nội dung văn bản", 44),
    ("signer", "Người ký", 18),
    ("recipients", "Nơi nhận văn bản", 30),
    ("keeper", "Đơn vị, người nhận bản lưu", 16),
    ("copies", "Số lượng bản", 10),
    ("note", "Ghi chú", 24),
)
BOOK_TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐI"


def book_rows(entries: list[Entry]) -> list[dict]:
    """The book's cells for each entry: a cancelled number keeps its row, its note says why."""
    return [{"notation": e.notation, "date": e.issued_on, "title": e.title, "signer": e.signer,
             "recipients": "; ".join(e.recipients), "keeper": e.keeper, "copies": e.copies, "note": e.note}
            for e in entries]


def write_book(entries: list[Entry], path: str | os.PathLike, year: int, *, unit: str | None = None,
               overwrite: bool = False) -> int:
    """Write the book of `year` for the entries' units (each from a new sheet or page); the row count."""
    path = Path(path)
    writer = writer_for(path, _WRITERS, MESSAGES["book_type"], overwrite)
    if not entries:
        raise InvalidInput(MESSAGES["book_empty"].format(year=year, unit=f" của đơn vị {unit}" if unit else ""))
    units = [(group[0].unit_name, group) for _, grouped in itertools.groupby(entries, key=lambda e: e.unit_code)
             for group in [list(grouped)]]
    write_atomically(path, lambda tmp: writer(Path(tmp), units, year), overwrite=overwrite)
    return len(entries)


def _write_xlsx(path: Path, units: list[tuple[str, list[Entry]]], year: int) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    last = get_column_letter(len(COLUMNS))
    for name, entries in units:
        sheet = book.create_sheet(_sheet_title(entries[0].unit_code, book.sheetnames))
        for row, text, size in ((1, upper(name), 12), (2, BOOK_TITLE, 14), (3, f"Năm {year}", 12)):
            sheet.merge_cells(f"A{row}:{last}{row}")
            cell = sheet.cell(row, 1, text)
            cell.font = Font(name="Times New Roman", bold=row < 3, size=size)
            cell.alignment = Alignment(horizontal="center")
        for i, (_key, heading, width) in enumerate(COLUMNS, 1):
            sheet.column_dimensions[get_column_letter(i)].width = width
            for row, value in ((5, heading), (6, i)):
                cell = sheet.cell(row, i, value)
                cell.font = Font(name="Times New Roman", bold=row == 5, italic=row == 6, size=11)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
                cell.border = box
        for r, values in enumerate(book_rows(entries), 7):
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
        sheet.print_title_rows = "5:6"   # the headings again on every printed page
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.oddFooter.center.text = "Trang &P/&N"
        sheet.freeze_panes = "A7"
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


def _write_pdf(path: Path, units: list[tuple[str, list[Entry]]], year: int) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    from ..fonts import find_font, register_font

    regular = find_font()
    font, bold = register_font(regular), register_font(_bold_beside(regular))
    page = landscape(A4)
    doc = SimpleDocTemplate(str(path), pagesize=page, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"{BOOK_TITLE} năm {year}", author="formgen")
    cell = ParagraphStyle("cell", fontName=font, fontSize=10, leading=12)
    centred = ParagraphStyle("centred", parent=cell, alignment=1)
    heading = ParagraphStyle("heading", parent=centred, fontName=bold)
    titles = {size: ParagraphStyle(f"title{size}", fontName=bold, fontSize=size, leading=size + 4, alignment=1)
              for size in (12, 14)}
    total = sum(width for _key, _heading, width in COLUMNS)
    widths = [doc.width * width / total for _key, _heading, width in COLUMNS]
    story = []
    for n, (name, entries) in enumerate(units):
        if n:
            story.append(PageBreak())
        story += [Paragraph(escape(upper(name)), titles[12]), Paragraph(BOOK_TITLE, titles[14]),
                  Paragraph(f"Năm {year}", ParagraphStyle("year", parent=centred, fontSize=12, leading=16)),
                  Spacer(1, 6 * mm)]
        rows = [[Paragraph(escape(h), heading) for _key, h, _w in COLUMNS],
                [Paragraph(str(i), centred) for i in range(1, len(COLUMNS) + 1)]]
        for values in book_rows(entries):
            rows.append([Paragraph(escape(dmy(values[key]) if key == "date" else str(values[key])),
                                   centred if key in ("date", "copies") else cell) for key, _h, _w in COLUMNS])
        table = Table(rows, colWidths=widths, repeatRows=2)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("VALIGN", (0, 0), (-1, 1), "MIDDLE")]))
        story.append(table)

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.drawCentredString(page[0] / 2, 8 * mm, f"Trang {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)


_WRITERS = {".xlsx": _write_xlsx, ".pdf": _write_pdf}
