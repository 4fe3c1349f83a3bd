"""Batch production: a table in (CSV, XLSX, JSON Lines), one document per row and a manifest out."""
from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import tempfile
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from . import tables
from .dates import parse_date
from .errors import EnvironmentFailed, FormgenError, InvalidInput, Problem
from .files import output_folder
from .manifest import RUN_STAGING, Entry, FolderLock, Manifest, Names, Recorder, recover, safe_name
from .tables.jsonlines import jsonl_rows

# A cell that holds a whole list: items split by ";" or new lines, an item's fields by "|".
LIST_FIELDS = {
    "delegation.members": ("name", "position", "unit", "key_leader"),
    "delegation.stops": ("place", "host", "model", "start", "end"),
    "delegation.focus_areas": None, "escalation.extra_members": None, "report.actual_members": None,
    "request.cc": None, "escalation.cc": None, "report.cc": None,
}
# An item's fields as a message names them (README, "Tables").
FIELD_NAMES = {"name": "họ tên", "position": "chức vụ", "unit": "đơn vị", "key_leader": "lãnh đạo chủ chốt",
               "place": "nơi đến", "host": "cơ quan", "model": "mô hình", "start": "từ ngày", "end": "đến ngày"}


class _BadItem(ValueError):
    """An item of a list cell with more fields than the list has."""


def column_path(header: str, section: str) -> str | None:
    """The input path a column header stands for: dotted (delegation.leader.name) or Vietnamese (Trưởng đoàn);
    None for a column that is not an input (the register's own facts)."""
    return tables.input_path(header, section)


def _set(data: dict, path: str, value) -> None:
    keys = tables.path_keys(path)
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
    node[last] = _merged(node[last], value) if isinstance(node, list) or last in node else value


def _merged(old, new):
    """new set where old already is: a nested object and dotted keys into it (two JSON Lines keys that never
    name one field, `_same_field`) make one object, whichever comes first."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{k: _merged(old[k], v) if k in old else v for k, v in new.items()}}
    if isinstance(old, list) and isinstance(new, list):
        return [_merged(a, b) if a is not None and b is not None else b if a is None else a
                for a, b in itertools.zip_longest(old, new)]
    return new


def _split_list(path: str, value):
    if not isinstance(value, str):
        return value
    items = [item.strip() for item in re.split(r"[;\n]", value) if item.strip()]
    fields = LIST_FIELDS[path]
    if fields is None:
        return items
    out = []
    for n, item in enumerate(items, start=1):
        parts = [part.strip() for part in item.split("|")]
        if any(parts[len(fields):]):  # a field more than the list has would be lost
            raise _BadItem(f"mục thứ {n} (“{item}”) có {len(parts)} phần ngăn bởi “|”, nhiều hơn {len(fields)} phần "
                           f"của cột ({' | '.join(FIELD_NAMES[f] for f in fields)}): bỏ bớt “|” hoặc tách thành "
                           "mục riêng (ngăn bởi “;”).")
        out.append(dict(zip(fields, parts)))
    return out


def unflatten(row: dict, section: str) -> dict:
    """A flat table row into the nested input of SPEC §5; empty cells are left out. {"__error__": why} when a
    list cell's item has more fields than the list."""
    data: dict = {}
    for header, value in row.items():
        if header is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        path = column_path(str(header), section)
        if path is None:
            continue
        if path in LIST_FIELDS:
            try:
                value = _split_list(path, value)
            except _BadItem as exc:
                return {"__error__": f"[{header}] {str(exc)[:1].upper()}{str(exc)[1:]}"}
        _set(data, path, value)
    return data


def _counted(row: dict, data: dict) -> dict:
    """The row's data, or its error when its “Số người” (a register export carries it) is not the people it names."""
    size = next((v for t, v in row.items() if tables.resolve(str(t)) is tables.COLUMNS["size"]), None)
    if size is None or "__error__" in data:
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
        return jsonl_rows(p, section or "{doc}")
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


# --- names ------------------------------------------------------------------------------------------

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


# --- the run ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    row: int
    data: dict
    stem: str
    position: int = 0   # the row's place in the run (0, 1, ...): its turn to be numbered (register.in_order)


@dataclass(frozen=True)
class Settings:
    kind: str
    folder: str                      # where the documents end up
    staging: str                     # where workers write them (see manifest.Recorder)
    pdf: bool = False
    policy: str | None = None
    notices: tuple[str, ...] = ()
    templates: str | None = None
    soffice: str | None = None
    stamp: bool = False
    font: str | None = None
    convert_legacy: bool = False
    metadata: str | None = None      # ".xml" or ".json": each document's metadata beside it (formgen.metadata)
    table: str = ""                  # the table's name, as the register records where a document came from
    register: str | None = None      # the register that numbers and records each document


_WORKER: dict = {}


def _start_worker(settings: Settings, parent: int | None = None, convert: bool = True, turns=None) -> None:
    """Once per process: the calendar, the converter; profiles and templates are cached by their modules.

    A pool worker (parent given) leaves stopping to the parent: Ctrl+C is ignored, SIGTERM or SIGHUP stop
    its LibreOffice and remove its profile, and the parent's death (even by SIGKILL) sends it SIGTERM.
    """
    from .calendar import WorkCalendar
    from .interrupts import die_with_parent
    from .pdf import Converter
    _WORKER.clear()
    _WORKER["settings"] = settings
    _WORKER["parent"] = parent
    if parent is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                signal.signal(signum, _worker_stopped)
        die_with_parent(parent)
    _WORKER["calendar"] = WorkCalendar.from_files(settings.notices) if settings.notices else WorkCalendar()
    _WORKER["converter"] = Converter(settings.soffice) if convert and (settings.pdf or settings.stamp) else None
    if settings.register is not None:  # one engine per process that renders; with turns, numbers in row order
        from .register import Register
        from .register.in_order import InRowOrder
        _WORKER["register"] = InRowOrder(settings.register, turns) if turns else Register(settings.register)
    # pool workers leave through os._exit, which skips atexit: multiprocessing's finalizers still run
    from multiprocessing.util import Finalize
    Finalize(None, _stop_worker, exitpriority=10)


def _stop_worker() -> None:
    converter = _WORKER.get("converter")
    if converter:
        converter.close()
    register = _WORKER.pop("register", None)
    if register is not None:
        register.close()


def _worker_stopped(signum, frame) -> None:
    """A pool worker told to stop (or whose parent died): its LibreOffice and profile go, then the worker.

    The run's staging stays: if the parent was killed outright, the next run into the folder finishes it.
    """
    from .pdf import remove_own_folders
    _stop_worker()
    remove_own_folders()  # a converter the signal interrupted while it was being made has no close() yet
    os._exit(128 + signum)


def _run_chunk(jobs: list[Job]) -> list[Entry]:
    """Render a chunk of rows in this process, then convert its documents in one LibreOffice run."""
    entries, written = _render_chunk(jobs)
    if written and _WORKER["converter"]:
        _convert_chunk(written, _WORKER["converter"])
    return entries


def _render_chunk(jobs: list[Job]) -> tuple[list[Entry], list[tuple[Entry, Path, list | None, dict | None]]]:
    """Each row's entry; and for those written, the entry, its .docx, its stamp (None without --stamp) and its
    metadata fields (None without --metadata)."""
    from contextlib import nullcontext
    from . import render
    from .documents import identity
    settings: Settings = _WORKER["settings"]
    register = _WORKER.get("register")
    turn = getattr(register, "row", None)  # several workers numbering: each row in its turn (register.in_order)
    if settings.stamp:  # pypdf and reportlab's canvas only in a run that stamps
        from .stamping import stamp_lines
    folder, staging = Path(settings.folder), Path(settings.staging)
    entries, written = [], []
    for job in jobs:
        if "__error__" in job.data:
            entries.append(Entry(job.row, "invalid", messages=[job.data["__error__"]]))
            continue
        try:
            with turn(job.position) if turn else nullcontext():
                trip, converted = _validate(job.data, settings.convert_legacy)
                result = render(settings.kind, trip, staging / f"{job.stem}.docx", templates=settings.templates,
                                profile=settings.policy, calendar=_WORKER["calendar"], register=register,
                                source=f"{settings.table}, dòng {job.row}",
                                metadata=staging / f"{job.stem}{settings.metadata}" if settings.metadata else None,
                                overwrite=True)  # the run's own staging, its names claimed: nothing there to keep
            stamp = stamp_lines(result.deadlines, identity(settings.kind, result.data)) if settings.stamp else None
        except FormgenError as exc:
            problems = exc.problems or [Problem("", exc.message)]
            entries.append(Entry(job.row, exc.row_status, codes=[p.code for p in problems if p.code],
                                 messages=[_line(p) for p in problems]))
            continue
        notes = converted + result.warnings
        entry = Entry(job.row, "written", outputs=[str(folder / p.name) for p in result.outputs],
                      codes=[w.code for w in notes if w.code], messages=[_line(w) for w in notes])
        entries.append(entry)
        written.append((entry, result.outputs[0], stamp, result.metadata))
    return entries, written


CHUNK = 25  # rows a worker process renders (and converts, in one soffice run) at a time
# Rows rendered at a time for the long-lived LibreOffice workers, each chunk converted by the first worker free:
# small, so that both workers get letters (a batch under 25 rows used one) and stay busy to the end. 200
# letters, --jobs 2, interleaved at load ~5: 5 rows 16.0 s [11.6-16.7], 25 rows 18.0 s [12.3-19.7], 1 row
# 16.2 s [15.0-17.7] (3 rounds); a second run, 5 rounds: 5 rows 13.6 s [12.1-14.8], 25 rows 13.3 s
# [12.9-16.1], CPU 12.9 s against 12.7 s: the gain is within the noise of a loaded machine.
PDF_CHUNK = 5
# Conversions before a batch's LibreOffice starts afresh: each letter leaves ~0.5 MB in it, a start costs ~1 s
# (measured in benchmarks/pdf_bench.py).
PDF_RECYCLE = 200
_STAMPING = threading.Lock()  # reportlab's font registry is shared by the threads that stamp


def _convert_chunk(written: list[tuple[Entry, Path, list | None, dict | None]], converter) -> None:
    """The PDFs of a chunk's documents (stamped with --stamp), recorded in their entries, each metadata file
    rewritten with its PDF's page count; a failure in them."""
    from .errors import EnvironmentFailed
    settings: Settings = _WORKER["settings"]
    if settings.stamp:
        from .stamping import stamp_pdf
    if settings.metadata:
        from .metadata import page_count, with_pages, write as write_metadata
    try:
        pdfs = converter.convert([docx for _, docx, _, _ in written])
    except EnvironmentFailed as exc:
        for entry, *_ in written:
            entry.status = exc.row_status
            entry.messages.append(exc.message)
        return
    for (entry, _, stamp, fields), pdf in zip(written, pdfs):
        try:
            if stamp:
                with _STAMPING:
                    stamp_pdf(pdf, pdf, stamp, font=settings.font)
            entry.outputs.append(str(Path(settings.folder) / pdf.name))
            if fields is not None:  # the metadata again, now with the PDF's page count
                meta = Path(settings.staging) / Path(entry.outputs[1]).name
                write_metadata(meta, with_pages(fields, page_count(pdf)), overwrite=True)
                entry.outputs.append(entry.outputs.pop(1))  # listed after the PDF, as render lists them
        except FormgenError as exc:
            entry.status = "failed"
            entry.messages.append(exc.message)


def _validate(data: dict, convert_legacy: bool) -> tuple[dict, list[Problem]]:
    """The validated row, and a warning per field converted from TCVN3/VNI."""
    from .model import validate_trip
    trip = validate_trip(data, convert_legacy=convert_legacy)
    return trip, trip.notes


def _line(p: Problem) -> str:
    where = f"[{p.path}] " if p.path else ""
    return f"{p.code + ' ' if p.code else ''}{where}{p.message}"


def run_batch(kind: str, table: str | os.PathLike, folder: str | os.PathLike, *, jobs: int | None = None,
              pdf: bool = False, policy: str | None = None, notices: tuple[str, ...] = (),
              templates: str | None = None, soffice: str | None = None, stamp: bool = False,
              font: str | None = None, chunk: int | None = None, convert_legacy: bool = False,
              progress: Callable[[int], None] | None = None, sheet: str | None = None,
              metadata: str | None = None, register: str | os.PathLike | None = None) -> Manifest:
    """Produce one document per row; a bad row is recorded in the manifest and never stops the others.

    chunk: rows rendered (and, in worker processes, converted) together; by default CHUNK, or PDF_CHUNK when
    long-lived LibreOffice workers make the PDFs.
    metadata "xml" or "json": each document's metadata (NĐ 30/2020, Phụ lục VI) beside it, listed with it.
    With a register (its location), every document is numbered and recorded in its outgoing register as
    render() does, in the table's row order (with several workers too: each row numbered in its turn).

    Never overwrites: a name already taken (in the folder or in this run) gets a suffix. A table
    that cannot be read at all is refused before anything is made; one that breaks further down
    (a stray quote, bytes not UTF-8) stops there, the manifest lists the rows done, and the error
    (exit 2) names the line.
    """
    from . import KINDS
    from .documents import template_name
    from .model import STYLES
    if kind not in KINDS or kind == "annual":
        raise InvalidInput(f"Lập hàng loạt nhận: {', '.join(k for k in KINDS if k != 'annual')}.")
    from .metadata import beside
    beside(table, metadata)  # a metadata format that does not exist: refused before anything is made
    notes: list[str] = []
    rows = read_rows(table, sheet=sheet, section=KINDS[kind].section, notes=notes)  # refused before anything is made
    first = next(rows, None)
    if first is None:
        raise InvalidInput(f"Không đọc được bảng “{table}”: bảng chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
    rows = itertools.chain([first], rows)
    if register is not None:
        from .register import Register
        Register(register).close()  # a register that cannot be opened is refused before anything is made
        register = os.fspath(register)
    if templates is not None:  # a custom template is refused once, before anything is made (not row by row)
        from .templates import find_template  # docxtpl: the parent renders nothing itself otherwise
        for style in sorted(set(STYLES.values())):
            find_template(template_name(kind, style), templates)
    out = output_folder(folder)
    with FolderLock(out):  # a second run into the folder is refused here, before anything is made
        manifest = Manifest(kind, str(table), notes=notes).join(out)
        recover(out, manifest)
        staging = Path(tempfile.mkdtemp(prefix=f"{RUN_STAGING}{manifest.run}-", dir=out))
        try:
            return _run(kind, rows, out, staging, manifest, jobs=jobs, pdf=pdf, policy=policy, notices=notices,
                        templates=templates, soffice=soffice, stamp=stamp, font=font, chunk=chunk,
                        convert_legacy=convert_legacy, progress=progress, metadata=metadata, table=str(table),
                        register=register)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _run(kind: str, rows: Iterator[tuple[int, dict]], out: Path, staging: Path, manifest: Manifest, *,
         jobs: int | None, pdf: bool, policy: str | None, notices: tuple[str, ...], templates: str | None,
         soffice: str | None, stamp: bool, font: str | None, chunk: int | None, convert_legacy: bool,
         progress: Callable[[int], None] | None, metadata: str | None = None, table: str = "",
         register: str | None = None) -> Manifest:
    from . import KINDS
    section = KINDS[kind].section
    settings = Settings(kind, str(out), str(staging), pdf or stamp, policy, tuple(notices), templates, soffice,
                        stamp, font, convert_legacy, f".{metadata}" if metadata else None, table, register)
    names = Names(out)
    suffixes = ((".docx", ".pdf") if pdf or stamp else (".docx",)) + ((f".{metadata}",) if metadata else ())
    recorder = Recorder(manifest, out, staging, names, suffixes, progress)
    manifest.state = "running"
    recorder.flush()  # the run is on record from its start, even if it is killed before its first row
    workers = max(1, jobs or os.cpu_count() or 1)
    if pdf or stamp:
        from .pdf import note_font_substitution
        note_font_substitution()  # once for the run, before its workers start
    from .pdf_workers import uno_python
    # PDFs from long-lived LibreOffice workers over UNO only with one job, where they convert while this process
    # renders; with more, each worker process renders its chunk and converts it in one soffice run: since a
    # LibreOffice start skips its upgrade self-test (pdf.PROFILE_SETTINGS) that is faster and leaner (200
    # letters, --jobs 2, quiet machine, interleaved: 6.35-6.47 s and 224-227 MB PSS against 7.05-7.63 s and
    # 307-310 MB on the UNO workers, whose bridge costs ~1 s more CPU)
    on_workers = bool(settings.pdf and workers == 1 and uno_python())
    in_process = workers == 1 and not settings.pdf  # one job, no PDF: this process renders every row itself
    # worker processes numbering: one row at a time each, so that a row waiting for its turn holds no others
    in_turns = register is not None and not on_workers and not in_process
    chunk = chunk or (PDF_CHUNK if on_workers else 1 if in_turns and not settings.pdf else CHUNK)

    broken: list[InvalidInput] = []  # the table's own error further down, raised once the rows before are done

    def chunks() -> Iterator[list[Job]]:
        batch: list[Job] = []
        position = 0  # counts the rows rendered: a row the table reader found bad takes no turn
        try:
            for number, row in rows:
                data = row if "__error__" in row else _counted(row, unflatten(row, section))
                batch.append(Job(number, data, names.claim(document_name(kind, data, number), suffixes), position))
                position += "__error__" not in data
                if len(batch) == chunk:
                    yield batch
                    batch = []
        except InvalidInput as exc:
            broken.append(exc)
        if batch:
            yield batch

    try:
        # LibreOffice always runs in a worker process: if formgen is killed outright, the worker stops it
        if in_process:
            _start_worker(settings)
            try:
                for batch in chunks():
                    recorder.add(_run_chunk(batch))
            finally:
                _stop_worker()
        elif on_workers:
            _run_on_workers(workers, settings, chunks(), recorder.add)
        else:
            _run_pool(workers, settings, chunks(), recorder.add, in_turns)
        manifest.state = "complete"
    except KeyboardInterrupt:  # Ctrl+C, SIGTERM, SIGHUP (formgen.interrupts): record what is done, then stop
        manifest.state = "interrupted"
        raise
    except BaseException:
        manifest.state = "failed"
        raise
    finally:
        recorder.flush()
    if broken:
        error = broken[0]
        raise InvalidInput(f"{error.message} Các dòng trước đó đã xử lý: {manifest.summary()}", source=error.source)
    return manifest


def _run_pool(workers: int, settings: Settings, chunks: Iterator[list[Job]],
              record: Callable[[list[Entry]], None], in_turns: bool = False) -> None:
    """Run the chunks in worker processes; stopped by any exception, the workers (and their LibreOffice) go too.
    in_turns: the workers number the rows in the table's order (register.in_order)."""
    from concurrent.futures.process import BrokenProcessPool
    turns = None
    if in_turns:
        from .register.in_order import Turns
        turns = Turns()
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(settings, os.getpid(), True, turns)) as pool:
        try:
            pending = set()
            for batch in chunks:  # a bounded window of chunks in flight: memory stays flat
                pending.add(pool.submit(_run_chunk, batch))
                if len(pending) >= workers * 2:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in done:
                        record(f.result())
            for f in pending:
                record(f.result())
        except BrokenProcessPool:
            _stop_pool(pool)
            raise EnvironmentFailed("Một tiến trình con của formgen bị dừng giữa chừng (hết bộ nhớ, hoặc bị "
                                    "kết thúc từ bên ngoài): các dòng đã xong có trong danh sách.") from None
        except BaseException:
            _stop_pool(pool)
            raise


def _run_on_workers(count: int, settings: Settings, chunks: Iterator[list[Job]],
                    record: Callable[[list[Entry]], None]) -> None:
    """Render the rows in this process while `count` long-lived LibreOffice workers (pdf_workers.UnoWorker,
    started at once) convert and stamp the chunks already rendered, one chunk each at a time.

    Each worker's LibreOffice stops on its own if formgen is killed outright (uno_worker watches its parent);
    stopped by any exception, the conversions in flight are killed first, then the threads are joined.
    """
    import queue
    from concurrent.futures import ThreadPoolExecutor
    from .pdf_workers import UnoWorker
    _start_worker(settings, convert=False)
    made: list[UnoWorker] = []
    free: queue.SimpleQueue = queue.SimpleQueue()
    threads = ThreadPoolExecutor(count, thread_name_prefix="formgen-pdf")

    def convert(entries: list[Entry], written: list) -> list[Entry]:
        worker = free.get()
        try:
            _convert_chunk(written, worker)
        finally:
            free.put(worker)
        return entries

    try:
        for _ in range(count):
            made.append(UnoWorker(settings.soffice, recycle=PDF_RECYCLE))
            free.put(made[-1])
        for worker in made:  # LibreOffice starts while the first rows render (a failure shows in the rows)
            threads.submit(worker.start)
        pending = set()
        for batch in chunks:
            entries, written = _render_chunk(batch)
            if not written:
                record(entries)
                continue
            pending.add(threads.submit(convert, entries, written))
            while len(pending) >= count * 2:  # a bounded window of chunks in flight: memory stays flat
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    record(f.result())
        # each worker stopped as soon as its last chunk is done, side by side, while the others finish theirs
        closing = [threads.submit(_close_free, free) for _ in made]
        for f in pending:
            record(f.result())
        for f in closing:
            f.result()
    finally:
        for worker in made:
            worker.close()
        threads.shutdown(wait=True, cancel_futures=True)
        _stop_worker()


def _close_free(free) -> None:
    """Close the next worker that is free (queued after every chunk: it has converted its last)."""
    free.get().close()


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and stop the workers now (SIGTERM: each stops its LibreOffice first)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before Python 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(10)
