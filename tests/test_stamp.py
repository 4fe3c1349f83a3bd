"""The deadline stamp on a PDF as a reader sees it: where it sits, what it says, what it keeps, what it refuses.

Every PDF here is built inside the test with reportlab and pypdf; no binary fixture is committed.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link, Text
from pypdf.generic import (ArrayObject, ByteStringObject, DecodedStreamObject, DictionaryObject, NameObject,
                           NumberObject, RectangleObject, StreamObject, TextStringObject)
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

import formgen
import formgen.fonts as fonts
from formgen.errors import EnvironmentFailed, InvalidInput
from formgen.fonts import find_font, register_font
from formgen.stamping import StampText, signature_kind, stamp_lines, stamp_pdf

MM = 72 / 25.4
A4 = (595.2756, 841.8898)
IDENTITY = "Tờ trình số 05/TTr-SNV ngày 20/05/2024"
BODY = ("Kính gửi: Ban Thường vụ Tỉnh ủy Hậu Giang.", "Nội dung văn bản trang {n}: đề nghị cho ý kiến.")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                   reason="poppler-utils (pdftotext, pdftoppm) is not installed")


# --- building PDFs ----------------------------------------------------------------------------------


def trip_stamp(identity: str | None = IDENTITY) -> StampText:
    """The stamp of the fixture trip: departure Monday 03/06/2024, return Friday 07/06/2024."""
    return stamp_lines(formgen.deadlines(dt.date(2024, 6, 3), dt.date(2024, 6, 7)), identity)


def _body_font() -> str:
    if "TestBody" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TestBody", str(find_font())))
    return "TestBody"


def letter_pdf(path: Path, *, pages: int = 2, rotate: int = 0, mediabox=None, cropbox=None,
               rotate_on_tree: bool = False, annotate: bool = False) -> Path:
    """An A4 letter of `pages` pages with Vietnamese body text well inside every box variant used below."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n in range(1, pages + 1):
        c.setFont(_body_font(), 13)
        c.drawString(150, 500, BODY[0])
        c.drawString(150, 480, BODY[1].format(n=n))
        c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    for page in writer.pages:
        if mediabox:
            page.mediabox = RectangleObject(mediabox)
        if cropbox:
            page.cropbox = RectangleObject(cropbox)
        if rotate and not rotate_on_tree:
            page[NameObject("/Rotate")] = NumberObject(rotate)
    if rotate_on_tree:  # inherited by every page from the page tree
        for page in writer.pages:
            if "/Rotate" in page:
                del page["/Rotate"]
        writer.root_object["/Pages"].get_object()[NameObject("/Rotate")] = NumberObject(rotate)
    if annotate:
        writer.add_annotation(0, Link(rect=(150, 470, 400, 495), url="https://haugiang.gov.vn"))
        writer.add_annotation(0, Link(rect=(150, 500, 400, 515), target_page_index=1))
        writer.add_annotation(0, Text(rect=(100, 300, 120, 320), text="Ghi chú của văn thư"))
    writer.write(path)
    return path


def object_stream_pdf(src: Path, path: Path) -> Path:
    """src as PDF 1.5 writes it: every dictionary (pages too) in an object stream, a cross-reference stream."""
    reader = PdfReader(src)
    numbers = sorted(n for table in reader.xref.values() for n in table)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    where, packed = {}, []
    for n in numbers:
        body = io.BytesIO()
        reader.get_object(n).write_to_stream(body)
        if isinstance(reader.get_object(n), StreamObject):
            where[n] = (1, out.tell(), 0)
            out.write(b"%d 0 obj\n%s\nendobj\n" % (n, body.getvalue()))
        else:
            packed.append((n, body.getvalue()))
    stm = max(numbers) + 1
    head, data = [], b""
    for i, (n, body) in enumerate(packed):
        head.append(b"%d %d" % (n, len(data)))
        data += body + b"\n"
        where[n] = (2, stm, i)
    head = b" ".join(head) + b"\n"
    content = zlib.compress(head + data)
    where[stm] = (1, out.tell(), 0)
    out.write(b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\n"
              b"endstream\nendobj\n" % (stm, len(packed), len(head), len(content), content))
    xref = stm + 1
    where[xref] = (1, out.tell(), 0)
    rows = b"\0\0\0\0\0\xff" + b"".join(bytes([kind]) + field.to_bytes(4, "big") + bytes([index])
                                       for kind, field, index in (where.get(n, (0, 0, 0)) for n in range(1, xref + 1)))
    out.write(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Root %d 0 R /Length %d >>\nstream\n%s\nendstream\n"
              b"endobj\nstartxref\n%d\n%%%%EOF\n" % (xref, xref + 1, reader.trailer.raw_get("/Root").idnum, len(rows),
                                                    rows, where[xref][1]))
    path.write_bytes(out.getvalue())
    return path


def pdf_bytes(path: Path) -> bytes:
    return Path(path).read_bytes()


def signed_pdf(path: Path, *, docmdp: int | None = None, rotate: int = 0, cropbox=None) -> Path:
    """A letter with a filled signature field: /FT /Sig and a /V dictionary with /ByteRange and /Contents.

    The signature is a dummy: formgen only has to detect it and leave the signed bytes alone.
    (test_a_real_signature_stays_valid signs for real when `cryptography` is installed.)
    """
    writer = PdfWriter(clone_from=letter_pdf(path.with_suffix(".unsigned.pdf"), rotate=rotate, cropbox=cropbox))
    _add_signature(writer, contents=b"\0" * 64, byte_range=[0, 0, 0, 0], docmdp=docmdp)
    writer.write(path)
    return path


def _add_signature(writer: PdfWriter, *, contents: bytes, byte_range: list[int], docmdp: int | None):
    sig = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Sig"),
        NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
        NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
        NameObject("/ByteRange"): ArrayObject(NumberObject(n) for n in byte_range),
        NameObject("/Contents"): ByteStringObject(contents),
    }))
    if docmdp is not None:
        sig.get_object()[NameObject("/Reference")] = ArrayObject([DictionaryObject({
            NameObject("/Type"): NameObject("/SigRef"),
            NameObject("/TransformMethod"): NameObject("/DocMDP"),
            NameObject("/TransformParams"): DictionaryObject({
                NameObject("/Type"): NameObject("/TransformParams"),
                NameObject("/P"): NumberObject(docmdp), NameObject("/V"): NameObject("/1.2")}),
        })])
        writer.root_object[NameObject("/Perms")] = DictionaryObject({NameObject("/DocMDP"): sig})
    field = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Sig"), NameObject("/T"): TextStringObject("Chữ ký 1"),
        NameObject("/V"): sig, NameObject("/F"): NumberObject(132),
        NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
        NameObject("/P"): writer.pages[0].indirect_reference,
    }))
    writer.pages[0][NameObject("/Annots")] = ArrayObject([field])
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject({
        NameObject("/Fields"): ArrayObject([field]), NameObject("/SigFlags"): NumberObject(3)})


# --- reading where things are, as the reader sees the page ----------------------------------------


def _mult(m, n):
    """m then n, as PDF matrices [a b c d e f] compose (row vectors)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F]


def _apply(m, x, y):
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def visible_box(page) -> tuple[float, float, float, float]:
    box = page.cropbox
    return float(box.left), float(box.bottom), float(box.right), float(box.top)


def to_view(x, y, box, rotation):
    """A point in page coordinates → where the reader sees it: origin at the bottom left of the turned page.

    /Rotate turns the page clockwise around its visible box; this turns the point the same way.
    """
    x0, y0, x1, y1 = box
    dx, dy = x - (x0 + x1) / 2, y - (y0 + y1) / 2
    t = math.radians(rotation)
    vx, vy = dx * math.cos(t) + dy * math.sin(t), -dx * math.sin(t) + dy * math.cos(t)
    w, h = (y1 - y0, x1 - x0) if rotation in (90, 270) else (x1 - x0, y1 - y0)
    return w / 2 + vx, h / 2 + vy


def view_size(box, rotation):
    x0, y0, x1, y1 = box
    return (y1 - y0, x1 - x0) if rotation in (90, 270) else (x1 - x0, y1 - y0)


def stamp_marks(page):
    """The stamp's text pieces (start point, baseline direction, size) and its rectangles, in page coordinates.

    pypdf's visitors give the text matrix and the current transformation matrix of each piece. Inside a
    form XObject they start again from the form's own space, so the matrix in force where the page draws
    the form (`Do`) and the form's /Matrix are applied here.
    """
    texts, rects = [], []
    outer = [[1, 0, 0, 1, 0, 0]]  # form space → page space while a form is being read

    def on_text(text, cm, tm, font, size):
        if text.strip() and text.strip().startswith(("Thời hạn", "Hạn", "(", "Tờ trình")):
            m = _mult(_mult(tm, cm), outer[-1])
            texts.append({"text": text.strip(), "at": (m[4], m[5]), "dir": (m[0], m[1]),
                          "size": size * math.hypot(m[0], m[1])})

    def on_op(op, args, cm, tm):
        if op == b"re":
            x, y, w, h = (float(a) for a in args)
            m = _mult(cm, outer[-1])
            rects.append([_apply(m, px, py) for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))])
        elif op == b"Do":
            xobjects = page["/Resources"].get("/XObject") or {}
            form = xobjects.get(args[0]).get_object() if args[0] in xobjects else {}
            matrix = [float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0])]
            outer.append(_mult(_mult(matrix, cm), outer[-1]))

    def after_op(op, args, cm, tm):
        if op == b"Do":
            outer.pop()

    page.extract_text(visitor_text=on_text, visitor_operand_before=on_op, visitor_operand_after=after_op)
    return texts, rects


def drawn_content(page) -> bytes:
    """The page's content and that of the forms it draws (the stamp is one)."""
    xobjects = page["/Resources"].get("/XObject") or {}
    forms = [x.get_object().get_data() for x in xobjects.values() if x.get_object().get("/Subtype") == "/Form"]
    return b"\n".join([page.get_contents().get_data(), *forms])


def assert_in_top_right_margin(points, box, rotation):
    """Every point inside the visible page, in its top-right quarter, within the 20 mm top margin."""
    w, h = view_size(box, rotation)
    for x, y in points:
        vx, vy = to_view(x, y, box, rotation)
        assert w / 2 <= vx <= w + 0.01, (vx, w)
        assert h - 20 * MM - 0.01 <= vy <= h + 0.01, (vy, h)


def assert_upright(direction, rotation):
    """The baseline runs left to right for the reader."""
    dx, dy = direction
    vx, vy = to_view(dx, dy, (-1, -1, 1, 1), rotation)
    vx0, vy0 = to_view(0, 0, (-1, -1, 1, 1), rotation)
    assert vx - vx0 > 0.99 and abs(vy - vy0) < 0.01, (direction, rotation)


def stamp_rects(rects, box):
    """The stamp's box: pypdf's merge also clips to the whole overlay page, which is not the stamp."""
    area = (box[2] - box[0]) * (box[3] - box[1])

    def size(r):
        xs, ys = [p[0] for p in r], [p[1] for p in r]
        return (max(xs) - min(xs)) * (max(ys) - min(ys))
    return [r for r in rects if size(r) < area / 2]


def poppler_words(path: Path, page: int = 1):
    """Words poppler finds, with boxes in the reader's view of the CropBox (origin top left).

    pdftotext 22 reports the page size unturned even on a /Rotate 90 page, while the word boxes are turned.
    """
    import html
    out = subprocess.run(["pdftotext", "-cropbox", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                         check=True, capture_output=True, text=True).stdout
    words = [(html.unescape(m[5]), *map(float, m.groups()[:4])) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)]
    return words


def render_gray(path: Path, out_prefix: Path, dpi: int = 36):
    """Page 1 as a grayscale raster (width, height, bytes), drawn by poppler with annotations."""
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", "1", "-l", "1", str(path), str(out_prefix)],
                   check=True)
    raw = next(out_prefix.parent.glob(out_prefix.name + "*.pgm")).read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # P5, width, height, maxval
        while raw[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not raw[end:end + 1].isspace():
            end += 1
        fields.append(raw[pos:end])
        pos = end
    width, height = int(fields[1]), int(fields[2])
    return width, height, raw[pos + 1:pos + 1 + width * height]


# --- the text -----------------------------------------------------------------------------------------


def test_the_stamp_text_gives_each_deadline_with_its_rule_and_the_document():
    text = trip_stamp()
    assert text.title == "Thời hạn theo quy định"
    assert text.lines == [
        "Hạn gửi văn bản trình: 20/05/2024 (10 ngày làm việc trước ngày đi 03/06/2024)",
        "Hạn gửi báo cáo kết quả: 21/06/2024 (10 ngày làm việc sau ngày về 07/06/2024)",
        "Tờ trình số 05/TTr-SNV ngày 20/05/2024",
    ]


def test_without_a_return_date_or_identity_only_the_request_deadline_is_stamped():
    text = stamp_lines(formgen.deadlines(dt.date(2024, 6, 3)), None)
    assert text.lines == ["Hạn gửi văn bản trình: 20/05/2024 (10 ngày làm việc trước ngày đi 03/06/2024)"]


# --- what a stamped PDF keeps and shows -----------------------------------------------------------------


def test_the_first_page_shows_the_deadlines_and_the_letter_is_unchanged_otherwise(tmp_path):
    src = letter_pdf(tmp_path / "letter.pdf", pages=3, annotate=True)
    before = pdf_bytes(src)
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    assert out == tmp_path / "stamped.pdf"
    assert pdf_bytes(src) == before  # the input is never touched
    original, stamped = PdfReader(src), PdfReader(out)
    assert len(stamped.pages) == 3
    first = stamped.pages[0].extract_text()
    for expected in ("Hạn gửi văn bản trình: 20/05/2024", "Hạn gửi báo cáo kết quả: 21/06/2024",
                     "10 ngày làm việc trước ngày đi 03/06/2024", IDENTITY, *BODY[:1], BODY[1].format(n=1)):
        assert expected in first, expected
    for n, (a, b) in enumerate(zip(original.pages, stamped.pages), start=1):
        assert b.mediabox == a.mediabox and b.cropbox == a.cropbox
        assert BODY[1].format(n=n) in b.extract_text()
    assert "Hạn" not in stamped.pages[1].extract_text()  # pages="first"


def test_annotations_and_links_survive_the_stamp(tmp_path):
    out = stamp_pdf(letter_pdf(tmp_path / "letter.pdf", annotate=True), tmp_path / "stamped.pdf", trip_stamp())
    reader = PdfReader(out)
    annots = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert [a["/Subtype"] for a in annots] == ["/Link", "/Link", "/Text"]
    assert annots[0]["/A"]["/URI"] == "https://haugiang.gov.vn"
    assert annots[1]["/Dest"][0].idnum == reader.pages[1].indirect_reference.idnum  # still goes to page 2
    assert annots[2]["/Contents"] == "Ghi chú của văn thư"


def test_every_page_is_stamped_when_asked(tmp_path):
    out = stamp_pdf(letter_pdf(tmp_path / "letter.pdf", pages=3), tmp_path / "stamped.pdf", trip_stamp(),
                    pages="all")
    for page in PdfReader(out).pages:
        assert "20/05/2024" in page.extract_text() and "21/06/2024" in page.extract_text()


def test_the_font_is_embedded_so_the_diacritics_show_anywhere(tmp_path):
    out = stamp_pdf(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "stamped.pdf", trip_stamp())
    fonts_used = PdfReader(out).pages[0]["/Resources"]["/Font"]
    embedded = [f.get_object()["/FontDescriptor"]["/FontFile2"] for f in fonts_used.values()
                if "/FontDescriptor" in f.get_object() and "/FontFile2" in f.get_object()["/FontDescriptor"]]
    assert embedded, "no embedded TrueType font"
    assert all(len(f.get_data()) < Path(find_font()).stat().st_size for f in embedded)  # a subset, not the file


def test_the_box_is_small_white_bordered_and_in_the_top_margin_of_an_a4_letter(tmp_path):
    out = stamp_pdf(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "stamped.pdf", trip_stamp())
    page = PdfReader(out).pages[0]
    texts, rects = stamp_marks(page)
    box = visible_box(page)
    (stamp,) = stamp_rects(rects, box)
    ys = [y for _, y in stamp]
    assert A4[1] - 20 * MM < min(ys) and max(ys) <= A4[1]   # wholly inside the 20 mm top margin
    assert max(ys) - min(ys) <= 18 * MM
    assert min(x for x, _ in stamp) > A4[0] / 2 and max(x for x, _ in stamp) <= A4[0]
    assert all(6 <= t["size"] <= 8 for t in texts)
    assert re.search(rb"1 1 1 rg\s.*re\s+B\*?\s", drawn_content(page), re.S)  # filled white, stroked border


# --- rotation and boxes that do not start at 0,0 ---------------------------------------------------------

BOXES = {
    "A4": {},
    "CropBox 50 60 545 780": {"cropbox": (50, 60, 545, 780)},
    "MediaBox 30 40 580 800": {"mediabox": (30, 40, 580, 800)},
}


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("boxes", BOXES, ids=list(BOXES))
def test_the_stamp_is_upright_at_the_top_right_of_the_page_as_the_reader_sees_it(tmp_path, rotation, boxes):
    src = letter_pdf(tmp_path / "letter.pdf", rotate=rotation, **BOXES[boxes])
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    page, original = PdfReader(out).pages[0], PdfReader(src).pages[0]
    assert (page.mediabox, page.cropbox, page.rotation) == (original.mediabox, original.cropbox, rotation)
    box = visible_box(page)
    texts, rects = stamp_marks(page)
    assert {t["text"] for t in texts} >= {"Thời hạn theo quy định", IDENTITY}
    assert_in_top_right_margin([t["at"] for t in texts], box, rotation)
    for t in texts:
        assert_upright(t["dir"], rotation)
    (stamp,) = stamp_rects(rects, box)
    assert_in_top_right_margin(stamp, box, rotation)


@needs_poppler
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_poppler_reads_the_stamp_upright_in_the_top_right_corner(tmp_path, rotation):
    """A second opinion from another PDF reader: poppler's word boxes are in the reader's view already."""
    src = letter_pdf(tmp_path / "letter.pdf", rotate=rotation, cropbox=(50, 60, 545, 780))
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    width, height = (720, 495) if rotation in (90, 270) else (495, 720)
    words = poppler_words(out)
    found = {w[0]: w[1:] for w in words}
    for word in ("Thời", "20/05/2024", "21/06/2024", "05/TTr-SNV"):
        x_min, y_min, x_max, y_max = found[word]
        assert width / 2 <= x_min < x_max <= width and 0 <= y_min < y_max <= 20 * MM, (word, found[word])
    assert "Kính" in found  # the letter's own text is still read


def test_a_rotation_inherited_from_the_page_tree_is_honoured(tmp_path):
    src = letter_pdf(tmp_path / "letter.pdf", rotate=90, rotate_on_tree=True)
    assert PdfReader(src).trailer["/Root"]["/Pages"]["/Rotate"] == 90  # stored on the page tree
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    page = PdfReader(out).pages[0]
    texts, _ = stamp_marks(page)
    assert texts
    assert_in_top_right_margin([t["at"] for t in texts], visible_box(page), 90)


def test_pages_of_different_sizes_and_turns_are_each_stamped_in_their_own_corner(tmp_path):
    parts = [letter_pdf(tmp_path / "a.pdf", pages=1),
             letter_pdf(tmp_path / "b.pdf", pages=1, rotate=90),
             letter_pdf(tmp_path / "c.pdf", pages=1, rotate=270, cropbox=(50, 60, 545, 780))]
    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    writer.write(tmp_path / "mixed.pdf")
    out = stamp_pdf(tmp_path / "mixed.pdf", tmp_path / "stamped.pdf", trip_stamp(), pages="all")
    for page, rotation in zip(PdfReader(out).pages, (0, 90, 270)):
        texts, rects = stamp_marks(page)
        assert len(texts) >= 4
        assert_in_top_right_margin([t["at"] for t in texts], visible_box(page), rotation)


# --- long text ------------------------------------------------------------------------------------------


def _sizes_and_height(path: Path):
    page = PdfReader(path).pages[0]
    texts, rects = stamp_marks(page)
    (stamp,) = stamp_rects(rects, visible_box(page))
    return {round(t["size"], 2) for t in texts}, max(y for _, y in stamp) - min(y for _, y in stamp)


def test_short_text_is_printed_at_7_5_pt(tmp_path):
    short = StampText("Thời hạn theo quy định", ["Hạn gửi văn bản trình: 20/05/2024"])
    out = stamp_pdf(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "stamped.pdf", short)
    assert _sizes_and_height(out)[0] == {7.5}


def test_long_text_shrinks_to_no_less_than_6_pt_then_wraps_within_18_mm(tmp_path):
    out = stamp_pdf(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "stamped.pdf", trip_stamp())
    sizes, height = _sizes_and_height(out)
    assert len(sizes) == 1 and 6 <= sizes.pop() < 7.5
    assert height <= 18 * MM
    text = " ".join(PdfReader(out).pages[0].extract_text().split())  # wrapped or not, depending on the font
    assert "Hạn gửi văn bản trình: 20/05/2024 (10 ngày làm việc trước ngày đi 03/06/2024)" in text


def test_text_that_cannot_fit_the_margin_is_refused(tmp_path):
    src = letter_pdf(tmp_path / "letter.pdf")
    long = StampText("Thời hạn theo quy định", [f"Dòng ghi chú số {i} khá dài" for i in range(12)])
    with pytest.raises(InvalidInput) as err:
        stamp_pdf(src, tmp_path / "stamped.pdf", long)
    assert err.value.exit_code == 2 and "quá dài" in err.value.message
    assert not (tmp_path / "stamped.pdf").exists()


def test_letters_the_font_cannot_show_are_refused_not_printed_as_boxes(tmp_path):
    src = letter_pdf(tmp_path / "letter.pdf")
    with pytest.raises(InvalidInput) as err:
        stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp("Công văn 漢字"))
    assert "漢" in err.value.message and "字" in err.value.message
    assert not (tmp_path / "stamped.pdf").exists()


# --- refusals: nothing is written ------------------------------------------------------------------------


def _encrypted(path: Path, user: str) -> Path:
    writer = PdfWriter(clone_from=letter_pdf(path.with_suffix(".plain.pdf")))
    writer.encrypt(user_password=user, owner_password="chủ")
    writer.write(path)
    return path


def _truncated(path: Path) -> Path:
    whole = pdf_bytes(letter_pdf(path.with_suffix(".whole.pdf")))
    path.write_bytes(whole[: len(whole) // 2])
    return path


BAD_INPUTS = {
    "encrypted with a password": (lambda p: _encrypted(p, "x"), "mã hóa"),
    "encrypted, opens without a password": (lambda p: _encrypted(p, ""), "kể cả tệp mở được không cần mật khẩu"),
    "truncated to half": (_truncated, "bị hỏng hoặc bị cắt cụt"),
    "not a PDF": (lambda p: (p.write_text("Tờ trình số 05\n", encoding="utf-8"), p)[1], "không phải tệp PDF"),
    "empty": (lambda p: (p.write_bytes(b""), p)[1], "tệp rỗng"),
    "missing": (lambda p: p, "không có tệp này"),
    "PDF header, then garbage": (lambda p: (p.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100), p)[1],
                                 "bị hỏng"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_unusable_input_is_refused_with_one_line_naming_the_file_and_nothing_is_written(tmp_path, case):
    make, says = BAD_INPUTS[case]
    folder = tmp_path / "in"
    folder.mkdir()
    src = make(folder / "cong-van.pdf")
    outdir = tmp_path / "out"
    outdir.mkdir()
    with pytest.raises(InvalidInput) as err:
        stamp_pdf(src, outdir / "stamped.pdf", trip_stamp())
    message = err.value.message
    assert err.value.exit_code == 2 and err.value.lines() == [message]
    assert "cong-van.pdf" in message and says in message and "\n" not in message
    assert list(outdir.iterdir()) == []  # no output, no half-written temporary file


def test_a_page_range_other_than_first_or_all_is_refused(tmp_path):
    with pytest.raises(InvalidInput) as err:
        stamp_pdf(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "stamped.pdf", trip_stamp(), pages="2-3")
    assert "first, all" in err.value.message
    assert not (tmp_path / "stamped.pdf").exists()


# --- how the stamp is written: an update appended to the input --------------------------------------------


def _update_of(src: Path, out: Path) -> bytes:
    """What the stamp appended: the input's bytes must be the output's beginning, untouched."""
    before, after = pdf_bytes(src), pdf_bytes(out)
    assert after.startswith(before) and len(after) > len(before)
    return after[len(before):]


def _assert_sound(out: Path, stamped: int, pages: int) -> None:
    """Readers that repair nothing read every page: the stamp on the first `stamped`, the letter on all."""
    reader = PdfReader(out, strict=True)
    assert len(reader.pages) == pages
    for n, page in enumerate(reader.pages):
        text = " ".join(page.extract_text().split())
        assert ("21/06/2024" in text) == (n < stamped), n
        assert BODY[1].format(n=n + 1) in text
    if shutil.which("pdfinfo"):
        done = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == "" and f"Pages:           {pages}" in done.stdout
        words = {w[0] for w in poppler_words(out)}
        assert {"Thời", "20/05/2024", "Kính"} <= words


def test_the_stamp_is_an_incremental_update_holding_only_the_stamped_page_and_the_stamp(tmp_path):
    src = letter_pdf(tmp_path / "letter.pdf", pages=3, annotate=True)
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    update = _update_of(src, out)
    written = {int(n) for n in re.findall(rb"^(\d+) \d+ obj", update, re.M)}
    pages = [p.indirect_reference.idnum for p in PdfReader(src).pages]
    assert pages[0] in written and not written & set(pages[1:])
    # the page, its two new content streams, the stamp's form, its fonts dictionary and its font (dictionary,
    # descriptor, file, map), the cross-reference stream
    assert len(written) <= 10
    assert b"/Prev" in update  # linked to the input's cross-reference section
    _assert_sound(out, 1, 3)


def test_a_pdf_with_object_streams_gets_an_update_with_a_cross_reference_stream(tmp_path):
    src = object_stream_pdf(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "compressed.pdf")
    assert PdfReader(src).xref_objStm  # the pages are inside an object stream
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp(), pages="all")
    update = _update_of(src, out)
    assert b"/Type /XRef" in update and b"\nxref\n" not in update
    _assert_sound(out, 2, 2)


def test_a_pdf_pypdf_has_to_repair_is_written_whole_and_sound(tmp_path):
    whole = pdf_bytes(letter_pdf(tmp_path / "letter.pdf"))
    at = whole.rindex(b"startxref") + len(b"startxref\n")
    offset = re.match(rb"\d+", whole[at:]).group()
    src = tmp_path / "off.pdf"  # startxref points 7 bytes before the table, which pypdf forgives
    src.write_bytes(whole[:at] + str(int(offset) - 7).encode() + whole[at + len(offset):])
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    assert not pdf_bytes(out).startswith(pdf_bytes(src))
    _assert_sound(out, 1, 2)


def test_resources_inherited_from_the_page_tree_still_serve_every_page(tmp_path):
    writer = PdfWriter(clone_from=letter_pdf(tmp_path / "letter.pdf"))
    shared = writer.pages[0]["/Resources"]
    for page in writer.pages:
        del page["/Resources"]
    writer.root_object["/Pages"].get_object()[NameObject("/Resources")] = shared
    writer.write(tmp_path / "inherited.pdf")
    src = tmp_path / "inherited.pdf"
    assert all("/Resources" not in PdfReader(src).get_object(p.indirect_reference) for p in PdfReader(src).pages)
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    _update_of(src, out)
    _assert_sound(out, 1, 2)
    second = PdfReader(out).pages[1]
    assert "/Resources" not in PdfReader(out).get_object(second.indirect_reference)  # still inherits


def test_a_page_with_several_content_streams_or_none_is_stamped(tmp_path):
    writer = PdfWriter(clone_from=letter_pdf(tmp_path / "letter.pdf", pages=1))
    page = writer.pages[0]
    ops = page.get_contents().get_data()
    half = ops.index(b"ET") + 2
    parts = []
    for piece in (ops[:half], ops[half:]):
        stream = DecodedStreamObject()
        stream.set_data(piece)
        parts.append(writer._add_object(stream))
    page[NameObject("/Contents")] = ArrayObject(parts)
    writer.add_blank_page()
    writer.write(tmp_path / "parts.pdf")
    out = stamp_pdf(tmp_path / "parts.pdf", tmp_path / "stamped.pdf", trip_stamp(), pages="all")
    _update_of(tmp_path / "parts.pdf", out)
    first, blank = PdfReader(out, strict=True).pages
    text = " ".join(first.extract_text().split())
    assert BODY[0] in text and BODY[1].format(n=1) in text and "21/06/2024" in text
    assert "21/06/2024" in blank.extract_text()


def test_a_stamped_pdf_stamped_again_keeps_both_fonts_apart(tmp_path):
    once = stamp_pdf(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "once.pdf", trip_stamp())
    twice = stamp_pdf(once, tmp_path / "twice.pdf", trip_stamp("Công văn số 123/SNV-TCBC ngày 21/05/2024"))
    _update_of(once, twice)
    page = PdfReader(twice, strict=True).pages[0]
    stamps = {name: x.get_object() for name, x in page["/Resources"]["/XObject"].items()
              if name.startswith("/FormgenStamp")}
    assert len(stamps) == 2  # two names, one for each stamp
    stamp_fonts = [f.get_object()["/BaseFont"] for form in stamps.values()
                   for f in form["/Resources"]["/Font"].values()]
    assert len(stamp_fonts) == 2 and len(set(stamp_fonts)) == 2  # two differently tagged subsets (ISO 32000-1, 9.6.4)
    text = " ".join(page.extract_text().split())
    assert "Công văn số 123/SNV-TCBC ngày 21/05/2024" in text and BODY[0] in text


# --- signed PDFs ------------------------------------------------------------------------------------------


def test_a_signed_pdf_is_detected_and_an_unsigned_field_is_not(tmp_path):
    assert signature_kind(PdfReader(signed_pdf(tmp_path / "signed.pdf"))) == "chữ ký số"
    assert signature_kind(PdfReader(signed_pdf(tmp_path / "cert.pdf", docmdp=3))) == "chữ ký chứng thực (DocMDP)"
    assert signature_kind(PdfReader(letter_pdf(tmp_path / "plain.pdf"))) is None


@pytest.mark.parametrize("rotation", [0, 90])
def test_a_signed_pdf_is_stamped_after_its_signed_bytes(tmp_path, rotation):
    """The signature here is a dummy (no certificate, no real digest); what matters is that the bytes it
    would cover stay the prefix of the output, so a real signature's byte range still hashes the same."""
    src = signed_pdf(tmp_path / "signed.pdf", rotate=rotation, cropbox=(50, 60, 545, 780))
    signed = pdf_bytes(src)
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp(), pages="all")
    stamped = pdf_bytes(out)
    assert stamped.startswith(signed) and len(stamped) > len(signed)
    reader = PdfReader(out)
    assert len(reader.pages) == 2 and signature_kind(reader) == "chữ ký số"
    for page in reader.pages:
        assert page.cropbox == RectangleObject((50, 60, 545, 780))
        (stamp,) = [a.get_object() for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Stamp"]
        assert "Hạn gửi văn bản trình: 20/05/2024" in stamp["/Contents"] and "21/06/2024" in stamp["/Contents"]
        assert stamp["/F"] & 4  # printed with the page
        x0, y0, x1, y1 = (float(v) for v in stamp["/Rect"])
        assert_in_top_right_margin([(x0, y0), (x0, y1), (x1, y0), (x1, y1)], visible_box(page), rotation)
        appearance = stamp["/AP"]["/N"].get_object()
        matrix = [float(v) for v in appearance["/Matrix"]]
        assert_upright((matrix[0], matrix[1]), rotation)
        assert any("/FontFile2" in f.get_object().get("/FontDescriptor", {})
                   for f in appearance["/Resources"]["/Font"].values())
    # the signature dictionary is the one signed, untouched
    field = reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()
    assert field["/V"]["/ByteRange"] == [0, 0, 0, 0]


@needs_poppler
def test_poppler_shows_the_signed_pdfs_stamp_in_the_top_right_corner(tmp_path):
    src = signed_pdf(tmp_path / "signed.pdf", rotate=90)
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    w, h, before = render_gray(src, tmp_path / "before")
    _, _, after = render_gray(out, tmp_path / "after")
    changed = [(i % w, i // w) for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert changed, "the stamp is not drawn"
    dpi_mm = 36 / 25.4
    assert all(x >= w / 2 and y <= 20 * dpi_mm for x, y in changed)  # raster rows count from the top


@pytest.mark.parametrize("level", [1, 2])
def test_a_certified_pdf_that_forbids_annotations_is_refused_plainly(tmp_path, level):
    src = signed_pdf(tmp_path / "certified.pdf", docmdp=level)
    with pytest.raises(InvalidInput) as err:
        stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    assert err.value.exit_code == 2
    assert "certified.pdf" in err.value.message and "chữ ký mất hiệu lực" in err.value.message
    assert not (tmp_path / "stamped.pdf").exists()


def test_a_certified_pdf_that_allows_annotations_is_stamped_incrementally(tmp_path):
    src = signed_pdf(tmp_path / "certified.pdf", docmdp=3)
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    assert pdf_bytes(out).startswith(pdf_bytes(src))


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler's pdfsig is not installed")
def test_a_real_signature_stays_valid_after_the_stamp(tmp_path):
    """Sign for real (self-signed certificate, PKCS#7 detached) and let poppler's pdfsig check the digest
    before and after stamping; rewriting the file instead would break it, which the test also shows."""
    pytest.importorskip("cryptography")
    src = _really_signed(tmp_path / "signed.pdf")
    assert "Signature is Valid" in _pdfsig(src)
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    report = _pdfsig(out)
    assert "Signature is Valid" in report and "Not total document signed" in report
    rewritten = tmp_path / "rewritten.pdf"
    PdfWriter(clone_from=src).write(rewritten)
    assert "Signature is Valid" not in _pdfsig(rewritten)


def _pdfsig(path: Path) -> str:
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    return done.stdout + done.stderr


def _really_signed(path: Path) -> Path:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID

    room = 8192  # bytes kept for the signature
    placeholder = [0, 1111111111, 2222222222, 3333333333]
    writer = PdfWriter(clone_from=letter_pdf(path.with_suffix(".unsigned.pdf")))
    _add_signature(writer, contents=b"\0" * room, byte_range=placeholder, docmdp=None)
    buf = io.BytesIO()
    writer.write(buf)
    pdf = bytearray(buf.getvalue())
    hole = b"<" + b"00" * room + b">"
    start = pdf.index(hole)
    end = start + len(hole)
    written = ("[ " + " ".join(map(str, placeholder)) + " ]").encode()
    at = pdf.index(written)
    pdf[at:at + len(written)] = f"[ 0 {start} {end} {len(pdf) - end} ]".encode().ljust(len(written))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Văn thư Sở Nội vụ (thử)")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(dt.datetime(2024, 1, 1)).not_valid_after(dt.datetime(2034, 1, 1))
            .sign(key, hashes.SHA256()))
    signature = (pkcs7.PKCS7SignatureBuilder().set_data(bytes(pdf[:start] + pdf[end:]))
                 .add_signer(cert, key, hashes.SHA256())
                 .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature,
                                                    pkcs7.PKCS7Options.Binary]))
    pdf[start + 1:start + 1 + 2 * len(signature)] = signature.hex().encode()
    path.write_bytes(pdf)
    return path


# --- fonts ------------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_font_search(monkeypatch):
    """find_font as on a machine where nothing was looked up yet and no FORMGEN_FONT is set."""
    monkeypatch.delenv("FORMGEN_FONT", raising=False)
    monkeypatch.setattr(fonts, "_found", {})


def _copy_font(tmp_path: Path, name: str, source: Path | None = None) -> Path:
    target = tmp_path / name
    shutil.copyfile(source or find_font(), target)
    return target


def test_the_font_is_parsed_and_registered_once_however_many_pdfs_are_stamped(tmp_path, monkeypatch):
    font_file = _copy_font(tmp_path, "Stamp.ttf")  # a path this process has not seen
    parsed, registered = [], []
    real_ttfont, real_register = fonts.TTFont, fonts.pdfmetrics.registerFont
    monkeypatch.setattr(fonts, "TTFont", lambda *a, **k: parsed.append(a) or real_ttfont(*a, **k))
    monkeypatch.setattr(fonts.pdfmetrics, "registerFont", lambda f: registered.append(f) or real_register(f))
    name = register_font(font_file)
    assert register_font(font_file) == name
    src = letter_pdf(tmp_path / "letter.pdf", pages=1)
    for i in range(5):
        stamp_pdf(src, tmp_path / f"stamped-{i}.pdf", trip_stamp(), font=font_file)
    # reportlab registers its own standard fonts (Helvetica, Symbol...) with the first page it draws in a process
    assert len(parsed) == 1 and [f.fontName for f in registered if f.fontName == name] == [name]


def test_formgen_font_names_the_font_to_use(tmp_path, monkeypatch, fresh_font_search):
    chosen = _copy_font(tmp_path, "MyFont.ttf")
    monkeypatch.setenv("FORMGEN_FONT", str(chosen))
    assert find_font() == chosen.resolve()


def test_a_font_without_vietnamese_letters_is_skipped_when_searching(tmp_path, monkeypatch, fresh_font_search):
    import reportlab
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"  # Latin only
    fontdir = tmp_path / "fonts"
    fontdir.mkdir()
    _copy_font(fontdir, "times.ttf", vera)
    good = _copy_font(fontdir, "DejaVuSerif.ttf")
    monkeypatch.setattr(fonts, "_found", {})  # forget the search _copy_font made
    monkeypatch.setattr(fonts, "_font_dirs", lambda: [fontdir])
    monkeypatch.setattr(fonts, "_fc_match", lambda family: None)
    assert find_font() == good.resolve()


def test_a_font_given_by_the_user_that_lacks_vietnamese_is_refused(tmp_path):
    import reportlab
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    with pytest.raises(InvalidInput) as err:
        find_font(vera)
    assert err.value.exit_code == 2 and "Vera.ttf" in err.value.message and "thiếu chữ tiếng Việt" in err.value.message
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_bytes(b"not a font")
    with pytest.raises(InvalidInput, match="không phải phông TrueType"):
        find_font(not_a_font)
    with pytest.raises(InvalidInput, match="Không tìm thấy tệp phông chữ"):
        find_font(tmp_path / "missing.ttf")


def test_no_vietnamese_font_on_the_machine_says_what_to_install(monkeypatch, fresh_font_search):
    monkeypatch.setattr(fonts, "_font_dirs", lambda: [])
    monkeypatch.setattr(fonts, "_fc_match", lambda family: None)
    with pytest.raises(EnvironmentFailed) as err:
        find_font()
    assert err.value.exit_code == 3
    assert "fonts-liberation2" in err.value.message and "tham số font=" in err.value.message
    assert "\n" not in err.value.message


def test_the_stamp_refuses_before_writing_when_no_font_is_found(tmp_path, monkeypatch, fresh_font_search):
    src = letter_pdf(tmp_path / "letter.pdf")
    monkeypatch.setattr(fonts, "_font_dirs", lambda: [])
    monkeypatch.setattr(fonts, "_fc_match", lambda family: None)
    with pytest.raises(EnvironmentFailed):
        stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    assert not (tmp_path / "stamped.pdf").exists()


# --- the stamp through the library API and the command line ---------------------------------------

FIXTURES = Path(__file__).parent.parent / "fixtures"
needs_office = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


def _letter_pdf(tmp_path: Path) -> Path:
    from reportlab.pdfgen import canvas as rl_canvas
    path = tmp_path / "scan.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=(595.28, 841.89))
    c.drawString(100, 700, "Signed scan")
    c.showPage()
    c.drawString(100, 700, "Page two")
    c.save()
    return path


def test_stamp_command_from_a_trip_names_the_document(tmp_path, run_formgen):
    src = _letter_pdf(tmp_path)
    result = run_formgen("stamp", src, "-o", tmp_path / "out.pdf", "--trip", FIXTURES / "report.yaml")
    assert result.exit_code == 0
    reader = PdfReader(tmp_path / "out.pdf")
    text = " ".join(reader.pages[0].extract_text().split())
    assert "20/05/2024" in text and "21/06/2024" in text
    assert "Báo cáo số 18/BC-SNV ngày 18/06/2024" in text
    assert len(reader.pages) == 2 and "Page two" in reader.pages[1].extract_text()
    assert "formgen" not in reader.pages[1].extract_text()  # the first page only, unless --all-pages


def test_stamp_command_from_dates_on_every_page(tmp_path, run_formgen):
    result = run_formgen("stamp", _letter_pdf(tmp_path), "-o", tmp_path / "out.pdf", "--depart", "03/06/2024",
                         "--all-pages")
    assert result.exit_code == 0
    pages = PdfReader(tmp_path / "out.pdf").pages
    assert all("20/05/2024" in page.extract_text() for page in pages)
    assert "R07" not in pages[0].extract_text()  # no return date, no report deadline


@pytest.mark.parametrize("args, expected", [
    ([], "Cần đúng một trong hai"),
    (["--depart", "2024-06-03", "--trip", "x.yaml"], "Cần đúng một trong hai"),
    (["--depart", "2024-06-03", "--return", "2024-06-01"], "Ngày về (--return) trước ngày đi"),
])
def test_stamp_command_needs_one_source_of_dates(tmp_path, run_formgen, args, expected):
    result = run_formgen("stamp", _letter_pdf(tmp_path), "-o", tmp_path / "out.pdf", *args)
    assert result.exit_code == 2 and expected in result.stderr
    assert not (tmp_path / "out.pdf").exists()


def test_stamp_command_refuses_a_broken_pdf_in_one_line(tmp_path, run_formgen):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(_letter_pdf(tmp_path).read_bytes()[:300])
    result = run_formgen("stamp", bad, "-o", tmp_path / "out.pdf", "--depart", "2024-06-03")
    assert result.exit_code == 2 and len(result.err_lines) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out.pdf").exists()


@needs_office
def test_render_stamp_writes_a_stamped_pdf_of_the_letter(tmp_path, run_formgen):
    result = run_formgen("render", "request", FIXTURES / "request.yaml", "-o", tmp_path / "tt.docx", "--stamp")
    assert result.exit_code == 0
    text = " ".join(PdfReader(tmp_path / "tt.pdf").pages[0].extract_text().split())
    assert "Hạn gửi văn bản trình: 20/05/2024" in text
    assert "Tờ trình số 05/TTr-SNV ngày 20/05/2024" in text


@needs_office
def test_batch_stamp_stamps_every_pdf(tmp_path):
    from formgen.batch import run_batch
    manifest = run_batch("request", FIXTURES / "batch" / "requests.csv", tmp_path, jobs=1, stamp=True)
    pdfs = [Path(e.outputs[1]) for e in manifest.entries if e.status == "written"]
    assert len(pdfs) == 9
    assert all("21/06/2024" in PdfReader(p).pages[0].extract_text() for p in pdfs)


# --- what pypdf's incremental writer cannot do by itself, and how the stamp speaks -----------------------


def _off_by_seven(src: Path, path: Path) -> Path:
    """src with its startxref pointing 7 bytes before its last cross-reference section."""
    whole = pdf_bytes(src)
    at = whole.rindex(b"startxref") + len(b"startxref\n")
    offset = re.match(rb"\d+", whole[at:]).group()
    path.write_bytes(whole[:at] + str(int(offset) - 7).encode() + whole[at + len(offset):])
    return path


def test_a_signed_pdf_whose_last_cross_reference_is_broken_is_refused_not_given_a_prev_pointing_at_garbage(tmp_path):
    src = _off_by_seven(signed_pdf(tmp_path / "signed.pdf"), tmp_path / "off.pdf")
    with pytest.raises(InvalidInput) as err:
        stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    assert "chữ ký số" in err.value.message and "bảng tham chiếu chéo" in err.value.message
    assert not (tmp_path / "stamped.pdf").exists()


def _later_generation(src: Path, path: Path) -> Path:
    """src (reportlab's, uncompressed, one cross-reference table) with its first page as object N 1, not N 0."""
    data = pdf_bytes(src)
    n = PdfReader(src).pages[0].indirect_reference.idnum
    data = data.replace(b"\n%d 0 obj" % n, b"\n%d 1 obj" % n).replace(b" %d 0 R" % n, b" %d 1 R" % n)
    lines = data.split(b"\n")
    row = lines.index(b"xref") + 2 + n
    lines[row] = lines[row][:11] + b"00001" + lines[row][16:]
    path.write_bytes(b"\n".join(lines))
    assert PdfReader(path, strict=True).pages[0].indirect_reference.generation == 1
    return path


def test_a_page_of_a_later_generation_gets_the_stamp_in_a_whole_new_file(tmp_path):
    """pypdf's incremental writer numbers objects without generations: the page would be written as N 0
    and readers would keep showing N 1, unstamped. Such a file is written again whole instead."""
    src = _later_generation(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "gen1.pdf")
    out = stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    _assert_sound(out, 1, 2)


def test_a_signed_pdf_with_a_page_of_a_later_generation_is_refused(tmp_path):
    src = _later_generation(signed_pdf(tmp_path / "signed.pdf"), tmp_path / "gen1.pdf")
    with pytest.raises(InvalidInput) as err:
        stamp_pdf(src, tmp_path / "stamped.pdf", trip_stamp())
    assert "chữ ký số" in err.value.message and "thế hệ" in err.value.message
    assert not (tmp_path / "stamped.pdf").exists()


def test_a_bug_after_the_pdf_is_read_is_not_reported_as_a_broken_pdf(tmp_path, monkeypatch):
    import formgen.stamping as stamping

    def broken(*args, **kwargs):
        raise ValueError("a bug in formgen")
    monkeypatch.setattr(stamping, "_overlays", broken)
    with pytest.raises(ValueError, match="a bug in formgen"):
        stamp_pdf(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "stamped.pdf", trip_stamp())


def test_the_rule_codes_are_printed_only_when_asked():
    found = formgen.deadlines(dt.date(2024, 6, 3), dt.date(2024, 6, 7))
    assert "R01" not in " ".join(stamp_lines(found).lines)
    assert stamp_lines(found, codes=True).lines[:2] == [
        "Hạn gửi văn bản trình (R01): 20/05/2024 (10 ngày làm việc trước ngày đi 03/06/2024)",
        "Hạn gửi báo cáo kết quả (R07): 21/06/2024 (10 ngày làm việc sau ngày về 07/06/2024)"]
    assert "formgen" not in stamp_lines(found).title.lower()


def test_the_box_ends_on_the_text_column_not_at_the_paper_edge(tmp_path):
    """NĐ 30/2020 Phụ lục I: the right margin is 15–20 mm; the box's right edge is the text column's (15 mm)."""
    out = stamp_pdf(letter_pdf(tmp_path / "letter.pdf"), tmp_path / "stamped.pdf", trip_stamp())
    page = PdfReader(out).pages[0]
    _, rects = stamp_marks(page)
    (stamp,) = stamp_rects(rects, visible_box(page))
    right = max(x for x, _ in stamp)
    assert abs(right - (A4[0] - 15 * MM)) < 1, (A4[0] - right) / MM


def test_the_cli_prints_rule_codes_on_the_stamp_only_with_the_flag(tmp_path, run_formgen):
    src = letter_pdf(tmp_path / "letter.pdf")
    plain = run_formgen("stamp", src, "-o", tmp_path / "plain.pdf", "--depart", "2024-06-03")
    coded = run_formgen("stamp", src, "-o", tmp_path / "coded.pdf", "--depart", "2024-06-03", "--rule-codes")
    assert plain.exit_code == 0 and coded.exit_code == 0, (plain.stderr, coded.stderr)
    assert "(R01)" not in PdfReader(tmp_path / "plain.pdf").pages[0].extract_text()
    assert "Hạn gửi văn bản trình (R01): 20/05/2024" in PdfReader(tmp_path / "coded.pdf").pages[0].extract_text()
