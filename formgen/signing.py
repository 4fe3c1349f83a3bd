"""Digital signatures on formgen's PDFs where NĐ 30/2020 puts them (pyHanko, PAdES, incremental), and their check.

NĐ 30/2020/NĐ-CP, Điều 5 and 13, Phụ lục I, mục II: the competent person's signature image sits
centred between the title (quyền hạn, chức vụ) and the name (ô 7c); the agency's signature shows
the seal image over about a third of it, on its left (ô 8), and is made after the person's; an
attachment is signed by the agency alone, top right of its first page, showing the document's
number and symbol and the signing time (ISO 8601, Vietnam time), Times New Roman 10.

The box is found on the rendered page itself: the line "Nơi nhận:" (ô 9a) marks the signature
block's table row, whose right cell holds the title lines, a gap, then the name. Each signature
is appended as an incremental update, so every earlier one stays valid. Checking them: formgen/verifying.py.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import tempfile
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from pypdf import PdfReader
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from .errors import EnvironmentFailed, InvalidInput
from .files import refuse_existing, require_suffix, write_atomically
from .fonts import find_font, register_font
from .formats import load_format
from .stamping import read_pdf

logging.getLogger("pyhanko").addHandler(logging.NullHandler())
logging.getLogger("pyhanko_certvalidator").addHandler(logging.NullHandler())

ENV_PASSWORD = "FORMGEN_SIGN_PASSWORD"
VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")   # ISO 8601 time of signing in Vietnam's zone (UTC+7, no DST)
ROLES = {  # role: (signature field, reason written into the signature, the role in words)
    "person": ("formgen-person", "Người có thẩm quyền ký", "người có thẩm quyền"),
    "agency": ("formgen-agency", "Cơ quan, tổ chức ban hành ký số", "cơ quan, tổ chức"),
    "attachment": ("formgen-attachment", "Cơ quan, tổ chức ký số văn bản kèm theo", "cơ quan, tổ chức (văn bản kèm theo)"),
}
MM = 72 / 25.4
SEAL_DIAMETER = 36 * MM   # a common seal's real size: the seal image is shown at it (Phụ lục I: "kích thước thực tế")
ATTACHMENT_SIZE = 10      # pt, Times New Roman (Phụ lục I, mục II)
TEXT_SIZE = 9             # pt: the words shown when no image is given
PAD = 2                   # pt inside a box


# --- where the signatures go ---------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of text on the page: its start, baseline, size and width (points, page coordinates)."""

    x: float
    y: float
    size: float
    width: float
    text: str

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Block:
    """The signature block as laid out on its page: the title lines above the gap, the name below it."""

    page: int
    titles: list[Line]
    name: Line

    def person_box(self) -> tuple[float, float, float, float]:
        """Between the last title line and the name, centred on them, as wide as the widest of them."""
        top = min(t.y for t in self.titles) - 0.3 * self.titles[-1].size - PAD
        bottom = self.name.y + 0.8 * self.name.size + PAD
        lines = [*self.titles, self.name]
        centre = sum(t.centre for t in lines) / len(lines)
        half = max(max(t.width for t in lines), 2 * (top - bottom)) / 2
        return centre - half, bottom, centre + half, top

    def agency_box(self) -> tuple[float, float, float, float]:
        """The seal at its real size, its right edge a third of the way into the person's box, centred on it."""
        x0, y0, x1, y1 = self.person_box()
        right, middle = x0 + (x1 - x0) / 3, (y0 + y1) / 2
        return right - SEAL_DIAMETER, middle - SEAL_DIAMETER / 2, right, middle + SEAL_DIAMETER / 2


def page_lines(page, font: str) -> list[Line]:
    """The page's text lines in reading order, positioned by pypdf's text visitor."""
    found: list[Line] = []

    def visit(text, cm, tm, font_dict, size):
        text = unicodedata.normalize("NFC", text).strip()
        if not text:
            return
        a, b, c, d, e, f = (float(v) for v in cm)
        x, y = tm[4] * a + tm[5] * c + e, tm[4] * b + tm[5] * d + f
        scale = (float(tm[1]) ** 2 + float(tm[3]) ** 2) ** 0.5 * (b * b + d * d) ** 0.5
        size = float(size) * scale
        found.append(Line(x, y, size, stringWidth(text, font, size), text))

    page.extract_text(visitor_text=visit)
    return found


def find_block(reader: PdfReader, font: str, heading: str) -> Block:
    """The signature block on the last page that has the line "Nơi nhận:" (it may be page 2 or later).

    The right column is what starts right of the page's middle at or below the heading's top; its
    lines from the top down are the title, until the widest gap, below which the name is.
    """
    for index in range(len(reader.pages) - 1, -1, -1):
        page = reader.pages[index]
        lines = page_lines(page, font)
        heads = [t for t in lines if t.text.startswith(heading.rstrip(":"))]
        if not heads:
            continue
        head = heads[-1]
        middle = float(page.mediabox.left) + float(page.mediabox.width) / 2
        column = sorted((t for t in lines if t.x >= middle - 1 and t.y <= head.y + 2 * head.size
                         and t.y > head.y - float(page.mediabox.height) / 2),
                        key=lambda t: -t.y)
        if len(column) < 2:
            continue
        gaps = [(upper.y - lower.y, i) for i, (upper, lower) in enumerate(zip(column, column[1:]))]
        _, split = max(gaps)
        return Block(index, column[:split + 1], column[split + 1])
    raise InvalidInput(f"Không tìm thấy khối chữ ký trong tệp: không trang nào có dòng “{heading}” với chức vụ và "
                       "họ tên người ký bên phải (thể thức NĐ 30/2020, Phụ lục I).")


def attachment_box(reader: PdfReader, lines: list[str], font: str) -> tuple[float, float, float, float]:
    """Top right of the first page: right edge on the text column's, centred in the top margin."""
    margins = load_format("state")["margins_mm"]
    box = reader.pages[0].mediabox
    width = max(stringWidth(t, font, ATTACHMENT_SIZE) for t in lines) + 2 * PAD
    height = len(lines) * ATTACHMENT_SIZE * 1.2 + 2 * PAD
    x1 = float(box.right) - margins["right"] * MM
    middle = float(box.top) - margins["top"] * MM / 2
    return x1 - width, middle - height / 2, x1, middle + height / 2


def has_deadline_stamp(page) -> bool:
    """Whether formgen's deadline stamp (stamping.py) is on the page: drawn in its content, or as an annotation."""
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    names = list(xobjects.get_object()) if xobjects is not None else []
    notes = [a.get_object().get("/NM", "") for a in page.get("/Annots") or []]
    return any(str(n).startswith("/FormgenStamp") for n in names) or \
        any(str(n).startswith("formgen-stamp-") for n in notes)


_NUMBER = re.compile(r"\bS[ốô]:?\s*(\d+[^\s,;:()]*/[^\s,;:()]+)", re.IGNORECASE)


def document_number(reader: PdfReader) -> str | None:
    """The number and symbol printed on the first page ("Số: 05/TTr-SNV", "số 05/TTr-SNV"), if any."""
    found = _NUMBER.search(unicodedata.normalize("NFC", reader.pages[0].extract_text() or ""))
    return found.group(1).rstrip(".") if found else None


# --- what the box shows --------------------------------------------------------------------------


def appearance(box, *, image: Path | None, lines: list[str], font: str, size: float, right: bool = False) -> bytes:
    """A one-page PDF the size of the box: the image fitted in it (transparent PNG kept), else the lines,
    centred, or flush right (right=True)."""
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(width, height))
    if image is not None:
        page.drawImage(ImageReader(str(image)), 0, 0, width, height, mask="auto", preserveAspectRatio=True,
                       anchor="c")
    else:
        widest = max(stringWidth(t, font, size) for t in lines)
        if not right and widest > width - 2 * PAD:  # the words shrink to the box; the attachment's size is fixed
            size *= (width - 2 * PAD) / widest
        page.setFont(font, size)
        top = (height + len(lines) * size * 1.2) / 2 - size  # the lines centred in the box's height
        for i, text in enumerate(lines):
            if right:
                page.drawRightString(width - PAD, top - i * size * 1.2, text)
            else:
                page.drawCentredString(width / 2, top - i * size * 1.2, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


# --- keys ----------------------------------------------------------------------------------------


def _refuse(what: str, why: str) -> InvalidInput:
    return InvalidInput(f"Không ký được {what}: {why}.")


def p12_signer(path: Path, password: str | None):
    """A signer from a PKCS#12 file (.p12, .pfx) and its password."""
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign import signers
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _refuse(f"bằng tệp khóa “{path}”", f"không đọc được tệp ({exc.strerror or exc})") from None
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError:
        raise _refuse(f"bằng tệp khóa “{path}”", "sai mật khẩu, hoặc tệp không phải PKCS#12 (.p12, .pfx); "
                      f"mật khẩu lấy từ biến môi trường {ENV_PASSWORD} hoặc được hỏi khi chạy") from None
    if key is None or cert is None:
        raise _refuse(f"bằng tệp khóa “{path}”", "tệp không có khóa bí mật kèm chứng thư số")
    signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=password.encode()
                                                   if password else None)
    if signer is None:
        raise _refuse(f"bằng tệp khóa “{path}”", "pyHanko không đọc được khóa trong tệp")
    return signer


def pkcs11_signer(library: Path, token_label: str, key_label: str, pin: str | None):
    """A signer on a USB token or HSM through its PKCS#11 library, and the session to close after signing.

    A library or token that is not there is the machine's (exit 3); a wrong PIN or a missing key the
    input's (exit 2).
    """
    try:
        import pkcs11
        from pkcs11 import Attribute, ObjectClass
        from pkcs11 import exceptions as p11
        from pyhanko.sign.pkcs11 import PKCS11Signer
    except ImportError:
        raise EnvironmentFailed("Không ký bằng token được: thiếu gói python-pkcs11 (pip install python-pkcs11).") \
            from None
    token_name = f"bằng token “{token_label}”"
    if not library.is_file():
        raise EnvironmentFailed(f"Không có thư viện PKCS#11 “{library}” (tệp .so/.dll của token, ví dụ "
                                "/usr/lib/softhsm/libsofthsm2.so).")
    try:
        token = pkcs11.lib(str(library)).get_token(token_label=token_label)
    except (p11.NoSuchToken, p11.TokenNotPresent, p11.TokenNotRecognised):
        raise EnvironmentFailed(f"Không thấy token nhãn “{token_label}” qua thư viện “{library}”: token đã cắm "
                                "vào máy chưa, nhãn có đúng không?") from None
    except (p11.PKCS11Error, RuntimeError, OSError) as exc:
        raise EnvironmentFailed(f"Không nạp được thư viện PKCS#11 “{library}”: {type(exc).__name__} {exc}"
                                .rstrip() + ".") from None
    try:
        session = token.open(user_pin=pin)
    except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
        raise _refuse(token_name, "sai mã PIN") from None
    except p11.PinLocked:
        raise _refuse(token_name, "mã PIN đã bị khóa") from None
    except p11.PKCS11Error as exc:
        raise EnvironmentFailed(f"Không mở được token “{token_label}”: {type(exc).__name__} {exc}".rstrip() + ".") \
            from None
    for kind, words in ((ObjectClass.PRIVATE_KEY, "khóa bí mật"), (ObjectClass.CERTIFICATE, "chứng thư số")):
        if not list(session.get_objects({Attribute.CLASS: kind, Attribute.LABEL: key_label})):
            session.close()
            raise _refuse(token_name, f"token không có {words} nhãn “{key_label}”")
    return PKCS11Signer(session, cert_label=key_label, key_label=key_label), session


# --- signing -------------------------------------------------------------------------------------


@dataclass
class Signed:
    """One signature just made: where, by whom, when."""

    output: Path
    role: str
    field: str
    signer: str
    time: str
    page: int
    box: list[float]

    def as_dict(self) -> dict:
        return {**asdict(self), "output": str(self.output)}


def _signed_fields(reader) -> list[str]:
    return [name for name, value, _ in _sig_fields(reader) if value is not None]


def _sig_fields(reader):
    from pyhanko.sign.fields import enumerate_sig_fields
    return list(enumerate_sig_fields(reader, filled_status=None))


def open_pdf(src: Path, data: bytes, verb: str):
    """pypdf's reader (text positions) and pyHanko's (signatures) on the same bytes."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InvalidInput(f"Không {verb} được tệp “{src}”: tệp PDF được mã hóa; hãy gỡ mã hóa rồi thử lại.")
        if not reader.pages:
            raise InvalidInput(f"Không {verb} được tệp “{src}”: tệp PDF không có trang nào.")
        hanko = PdfFileReader(io.BytesIO(data), strict=False)
    except InvalidInput:
        raise
    except Exception as exc:  # pypdf's and pyHanko's many ways to fail on a broken file
        raise InvalidInput(f"Không {verb} được tệp “{src}”: tệp PDF bị hỏng ({type(exc).__name__}: {exc}).") from None
    return reader, hanko


def sign_pdf(src, out, *, p12=None, pkcs11_lib=None, token_label=None, key_label=None, password=None,
             role="person", image=None, timestamp=None, number=None, font=None, overwrite=False,
             when: dt.datetime | None = None) -> Signed:
    """Sign src into out as the person, the agency or an attachment's agency (see the module docstring).

    The key is a PKCS#12 file (p12, with password) or a PKCS#11 token (pkcs11_lib, token_label,
    key_label; password is the PIN). image is the signature's PNG (person) or the seal's (agency);
    without it the box shows the signer and the time. timestamp is an RFC 3161 server's URL.
    number is the attachment's number and symbol, read from its first page when not given.
    Raises InvalidInput (exit 2) for a bad input, password or key, EnvironmentFailed (exit 3) for a
    missing token, library or timestamp server; nothing is written at out then.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.stamp import StaticStampStyle

    src, out = Path(src), Path(out)
    if role not in ROLES:
        raise InvalidInput(f"Vai trò ký “{role}” không có; chọn: {', '.join(ROLES)}.")
    if bool(p12) == bool(pkcs11_lib):
        raise InvalidInput("Cần đúng một khóa: tệp PKCS#12 (tham số p12=) hoặc token PKCS#11 (tham số pkcs11_lib=, "
                           "tham số token_label=, tham số key_label=).")
    if pkcs11_lib and not (token_label and key_label):
        raise InvalidInput("Ký bằng token cần cả nhãn token (tham số token_label=) và nhãn khóa (tham số key_label=).")
    require_suffix(out, ".pdf", "bản PDF đã ký")
    if not overwrite:
        refuse_existing(out)
    image = Path(image) if image else None
    if image is not None:
        _check_image(image)
    data = read_pdf(src, "ký")
    reader, hanko = open_pdf(src, data, "ký")
    field_name, reason, _ = ROLES[role]
    signed = _signed_fields(hanko)
    if field_name in signed:
        raise _refuse(f"tệp “{src}”", f"tệp đã có chữ ký vai trò “{role}” ({field_name})")
    if role == "agency" and ROLES["person"][0] not in signed:
        raise _refuse(f"tệp “{src}”", "cơ quan ký sau người có thẩm quyền (NĐ 30/2020, Điều 13): hãy ký "
                      "với vai trò role=\"person\" trước")
    font_name = register_font(find_font(font))
    when = (when or dt.datetime.now(VIETNAM)).astimezone(VIETNAM).replace(microsecond=0)
    if role == "attachment":
        number = number or document_number(reader)
        if not number:
            raise _refuse(f"tệp “{src}”", "không thấy số và ký hiệu văn bản trên trang đầu; hãy ghi bằng tham số number=")
        if has_deadline_stamp(reader.pages[0]):
            raise _refuse(f"tệp “{src}”", "trang đầu đã có dấu hạn chót ở góc trên bên phải, đúng chỗ chữ ký số của "
                          "văn bản kèm theo (NĐ 30/2020, Phụ lục I); văn bản kèm theo không đóng dấu hạn chót: hãy "
                          "ký bản chưa đóng dấu")
        lines, page_index = [number, when.isoformat()], 0
        box = attachment_box(reader, lines, font_name)
        size = ATTACHMENT_SIZE
    else:
        block = find_block(reader, font_name, load_format("state")["words"]["cc_heading"])
        page_index = block.page
        box = block.person_box() if role == "person" else block.agency_box()
        lines, size = [], TEXT_SIZE

    session = None
    if p12:
        signer = p12_signer(Path(p12), password)
    else:
        signer, session = pkcs11_signer(Path(pkcs11_lib), token_label, key_label, password)
    try:
        name = _common_name(signer) or signer.subject_name or ""
        if role != "attachment" and image is None:
            lines = [f"Ký số bởi: {name}", when.isoformat()]
        drawn = appearance(box, image=image, lines=lines, font=font_name, size=size, right=role == "attachment")
        meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES, name=_common_name(signer))
        spec = fields.SigFieldSpec(field_name, on_page=page_index, box=tuple(round(v, 2) for v in box))
        stamper = timestamps.HTTPTimeStamper(timestamp) if timestamp else None
        with tempfile.TemporaryDirectory(prefix="formgen-sign-") as folder:
            shown = Path(folder) / "appearance.pdf"   # pyHanko imports the appearance from a file
            shown.write_bytes(drawn)
            style = StaticStampStyle.from_pdf_file(str(shown), border_width=0, background_opacity=1)
            pdf_signer = _signer_at_time()(meta, signer=signer, stamp_style=style, new_field_spec=spec,
                                           timestamper=stamper)
            pdf_signer.when = when
            try:
                result = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False))
            except Exception as exc:
                raise _signing_failed(exc, timestamp) from None
    finally:
        if session is not None:
            session.close()
    signed_bytes = result.getvalue()
    write_atomically(out, lambda path: Path(path).write_bytes(signed_bytes), overwrite=overwrite)
    return Signed(out, role, field_name, name, when.isoformat(), page_index + 1,
                  [round(v, 1) for v in box])


def _signing_failed(exc: Exception, timestamp: str | None):
    text = f"{type(exc).__name__}: {exc}"
    if timestamp and ("timestamp" in text.lower() or "aiohttp" in type(exc).__module__ or isinstance(exc, OSError)):
        return EnvironmentFailed(f"Không lấy được dấu thời gian từ “{timestamp}”: {text}.")
    return InvalidInput(f"Không ký được: {text}.")


def _check_image(image: Path) -> None:
    if not image.is_file():
        raise InvalidInput(f"Không có tệp ảnh “{image}” (ảnh chữ ký hoặc con dấu, .png nền trong suốt).")
    try:
        ImageReader(str(image)).getSize()
    except Exception:
        raise InvalidInput(f"Tệp “{image}” không phải ảnh đọc được (cần .png nền trong suốt).") from None


def _common_name(signer) -> str | None:
    cert = getattr(signer, "signing_cert", None)
    return subject_of(cert, "common_name") if cert is not None else None


def subject_of(cert, key: str) -> str | None:
    value = cert.subject.native.get(key)
    return value if isinstance(value, str) else None


@lru_cache(maxsize=1)
def _signer_at_time():
    """pyHanko's PdfSigner, made when first needed (pyHanko takes a quarter of a second to import)."""
    from pyhanko.sign.signers import PdfSigner

    class SignerAtTime(PdfSigner):
        """Signs with the time the box shows (Vietnam time), not one taken later in the machine's zone."""

        when: dt.datetime

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = self.when
            return session

    return SignerAtTime
