"""Build the built-in .docx templates from the format profiles, so every template is reproducible.

Run: python tools/build_templates.py [DIR]   (default DIR: formgen/templates/docx; writes <kind>_<style>.docx)
The output is an ordinary .docx a secretary can open and edit in Word or LibreOffice; the
Jinja tags ({{ ... }}, {%p ... %}, {%tr ... %}) are docxtpl's.
"""
from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from formgen.formats import load_format  # noqa: E402

OUT = ROOT / "formgen" / "templates" / "docx"
FIXED_TIME = dt.datetime(2024, 5, 16, tzinfo=dt.timezone.utc)  # stable metadata: rebuilds compare equal
CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT


class Builder:
    """A document in one format: paragraphs, rules (lines) and tables with that format's sizes."""

    def __init__(self, style: str, title: str):
        self.fmt = load_format(style)
        self.doc = Document()
        self._page()
        self._fonts()
        props = self.doc.core_properties
        props.title, props.author, props.last_modified_by = title, "formgen", "formgen"
        props.created = props.modified = FIXED_TIME
        props.revision = 1

    def _page(self):
        s = self.doc.sections[0]
        m = self.fmt["margins_mm"]
        s.page_width, s.page_height = Mm(210), Mm(297)
        s.top_margin, s.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
        s.left_margin, s.right_margin = Mm(m["left"]), Mm(m["right"])
        s.header_distance = Mm(10)
        # Page numbers: top centre, none on the first page.
        s.different_first_page_header_footer = True
        p = s.header.paragraphs[0]
        p.alignment = CENTER
        self._field(p, "PAGE", self.fmt["sizes"]["page_number"])

    def _fonts(self):
        normal = self.doc.styles["Normal"]
        normal.font.name = self.fmt["font"]
        normal.font.size = Pt(self.fmt["sizes"]["body"])
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), self.fmt["font"])
        pf = normal.paragraph_format
        pf.space_before, pf.space_after = Pt(0), Pt(0)
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "vi-VN")
        normal.element.get_or_add_rPr().append(lang)

    @property
    def width(self) -> float:
        """The text width in centimetres."""
        m = self.fmt["margins_mm"]
        return (210 - m["left"] - m["right"]) / 10

    def _field(self, paragraph, instr: str, size: int):
        run = paragraph.add_run()
        run.font.size = Pt(size)
        for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "2"), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            elif text == instr:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = f" {instr} "
            else:
                el = OxmlElement("w:t")
                el.text = text
            run._r.append(el)

    def para(self, text="", *, size=None, bold=False, italic=False, align=None, container=None,
             indent=False, after=None, before=None, spacing=None, keep_next=False):
        """A paragraph in one run (so a Jinja tag is never split across runs)."""
        box = container if container is not None else self.doc
        p = box.add_paragraph()
        if text:
            run = p.add_run(text)
            run.bold, run.italic = bold or None, italic or None
            run.font.size = Pt(size or self.fmt["sizes"]["body"])
        pf = p.paragraph_format
        if align is not None:
            p.alignment = align
        if indent:
            body = self.fmt["body"]
            pf.first_line_indent = Cm(body["first_line_indent_cm"])
            pf.space_after = Pt(body["space_after_pt"])
            pf.line_spacing = body["line_spacing"]
        if after is not None:
            pf.space_after = Pt(after)
        if before is not None:
            pf.space_before = Pt(before)
        if spacing is not None:
            pf.line_spacing = spacing
        if keep_next:
            pf.keep_with_next = True
        return p

    def body(self, text, **kw):
        return self.para(text, align=JUSTIFY, indent=True, **kw)

    def heading(self, text, before=None):
        return self.para(text, align=JUSTIFY, indent=True, bold=True, keep_next=True, before=before)

    def tag(self, text, container=None):
        """A paragraph holding only a docxtpl paragraph tag ({%p ... %}); it disappears on render."""
        return self.para(text, container=container)

    def rule(self, length_cm: float, box_cm: float, container=None, after=0):
        """A centred horizontal line of length_cm under the previous paragraph (a bottom border)."""
        p = self.para("", container=container, after=after)
        side = Cm(max(0.0, (box_cm - length_cm) / 2))
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = side
        pPr = p._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            bottom.set(qn(k), v)
        borders.append(bottom)
        pPr.append(borders)
        # a tiny empty line: the border sits right under the text above
        mark = OxmlElement("w:rPr")
        sz = OxmlElement("w:sz")
        sz.set(qn("w:val"), "4")
        mark.append(sz)
        pPr.append(mark)
        return p

    def table(self, rows: int, widths_cm: list[float], grid: bool):
        t = self.doc.add_table(rows=rows, cols=len(widths_cm))
        if grid:
            t.style = self.doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        # Word reads the cell widths, LibreOffice the grid: set both, and a fixed layout.
        for col, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
            col.set(qn("w:w"), str(int(Cm(w).twips)))
        tblPr = t._tbl.tblPr
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tblPr.append(layout)
        for row in t.rows:
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
            for cell, w in zip(row.cells, widths_cm):
                cell.width = Cm(w)
                cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
        return t

    def save(self, folder: Path, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        # Rewrite the zip with fixed entry times, so an unchanged template rebuilds byte for byte.
        with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(folder / name, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                dst.writestr(zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0)), src.read(item),
                             compress_type=zipfile.ZIP_DEFLATED)
        return folder / name


def state_header(b: Builder):
    """Mẫu 1.4, NĐ 30/2020: issuer and number on the left, Quốc hiệu, Tiêu ngữ and date on the right."""
    s = b.fmt["sizes"]
    left, right = 6.0, b.width - 6.0
    t = b.table(2, [left, right], grid=False)
    c = t.cell(0, 0)
    b.tag("{%p if parent %}", c)
    b.para("{{ parent }}", size=s["parent"], align=CENTER, container=c)
    b.tag("{%p endif %}", c)
    b.para("{{ issuer }}", size=s["issuer"], bold=True, align=CENTER, container=c)
    b.rule(2.2, left, container=c)
    c = t.cell(0, 1)
    b.para("{{ national }}", size=s["national"], bold=True, align=CENTER, container=c)
    b.para("{{ motto }}", size=s["motto"], bold=True, align=CENTER, container=c)
    b.rule(6.0, right, container=c)
    b.para("{{ number }}", size=s["number"], align=CENTER, container=t.cell(1, 0), before=6)
    b.para("{{ date_line }}", size=s["date_line"], italic=True, align=CENTER, container=t.cell(1, 1), before=6)


def title_block(b: Builder):
    s = b.fmt["sizes"]
    b.para("{{ type_title }}", size=s["type"], bold=True, align=CENTER, before=18, keep_next=True)
    b.para("{{ subject }}", size=s["subject"], bold=True, align=CENTER, keep_next=True)
    b.rule(4.0, b.width)
    b.para("{{ recipient_label }} {{ recipient }}.", size=s["recipient"], align=CENTER, before=12, after=12)


def signature_block(b: Builder):
    """Nơi nhận on the left; authority, title and name on the right (NĐ 30/2020, Phụ lục I)."""
    s = b.fmt["sizes"]
    left = 7.5
    t = b.table(1, [left, b.width - left], grid=False)
    c = t.cell(0, 0)
    b.para("{{ cc_heading }}", size=s["cc_heading"], bold=True, italic=True, container=c, before=6)
    b.tag("{%p for line in cc %}", c)
    b.para("{{ line }}", size=s["cc_item"], container=c)
    b.tag("{%p endfor %}", c)
    c = t.cell(0, 1)
    b.tag("{%p for line in signer_lines %}", c)
    b.para("{{ line }}", size=s["signature"], bold=True, align=CENTER, container=c)
    b.tag("{%p endfor %}", c)
    for _ in range(4):
        b.para("", container=c)
    b.para("{{ signer_name }}", size=s["signature"], bold=True, align=CENTER, container=c)


def members_table(b: Builder):
    s = b.fmt["sizes"]["table"]
    widths = [1.3, 3.8, 4.2, 4.0, b.width - 13.3]
    t = b.table(4, widths, grid=True)
    for cell, text in zip(t.rows[0].cells, ("STT", "Họ và tên", "Chức vụ", "Đơn vị công tác", "Ghi chú")):
        b.para(text, size=s, bold=True, align=CENTER, container=cell)
    b.para("{%tr for m in members %}", container=t.cell(1, 0))
    for cell, text in zip(t.rows[2].cells, ("{{ m.stt }}", "{{ m.name }}", "{{ m.position }}", "{{ m.unit }}",
                                            "{{ m.note }}")):
        b.para(text, size=s, align=CENTER if text == "{{ m.stt }}" else LEFT, container=cell)
    b.para("{%tr endfor %}", container=t.cell(3, 0))
    for row in t.rows[1:]:
        for cell in row.cells:
            if not cell.paragraphs:
                cell.add_paragraph()
    # the header row repeats on every page the table spans
    trPr = t.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    trPr.append(header)


def request_state(folder: Path) -> Path:
    b = Builder("state", "Tờ trình xin ý kiến tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh")
    state_header(b)
    title_block(b)
    b.body("Căn cứ {{ regulation }};")
    b.body("{{ issuer_name }} kính trình {{ recipient }} xem xét, cho ý kiến về việc tổ chức đoàn đi học tập, "
           "trao đổi kinh nghiệm ngoài tỉnh như sau:")
    b.heading("1. Mục đích")
    b.body("{{ purpose }}")
    b.body("Khâu yếu, vấn đề khó khăn, vướng mắc cần giải quyết: {{ weak_point }}")
    b.body("Lĩnh vực tập trung: {{ focus_areas }}.")
    b.heading("2. Địa phương đến và nội dung học tập")
    b.tag("{%p for s in stops %}")
    b.body("- {{ s.place_cap }}, làm việc với {{ s.host }}: học tập {{ s.model }}.")
    b.tag("{%p endfor %}")
    b.heading("3. Thành phần đoàn")
    b.body("Đoàn gồm {{ size }} người (kể cả trưởng đoàn), do đồng chí {{ leader_name }}, {{ leader_position }} "
           "làm trưởng đoàn; trong đoàn có {{ key_leader_count }} lãnh đạo chủ chốt của đơn vị. "
           "{% if approval %}Số người theo {{ approval }}.{% else %}Số người trong giới hạn "
           "{{ size_limit }} người theo quy định.{% endif %} Danh sách cụ thể:")
    members_table(b)
    b.heading("4. Thời gian", before=6)
    b.body("Từ ngày {{ depart }} đến ngày {{ return }} (kể cả thời gian đi và về), cụ thể:")
    b.tag("{%p for s in stops %}")
    b.body("- {{ s.place_cap }}: {{ s.when }} ({{ s.days }} ngày tại địa phương, "
           "không tính thời gian đi và về).")
    b.tag("{%p endfor %}")
    b.heading("5. Kinh phí")
    b.body("Nguồn kinh phí: {{ funding_source }}.")
    b.tag("{%p if amount %}")
    b.body("Dự toán: {{ amount }} (Bằng chữ: {{ amount_words }}).")
    b.tag("{%p endif %}")
    b.tag("{%p if year_count %}")
    b.body("Đây là đoàn thứ {{ year_count }} của đơn vị đi ngoài tỉnh trong năm {{ year }}.")
    b.tag("{%p endif %}")
    b.body("Sau chuyến đi, trưởng đoàn gửi báo cáo kết quả, kinh nghiệm hay, cách làm hiệu quả và đề xuất, "
           "kiến nghị trong vòng {{ report_days }} ngày làm việc, chậm nhất {{ report_deadline }}.")
    b.body("{{ issuer_name }} kính trình {{ recipient }} xem xét, cho ý kiến./.")
    signature_block(b)
    return b.save(folder, "request_state.docx")


BUILDERS = {"request_state.docx": request_state}

def build_all(folder: Path = OUT) -> list[Path]:
    return [build(folder) for build in BUILDERS.values()]


if __name__ == "__main__":
    for path in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
