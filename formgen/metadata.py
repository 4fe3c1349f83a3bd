"""An outgoing document's metadata (NĐ 30/2020, Phụ lục VI) as XML or JSON, from the strings the document prints.

Where the fields come from (checked against the annex's Word file: docs/nd30-sources.md): Nghị định 30/2020/NĐ-CP,
Phụ lục VI (Hệ thống quản lý tài liệu điện tử), Phần II
(Chuẩn thông tin đầu vào của hệ thống), Mục I “Thông tin đầu vào của dữ liệu quản lý văn bản đi”: 16 fields, each
with a Vietnamese name, an English short name (TypeName, CodeNumber, CodeNotation, IssuedDate, OrganName, Subject,
Language, PageAmount, SignerInfo, To...), a type and a length. formgen/schemas/outgoing-document.xsd is that table as
an XML Schema; its layout (root, namespace, nesting, which elements may be absent) is formgen's. SignerInfo/Competence
is not in Phụ lục VI: it is the edXML name of QCVN 102:2016/BTTTT for the signing authority (TM., KT., Q....).

formgen's mapping, one value per field, each read from what the renderer got (the validated data, after a number was
given, and the context documents.py built from it), never rebuilt:
- TypeName: the document's type as printed (“TỜ TRÌNH”), in sentence case: “Tờ trình”, “Báo cáo”.
- CodeNumber, CodeNotation: the number and the ký hiệu as the document prints them (“Số: 05/TTr-SNV” gives “05” and
  “TTr-SNV”; HD 36's “Số 05-TTr/TU” gives “05” and “TTr/TU”); a number left blank for the văn thư is no CodeNumber.
- IssuedDate: the document's date (its date line), ISO (2024-05-20).
- OrganName: the issuer's name as the body prints it (“Sở Nội vụ”; the header prints it in capitals).
- Subject: the trích yếu as printed.
- Language: “Tiếng Việt”: every document formgen writes is in Vietnamese.
- PageAmount: the pages of the PDF LibreOffice wrote (render --pdf); without a PDF there is no page count that is
  not a guess (Word and LibreOffice may break pages differently; the .docx holds no count), so it is left out.
- SignerInfo: Position the signer's title, FullName the name printed under the signature, Competence the authority
  line above the title (“KT. Giám đốc”; printed “KT. GIÁM ĐỐC”), absent when the head signs in their own name.
- To: one per recipient: the one after “Kính gửi:” (whom “Như trên” means), then each item under “Nơi nhận:” as
  printed; the archive copy (“Lưu: VT, ...”) is not a recipient.
Left out, since no input says them: FileCode and DocOrdinal (the hồ sơ the văn thư files it in), Description, the
recipients' OrganId (mã định danh), Priority (formgen's documents carry no mark of urgency or secrecy), IssuedAmount,
DueDate.
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .documents import KINDS, cc_recipients
from .errors import InvalidInput, Problem
from .files import write_atomically
from .formats import authority_lines, load_format

NAMESPACE = "https://formgen.invalid/schemas/outgoing-document"
SCHEMA = "outgoing-document.xsd"
LANGUAGE = "Tiếng Việt"
SUFFIXES = (".xml", ".json")
FORMATS = tuple(s[1:] for s in SUFFIXES)  # what batch and annual take: each document's metadata beside it


def beside(out: str | os.PathLike, chosen: str | None) -> Path | None:
    """The metadata file of the document at out in format `chosen` ("xml", "json"), or None without one;
    another format is InvalidInput."""
    if chosen is None:
        return None
    if chosen not in FORMATS:
        raise InvalidInput(f"Siêu dữ liệu “{chosen}” không có; chọn: {', '.join(FORMATS)}.")
    return Path(out).with_suffix(f".{chosen}")
# The input a value comes from, named in a refusal (the metadata of a value too long for Phụ lục VI).
SOURCES = {"OrganName": "issuer.name", "CodeNotation": "issuer.abbreviation", "Subject": "delegation.stops",
           "SignerInfo/Position": "{section}.signer.title", "SignerInfo/FullName": "{section}.signer.name",
           "SignerInfo/Competence": "{section}.signer.on_behalf_of", "To/OrganName": "{section}.cc"}


def of(kind: str, data: dict, context: dict, *, pages: int | None = None) -> dict:
    """The metadata fields of one document, in Phụ lục VI's order (absent fields left out), checked against the
    schema: InvalidInput (naming the field and its input) when a value is longer than Phụ lục VI allows.

    data is the validated data the document was rendered from (its number already given, if the register gives
    one), context what documents.py built from it for the template (KINDS[kind].context), pages the page count of
    the PDF rendered (None: no PDF).
    """
    k = KINDS[kind]
    doc, issuer = data[k.section], data["issuer"]
    fmt = load_format(issuer["style"])
    number, notation = _code(fmt, context["number"])
    signer = doc["signer"]
    others, _archive = cc_recipients(fmt, doc, issuer)
    fields = {
        "TypeName": context["type_title"].capitalize(),
        "CodeNumber": number,
        "CodeNotation": notation,
        "IssuedDate": doc["date"].isoformat(),
        "OrganName": context["issuer_name"],
        "Subject": context["subject"],
        "Language": LANGUAGE,
        "PageAmount": pages,
        "SignerInfo": {"Position": signer["title"], "FullName": context["signer_name"],
                       "Competence": authority_lines(fmt, signer, issuer["name"], str)[0] if signer["authority"]
                       else None},
        "To": [{"OrganName": name} for name in (context["recipient"], *others)],
    }
    fields = _present(fields)
    _require_valid(fields, k.section)
    return fields


def with_pages(fields: dict, pages: int) -> dict:
    """The fields with PageAmount (the pages of the document's PDF), in the schema's order."""
    given = {**fields, "PageAmount": pages}
    return {name: given[name] for name in _order() if name in given}


def _code(fmt: dict, printed: str) -> tuple[str | None, str]:
    """(number, ký hiệu) from the printed “Số: 05/TTr-SNV”, by the format's own pattern; no number when blank."""
    head, tail = fmt["words"]["number"].split("{number}", 1)
    found = re.fullmatch(rf"{re.escape(head.strip())}\s*(\d*)\s*{re.escape(tail[:1])}(.+)", printed.strip())
    if not found:
        raise InvalidInput(f"Không tách được số và ký hiệu văn bản từ “{printed}” (mẫu số của thể thức: "
                           f"“{fmt['words']['number']}”) để ghi siêu dữ liệu.")
    return found.group(1) or None, found.group(2).strip()


def _present(value):
    """The fields without the absent ones (None, empty), every text in Unicode NFC."""
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v not in (None, "", [])}
    if isinstance(value, list):
        return [_present(v) for v in value]
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def to_xml(fields: dict) -> bytes:
    """The fields as the schema's XML document, UTF-8; lxml escapes every value (& < > " ')."""
    from lxml import etree

    def add(parent, name, value):
        for item in value if isinstance(value, list) else [value]:
            element = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
            if isinstance(item, dict):
                for key, inner in item.items():
                    add(element, key, inner)
            else:
                element.text = str(item)

    root = etree.Element(f"{{{NAMESPACE}}}OutgoingDocument", nsmap={None: NAMESPACE})
    for name, value in fields.items():
        add(root, name, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def to_json(fields: dict) -> bytes:
    """The fields as JSON with the XML's names (To a list, SignerInfo an object, PageAmount a number), UTF-8."""
    return (json.dumps(fields, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@lru_cache(maxsize=1)
def schema():
    """The XML Schema of the metadata (formgen/schemas/outgoing-document.xsd, shipped in the package)."""
    from lxml import etree
    return etree.XMLSchema(_schema_tree())


XS = "{http://www.w3.org/2001/XMLSchema}"


@lru_cache(maxsize=1)
def _schema_tree():
    from lxml import etree
    with resources.as_file(resources.files("formgen") / "schemas" / SCHEMA) as path:
        return etree.parse(str(path))


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    """Each element's Vietnamese name in Phụ lục VI (the schema's documentation)."""
    labels = {}
    for e in _schema_tree().iter(f"{XS}element"):  # keyed by the path below the root: To/OrganName
        names = [a.get("name") for a in e.iterancestors(f"{XS}element")][::-1][1:] + [e.get("name")]
        labels["/".join(names)] = re.sub(r"^[\d.]+\s*", "", e.findtext(f"{XS}annotation/{XS}documentation", ""))
    return labels


@lru_cache(maxsize=1)
def _order() -> tuple[str, ...]:
    """The document's fields in the schema's sequence (Phụ lục VI's STT)."""
    sequence = _schema_tree().find(f"{XS}element/{XS}complexType/{XS}sequence")
    return tuple(e.get("name") for e in sequence.findall(f"{XS}element"))


def _require_valid(fields: dict, section: str) -> None:
    """InvalidInput for a value longer than Phụ lục VI allows; any other mismatch is formgen's own bug."""
    from lxml import etree
    checker, tree = schema(), etree.ElementTree(etree.fromstring(to_xml(fields)))
    if checker.validate(tree):
        return
    error = checker.error_log[0]
    sizes = re.search(r"length of '(\d+)'.*maximum length of '(\d+)'", error.message)
    if not sizes:
        raise RuntimeError(f"siêu dữ liệu không đúng lược đồ {SCHEMA}: {error.message}")
    element = tree.xpath(error.path)[0]
    key = "/".join(etree.QName(e).localname for e in [*element.iterancestors()][::-1][1:] + [element])
    path = SOURCES.get(key, "").format(section=section) or None
    if key == "To/OrganName" and element.getparent() is tree.getroot().find(f"{{{NAMESPACE}}}To"):
        path = f"{section}.recipient"  # the first recipient is the one after “Kính gửi:”
    said = (f"Siêu dữ liệu văn bản đi: “{_labels().get(key, key)}” ({key}) dài {sizes.group(1)} ký tự, quá "
            f"{sizes.group(2)} ký tự NĐ 30/2020 Phụ lục VI cho phép; rút gọn giá trị trong tệp.")
    raise InvalidInput(said, [Problem(path, said)] if path else None)


def require_target(out: str | os.PathLike) -> Path:
    """The metadata file's name says what it holds (.xml or .json) and its folder exists: refused before anything
    is written, one line (exit 2)."""
    out = Path(out)
    if out.suffix.lower() not in SUFFIXES:
        stem = out.with_suffix("") if out.suffix else out
        raise InvalidInput(f"Tệp siêu dữ liệu {out} phải có đuôi .xml hoặc .json (siêu dữ liệu văn bản đi theo "
                           f"NĐ 30/2020, Phụ lục VI), ví dụ {stem}.xml.")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput(f"Thư mục đích của tệp siêu dữ liệu không tồn tại: {folder}.")
    return out


def write(out: str | os.PathLike, fields: dict, *, overwrite: bool = False) -> Path:
    """The metadata file, XML or JSON by its suffix, written whole or not at all (files.write_atomically)."""
    out = require_target(out)
    data = to_json(fields) if out.suffix.lower() == ".json" else to_xml(fields)
    return write_atomically(out, lambda tmp: Path(tmp).write_bytes(data), overwrite=overwrite)


def page_count(pdf: str | os.PathLike) -> int:
    """The pages of a PDF formgen wrote (LibreOffice's layout of the document)."""
    from pypdf import PdfReader
    return len(PdfReader(str(pdf)).pages)
