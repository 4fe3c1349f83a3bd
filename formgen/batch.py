"""Batch production: a table in (CSV, XLSX, JSON Lines), one document per row and a manifest out."""
from __future__ import annotations

import codecs
import csv
import itertools
import json
import os
import re
import unicodedata
import zipfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .dates import parse_date
from .errors import FormgenError, InvalidInput, Problem

# Column headers a Vietnamese committee already uses, and the input path each means.
# "{doc}" is the section of the document being produced (request, escalation, report).
HEADERS = {
    "cơ quan": "issuer.name", "tên cơ quan": "issuer.name", "đơn vị": "issuer.name",
    "cơ quan chủ quản": "issuer.parent", "cấp trên": "issuer.parent",
    "viết tắt": "issuer.abbreviation", "mã đơn vị": "issuer.abbreviation", "ký hiệu cơ quan": "issuer.abbreviation",
    "địa danh": "issuer.place", "thể thức": "issuer.style", "quy định": "policy",
    "mục đích": "delegation.purpose", "khâu yếu": "delegation.weak_point",
    "lĩnh vực": "delegation.focus_areas", "loại đoàn": "delegation.type",
    "trưởng đoàn": "delegation.leader.name", "chức vụ trưởng đoàn": "delegation.leader.position",
    "cấp trưởng đoàn": "delegation.leader.rank", "trưởng đoàn là lãnh đạo chủ chốt": "delegation.leader.key_leader",
    "thành viên": "delegation.members", "ngày đi": "delegation.depart_on", "ngày về": "delegation.return_on",
    "điểm đến": "delegation.stops", "nguồn kinh phí": "delegation.funding.source",
    "kinh phí": "delegation.funding.amount", "dự toán": "delegation.funding.amount",
    "số văn bản": "{doc}.number", "ngày văn bản": "{doc}.date", "kính gửi": "{doc}.recipient",
    "người ký": "{doc}.signer.name", "chức vụ người ký": "{doc}.signer.title",
    "thẩm quyền ký": "{doc}.signer.authority", "ký thay cho": "{doc}.signer.on_behalf_of",
    "nơi nhận": "{doc}.cc", "lưu": "{doc}.archive",
    "người bổ sung": "escalation.extra_members", "lý do bổ sung": "escalation.reason",
    "số văn bản đồng ý": "approval.number", "ngày văn bản đồng ý": "approval.date",
    "số người được duyệt": "approval.approved_size",
    "kết quả": "report.results", "kinh nghiệm hay": "report.good_practices", "đề xuất, kiến nghị": "report.proposals",
    "lý do chậm": "report.delay_reason",
}
# A cell that holds a whole list: items split by ";" or new lines, an item's fields by "|".
LIST_FIELDS = {
    "delegation.members": ("name", "position", "unit", "key_leader"),
    "delegation.stops": ("place", "host", "model", "start", "end"),
    "delegation.focus_areas": None, "escalation.extra_members": None,
    "request.cc": None, "escalation.cc": None, "report.cc": None,
}
PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _key(header: str) -> str:
    return " ".join(unicodedata.normalize("NFC", header).casefold().split())


def column_path(header: str, section: str) -> str:
    """The input path a column header stands for: dotted (delegation.leader.name) or Vietnamese (Trưởng đoàn)."""
    path = HEADERS.get(_key(header), header.strip())
    return path.replace("{doc}", section)


def _set(data: dict, path: str, value) -> None:
    parts = [(name, int(index)) if index else (name, None) for name, index in PATH_PART.findall(path)]
    keys = [name if index is None and name else index for name, index in parts]
    keys = [int(k) if isinstance(k, str) and k.isdigit() else k for k in keys]  # a.0.b as a[0].b
    node = data
    for key, nxt in zip(keys, keys[1:]):
        if isinstance(node, list):
            while len(node) <= key:
                node.append(None)
            if node[key] is None:
                node[key] = [] if isinstance(nxt, int) else {}
            node = node[key]
        else:
            if not isinstance(node.get(key), (dict, list)):
                node[key] = [] if isinstance(nxt, int) else {}
            node = node[key]
    last = keys[-1]
    if isinstance(node, list):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def _split_list(path: str, value):
    if not isinstance(value, str):
        return value
    items = [item.strip() for item in re.split(r"[;\n]", value) if item.strip()]
    fields = LIST_FIELDS[path]
    if fields is None:
        return items
    return [dict(zip(fields, (part.strip() for part in item.split("|")))) for item in items]


def unflatten(row: dict, section: str) -> dict:
    """A flat table row into the nested input of SPEC §5; empty cells are left out."""
    data: dict = {}
    for header, value in row.items():
        if header is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        path = column_path(str(header), section)
        if path in LIST_FIELDS:
            value = _split_list(path, value)
        _set(data, path, value)
    return data


# --- reading tables -------------------------------------------------------------------------------

def read_rows(path: str | os.PathLike) -> Iterator[tuple[int, dict]]:
    """(row number as the user sees it, the row) for every data row; InvalidInput if the table is unreadable."""
    p = Path(path)
    suffix = p.suffix.lower()
    readers = {".csv": _csv_rows, ".xlsx": _xlsx_rows, ".jsonl": _jsonl_rows, ".ndjson": _jsonl_rows}
    if suffix not in readers:
        raise InvalidInput(f"Không đọc được bảng “{p}”: chỉ nhận .csv, .xlsx, .jsonl.")
    if not p.is_file():
        raise InvalidInput(f"Không đọc được bảng “{p}”: không tìm thấy tệp.")
    return readers[suffix](p)


# csv's own messages, in the user's words (the first that matches).
_CSV_ERRORS = (
    ("unexpected end of data", "dấu ngoặc kép (\") mở mà không đóng, ô kéo dài đến hết tệp"),
    ("expected after", "sau dấu ngoặc kép đóng phải là dấu phân cách (ô viết sai dạng \"...\" ...)"),
    ("field larger than field limit", f"có ô dài quá {csv.field_size_limit():,} ký tự".replace(",", ".")),
    ("line contains nul", "có ký tự NUL (tệp nhị phân, không phải CSV?)"),
)


def _csv_rows(p: Path) -> Iterator[tuple[int, dict]]:
    f = open(p, "rb")
    sample = f.read(64 * 1024)
    f.seek(0)
    sample = sample.removeprefix(codecs.BOM_UTF8)
    try:
        sample_text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data" or len(sample) < 64 * 1024 - 3:  # not a letter the sample cut
            f.close()
            line = sample[: exc.start].count(b"\n") + 1
            raise InvalidInput(f"Không đọc được bảng “{p}”: tệp không phải UTF-8 (dòng {line} có byte không phải "
                               "UTF-8; hãy lưu dạng CSV UTF-8).") from None
        sample_text = sample[: exc.start].decode("utf-8")
    if not sample_text.strip():
        f.close()
        raise InvalidInput(f"Không đọc được bảng “{p}”: tệp rỗng.")
    try:
        dialect = csv.Sniffer().sniff(sample_text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # Decoded line by line, so a bad byte far down is named on its own line and the rows before it are kept.
    reader = csv.DictReader(_utf8_lines(f, p), dialect=dialect, strict=True)  # strict: a stray quote is an error
    try:
        names = reader.fieldnames or []
        _unique_headers(p, names)
    except csv.Error as exc:
        f.close()
        raise InvalidInput(f"Không đọc được bảng “{p}”, dòng tiêu đề: {_csv_reason(exc)}.") from None
    except InvalidInput:
        f.close()
        raise

    def rows():
        with f:
            start = reader.line_num + 1  # the line the next row starts on
            try:
                for number, row in enumerate(reader, start=2):
                    if None in row:  # more cells than headers: a stray separator or quote
                        yield number, {"__error__": f"Dòng có {len(names) + len(row[None])} ô, nhiều hơn số cột "
                                                    f"tiêu đề ({len(names)}): kiểm tra dấu phân cách và dấu ngoặc kép."}
                    else:
                        yield number, row
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise InvalidInput(f"Không đọc được bảng “{p}”, dòng {start}: {_csv_reason(exc)}.") from None
    return rows()


def _utf8_lines(f, p: Path) -> Iterator[str]:
    for number, raw in enumerate(f, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"Không đọc được bảng “{p}”, dòng {number}: có byte không phải UTF-8 (hãy lưu dạng "
                               "CSV UTF-8).") from None


def _csv_reason(exc: Exception) -> str:
    text = str(exc)
    return next((words for key, words in _CSV_ERRORS if key in text.lower()), text)


def _unique_headers(p: Path, names: list) -> None:
    """A header written twice would silently lose one of its columns: refuse it, naming both."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name is None or not str(name).strip():
            continue
        key = _key(str(name))
        if key in seen:
            raise InvalidInput(f"Không đọc được bảng “{p}”, dòng tiêu đề: cột “{str(name).strip()}” có hai lần "
                               f"(cột {_letter(seen[key])} và {_letter(i)}).")
        seen[key] = i


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted .xlsx, or an old .xls, is an OLE2 file


def _xlsx_rows(p: Path) -> Iterator[tuple[int, dict]]:
    import openpyxl
    with open(p, "rb") as f:
        if f.read(8) == _OLE2:
            raise InvalidInput(f"Không đọc được bảng “{p}”: tệp Excel có đặt mật khẩu hoặc là dạng .xls cũ — hãy "
                               "mở bằng Excel, bỏ mật khẩu (File > Info > Protect Workbook) và lưu dạng .xlsx.")
    try:
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a broken file
        raise InvalidInput(f"Không đọc được bảng “{p}”: không phải tệp Excel .xlsx hợp lệ ({type(exc).__name__}).") \
            from None
    sheet = book.worksheets[0]
    try:
        header = next(sheet.iter_rows(max_row=1, values_only=True), None)
        if header is None:
            raise InvalidInput(f"Không đọc được bảng “{p}”: trang tính rỗng.")
        names = [str(h).strip() if h is not None else None for h in header]
        _unique_headers(p, names)
        _audit_sheet(p, sheet, names)
    except BaseException:
        book.close()
        raise

    def rows():
        try:
            it = sheet.iter_rows(values_only=True)
            next(it, None)
            for number, values in enumerate(it, start=2):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                yield number, {n: v for n, v in zip(names, values) if n}
        finally:
            book.close()
    return rows()


def _audit_sheet(p: Path, sheet, names: list) -> None:
    """Refuse what read-only openpyxl cannot show: merged cells and formulas never calculated.

    Read-only mode streams the sheet in constant memory but does not see merges, and gives None for
    a formula without a cached value. One streaming pass over the sheet's XML finds both (measured on
    10,000 rows: 45 MB resident for read-only plus this pass, 153 MB for a full load that sees merges).
    """
    from xml.etree.ElementTree import ParseError, iterparse

    from openpyxl.utils import column_index_from_string, range_boundaries
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    merged, uncalculated = [], []
    try:
        with zipfile.ZipFile(p) as archive, archive.open(sheet._worksheet_path) as xml:  # openpyxl's own path
            data = None
            for event, el in iterparse(xml, events=("start", "end")):
                if event == "start":
                    if el.tag == ns + "sheetData":
                        data = el
                    continue
                if el.tag == ns + "c":
                    formula, value = el.find(ns + "f"), el.find(ns + "v")
                    if formula is not None and (value is None or not (value.text or "").strip()):
                        uncalculated.append(el.get("r") or "")
                elif el.tag == ns + "row" and data is not None:
                    data.clear()  # rows already read: memory stays flat
                elif el.tag == ns + "mergeCell":
                    merged.append(el.get("ref") or "")
    except (KeyError, AttributeError, ParseError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"Không đọc được bảng “{p}”: trang tính hỏng ({type(exc).__name__}).") from None

    def column(index: int) -> str:
        name = names[index - 1] if index - 1 < len(names) and names[index - 1] else None
        return name or _letter(index - 1)

    more = lambda items: f" (và {len(items) - 1} ô khác)" if len(items) > 1 else ""  # noqa: E731
    if merged:
        first_col, first_row, last_col, last_row = range_boundaries(merged[0])
        if first_row == 1:
            where = f"ô gộp {merged[0]} ở dòng tiêu đề: mỗi cột cần một tiêu đề riêng"
        else:
            columns = ", ".join(dict.fromkeys(column(c) for c in range(first_col, last_col + 1)))
            rows = f"dòng {first_row}" + (f"–{last_row}" if last_row > first_row else "")
            where = (f"ô gộp {merged[0]} ({rows}, cột {columns}): giá trị chỉ nằm ở ô đầu, các ô còn lại "
                     "sẽ bị coi là trống")
        raise InvalidInput(f"Không đọc được bảng “{p}”: {where}{more(merged)} — hãy bỏ gộp ô (Merge & Center) "
                           "và điền giá trị cho từng ô.")
    if uncalculated:
        ref = uncalculated[0]
        letters = ref.rstrip("0123456789")
        row = ref[len(letters):]
        raise InvalidInput(f"Không đọc được bảng “{p}”, dòng {row}, cột {column(column_index_from_string(letters))}: "
                           f"ô công thức chưa có giá trị{more(uncalculated)} — hãy mở bằng Excel và lưu lại, "
                           "hoặc dán giá trị thay cho công thức.")


def _jsonl_rows(p: Path) -> Iterator[tuple[int, dict]]:
    def rows():
        with open(p, encoding="utf-8-sig") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line.rstrip("\r\n"))  # so the error's column is on this line
                except json.JSONDecodeError as exc:
                    yield number, {"__error__": f"JSON lỗi ở cột {exc.colno}: {exc.msg}."}
                    continue
                yield number, value if isinstance(value, dict) else {"__error__": "Dòng phải là một đối tượng JSON."}
    return rows()


# --- names ------------------------------------------------------------------------------------------

def safe_name(text: str) -> str:
    """A file name any system accepts: ASCII letters, digits and hyphens, no path, at most 80 characters."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text[:80].strip("-") or "van-ban"


def document_name(kind: str, data: dict, number: int) -> str:
    d = data.get("delegation") if isinstance(data.get("delegation"), dict) else {}
    leader = d.get("leader") if isinstance(d.get("leader"), dict) else {}
    issuer = data.get("issuer") if isinstance(data.get("issuer"), dict) else {}
    try:
        depart = parse_date(d.get("depart_on")).isoformat()
    except ValueError:
        depart = ""
    parts = [kind, str(issuer.get("abbreviation") or ""), depart, str(leader.get("name") or "")]
    if not any(parts[1:]):
        parts.append(f"dong-{number}")
    return safe_name("-".join(p for p in parts if p))


class Names:
    """Unique output names within a run and against files already in the folder: never overwrite."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.taken: set[str] = set()
        self.last: dict[str, int] = {}   # the last suffix given per stem: many equal stems stay linear

    def claim(self, stem: str, suffixes: tuple[str, ...]) -> str:
        n = self.last.get(stem, 1)
        candidate = stem if n == 1 else f"{stem}-{n}"
        while candidate in self.taken or any((self.folder / f"{candidate}{s}").exists() for s in suffixes):
            n += 1
            candidate = f"{stem}-{n}"
        self.last[stem] = n
        self.taken.add(candidate)
        return candidate


# --- the run ----------------------------------------------------------------------------------------

@dataclass
class Entry:
    """One row of the manifest."""

    row: int
    status: str                      # written | refused | invalid | failed
    outputs: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    kind: str
    table: str
    entries: list[Entry] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)

    @property
    def exit_code(self) -> int:
        if self.count("failed"):
            return 3
        return 0 if all(e.status == "written" for e in self.entries) else 1

    def summary(self) -> str:
        return (f"{len(self.entries)} dòng: {self.count('written')} đã tạo, {self.count('refused')} bị từ chối, "
                f"{self.count('invalid')} dữ liệu lỗi, {self.count('failed')} lỗi môi trường.")

    def write(self, folder: Path) -> tuple[Path, Path]:
        entries = sorted(self.entries, key=lambda e: e.row)
        doc = {"kind": self.kind, "table": self.table, "summary": self.summary(),
               "rows": [asdict(e) for e in entries]}
        json_path, csv_path = folder / "manifest.json", folder / "manifest.csv"
        json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        with open(csv_path, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["dòng", "kết quả", "tệp", "mã quy tắc", "nội dung"])
            for e in entries:
                w.writerow([e.row, e.status, "; ".join(e.outputs), "; ".join(e.codes), " | ".join(e.messages)])
        return json_path, csv_path


@dataclass(frozen=True)
class Job:
    row: int
    data: dict
    stem: str


@dataclass(frozen=True)
class Settings:
    kind: str
    folder: str
    pdf: bool = False
    policy: str | None = None
    notices: tuple[str, ...] = ()
    templates: str | None = None
    soffice: str | None = None
    stamp: bool = False
    font: str | None = None
    convert_legacy: bool = False


_WORKER: dict = {}


def _start_worker(settings: Settings) -> None:
    """Once per process: the calendar, the converter; profiles and templates are cached by their modules."""
    from .calendar import WorkCalendar
    from .pdf import Converter
    _WORKER.clear()
    _WORKER["settings"] = settings
    _WORKER["calendar"] = WorkCalendar.from_files(settings.notices) if settings.notices else WorkCalendar()
    _WORKER["converter"] = Converter(settings.soffice) if settings.pdf or settings.stamp else None
    # pool workers leave through os._exit, which skips atexit: multiprocessing's finalizers still run
    from multiprocessing.util import Finalize
    Finalize(None, _stop_worker, exitpriority=10)


def _stop_worker() -> None:
    converter = _WORKER.get("converter")
    if converter:
        converter.close()


def _run_chunk(jobs: list[Job]) -> list[Entry]:
    """Render a chunk of rows in this process, then convert its documents in one LibreOffice run."""
    from . import render
    from .documents import identity
    from .errors import EnvironmentFailed
    from .stamping import stamp_lines, stamp_pdf
    settings: Settings = _WORKER["settings"]
    folder = Path(settings.folder)
    entries, written = [], []
    for job in jobs:
        if "__error__" in job.data:
            entries.append(Entry(job.row, "invalid", messages=[job.data["__error__"]]))
            continue
        try:
            trip, converted = _validate(job.data, settings.convert_legacy)
            result = render(settings.kind, trip, folder / f"{job.stem}.docx", templates=settings.templates,
                            profile=settings.policy, calendar=_WORKER["calendar"])
            stamp = stamp_lines(result.deadlines, identity(settings.kind, trip)) if settings.stamp else None
        except FormgenError as exc:
            status = {1: "refused", 2: "invalid"}.get(exc.exit_code, "failed")
            problems = exc.problems or [Problem("", exc.message)]
            entries.append(Entry(job.row, status, codes=[p.code for p in problems if p.code],
                                 messages=[_line(p) for p in problems]))
            continue
        notes = converted + result.warnings
        entry = Entry(job.row, "written", outputs=[str(p) for p in result.outputs],
                      codes=[w.code for w in notes if w.code], messages=[_line(w) for w in notes])
        entries.append(entry)
        written.append((entry, result.outputs[0], stamp))
    if written and _WORKER["converter"]:
        try:
            pdfs = _WORKER["converter"].convert([docx for _, docx, _ in written])
        except EnvironmentFailed as exc:
            for entry, _, _ in written:
                entry.status = "failed"
                entry.messages.append(exc.message)
            return entries
        for (entry, _, stamp), pdf in zip(written, pdfs):
            try:
                if stamp:
                    stamp_pdf(pdf, pdf, stamp, font=settings.font)
                entry.outputs.append(str(pdf))
            except FormgenError as exc:
                entry.status = "failed"
                entry.messages.append(exc.message)
    return entries


def _validate(data: dict, convert_legacy: bool) -> tuple[dict, list[Problem]]:
    """The validated row, and a warning per field converted from TCVN3/VNI."""
    from .legacy import converted_fields
    from .model import validate_trip
    with converted_fields() as notes:
        trip = validate_trip(data, convert_legacy=convert_legacy)
    return trip, notes


def _line(p: Problem) -> str:
    where = f"[{p.path}] " if p.path else ""
    return f"{p.code + ' ' if p.code else ''}{where}{p.message}"


def run_batch(kind: str, table: str | os.PathLike, folder: str | os.PathLike, *, jobs: int | None = None,
              pdf: bool = False, policy: str | None = None, notices: tuple[str, ...] = (),
              templates: str | None = None, soffice: str | None = None, stamp: bool = False,
              font: str | None = None, chunk: int = 25, convert_legacy: bool = False,
              progress: Callable[[int], None] | None = None) -> Manifest:
    """Produce one document per row; a bad row is recorded in the manifest and never stops the others.

    Never overwrites: a name already taken (in the folder or in this run) gets a suffix. A table
    that cannot be read at all is refused before anything is made; one that breaks further down
    (a stray quote, bytes not UTF-8) stops there, the manifest lists the rows done, and the error
    (exit 2) names the line.
    """
    from . import KINDS
    from .documents import template_name
    from .model import STYLES
    from .render import find_template
    if kind not in KINDS or kind == "annual":
        raise InvalidInput(f"Lập hàng loạt nhận: {', '.join(k for k in KINDS if k != 'annual')}.")
    rows = read_rows(table)  # an unreadable table is refused before anything is made
    first = next(rows, None)
    if first is None:
        raise InvalidInput(f"Không đọc được bảng “{table}”: bảng chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
    rows = itertools.chain([first], rows)
    if templates is not None:  # a custom template is refused once, before anything is made (not row by row)
        for style in sorted(set(STYLES.values())):
            find_template(template_name(kind, style), templates)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    section = KINDS[kind].section
    settings = Settings(kind, str(out), pdf or stamp, policy, tuple(notices), templates, soffice, stamp, font,
                        convert_legacy)
    names = Names(out)
    suffixes = (".docx", ".pdf") if pdf or stamp else (".docx",)
    manifest = Manifest(kind, str(table))
    workers = max(1, jobs or os.cpu_count() or 1)

    broken: list[InvalidInput] = []  # the table's own error further down, raised once the rows before are done

    def chunks() -> Iterator[list[Job]]:
        batch: list[Job] = []
        try:
            for number, row in rows:
                data = row if "__error__" in row else unflatten(row, section)
                batch.append(Job(number, data, names.claim(document_name(kind, data, number), suffixes)))
                if len(batch) == chunk:
                    yield batch
                    batch = []
        except InvalidInput as exc:
            broken.append(exc)
        if batch:
            yield batch

    def record(entries: list[Entry]) -> None:
        manifest.entries.extend(entries)
        if progress:
            progress(len(entries))

    if workers == 1:
        _start_worker(settings)
        try:
            for batch in chunks():
                record(_run_chunk(batch))
        finally:
            _stop_worker()
    else:
        with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(settings,)) as pool:
            pending = set()
            for batch in chunks():  # a bounded window of chunks in flight: memory stays flat
                pending.add(pool.submit(_run_chunk, batch))
                if len(pending) >= workers * 2:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in done:
                        record(f.result())
            for f in pending:
                record(f.result())
    manifest.write(out)
    if broken:
        error = broken[0]
        raise InvalidInput(f"{error.message} Các dòng trước đó đã xử lý: {manifest.summary()}", source=error.source)
    return manifest
