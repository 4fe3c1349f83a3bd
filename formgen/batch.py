"""Batch production: a table in (CSV, XLSX, JSON Lines), one document per row and a manifest out."""
from __future__ import annotations

import csv
import itertools
import json
import os
import re
import unicodedata
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from . import tables
from .dates import parse_date
from .errors import FormgenError, InvalidInput, Problem
from .files import output_folder
from .yamlio import json_loads

# A cell that holds a whole list: items split by ";" or new lines, an item's fields by "|".
LIST_FIELDS = {
    "delegation.members": ("name", "position", "unit", "key_leader"),
    "delegation.stops": ("place", "host", "model", "start", "end"),
    "delegation.focus_areas": None, "escalation.extra_members": None,
    "request.cc": None, "escalation.cc": None, "report.cc": None,
}
PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def column_path(header: str, section: str) -> str | None:
    """The input path a column header stands for: dotted (delegation.leader.name) or Vietnamese (Trưởng đoàn);
    None for a column that is not an input (the register's own facts)."""
    return tables.input_path(header, section)


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
        if path is None:
            continue
        if path in LIST_FIELDS:
            value = _split_list(path, value)
        _set(data, path, value)
    return data


def _counted(row: dict, data: dict) -> dict:
    """The row's data, or its error when its “Số người” (a register export carries it) is not the people it names."""
    size = next((v for t, v in row.items() if tables.resolve(str(t)) is tables.COLUMNS["size"]), None)
    if size is None:
        return data
    delegation = data.get("delegation") if isinstance(data.get("delegation"), dict) else {}
    members = delegation.get("members") if isinstance(delegation.get("members"), list) else []
    text = str(int(size) if isinstance(size, float) and size.is_integer() else size).strip()
    if not text.isdigit():
        return {"__error__": f"[Số người] {tables.MESSAGES['not_count'].format(value=text)}"}
    if int(text) != 1 + len(members):
        return {"__error__": "[Số người] " + tables.MESSAGES["size_mismatch"].format(size=text, members=len(members))}
    return data


# --- reading tables -------------------------------------------------------------------------------

def read_rows(path: str | os.PathLike, *, sheet: str | None = None, section: str | None = None,
              notes: list[str] | None = None) -> Iterator[tuple[int, dict]]:
    """(row number as the user sees it, the row) for every data row; InvalidInput if the table is unreadable.

    CSV and XLSX are read by formgen.tables (the reader `register import` uses too); a row it finds bad comes
    as {"__error__": why}. Notes on how the table was read (its encoding, its sheet) go into `notes`."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        if sheet is not None:
            raise InvalidInput(f"Không đọc được bảng “{p}”: --sheet chỉ dùng cho bảng .xlsx.")
        if not p.is_file():
            raise InvalidInput(f"Không đọc được bảng “{p}”: không tìm thấy tệp.")
        return _jsonl_rows(p)
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInput(f"Không đọc được bảng “{p}”: chỉ nhận .csv, .xlsx, .jsonl.")
    table = tables.open_table(p, sheet=sheet, section=section)
    if notes is not None:
        notes.extend(table.notes)

    def rows():
        with table:
            for row in table:
                yield row.number, {"__error__": row.error} if row.error else row.values
    return rows()


def _jsonl_rows(p: Path) -> Iterator[tuple[int, dict]]:
    def rows():
        with open(p, encoding="utf-8-sig") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    value = json_loads(line.rstrip("\r\n"))  # numbers as written; the error's column on this line
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
    notes: list[str] = field(default_factory=list)   # how the table was read (its encoding, its sheet)

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
        doc = {"kind": self.kind, "table": self.table, "summary": self.summary(), "notes": self.notes,
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
              progress: Callable[[int], None] | None = None, sheet: str | None = None) -> Manifest:
    """Produce one document per row; a bad row is recorded in the manifest and never stops the others.

    Never overwrites: a name already taken (in the folder or in this run) gets a suffix. A table
    that cannot be read at all is refused before anything is made; one that breaks further down
    (a stray quote, bytes not UTF-8) stops there, the manifest lists the rows done, and the error
    (exit 2) names the line.
    """
    from . import KINDS
    if kind not in KINDS or kind == "annual":
        raise InvalidInput(f"Lập hàng loạt nhận: {', '.join(k for k in KINDS if k != 'annual')}.")
    notes: list[str] = []
    rows = read_rows(table, sheet=sheet, section=KINDS[kind].section, notes=notes)  # refused before anything is made
    first = next(rows, None)
    if first is None:
        raise InvalidInput(f"Không đọc được bảng “{table}”: bảng chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
    rows = itertools.chain([first], rows)
    out = output_folder(folder)
    section = KINDS[kind].section
    settings = Settings(kind, str(out), pdf or stamp, policy, tuple(notices), templates, soffice, stamp, font,
                        convert_legacy)
    names = Names(out)
    suffixes = (".docx", ".pdf") if pdf or stamp else (".docx",)
    manifest = Manifest(kind, str(table), notes=notes)
    workers = max(1, jobs or os.cpu_count() or 1)

    broken: list[InvalidInput] = []  # the table's own error further down, raised once the rows before are done

    def chunks() -> Iterator[list[Job]]:
        batch: list[Job] = []
        try:
            for number, row in rows:
                data = row if "__error__" in row else _counted(row, unflatten(row, section))
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
