"""The deadline stamp on a PDF: a small box in the top margin, appended to the file as an incremental update.

The box is drawn upright in the page as the reader sees it (its visible box, turned by /Rotate),
then mapped into the page's own coordinates. reportlab measures the text and cuts the font subset;
the content, the font objects and the update that carries them (ISO 32000-1, 7.5.6) are written
here, so a stamp parses and writes the stamped pages only, never the rest of the document. A PDF
with a digital signature gets the stamp as an annotation in that update, after the signed bytes;
a PDF that pypdf had to repair to read is written again whole, by pypdf.
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

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import (ArrayObject, ByteStringObject, DictionaryObject, FloatObject, IndirectObject,
                           NameObject, NumberObject, PdfObject, StreamObject, TextStringObject)
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.pdfbase.ttfonts import makeToUnicodeCMap

from .deadlines import Deadlines
from .errors import InvalidInput
from .fonts import Embedding, embed, find_font, missing_letters, register_font
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


# --- the stamp as PDF objects --------------------------------------------------------------------


def _n(value: float) -> str:
    """A number as PDF content writes it: at most four decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _number(value: float):
    return NumberObject(int(value)) if float(value).is_integer() else FloatObject(value)


def _stream(data: bytes, compress: bool = True, **entries) -> StreamObject:
    fields = {NameObject(f"/{key}"): value for key, value in entries.items()}
    if compress:
        fields[NameObject("/Filter")] = NameObject("/FlateDecode")
        data = zlib.compress(data)
    return StreamObject.initialize_from_dictionary({**fields, "__streamdata__": data})


def _ops(placed: _Placed, embedding: Embedding, names: list[str]) -> bytes:
    """The box and its lines in upright coordinates: white fill, 0.5 pt black border, black text."""
    lay = placed.layout
    ops = [f"{_n(BORDER)} w 0 0 0 RG 1 1 1 rg",
           f"{_n(placed.x)} {_n(placed.y)} {_n(lay.width)} {_n(lay.height)} re B",
           "0 0 0 rg BT"]
    baseline = placed.y + lay.height - PAD - lay.ascent
    font = None
    for i, line in enumerate(lay.lines):
        ops.append(f"1 0 0 1 {_n(placed.x + PAD)} {_n(baseline - i * lay.size * LEADING)} Tm")
        for subset, codes in embedding.runs[line]:
            if subset != font:
                ops.append(f"{names[subset]} {_n(lay.size)} Tf")
                font = subset
            ops.append(f"<{codes.hex()}> Tj")
    ops.append("ET")
    return "\n".join(ops).encode()


def _font_objects(embedding: Embedding, add) -> list[IndirectObject]:
    """Each subset as a TrueType font with its program, widths and a ToUnicode map (text stays searchable)."""
    face = embedding.face
    fonts = []
    for subset in embedding.subsets:
        descriptor = add(DictionaryObject({
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): NameObject("/" + subset.base_font),
            NameObject("/Flags"): NumberObject(face.flags),
            NameObject("/FontBBox"): ArrayObject(_number(v) for v in face.bbox),
            NameObject("/ItalicAngle"): _number(face.italic_angle),
            NameObject("/Ascent"): _number(face.ascent),
            NameObject("/Descent"): _number(face.descent),
            NameObject("/CapHeight"): _number(face.cap_height),
            NameObject("/StemV"): _number(face.stem_v),
            NameObject("/MissingWidth"): _number(face.missing_width),
            NameObject("/FontFile2"): add(_stream(subset.program, Length1=NumberObject(len(subset.program)))),
        }))
        cmap = makeToUnicodeCMap(subset.base_font, list(subset.unicodes)).encode("latin-1")
        fonts.append(add(DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/TrueType"),
            NameObject("/BaseFont"): NameObject("/" + subset.base_font),
            NameObject("/FirstChar"): NumberObject(0),
            NameObject("/LastChar"): NumberObject(len(subset.unicodes) - 1),
            NameObject("/Widths"): ArrayObject(_number(w) for w in subset.widths),
            NameObject("/FontDescriptor"): descriptor,
            NameObject("/ToUnicode"): add(_stream(cmap)),
        })))
    return fonts


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


def _draw_on_page(page: DictionaryObject, placed: _Placed, embedding: Embedding, fonts: list[IndirectObject],
                  begin: IndirectObject, add) -> None:
    """Add the stamp to the page's content: the page's own streams wrapped in q … Q, then the stamp.

    The page gets its own copy of the resources it had (its own or inherited from the page tree),
    with the stamp's fonts added under names it does not use yet.
    """
    resources = _inherited(page, "/Resources")
    resources = DictionaryObject(resources) if isinstance(resources, DictionaryObject) else DictionaryObject()
    used = resources.get("/Font")
    used = used.get_object() if used is not None else None
    used = DictionaryObject(used) if isinstance(used, DictionaryObject) else DictionaryObject()
    names, n = [], 0
    for font in fonts:
        while f"/FormgenStamp{n}" in used:
            n += 1
        names.append(f"/FormgenStamp{n}")
        used[NameObject(names[-1])] = font
        n += 1
    resources[NameObject("/Font")] = used
    matrix = " ".join(_n(v) for v in placed.frame.to_page())
    end = add(_stream(b"\nQ\nq " + matrix.encode() + b" cm\n" + _ops(placed, embedding, names) + b"\nQ\n"))
    contents = page.get("/Contents")
    own = contents.get_object() if contents is not None else None
    own = list(own) if isinstance(own, ArrayObject) else [contents] if contents is not None else []
    page[NameObject("/Contents")] = ArrayObject([begin, *own, end])
    page[NameObject("/Resources")] = resources


def _appearance(placed: _Placed, embedding: Embedding, fonts: list[IndirectObject]) -> StreamObject:
    """The stamp as a form XObject over the box only, mapped into page coordinates by its /Matrix."""
    names = [f"/F{i}" for i in range(len(fonts))]
    return _stream(_ops(placed, embedding, names),
                   Type=NameObject("/XObject"), Subtype=NameObject("/Form"),
                   BBox=ArrayObject(FloatObject(v) for v in placed.bbox),
                   Matrix=ArrayObject(FloatObject(v) for v in placed.frame.to_page()),
                   Resources=DictionaryObject({NameObject("/Font"): DictionaryObject(
                       {NameObject(name): font for name, font in zip(names, fonts)})}))


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


# --- writing: an incremental update, or the whole file ----------------------------------------


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")


def _last_section(data: bytes, reader: PdfReader) -> tuple[int, bool] | None:
    """Where the file's last cross-reference section starts and whether it is a stream (PDF 1.5), when
    the file ends as the standard says (startxref, offset, %%EOF) at a section pypdf read there too."""
    found = _STARTXREF.search(data, max(0, len(data) - 1024))
    if found is None:
        return None
    at = int(found.group(1))
    if at != getattr(reader, "_startxref", at):  # pypdf had to look elsewhere
        return None
    if data.startswith(b"xref", at):
        return at, False
    if _OBJ.match(data, at) and b"/XRef" in data[at:at + 2048]:
        return at, True
    return None


class _Update:
    """An incremental update (ISO 32000-1, 7.5.6): new and changed objects written after the file's last
    byte, with a cross-reference section of the same kind as the last one and /Prev pointing to it.

    Every byte of the original stays as it is, which keeps a signature valid, and the update holds only
    what the stamp adds, so nothing else of the document is parsed or written again.
    """

    def __init__(self, data: bytes, reader: PdfReader, prev: int, as_stream: bool):
        self.data, self.reader, self.prev, self.as_stream = data, reader, prev, as_stream
        numbers = [n for table in reader.xref.values() for n in table] + list(reader.xref_objStm)
        size = reader.trailer.get("/Size")
        size = size.get_object() if size is not None else 0
        self.next = max([int(size) if isinstance(size, int) else 0, *(n + 1 for n in numbers)])
        self.objects: dict[int, tuple[int, PdfObject]] = {}

    def add(self, obj: PdfObject) -> IndirectObject:
        ref = IndirectObject(self.next, 0, self.reader)
        self.objects[self.next] = (0, obj)
        self.next += 1
        return ref

    def replace(self, ref: IndirectObject, obj: PdfObject) -> None:
        self.objects[ref.idnum] = (ref.generation, obj)

    def _trailer(self, size: int) -> DictionaryObject:
        trailer = DictionaryObject({NameObject("/Size"): NumberObject(size)})
        for key in ("/Root", "/Info"):
            if key in self.reader.trailer:
                trailer[NameObject(key)] = self.reader.trailer.raw_get(key)
        ids = self.reader.trailer.get("/ID")
        ids = ids.get_object() if ids is not None else None
        if isinstance(ids, ArrayObject) and len(ids) == 2:
            trailer[NameObject("/ID")] = ArrayObject(
                ByteStringObject(getattr(i, "original_bytes", i)) if isinstance(i, (str, bytes)) else i
                for i in ids)
        trailer[NameObject("/Prev")] = NumberObject(self.prev)
        return trailer

    def tail(self) -> bytes:
        """What goes after the original bytes."""
        out = io.BytesIO()
        if not self.data.endswith((b"\n", b"\r")):
            out.write(b"\n")
        base = len(self.data)
        where: dict[int, tuple[int, int]] = {}
        for number in sorted(self.objects):
            generation, obj = self.objects[number]
            where[number] = (base + out.tell(), generation)
            out.write(b"%d %d obj\n" % (number, generation))
            obj.write_to_stream(out)
            out.write(b"\nendobj\n")
        xref_at = base + out.tell()
        if self.as_stream:
            number = self.next
            where[number] = (xref_at, 0)
            width = max(4, (xref_at.bit_length() + 7) // 8)
            rows = b"\x00" + bytes(width) + b"\xff\xff" + b"".join(  # object 0: the head of the free list
                b"\x01" + offset.to_bytes(width, "big") + generation.to_bytes(2, "big")
                for offset, generation in (where[n] for n in sorted(where)))
            xref = _stream(rows, Type=NameObject("/XRef"), W=ArrayObject(NumberObject(w) for w in (1, width, 2)),
                           Index=ArrayObject(NumberObject(v) for block in _blocks([0, *where]) for v in block))
            xref.update(self._trailer(number + 1))
            out.write(b"%d 0 obj\n" % number)
            xref.write_to_stream(out)
            out.write(b"\nendobj\n")
        else:
            out.write(b"xref\n")
            for first, count in _blocks([0, *where]):
                out.write(b"%d %d\n" % (first, count))
                for n in range(first, first + count):
                    out.write(b"%010d %05d n \n" % where[n] if n else b"0000000000 65535 f \n")
            out.write(b"trailer\n")
            self._trailer(self.next).write_to_stream(out)
            out.write(b"\n")
        out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
        return out.getvalue()


def _blocks(numbers) -> list[tuple[int, int]]:
    """Object numbers as cross-reference subsections: (first, count) of each consecutive run."""
    blocks: list[list[int]] = []
    for n in sorted(numbers):
        if blocks and blocks[-1][0] + blocks[-1][1] == n:
            blocks[-1][1] += 1
        else:
            blocks.append([n, 1])
    return [(first, count) for first, count in blocks]


def _stamp_annotations(src: Path, update: _Update, reader: PdfReader, embedding: Embedding,
                       targets: list[int], placements: list[_Placed], text: StampText, kind: str) -> None:
    """A signed PDF: the stamp as a locked, printable annotation, in an update after the signed bytes."""
    level = _docmdp_permission(reader)
    if level in (1, 2):
        allowed = "không cho phép thay đổi gì" if level == 1 else "chỉ cho phép điền biểu mẫu và ký"
        raise _refuse(src, f"tệp có {kind} và người chứng thực {allowed}: thêm dấu, kể cả ghi nối tiếp sau "
                           "phần đã ký, sẽ làm chữ ký mất hiệu lực; hãy đóng dấu bản chưa ký rồi ký lại")
    fonts = _font_objects(embedding, update.add)
    summary = "\n".join([text.title, *text.lines])
    lists: dict[int, ArrayObject] = {}  # /Annots arrays that are objects of their own, as updated
    for index, placed in zip(targets, placements):
        ref = reader.pages[index].indirect_reference
        x0, y0, x1, y1 = placed.bbox
        rect = Transformation(placed.frame.to_page())
        corners = [rect.apply_on(p) for p in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        annotation = update.add(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Stamp"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (
                min(x for x, _ in corners), min(y for _, y in corners),
                max(x for x, _ in corners), max(y for _, y in corners))),
            NameObject("/F"): NumberObject(4 | 128),  # Print, Locked: printed with the page, not moved by mistake
            NameObject("/NM"): TextStringObject(f"formgen-stamp-{index + 1}"),
            NameObject("/Contents"): TextStringObject(summary),
            NameObject("/P"): ref,
            NameObject("/AP"): DictionaryObject({NameObject("/N"): update.add(_appearance(placed, embedding, fonts))}),
        }))
        page = reader.get_object(ref)  # as stored: nothing inherited is copied into it
        annots = page.get("/Annots")
        if isinstance(annots, IndirectObject) and isinstance(annots.get_object(), ArrayObject):
            lists.setdefault(annots.idnum, ArrayObject(annots.get_object())).append(annotation)
            update.replace(annots, lists[annots.idnum])  # only the list changes, not the page
        else:
            page = DictionaryObject(page)
            page[NameObject("/Annots")] = ArrayObject([*(annots or []), annotation])
            update.replace(ref, page)


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
    update: the input's bytes, then the stamp's objects and the stamped pages. A signed PDF is stamped
    that way with an annotation, which leaves the signed bytes untouched, or refused. A PDF that pypdf
    had to repair to read is written again whole instead, so the output is sound. Raises InvalidInput
    (exit 2) for an unusable input; nothing is written at out then.
    """
    src = Path(src)
    if pages not in PAGES:
        raise InvalidInput(f"Phạm vi trang “{pages}” không có; chọn: {', '.join(PAGES)}.")
    repairs = _Repairs()
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.addHandler(repairs)
    try:
        data, reader = _open(src)
        font_file = find_font(font)
        font_name = register_font(font_file)
        lacking = missing_letters(font_file, "".join([text.title, *text.lines]))
        if lacking:
            raise InvalidInput(f"Phông {font_file.name} không có chữ: {lacking}; chọn phông khác bằng tham số font=.")
        try:
            targets = [0] if pages == "first" else list(range(len(reader.pages)))
            placements = [_place(_frame(reader.pages[i]), text, font_name) for i in targets]
            embedding = embed(font_file, [line for placed in placements for line in placed.layout.lines])
            kind = signature_kind(reader)
            last = _last_section(data, reader)
            if kind:
                prev = last or (reader._startxref, not data.startswith(b"xref", reader._startxref))
                update = _Update(data, reader, *prev)
                _stamp_annotations(src, update, reader, embedding, targets, placements, text, kind)
                chunks = [data, update.tail()]
            elif last is not None and not repairs.seen:
                update = _Update(data, reader, *last)
                fonts = _font_objects(embedding, update.add)
                begin = update.add(_stream(b"q\n", compress=False))
                for index, placed in zip(targets, placements):
                    ref = reader.pages[index].indirect_reference
                    page = DictionaryObject(reader.get_object(ref))  # as stored, inheriting as it did
                    _draw_on_page(page, placed, embedding, fonts, begin, update.add)
                    update.replace(ref, page)
                chunks = [data, update.tail()]
            else:
                writer = PdfWriter(clone_from=reader)
                fonts = _font_objects(embedding, writer._add_object)
                begin = writer._add_object(_stream(b"q\n", compress=False))
                for index, placed in zip(targets, placements):
                    _draw_on_page(writer.pages[index], placed, embedding, fonts, begin, writer._add_object)
                buf = io.BytesIO()
                writer.write(buf)
                chunks = [buf.getvalue()]
        except InvalidInput:
            raise
        except (*_BROKEN, NotImplementedError) as exc:
            raise _refuse(src, f"pypdf không xử lý được tệp này ({type(exc).__name__}: {exc})") from None
    finally:
        pypdf_log.removeHandler(repairs)

    def save(path):
        with open(path, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
    return write_atomically(out, save)
