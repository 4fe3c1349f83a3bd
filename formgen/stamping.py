"""The deadline stamp on a PDF: a small box in the top margin, drawn with reportlab and merged with pypdf.

The box is drawn upright in the page as the reader sees it (its visible box, turned by /Rotate),
then mapped into the page's own coordinates. A PDF with a digital signature is never rewritten:
the stamp goes into an incremental update, as an annotation, after the signed bytes.
"""
from __future__ import annotations

import inspect
import io
import logging
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                           NumberObject, TextStringObject)
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.pdfgen import canvas

from .deadlines import Deadlines
from .errors import InvalidInput
from .fonts import find_font, missing_letters, register_font
from .render import write_atomically
from .vn import dmy

# pypdf logs what it repairs ("EOF marker not found"); with no logging set up Python would print that
# in English beside our own message, so it goes to a handler that drops it unless the caller logs.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

TITLE = "formgen — hạn chót theo quy định"
PAGES = ("first", "all")

MM = 72 / 25.4
TOP_MARGIN = 20 * MM      # NĐ 30/2020 Phụ lục I: the body starts 20–25 mm from the top; the box stays above it
MAX_HEIGHT = 17 * MM      # ≤ 18 mm, so at least 1 mm stays clear above the body
MIN_TOP = 2 * MM          # gap above the box when it is as tall as it may be
EDGE = 5 * MM             # gap between the box and the right edge of the visible page
MAX_WIDTH = 85 * MM       # on A4 the box ends right of the centre, where page numbers sit (top centre)
SIZES = (7.5, 7.0, 6.5, 6.0)
LEADING = 1.2
PAD = 2.5                 # pt between the border and the text
BORDER = 0.5              # pt

# Exceptions a damaged or hostile PDF can raise inside pypdf besides its own PyPdfError.
_BROKEN = (PyPdfError, DependencyError, ValueError, KeyError, IndexError, TypeError, AttributeError,
           AssertionError, RecursionError, OverflowError, ZeroDivisionError)


@dataclass(frozen=True)
class StampText:
    """What the box says, built by the caller (stamp_lines from Deadlines, or by hand)."""

    title: str
    lines: list[str]


def stamp_lines(deadlines: Deadlines, identity: str | None = None) -> StampText:
    """The box text: each deadline as dd/mm/yyyy with its rule code and the rule in words, then the document."""
    d = deadlines
    lines = [f"Hạn gửi văn bản trình (R01): {dmy(d.latest_request_date)} — "
             f"{d.request_working_days} ngày làm việc trước ngày đi {dmy(d.depart_on)}"]
    if d.latest_report_date is not None:
        lines.append(f"Hạn gửi báo cáo kết quả (R07): {dmy(d.latest_report_date)} — "
                     f"{d.report_working_days} ngày làm việc sau ngày về {dmy(d.return_on)}")
    if identity and identity.strip():
        lines.append(identity.strip())
    return StampText(title=TITLE, lines=lines)


# --- layout --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    lines: list[str]
    size: float
    width: float
    height: float
    ascent: float


def _wrap(line: str, font: str, size: float, width: float) -> list[str]:
    """Break a line to the width, at " — " first (between the date and the rule), then between words."""
    if stringWidth(line, font, size) <= width:
        return [line]
    head, sep, tail = line.partition(" — ")
    parts = [head, "— " + tail] if sep else [line]
    return [piece for part in parts for piece in simpleSplit(part, font, size, width)]


def _layout(text: StampText, font: str, max_width: float, max_height: float) -> _Layout:
    """The largest size from 7.5 to 6 pt at which the text fits on unwrapped lines; failing that, wrapped."""
    entries = [unicodedata.normalize("NFC", t) for t in (text.title, *text.lines) if t]
    for wrap in (False, True):
        for size in SIZES:
            lines = [p for e in entries for p in _wrap(e, font, size, max_width - 2 * PAD)] if wrap else entries
            ascent, descent = getAscentDescent(font, size)
            width = max(stringWidth(line, font, size) for line in lines) + 2 * PAD
            height = ascent - descent + (len(lines) - 1) * size * LEADING + 2 * PAD
            if width <= max_width and height <= max_height:
                return _Layout(lines, size, width, height, ascent)
    raise InvalidInput(f"Nội dung dấu quá dài: không vừa một ô {max_width / MM:.0f} × {max_height / MM:.0f} mm "
                       f"ở lề trên ngay cả với chữ {SIZES[-1]:g} pt; hãy rút gọn dòng nhận dạng văn bản.")


# --- geometry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """Where a page shows: its visible box in page coordinates and the turn a viewer gives it."""

    x0: float
    y0: float
    x1: float
    y1: float
    rotation: int

    @property
    def upright_size(self) -> tuple[float, float]:
        """Width and height as the reader sees the page."""
        w, h = self.x1 - self.x0, self.y1 - self.y0
        return (h, w) if self.rotation in (90, 270) else (w, h)

    def to_page(self) -> tuple[float, float, float, float, float, float]:
        """The matrix from upright coordinates (origin at the reader's bottom left) to page coordinates.

        /Rotate turns the page clockwise for display, so the reader's bottom-left corner is the
        page's bottom-left (0), bottom-right (90), top-right (180) or top-left (270) corner.
        """
        x0, y0, x1, y1 = self.x0, self.y0, self.x1, self.y1
        return {0: (1, 0, 0, 1, x0, y0), 90: (0, 1, -1, 0, x1, y0),
                180: (-1, 0, 0, -1, x1, y1), 270: (0, -1, 1, 0, x0, y1)}[self.rotation]


def _box(rect) -> tuple[float, float, float, float]:
    xs, ys = (float(rect[0]), float(rect[2])), (float(rect[1]), float(rect[3]))
    return min(xs), min(ys), max(xs), max(ys)


def _frame(page) -> _Frame:
    """The visible box: the CropBox (else the MediaBox), clipped to the MediaBox as viewers do."""
    mx0, my0, mx1, my1 = _box(page.mediabox)
    cx0, cy0, cx1, cy1 = _box(page.cropbox)
    x0, y0, x1, y1 = max(mx0, cx0), max(my0, cy0), min(mx1, cx1), min(my1, cy1)
    if x1 <= x0 or y1 <= y0:  # a CropBox outside the page: viewers fall back to the MediaBox
        x0, y0, x1, y1 = mx0, my0, mx1, my1
    rotation = int(page.rotation or 0)  # resolved, and inherited from the page tree when the page has none
    rotation = ((rotation + 45) // 90 * 90) % 360  # only multiples of 90 are valid; round as pypdf does
    return _Frame(x0, y0, x1, y1, rotation)


@dataclass(frozen=True)
class _Placed:
    frame: _Frame
    layout: _Layout
    x: float      # the box's bottom-left corner, upright coordinates
    y: float

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """The box with its border, upright coordinates."""
        return (self.x - BORDER, self.y - BORDER, self.x + self.layout.width + BORDER,
                self.y + self.layout.height + BORDER)


def _place(frame: _Frame, text: StampText, font: str) -> _Placed:
    """Top margin, right-aligned: centred in the 20 mm margin when short, never below 19 mm from the top."""
    width, height = frame.upright_size
    max_width = min(MAX_WIDTH, width / 2 - EDGE)  # in the right half, whatever the page
    max_height = min(MAX_HEIGHT, height - 2 * MIN_TOP)
    if max_width <= 0 or max_height <= 0:
        raise InvalidInput(f"Trang quá nhỏ ({width / MM:.0f} × {height / MM:.0f} mm) để đặt dấu.")
    layout = _layout(text, font, max_width, max_height)
    top_gap = max(MIN_TOP, (TOP_MARGIN - layout.height) / 2)
    return _Placed(frame, layout, width - EDGE - layout.width, height - top_gap - layout.height)


def _draw(c: canvas.Canvas, placed: _Placed, font: str) -> None:
    lay = placed.layout
    c.setLineWidth(BORDER)
    c.setStrokeColorRGB(0, 0, 0)
    c.setFillColorRGB(1, 1, 1)
    c.rect(placed.x, placed.y, lay.width, lay.height, stroke=1, fill=1)
    c.setFillColorRGB(0, 0, 0)
    c.setFont(font, lay.size)
    baseline = placed.y + lay.height - PAD - lay.ascent
    for i, line in enumerate(lay.lines):
        c.drawString(placed.x + PAD, baseline - i * lay.size * LEADING, line)


def _overlay(placements: list[_Placed], font: str) -> PdfReader:
    """One reportlab page per stamped page, each the size of that page's visible box as the reader sees it."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    for placed in placements:
        c.setPageSize(placed.frame.upright_size)
        _draw(c, placed, font)
        c.showPage()
    c.save()
    return PdfReader(io.BytesIO(buf.getvalue()))


# --- reading and refusing ------------------------------------------------------------------------


def _refuse(src: Path, why: str) -> InvalidInput:
    return InvalidInput(f"Không đóng dấu được tệp “{src}”: {why}.")


def _open(src: Path) -> tuple[bytes, PdfReader]:
    """Read and parse the input; every way it can be unusable becomes one InvalidInput line."""
    try:
        data = src.read_bytes()
    except FileNotFoundError:
        raise _refuse(src, "không có tệp này") from None
    except IsADirectoryError:
        raise _refuse(src, "đây là một thư mục, không phải tệp PDF") from None
    except OSError as exc:
        raise _refuse(src, f"không đọc được tệp ({exc.strerror or exc})") from None
    if not data:
        raise _refuse(src, "tệp rỗng (0 byte)")
    if b"%PDF-" not in data[:1024]:
        raise _refuse(src, "đây không phải tệp PDF")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _refuse(src, "tệp PDF được mã hóa (có mật khẩu hoặc giới hạn quyền); formgen không đóng dấu "
                               "tệp mã hóa, kể cả tệp mở được không cần mật khẩu — hãy gỡ mã hóa rồi thử lại")
        count = len(reader.pages)
        for page in reader.pages:  # every page must parse, not only those stamped
            page.get_contents()
    except InvalidInput:
        raise
    except _BROKEN as exc:
        raise _refuse(src, f"tệp PDF bị hỏng hoặc bị cắt cụt ({exc})") from None
    if count == 0:
        raise _refuse(src, "tệp PDF không có trang nào")
    return data, reader


# --- signatures ----------------------------------------------------------------------------------


def _fields(nodes, inherited_type=None, depth=0):
    for node in nodes or []:
        node = node.get_object()
        if not isinstance(node, DictionaryObject) or depth > 50:
            continue
        field_type = node.get("/FT", inherited_type)
        yield node, field_type
        yield from _fields(node.get("/Kids"), field_type, depth + 1)


def signature_kind(reader: PdfReader) -> str | None:
    """How the PDF is signed, in words for a message: a signed field, a certification (DocMDP), or None."""
    root = reader.trailer["/Root"].get_object()
    perms = root.get("/Perms")
    perms = perms.get_object() if perms is not None else {}
    if "/DocMDP" in perms:
        return "chữ ký chứng thực (DocMDP)"
    if "/UR3" in perms or "/UR" in perms:
        return "chữ ký quyền sử dụng (UR3)"
    form = root.get("/AcroForm")
    form = form.get_object() if form is not None else {}
    nodes = list(form.get("/Fields") or [])
    for page in reader.pages:  # widgets a broken form forgot to list
        nodes += [a for a in (page.get("/Annots") or []) if a.get_object().get("/FT") == "/Sig"]
    for node, field_type in _fields(nodes):
        value = node.get("/V")
        if field_type == "/Sig" and value is not None and isinstance(value.get_object(), DictionaryObject):
            return "chữ ký số"
    return None


def _docmdp_permission(reader: PdfReader) -> int | None:
    """The certifier's DocMDP level: 1 no change, 2 form filling and signing, 3 also annotations."""
    root = reader.trailer["/Root"].get_object()
    perms = root.get("/Perms")
    sig = perms.get_object().get("/DocMDP") if perms is not None else None
    if sig is None:
        return None
    for ref in sig.get_object().get("/Reference") or []:
        ref = ref.get_object()
        if ref.get("/TransformMethod") == "/DocMDP":
            return int((ref.get("/TransformParams") or {}).get("/P", 2))
    return 2  # the default level when the certification does not say


def _appearance(writer: PdfWriter, overlay_page, placed: _Placed):
    """The overlay page as a form XObject over the box only, mapped into page coordinates by its /Matrix."""
    form = DecodedStreamObject()
    form.set_data(overlay_page.get_contents().get_data())
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in placed.bbox),
        NameObject("/Matrix"): ArrayObject(FloatObject(v) for v in placed.frame.to_page()),
        NameObject("/Resources"): overlay_page["/Resources"].get_object().clone(writer),
    })
    return writer._add_object(form.flate_encode())  # a stream must be an indirect object


def _stamp_incrementally(src: Path, data: bytes, reader: PdfReader, overlay: PdfReader,
                         targets: list[int], placements: list[_Placed], text: StampText, kind: str) -> PdfWriter:
    """Add the stamp as a locked, printable annotation in an update appended after the signed bytes."""
    level = _docmdp_permission(reader)
    if level in (1, 2):
        allowed = "không cho phép thay đổi gì" if level == 1 else "chỉ cho phép điền biểu mẫu và ký"
        raise _refuse(src, f"tệp có {kind} và người chứng thực {allowed}: thêm dấu, kể cả ghi nối tiếp sau "
                           "phần đã ký, sẽ làm chữ ký mất hiệu lực; hãy đóng dấu bản chưa ký rồi ký lại")
    if "incremental" not in inspect.signature(PdfWriter).parameters:  # pypdf < 5 cannot append an update
        raise _refuse(src, f"tệp có {kind}, mà bản pypdf đang cài không ghi nối tiếp được (cần pypdf ≥ 5); "
                           "ghi lại cả tệp sẽ làm chữ ký mất hiệu lực")
    writer = PdfWriter(PdfReader(io.BytesIO(data)), incremental=True)  # writes `data` first, byte for byte
    summary = "\n".join([text.title, *text.lines])
    for index, overlay_page, placed in zip(targets, overlay.pages, placements):
        x0, y0, x1, y1 = placed.bbox
        rect = Transformation(placed.frame.to_page())
        corners = [rect.apply_on(p) for p in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        writer.add_annotation(index, DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Stamp"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (
                min(x for x, _ in corners), min(y for _, y in corners),
                max(x for x, _ in corners), max(y for _, y in corners))),
            NameObject("/F"): NumberObject(4 | 128),  # Print, Locked: printed with the page, not moved by mistake
            NameObject("/NM"): TextStringObject(f"formgen-stamp-{index + 1}"),
            NameObject("/Contents"): TextStringObject(summary),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): _appearance(writer, overlay_page, placed)}),
        }))
    return writer


# --- stamping ------------------------------------------------------------------------------------


def stamp_pdf(src: str | os.PathLike, out: str | os.PathLike, text: StampText, *,
              font: str | os.PathLike | None = None, pages: str = "first") -> Path:
    """Stamp the first page (pages="first") or every page ("all") of src into out.

    Keeps every page, its text, boxes, annotations and links. A signed PDF is stamped by an
    incremental update that leaves the signed bytes untouched, or refused. Raises InvalidInput
    (exit 2) for an unusable input; nothing is written at out then.
    """
    src = Path(src)
    if pages not in PAGES:
        raise InvalidInput(f"Phạm vi trang “{pages}” không có; chọn: {', '.join(PAGES)}.")
    data, reader = _open(src)
    font_file = find_font(font)
    font_name = register_font(font_file)
    lacking = missing_letters(font_file, "".join([text.title, *text.lines]))
    if lacking:
        raise InvalidInput(f"Phông {font_file.name} không có chữ: {lacking}; chọn phông khác bằng --font.")
    try:
        targets = [0] if pages == "first" else list(range(len(reader.pages)))
        placements = [_place(_frame(reader.pages[i]), text, font_name) for i in targets]
        overlay = _overlay(placements, font_name)
        kind = signature_kind(reader)
        if kind:
            writer = _stamp_incrementally(src, data, reader, overlay, targets, placements, text, kind)
        else:
            writer = PdfWriter(clone_from=reader)
            for index, overlay_page, placed in zip(targets, overlay.pages, placements):
                page = writer.pages[index]
                page.merge_transformed_page(overlay_page, Transformation(placed.frame.to_page()))
                page.compress_content_streams()
        buf = io.BytesIO()
        writer.write(buf)
    except InvalidInput:
        raise
    except (*_BROKEN, NotImplementedError) as exc:
        raise _refuse(src, f"pypdf không xử lý được tệp này ({type(exc).__name__}: {exc})") from None
    return write_atomically(out, lambda path: Path(path).write_bytes(buf.getvalue()))
