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


def people_table(b: Builder, items: str = "members", note: bool = True):
    """STT, họ và tên, chức vụ, đơn vị công tác (, ghi chú): one row per person of `items`."""
    s = b.fmt["sizes"]["table"]
    heads = ["STT", "Họ và tên", "Chức vụ", "Đơn vị công tác"] + (["Ghi chú"] if note else [])
    cells = ["{{ m.stt }}", "{{ m.name }}", "{{ m.position }}", "{{ m.unit }}"] + (["{{ m.note }}"] if note else [])
    widths = [1.3, 3.8, 4.2, 4.0, b.width - 13.3] if note else [1.3, 4.4, 5.4, b.width - 11.1]
    looped_table(b, heads, cells, widths, f"m in {items}", s)


def looped_table(b: Builder, heads: list[str], cells: list[str], widths: list[float], loop: str, size: int,
                 total: list[str] | None = None):
    """A grid with a bold header row (repeated on each page), one row per item, and an optional total row."""
    t = b.table(4 + (total is not None), widths, grid=True)
    for cell, text in zip(t.rows[0].cells, heads):
        b.para(text, size=size, bold=True, align=CENTER, container=cell)
    b.para(f"{{%tr for {loop} %}}", container=t.cell(1, 0))
    for cell, text in zip(t.rows[2].cells, cells):
        b.para(text, size=size, align=CENTER if text.endswith(".stt }}") else LEFT, container=cell)
    b.para("{%tr endfor %}", container=t.cell(3, 0))
    if total is not None:
        for cell, text in zip(t.rows[4].cells, total):
            b.para(text, size=size, bold=True, align=CENTER if not text.startswith("{{") else LEFT, container=cell)
    for row in t.rows[1:]:
        for cell in row.cells:
            if not cell.paragraphs:
                cell.add_paragraph()
    # the header row repeats on every page the table spans
    trPr = t.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    trPr.append(header)


def header(b: Builder):
    """The header block of the issuer's format: issuer and number left, title and date line right."""
    s, party = b.fmt["sizes"], b.fmt["id"] == "party"
    left = 7.0 if party else 6.0
    right = b.width - left
    t = b.table(2, [left, right], grid=False)
    c = t.cell(0, 0)
    b.tag("{%p if parent %}", c)
    b.para("{{ parent }}", size=s["parent"], align=CENTER, container=c)
    b.tag("{%p endif %}", c)
    b.para("{{ issuer }}", size=s["issuer"], bold=True, align=CENTER, container=c)
    if party:
        b.para("*", size=s["issuer"], align=CENTER, container=c)       # HD 36: the star under the issuer
    else:
        b.rule(2.2, left, container=c)                                  # NĐ 30: a line 1/3–1/2 of the name
    c = t.cell(0, 1)
    b.para("{{ national }}", size=s["national"], bold=True, align=CENTER, container=c)
    if party:
        b.rule(7.6, right, container=c)                                 # as long as the title
    else:
        b.para("{{ motto }}", size=s["motto"], bold=True, align=CENTER, container=c)
        b.rule(6.0, right, container=c)                                 # as long as the motto
    b.para("{{ number }}", size=s["number"], align=CENTER, container=t.cell(1, 0), before=6)
    b.para("{{ date_line }}", size=s["date_line"], italic=True, align=CENTER, container=t.cell(1, 1), before=6)


def title_block(b: Builder):
    s = b.fmt["sizes"]
    b.para("{{ type_title }}", size=s["type"], bold=True, align=CENTER, before=18, keep_next=True)
    b.para("{{ subject }}", size=s["subject"], bold=True, align=CENTER, keep_next=True)
    b.rule(4.0, b.width)
    b.para("{{ recipient_label }} {{ recipient }}.", size=s["recipient"], align=CENTER, before=12, after=12)


def signature_block(b: Builder):
    """Nơi nhận on the left; authority, title and name on the right."""
    s, look = b.fmt["sizes"], b.fmt["cc_heading_style"]
    left = 7.5
    t = b.table(1, [left, b.width - left], grid=False)
    c = t.cell(0, 0)
    p = b.para("{{ cc_heading }}", size=s["cc_heading"], bold=look.get("bold", False),
               italic=look.get("italic", False), container=c, before=6)
    p.runs[0].underline = look.get("underline") or None
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


def paragraphs(b: Builder, items: str):
    """One body paragraph per element of a list the context gives (a long answer's paragraphs)."""
    b.tag(f"{{%p for line in {items} %}}")
    b.body("{{ line }}")
    b.tag("{%p endfor %}")


def stops_with_models(b: Builder):
    b.tag("{%p for s in stops %}")
    b.body("- {{ s.place_cap }}, làm việc với {{ s.host }}: học tập {{ s.model }}.")
    b.tag("{%p endfor %}")


def stops_with_days(b: Builder):
    b.tag("{%p for s in stops %}")
    b.body("- {{ s.place_cap }}: {{ s.when }} ({{ s.days }} ngày tại địa phương, "
           "không tính thời gian đi và về).")
    b.tag("{%p endfor %}")


def request(b: Builder):
    b.body("Căn cứ {{ regulation }};")
    b.body("{{ issuer_name }} kính trình {{ recipient }} xem xét, cho ý kiến về việc tổ chức đoàn đi học tập, "
           "trao đổi kinh nghiệm ngoài tỉnh như sau:")
    b.heading("1. Mục đích")
    b.body("{{ purpose }}")
    b.body("Khâu yếu, vấn đề khó khăn, vướng mắc cần giải quyết: {{ weak_point }}")
    b.body("Lĩnh vực tập trung: {{ focus_areas }}.")
    b.heading("2. Địa phương đến và nội dung học tập")
    stops_with_models(b)
    b.heading("3. Thành phần đoàn")
    b.body("Đoàn gồm {{ size }} người (kể cả trưởng đoàn), do đồng chí {{ leader_name }}, {{ leader_position }} "
           "làm trưởng đoàn; trong đoàn có {{ key_leader_count }} lãnh đạo chủ chốt của đơn vị. "
           "{% if approval %}Số người theo {{ approval }}.{% else %}Số người trong giới hạn "
           "{{ size_limit }} người theo quy định.{% endif %} Danh sách cụ thể:")
    people_table(b)
    b.heading("4. Thời gian", before=6)
    b.body("Từ ngày {{ depart }} đến ngày {{ return }} (kể cả thời gian đi và về), cụ thể:")
    stops_with_days(b)
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


def escalation(b: Builder):
    b.body("Căn cứ {{ regulation }};")
    b.tag("{%p if request_ref %}")
    b.body("{{ issuer_name }} đã có Tờ trình số {{ request_ref }} xin ý kiến tổ chức đoàn đi học tập, "
           "trao đổi kinh nghiệm ngoài tỉnh.")
    b.tag("{%p endif %}")
    b.body("Đoàn đi {{ places }} từ ngày {{ depart }} đến ngày {{ return }}, do đồng chí {{ leader_name }}, "
           "{{ leader_position }} làm trưởng đoàn, nhằm: {{ purpose }}")
    b.body("Theo quy định, {{ led_by }} không quá {{ size_limit }} người. Do yêu cầu công việc, "
           "{{ issuer_name }} kính trình {{ recipient }} xem xét, cho phép bổ sung {{ extra_count }} người, "
           "nâng tổng số thành viên đoàn lên {{ size }} người (kể cả trưởng đoàn).")
    b.heading("1. Người được bổ sung")
    people_table(b, "extras", note=False)
    b.heading("2. Lý do cần bổ sung", before=6)
    paragraphs(b, "reason")
    b.heading("3. Danh sách toàn đoàn")
    people_table(b)
    b.body("{{ issuer_name }} kính trình {{ recipient }} xem xét, quyết định./.", before=6)


def report(b: Builder):
    b.body("Thực hiện {{ regulation }}, đoàn đi học tập, trao đổi kinh nghiệm của {{ issuer_name }} gồm "
           "{{ size }} người, do đồng chí {{ leader_name }}, {{ leader_position }} làm trưởng đoàn, đã đi "
           "từ ngày {{ depart }} đến ngày {{ return }}:")
    stops_with_days(b)
    b.body("Đoàn báo cáo kết quả như sau:")
    b.heading("I. KẾT QUẢ ĐẠT ĐƯỢC")
    paragraphs(b, "results")
    b.heading("II. KINH NGHIỆM HAY, CÁCH LÀM HIỆU QUẢ")
    paragraphs(b, "good_practices")
    b.heading("III. ĐỀ XUẤT, KIẾN NGHỊ")
    paragraphs(b, "proposals")
    b.tag("{%p if late %}")
    b.heading("IV. LÝ DO GỬI BÁO CÁO CHẬM")
    b.body("Báo cáo gửi sau thời hạn {{ report_days }} ngày làm việc kể từ ngày về (hạn chót "
           "{{ report_deadline }}), vì:")
    paragraphs(b, "delay_reason")
    b.tag("{%p endif %}")
    b.body("Trên đây là báo cáo kết quả đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh, kính gửi "
           "{{ recipient }} xem xét./.")


def annual(b: Builder):
    s = b.fmt["sizes"]["table"] - 2  # seven columns on a portrait page
    b.body("Thực hiện {{ regulation }}, {{ issuer_name }} báo cáo tình hình tổ chức đoàn đi học tập, trao đổi "
           "kinh nghiệm ngoài tỉnh năm {{ year }} như sau:")
    b.heading("1. Tình hình chung")
    b.body("Trong năm {{ year }}, đơn vị tổ chức {{ total_delegations }} đoàn với {{ total_people }} lượt người, "
           "đến {{ total_stops }} địa phương; tổng kinh phí {{ total_amount }} đồng{% if total_amount_words %} "
           "(Bằng chữ: {{ total_amount_words }}){% endif %}. Báo cáo kết quả sau chuyến đi: {{ on_time }} đúng hạn, "
           "{{ late }} trễ hạn, {{ missing }} chưa báo cáo.")
    b.heading("2. Danh sách các đoàn")
    looped_table(
        b, ["STT", "Thời gian", "Địa phương đến", "Số người", "Trưởng đoàn", "Kinh phí (đồng)", "Báo cáo"],
        ["{{ r.stt }}", "{{ r.when }}", "{{ r.places }}", "{{ r.size }}", "{{ r.leader }}", "{{ r.amount }}",
         "{{ r.report }}"],
        [1.2, 2.4, 3.0, 1.5, 3.2, 2.4, b.width - 13.7], "r in rows", s,
        total=["", "Tổng cộng", "{{ total_delegations }} đoàn", "{{ total_people }}", "", "{{ total_amount }}",
               ""])
    b.tag("{%p if summary %}")
    b.heading("3. Đánh giá chung", before=6)
    b.tag("{%p endif %}")
    paragraphs(b, "summary")
    b.body("{{ issuer_name }} kính báo cáo {{ recipient }}./.", before=6)


KINDS = {
    "request": ("Tờ trình xin ý kiến tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh", request),
    "escalation": ("Tờ trình xin bổ sung thành phần đoàn", escalation),
    "report": ("Báo cáo kết quả đoàn đi học tập, trao đổi kinh nghiệm", report),
    "annual": ("Báo cáo tổng hợp tình hình đoàn đi ngoài tỉnh", annual),
}
STYLES = ("state", "party")


def build(folder: Path, kind: str, style: str) -> Path:
    title, body = KINDS[kind]
    b = Builder(style, title)
    header(b)
    title_block(b)
    body(b)
    signature_block(b)
    return b.save(folder, f"{kind}_{style}.docx")


def build_all(folder: Path = OUT) -> list[Path]:
    return [build(folder, kind, style) for kind in KINDS for style in STYLES]


if __name__ == "__main__":
    for path in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
