"""Batch production: a table in (CSV, XLSX, JSON Lines), one document per row and a manifest out."""
from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
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


def _csv_rows(p: Path) -> Iterator[tuple[int, dict]]:
    try:
        f = open(p, encoding="utf-8-sig", newline="")
        sample = f.read(64 * 1024)
        f.seek(0)
    except UnicodeDecodeError:
        raise InvalidInput(f"Không đọc được bảng “{p}”: tệp không phải UTF-8 (hãy lưu dạng CSV UTF-8).") from None
    if not sample.strip():
        f.close()
        raise InvalidInput(f"Không đọc được bảng “{p}”: tệp rỗng.")
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel

    def rows():
        with f:
            reader = csv.DictReader(f, dialect=dialect)
            try:
                for number, row in enumerate(reader, start=2):
                    yield number, row
            except (csv.Error, UnicodeDecodeError) as exc:
                raise InvalidInput(f"Không đọc được bảng “{p}”, dòng {reader.line_num}: {exc}.") from None
    return rows()


def _xlsx_rows(p: Path) -> Iterator[tuple[int, dict]]:
    import openpyxl
    try:
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a broken file
        raise InvalidInput(f"Không đọc được bảng “{p}”: không phải tệp Excel .xlsx hợp lệ ({type(exc).__name__}).") \
            from None
    sheet = book.worksheets[0]

    def rows():
        try:
            it = sheet.iter_rows(values_only=True)
            header = next(it, None)
            if header is None:
                raise InvalidInput(f"Không đọc được bảng “{p}”: trang tính rỗng.")
            names = [str(h).strip() if h is not None else None for h in header]
            for number, values in enumerate(it, start=2):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                yield number, {n: v for n, v in zip(names, values) if n}
        finally:
            book.close()
    return rows()


def _jsonl_rows(p: Path) -> Iterator[tuple[int, dict]]:
    def rows():
        with open(p, encoding="utf-8-sig") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
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
    from .model import validate_trip
    from .stamping import stamp_lines, stamp_pdf
    settings: Settings = _WORKER["settings"]
    folder = Path(settings.folder)
    entries, written = [], []
    for job in jobs:
        if "__error__" in job.data:
            entries.append(Entry(job.row, "invalid", messages=[job.data["__error__"]]))
            continue
        try:
            trip = validate_trip(job.data)
            result = render(settings.kind, trip, folder / f"{job.stem}.docx", templates=settings.templates,
                            profile=settings.policy, calendar=_WORKER["calendar"])
            stamp = stamp_lines(result.deadlines, identity(settings.kind, trip)) if settings.stamp else None
        except FormgenError as exc:
            status = {1: "refused", 2: "invalid"}.get(exc.exit_code, "failed")
            problems = exc.problems or [Problem("", exc.message)]
            entries.append(Entry(job.row, status, codes=[p.code for p in problems if p.code],
                                 messages=[_line(p) for p in problems]))
            continue
        entry = Entry(job.row, "written", outputs=[str(p) for p in result.outputs],
                      codes=[w.code for w in result.warnings], messages=[_line(w) for w in result.warnings])
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


def _line(p: Problem) -> str:
    where = f"[{p.path}] " if p.path else ""
    return f"{p.code + ' ' if p.code else ''}{where}{p.message}"


def run_batch(kind: str, table: str | os.PathLike, folder: str | os.PathLike, *, jobs: int | None = None,
              pdf: bool = False, policy: str | None = None, notices: tuple[str, ...] = (),
              templates: str | None = None, soffice: str | None = None, stamp: bool = False,
              font: str | None = None, chunk: int = 25,
              progress: Callable[[int], None] | None = None) -> Manifest:
    """Produce one document per row; a bad row is recorded in the manifest and never stops the others."""
    from . import KINDS
    if kind not in KINDS or kind == "annual":
        raise InvalidInput(f"Lập hàng loạt nhận: {', '.join(k for k in KINDS if k != 'annual')}.")
    rows = read_rows(table)  # an unreadable table is refused before anything is made
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    section = KINDS[kind].section
    settings = Settings(kind, str(out), pdf or stamp, policy, tuple(notices), templates, soffice, stamp, font)
    names = Names(out)
    suffixes = (".docx", ".pdf") if pdf or stamp else (".docx",)
    manifest = Manifest(kind, str(table))
    workers = max(1, jobs or os.cpu_count() or 1)

    def chunks() -> Iterator[list[Job]]:
        batch: list[Job] = []
        for number, row in rows:
            data = row if "__error__" in row else unflatten(row, section)
            batch.append(Job(number, data, names.claim(document_name(kind, data, number), suffixes)))
            if len(batch) == chunk:
                yield batch
                batch = []
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
    return manifest
