"""The deadline stamp on a PDF: a small box in the top margin, appended to the file as an incremental update.

The box is drawn upright in the page as the reader sees it (its visible box, turned by /Rotate),
then mapped into the page's own coordinates. reportlab draws it (text, font subset); pypdf's
incremental writer appends it after the original bytes (ISO 32000-1, 7.5.6) as a form XObject
that the stamped pages draw last, or, on a PDF with a digital signature, as the appearance of an
annotation, so the signed bytes stay as they are. A PDF that pypdf had to repair to read is
written again whole.
"""
from __future__ import annotations

import io
import logging
import os
import re
import threading
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, IndirectObject,
                           NameObject, NumberObject, TextStringObject)
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.pdfgen import canvas

from .deadlines import Deadlines
from .errors import InvalidInput
from .formats import load_format
from .fonts import find_font, missing_letters, register_font
from .files import write_atomically

# pypdf logs what it repairs ("EOF marker not found"); with no logging set up Python would print that
# in English beside our own message, so it goes to a handler that drops it unless the caller logs.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

TITLE = "Thời hạn theo quy định"
PAGES = ("first", "all")

MM = 72 / 25.4
MAX_HEIGHT = 17 * MM      # ≤ 18 mm of the 20 mm top margin, so at least 1 mm stays clear above the body
MIN_TOP = 2 * MM          # gap above the box when it is as tall as it may be
MAX_WIDTH = 85 * MM       # on A4 the box ends right of the centre, where page numbers sit (top centre)
SIZES = (7.5, 7.0, 6.5, 6.0)
LEADING = 1.2
PAD = 2.5                 # pt between the border and the text
BORDER = 0.5              # pt


def _margins() -> tuple[float, float]:
    """The top margin and the right margin of the text column (NĐ 30/2020 Phụ lục I), in points:
    the box sits in the top margin, its right edge on the text column's, not at the paper's edge."""
    margins = load_format("state")["margins_mm"]
    return margins["top"] * MM, margins["right"] * MM

# Exceptions a damaged or hostile PDF can raise inside pypdf besides its own PyPdfError.
_BROKEN = (PyPdfError, DependencyError, ValueError, KeyError, IndexError, TypeError, AttributeError,
           AssertionError, RecursionError, OverflowError, ZeroDivisionError)


@dataclass(frozen=True)
class StampText:
    """What the box says, built by the caller (stamp_lines from Deadlines, or by hand)."""

    title: str
    lines: list[str]


def stamp_lines(deadlines: Deadlines, identity: str | None = None, *, codes: bool = False) -> StampText:
    """The box text: the deadlines in their one wording (Deadlines.lines), what is unchecked of them
    (Deadlines.unchecked_notes), then the document; the rule codes (R01, R07) only with codes=True."""
    lines = deadlines.lines(codes=codes) + deadlines.unchecked_notes()
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
    """Break a line to the width, before " (" first (between the date and the rule), then between words."""
    if stringWidth(line, font, size) <= width:
        return [line]
    head, sep, tail = line.partition(" (")
    parts = [head, "(" + tail] if sep else [line]
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
    """In the top margin, right-aligned on the text column: centred in the margin when short, never
    lower than 1 mm above the body."""
    width, height = frame.upright_size
    top_margin, right_margin = _margins()
    max_width = min(MAX_WIDTH, width / 2 - right_margin)  # in the right half, whatever the page
    max_height = min(MAX_HEIGHT, height - 2 * MIN_TOP)
    if max_width <= 0 or max_height <= 0:
        raise InvalidInput(f"Trang quá nhỏ ({width / MM:.0f} × {height / MM:.0f} mm) để đặt dấu.")
    layout = _layout(text, font, max_width, max_height)
    top_gap = max(MIN_TOP, (top_margin - layout.height) / 2)
    return _Placed(frame, layout, width - right_margin - layout.width, height - top_gap - layout.height)


# --- the stamp as PDF objects --------------------------------------------------------------------


def _overlays(placements: list[_Placed], font: str) -> list[PageObject]:
    """The stamps drawn by reportlab, one page each in upright coordinates, sharing one font subset."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pageCompression=1, initialFontName=font, initialFontSize=SIZES[0])
    for placed in placements:
        lay = placed.layout
        c.setPageSize(placed.frame.upright_size)
        c.setLineWidth(BORDER)
        c.setStrokeColorRGB(0, 0, 0)
        c.setFillColorRGB(1, 1, 1)
        c.rect(placed.x, placed.y, lay.width, lay.height, stroke=1, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(font, lay.size)
        baseline = placed.y + lay.height - PAD - lay.ascent
        for i, line in enumerate(lay.lines):
            c.drawString(placed.x + PAD, baseline - i * lay.size * LEADING, line)
        c.showPage()
    c.save()
    return list(PdfReader(buffer).pages)


def _form(writer: PdfWriter, overlay: PageObject, placed: _Placed, *, mapped: bool) -> IndirectObject:
    """The overlay page as a form XObject over the box only, in upright coordinates; mapped into page
    coordinates by its own /Matrix when mapped (an annotation's appearance), else by the page's content."""
    form = DecodedStreamObject()
    form.set_data(overlay.get_contents().get_data())
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in placed.bbox),
        NameObject("/Resources"): _retagged(overlay["/Resources"].clone(writer)),
    })
    if mapped:
        form[NameObject("/Matrix")] = ArrayObject(FloatObject(v) for v in placed.frame.to_page())
    return writer._add_object(form.flate_encode())


_TAG = re.compile(r"^[A-Z]{6}\+")


def _retagged(resources: DictionaryObject) -> DictionaryObject:
    """Give each font subset a tag drawn from its own program: reportlab tags every document's first
    subset AAAAAA, and different subsets in one PDF file shall have different tags (ISO 32000-1, 9.6.4),
    which a PDF stamped twice would break."""
    fonts = resources.get("/Font")
    for ref in (fonts.get_object().values() if fonts is not None else ()):
        font = ref.get_object()
        name = str(font.get("/BaseFont", ""))
        descriptor = font.get("/FontDescriptor")
        program = descriptor.get_object().get("/FontFile2") if descriptor is not None else None
        if not _TAG.match(name.lstrip("/")) or program is None:
            continue
        n = zlib.crc32(program.get_object().get_data(), zlib.crc32(name.encode()))
        tagged = "/" + "".join(chr(65 + n // 26 ** i % 26) for i in range(6)) + name.lstrip("/")[6:]
        font[NameObject("/BaseFont")] = NameObject(tagged)
        descriptor.get_object()[NameObject("/FontName")] = NameObject(tagged)
    return resources


def _inherited(page: DictionaryObject, key: str):
    """A page's own entry, else the nearest one up the page tree (as /Resources and /Rotate inherit)."""
    node, seen = page, set()
    while isinstance(node, DictionaryObject) and id(node) not in seen and len(seen) < 64:
        if key in node:
            return node[key].get_object()
        seen.add(id(node))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _content(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _draw_on_page(writer: PdfWriter, page: PageObject, form: IndirectObject, placed: _Placed,
                  begin: IndirectObject) -> None:
    """Add the stamp to the page's content: the page's own streams wrapped in q … Q, then the stamp.

    The page gets its own copy of the resources it had (its own or inherited from the page tree), with
    the stamp under a name it does not use yet; its own content streams are not parsed or rewritten.
    """
    resources = _inherited(page, "/Resources")
    resources = DictionaryObject(resources) if isinstance(resources, DictionaryObject) else DictionaryObject()
    used = resources.get("/XObject")
    used = used.get_object() if used is not None else None
    used = DictionaryObject(used) if isinstance(used, DictionaryObject) else DictionaryObject()
    n = 0
    while f"/FormgenStamp{n}" in used:
        n += 1
    name = f"/FormgenStamp{n}"
    used[NameObject(name)] = form
    resources[NameObject("/XObject")] = used
    contents = page.get("/Contents")
    own = contents.get_object() if contents is not None else None
    own = list(own) if isinstance(own, ArrayObject) else [contents] if contents is not None else []
    matrix = " ".join(f"{v:.4f}".rstrip("0").rstrip(".") for v in placed.frame.to_page())
    end = _content(writer, f"\nQ\nq {matrix} cm {name} Do Q\n".encode())
    page[NameObject("/Contents")] = ArrayObject([begin, *own, end])
    page[NameObject("/Resources")] = resources


def _annotate(writer: PdfWriter, index: int, form: IndirectObject, placed: _Placed, text: StampText) -> None:
    """The stamp as a locked, printable annotation: the page's content stays as it was signed."""
    x0, y0, x1, y1 = placed.bbox
    matrix = Transformation(placed.frame.to_page())
    corners = [matrix.apply_on(p) for p in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
    writer.add_annotation(index, DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Stamp"),
        NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (
            min(x for x, _ in corners), min(y for _, y in corners),
            max(x for x, _ in corners), max(y for _, y in corners))),
        NameObject("/F"): NumberObject(4 | 128),  # Print, Locked: printed with the page, not moved by mistake
        NameObject("/NM"): TextStringObject(f"formgen-stamp-{index + 1}"),
        NameObject("/Contents"): TextStringObject("\n".join([text.title, *text.lines])),
        NameObject("/P"): writer.pages[index].indirect_reference,
        NameObject("/AP"): DictionaryObject({NameObject("/N"): form}),
    }))


# --- reading and refusing ------------------------------------------------------------------------


def _refuse(src: Path, why: str) -> InvalidInput:
    return InvalidInput(f"Không đóng dấu được tệp “{src}”: {why}.")


def read_pdf(src: Path, verb: str = "đóng dấu") -> bytes:
    """The bytes of a PDF a user gives, refused in one line (“Không {verb} được tệp …”) when they cannot be one.

    Stamping, signing and verifying all read their input here."""
    def refuse(why: str) -> InvalidInput:
        return InvalidInput(f"Không {verb} được tệp “{src}”: {why}.")
    try:
        data = Path(src).read_bytes()
    except FileNotFoundError:
        raise refuse("không có tệp này") from None
    except IsADirectoryError:
        raise refuse("đây là một thư mục, không phải tệp PDF") from None
    except OSError as exc:
        raise refuse(f"không đọc được tệp ({exc.strerror or exc})") from None
    if not data:
        raise refuse("tệp rỗng (0 byte)")
    if b"%PDF-" not in data[:1024]:
        raise refuse("đây không phải tệp PDF")
    return data


def _open(src: Path) -> tuple[bytes, PdfReader]:
    """Read and parse the input; every way it can be unusable becomes one InvalidInput line."""
    data = read_pdf(src)
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


# --- writing: an incremental update, or the whole file ----------------------------------------


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _ends_soundly(data: bytes, reader: PdfReader) -> bool:
    """Whether the file ends as the standard says (startxref, offset, %%EOF) at the cross-reference
    section pypdf read there: only then can an update's /Prev point at it."""
    found = _STARTXREF.search(data, max(0, len(data) - 1024))
    return found is not None and int(found.group(1)) == getattr(reader, "_startxref", None)


def _refuse_certified(src: Path, reader: PdfReader, kind: str) -> None:
    level = _docmdp_permission(reader)
    if level in (1, 2):
        allowed = "không cho phép thay đổi gì" if level == 1 else "chỉ cho phép điền biểu mẫu và ký"
        raise _refuse(src, f"tệp có {kind} và người chứng thực {allowed}: thêm dấu, kể cả ghi nối tiếp sau "
                           "phần đã ký, sẽ làm chữ ký mất hiệu lực; hãy đóng dấu bản chưa ký rồi ký lại")


class _Repairs(logging.Handler):
    """Notes whether pypdf warned about this thread's PDF: it repaired something while reading it."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.seen = True


# --- stamping ------------------------------------------------------------------------------------


def stamp_pdf(src: str | os.PathLike, out: str | os.PathLike, text: StampText, *,
              font: str | os.PathLike | None = None, pages: str = "first") -> Path:
    """Stamp the first page (pages="first") or every page ("all") of src into out.

    Keeps every page, its text, boxes, annotations and links. The stamp is appended as an incremental
    update (pypdf's incremental writer): the input's bytes, then the stamp and the stamped pages. A
    signed PDF is stamped that way with an annotation, which leaves the signed bytes untouched, or
    refused. A PDF that pypdf had to repair to read is written again whole instead, so the output is
    sound; a signed one is refused, since an update could only point at its broken cross-reference.
    Raises InvalidInput (exit 2) for an unusable input; nothing is written at out then.
    """
    src = Path(src)
    if pages not in PAGES:
        raise InvalidInput(f"Phạm vi trang “{pages}” không có; chọn: {', '.join(PAGES)}.")
    font_file = find_font(font)
    font_name = register_font(font_file)
    lacking = missing_letters(font_file, "".join([text.title, *text.lines]))
    if lacking:
        raise InvalidInput(f"Phông {font_file.name} không có chữ: {lacking}; chọn phông khác bằng tham số font=.")
    data, reader, writer, kind = _parse(src)
    targets = [0] if pages == "first" else list(range(len(reader.pages)))
    placements = [_place(_frame(reader.pages[i]), text, font_name) for i in targets]
    overlays = _overlays(placements, font_name)
    forms = [_form(writer, overlay, placed, mapped=bool(kind)) for overlay, placed in zip(overlays, placements)]
    if kind:
        for index, form, placed in zip(targets, forms, placements):
            _annotate(writer, index, form, placed, text)
    else:
        begin = _content(writer, b"q\n")
        for index, form, placed in zip(targets, forms, placements):
            _draw_on_page(writer, writer.pages[index], form, placed, begin)
    buffer = io.BytesIO()
    writer.write(buffer)
    return write_atomically(out, lambda path: Path(path).write_bytes(buffer.getvalue()))


def _as_stored(writer: PdfWriter, reader: PdfReader) -> None:
    """Undo what pypdf's writer copied down the page tree (/Resources, /MediaBox, /Rotate...): an
    incremental update then holds only the pages the stamp changes, and a signed PDF's other pages
    stay byte for byte as they were signed."""
    for page, original in zip(writer.pages, reader.pages):
        stored = reader.get_object(original.indirect_reference)
        for key in [key for key in page if key not in stored]:
            del page[key]


def _numbers_after(writer: PdfWriter, reader: PdfReader) -> None:
    """New objects must be numbered from the trailer's /Size on (ISO 32000-1, 7.5.5). pypdf numbers them
    after the highest object its cross-reference lists, and a cross-reference stream does not list
    itself: a PDF that an earlier update (a first stamp) ended with such a stream would get a new object
    under that stream's number, and readers would take the stream for it."""
    size = reader.trailer.get("/Size")
    size = size.get_object() if size is not None else 0
    if isinstance(size, int) and len(writer._objects) < size - 1:
        writer._objects.extend([None] * (size - 1 - len(writer._objects)))


def _parse(src: Path) -> tuple[bytes, PdfReader, PdfWriter, str | None]:
    """Read src and open the writer it will be stamped with: every pypdf failure here is the input's.

    Past this step the document is parsed, so an exception from pypdf is formgen's bug, not a broken PDF.
    """
    repairs = _Repairs()
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.addHandler(repairs)
    try:
        data, reader = _open(src)
        try:
            kind = signature_kind(reader)
            sound = _ends_soundly(data, reader) and not repairs.seen
            # pypdf's incremental writer keeps objects by number only: it cannot update an object of a
            # later generation (ISO 32000-1, 7.3.10), which some editors leave behind.
            appendable = sound and not any(generation for generation, table in reader.xref.items() if table)
            if kind:
                _refuse_certified(src, reader, kind)
                if not sound:
                    raise _refuse(src, f"tệp có {kind} nhưng phần cuối tệp (bảng tham chiếu chéo) bị hỏng: "
                                       "không thể ghi nối tiếp mà giữ chữ ký hợp lệ; hãy đóng dấu bản chưa ký "
                                       "rồi ký lại")
                if not appendable:
                    raise _refuse(src, f"tệp có {kind} và có đối tượng PDF thế hệ khác 0, mà formgen chưa ghi "
                                       "nối tiếp được mà giữ chữ ký hợp lệ; hãy đóng dấu bản chưa ký rồi ký lại")
            if appendable:
                writer = PdfWriter(reader, incremental=True)
                _as_stored(writer, reader)
                _numbers_after(writer, reader)
            else:
                writer = PdfWriter(clone_from=reader)
        except InvalidInput:
            raise
        except (*_BROKEN, NotImplementedError) as exc:
            raise _refuse(src, f"pypdf không xử lý được tệp này ({type(exc).__name__}: {exc})") from None
    finally:
        pypdf_log.removeHandler(repairs)
    return data, reader, writer, kind
