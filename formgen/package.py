"""What a custom .docx package may hold: no reference outside it, no DTD, no macro, no zip bomb."""
from __future__ import annotations

import codecs
import io
import posixpath
import re
import zipfile
from functools import lru_cache
from importlib import resources

from lxml import etree

from .errors import InvalidInput
from .yamlio import load_yaml

RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_NAME = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
SCHEME = re.compile(r"^\s*([a-zA-Z][\w+.-]*:|//|\\\\)")  # a URL or a network path, not a part name
# No Word part declares a DTD: an entity can expand without bound or read a file.
DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
# Words without which a content part holds no field and names no file: nothing to parse then.
REFERENCE_WORDS = (b"instr", b"src", b"href")
# How an XML part not in UTF-8 starts (XML 1.0 appendix F): a BOM, or "<" with NULs around it.
WIDE_STARTS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (b"<\0\0\0", "utf-32-le"),
               (b"\0\0\0<", "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
               (b"<\0", "utf-16-le"), (b"\0<", "utf-16-be"))
MACRO_NAMES = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|activeX/)", re.IGNORECASE)
MACRO_TYPES = re.compile(r"macroEnabled|vbaProject|vbaData|activeX", re.IGNORECASE)
RELATIONSHIP_WORDS = {
    "image": "ảnh", "oleObject": "đối tượng OLE", "package": "tệp nhúng", "frame": "khung (frame)",
    "subDocument": "văn bản con", "attachedTemplate": "mẫu đính kèm (attached template)",
    "aFChunk": "nội dung nhập từ tệp khác (altChunk)", "vbaProject": "macro (VBA)", "vbaData": "macro (VBA)",
    "control": "điều khiển ActiveX", "oleObjectLink": "đối tượng OLE liên kết",
}
# A parser that never reads a DTD, expands an entity or opens the network, whatever a part says.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False)


@lru_cache(maxsize=None)
def limits() -> dict:
    """formgen/templates/limits.yaml: what a custom template may hold and spend."""
    with resources.as_file(resources.files("formgen") / "templates" / "limits.yaml") as path:
        return load_yaml(path)


def require_safe_package(source, label: str, *, what: str = "Mẫu") -> None:
    """Refuse (InvalidInput, one line naming the part) a package reaching out or too big to inflate.

    source is a path or the package's bytes; label names it in the message ("Mẫu “x.docx”").
    Checked from the zip directory first, before any part is inflated; then each XML part.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError):
        raise _refusal(what, label, "", "không phải tệp .docx (Word 2007 trở lên): hãy mở bằng Word hoặc "
                                        "LibreOffice và lưu lại dạng .docx") from None
    with archive:
        infos = archive.infolist()
        _check_directory(infos, what, label)
        for info in infos:
            if MACRO_NAMES.search(info.filename):
                raise _refusal(what, label, info.filename, "có macro (VBA/ActiveX): lưu lại dạng .docx "
                                                           "(Word Document), không phải .docm")
        for info in infos:  # XML by its name, or by its content whatever its name (a content type can say so)
            data = _read(archive, info, what, label)
            if XML_NAME.search(info.filename) or _starts_as_xml(_searchable(data)):
                _check_part(info.filename, data, what, label)


def _check_directory(infos: list[zipfile.ZipInfo], what: str, label: str) -> None:
    package = limits()["package"]
    if len(infos) > package["members"]:
        raise _refusal(what, label, "", f"có {len(infos)} phần, quá giới hạn {package['members']} phần của một mẫu")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if name in seen:  # a reader keeps one copy, LibreOffice perhaps the other: what was checked is unknown
            raise _refusal(what, label, name, "có hai lần trong tệp")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise _refusal(what, label, name, "bị mã hóa: lưu lại tệp không đặt mật khẩu")
        if info.file_size > package["member_bytes"]:
            raise _refusal(what, label, name, f"giải nén ra {_mib(info.file_size)}, quá giới hạn "
                                              f"{_mib(package['member_bytes'])} của một phần")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > package["ratio_from_bytes"] and ratio > package["ratio"]:
            raise _refusal(what, label, name, f"nén {ratio:.0f} lần, quá giới hạn {package['ratio']} lần "
                                              "(tệp nén bất thường)")
        total += info.file_size
    if total > package["total_bytes"]:
        raise _refusal(what, label, "", f"giải nén ra {_mib(total)}, quá giới hạn {_mib(package['total_bytes'])} "
                                        "của một mẫu")


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str, label: str) -> bytes:
    try:
        return archive.read(info)  # never more than the directory's size: zipfile stops there and checks the CRC
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        raise _refusal(what, label, info.filename, f"không giải nén được ({exc})") from None


def _check_part(name: str, data: bytes, what: str, label: str) -> None:
    text = _searchable(data)
    if text.strip() and not _starts_as_xml(text):  # EBCDIC and the like: the search would be blind
        raise _refusal(what, label, name, "không phải XML mã UTF-8 hay UTF-16")
    if any(declaration in text for declaration in DECLARATIONS):
        raise _refusal(what, label, name, "có khai báo DOCTYPE/ENTITY: phần XML của .docx không được có")
    special = name == "[Content_Types].xml" or name.endswith(".rels")
    if not special and not any(word in text for word in REFERENCE_WORDS):
        return  # no field and no src/href: nothing to parse (styles.xml is most of a template)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _refusal(what, label, name, f"không phải XML hợp lệ ({exc})") from None
    if root is None:
        return
    if name == "[Content_Types].xml":
        for entry in root.iter(f"{TYPES_NS}Default", f"{TYPES_NS}Override"):
            if MACRO_TYPES.search(entry.get("ContentType", "")):
                raise _refusal(what, label, name, f"khai báo macro ({entry.get('ContentType')}): lưu lại dạng "
                                                  ".docx (Word Document), không phải .docm")
    elif name.endswith(".rels"):
        _check_relationships(name, root, what, label)
    else:
        _check_references(name, root, what, label)


def _starts_as_xml(text: bytes) -> bool:
    return text.lstrip(codecs.BOM_UTF8).lstrip()[:1] == b"<"


def _searchable(data: bytes) -> bytes:
    """The part's bytes to search for ASCII words: a part in UTF-16 or UTF-32 is re-encoded to UTF-8."""
    for start, encoding in WIDE_STARTS:
        if data.startswith(start):
            return data.decode(encoding, "replace").encode("utf-8")
    return data


def _check_relationships(name: str, root, what: str, label: str) -> None:
    rules = limits()
    source = _rels_source(name)
    for rel in root.iter(f"{RELS_NS}Relationship"):
        kind = rel.get("Type", "").rstrip("/").rsplit("/", 1)[-1]
        target = rel.get("Target", "")
        word = RELATIONSHIP_WORDS.get(kind, kind)
        if rel.get("TargetMode", "Internal") == "External" or SCHEME.match(target):
            if kind not in rules["external_relationships"]:
                fix = ("gỡ mẫu đính kèm trong Word (Developer → Document Template) rồi lưu lại"
                       if kind == "attachedTemplate" else
                       "ảnh và nội dung phải nằm ngay trong tệp .docx, chỉ siêu liên kết được trỏ ra ngoài")
                raise _refusal(what, label, source, f"liên kết {word} ra ngoài tệp (“{target}”): {fix}")
        elif kind in rules["internal_relationships_refused"]:
            raise _refusal(what, label, source, f"có {word}: formgen không kiểm tra được nội dung đó; chèn dạng ảnh "
                                                "hoặc chữ")


def _check_references(name: str, root, what: str, label: str) -> None:
    """Word fields that read a file or a URL, and VML pictures that name one outright (src, o:href)."""
    refused = set(limits()["fields_refused"])
    for instruction in field_instructions(root):
        words = instruction.split()
        if words and words[0].upper() in refused:
            raise _refusal(what, label, name, f"có trường {words[0].upper()} đọc tệp hoặc địa chỉ khác "
                                              f"(“{_short(instruction)}”): xóa trường đó, chèn thẳng nội dung")
    for element in root.iter():
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname
            if local in ("src", "href") and SCHEME.match(value):
                raise _refusal(what, label, name, f"tham chiếu ra ngoài tệp (“{_short(value)}”): ảnh và nội dung "
                                                  "phải nằm ngay trong tệp .docx")


def field_instructions(root) -> list[str]:
    """Every field's instruction in a part: simple fields, and complex ones whose text Word splits
    across runs (begin, instrText..., separate, end; fields may nest)."""
    found = [e.get(f"{W_NS}instr", "") for e in root.iter(f"{W_NS}fldSimple")]
    stack: list[list[str] | None] = []  # per open field: its instruction so far, None once it is complete
    for element in root.iter(f"{W_NS}fldChar", f"{W_NS}instrText"):
        if element.tag == f"{W_NS}instrText":
            if stack and stack[-1] is not None:
                stack[-1].append(element.text or "")
            continue
        kind = element.get(f"{W_NS}fldCharType")
        if kind == "begin":
            stack.append([])
        elif kind in ("separate", "end") and stack:
            if stack[-1] is not None:
                found.append("".join(stack[-1]))
                stack[-1] = None
            if kind == "end":
                stack.pop()
    found += ["".join(parts) for parts in stack if parts]  # a field never closed is still read by Word
    return found


def _rels_source(name: str) -> str:
    """word/_rels/document.xml.rels → word/document.xml: the part the relationships belong to."""
    folder, base = posixpath.split(name)
    parent = posixpath.dirname(folder) if posixpath.basename(folder) == "_rels" else folder
    return posixpath.join(parent, base[: -len(".rels")]) if base != ".rels" else name


def _refusal(what: str, label: str, part: str, reason: str) -> InvalidInput:
    where = f", phần {part}," if part else ""
    return InvalidInput(f"{what} {label}{where} {reason}.", source=None)


def _mib(size: int) -> str:
    text = f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size:,} byte"
    return text.replace(",", ".")  # Vietnamese groups thousands with dots


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:80] + "…"
