"""The output folder's record: the manifest (every run's rows), its lock, the names documents take, and
the staging a document leaves only once the manifest lists it."""
from __future__ import annotations

import csv
import errno
import json
import os
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .errors import EnvironmentFailed, InvalidInput, Refused
from .files import write_atomically


def safe_name(text: str) -> str:
    """A file name any system accepts: ASCII letters, digits and hyphens, no path, at most 80 characters."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text[:80].strip("-") or "van-ban"


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


@dataclass
class Entry:
    """One row of the manifest."""

    row: int
    status: str                      # written | refused | invalid | failed
    outputs: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


MANIFEST_JSON, MANIFEST_CSV = "manifest.json", "manifest.csv"
RUN_STAGING = ".formgen-run-"  # hidden, in the output folder: documents wait here until the manifest lists them
FLUSH_SECONDS = 1.0            # the manifest is rewritten at most this often while a run goes on


@dataclass
class Manifest:
    """The record of an output folder: this run's entries after those of every earlier run, each marked with its run.

    manifest.json is the truth (manifest.csv shows the same rows); it is replaced whole, never written through a
    symlink, and a run adds to it instead of erasing it.
    """

    kind: str
    table: str
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # how the table was read (its encoding, its sheet)
    run: int = 0                     # 0 until joined to the folder's record
    state: str = "complete"          # running | complete | interrupted | failed (a record written once is complete)
    started: str = field(default_factory=lambda: _now())
    earlier_runs: list[dict] = field(default_factory=list)
    earlier_rows: list[dict] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)

    @property
    def exit_code(self) -> int:
        if self.count(EnvironmentFailed.row_status):
            return EnvironmentFailed.exit_code
        return 0 if all(e.status == "written" for e in self.entries) else Refused.exit_code

    def summary(self) -> str:
        return (f"{len(self.entries)} dòng: {self.count('written')} đã tạo, {self.count('refused')} bị từ chối, "
                f"{self.count('invalid')} dữ liệu lỗi, {self.count('failed')} lỗi môi trường.")

    def join(self, folder: str | os.PathLike) -> "Manifest":
        """Read the folder's record, so this run comes after its runs (InvalidInput if it is not formgen's)."""
        self.earlier_runs, self.earlier_rows = _read_record(Path(folder))
        self.run = max((r.get("run", 0) for r in self.earlier_runs if isinstance(r.get("run"), int)), default=0) + 1
        return self

    def run_record(self) -> dict:
        finished = _now() if self.state != "running" else None
        return {"run": self.run, "kind": self.kind, "table": self.table, "started": self.started,
                "finished": finished, "state": self.state, "summary": self.summary(),
                "counts": {s: self.count(s) for s in ("written", "refused", "invalid", "failed")}}

    def rows(self) -> Iterator[dict]:
        """Every run's rows, this run's in table order: each a view of its entry, not a copy (vars, not asdict)."""
        yield from self.earlier_rows
        for e in sorted(self.entries, key=lambda e: e.row):
            yield {"run": self.run, **vars(e)}

    def write(self, folder: str | os.PathLike) -> tuple[Path, Path]:
        """Replace manifest.csv, then manifest.json, each whole (a temporary file renamed into place).

        Both are written row by row, one JSON object a line under "rows": a run rewrites its manifest every
        FLUSH_SECONDS, and a table of 10,000 rows must not build its whole text (or a copy of every row) each time.
        """
        folder = Path(folder)
        if not self.run:
            self.join(folder)
        head = {"kind": self.kind, "table": self.table, "run": self.run, "summary": self.summary(),
                "notes": self.notes, "runs": self.earlier_runs + [self.run_record()]}
        json_path, csv_path = folder / MANIFEST_JSON, folder / MANIFEST_CSV

        def save_csv(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                w.writerow(["lần chạy", "dòng", "kết quả", "tệp", "mã quy tắc", "nội dung"])
                for r in self.rows():
                    w.writerow([r.get("run", ""), r.get("row", ""), r.get("status", ""), "; ".join(r.get("outputs", [])),
                                "; ".join(r.get("codes", [])), " | ".join(r.get("messages", []))])

        def save_json(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "rows": [')
                for i, r in enumerate(self.rows()):
                    f.write(("\n  " if i == 0 else ",\n  ") + json.dumps(r, ensure_ascii=False))
                f.write("\n ]\n}\n")
        try:  # the CSV first: the JSON, the record a next run reads, is never behind it
            write_atomically(csv_path, save_csv)
            write_atomically(json_path, save_json)
        except OSError as exc:  # the temporary file itself could not be made (a full disk)
            raise EnvironmentFailed(f"Không ghi được danh sách {json_path}: {exc.strerror or exc}.") from None
        return json_path, csv_path


def _now() -> str:
    import datetime as dt
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _read_record(folder: Path) -> tuple[list[dict], list[dict]]:
    """(runs, rows) of the manifest already in folder; a manifest of the old shape is one run."""
    json_path = folder / MANIFEST_JSON
    keep = "hãy đổi tên hoặc chuyển tệp này đi (formgen không xoá bản ghi các lần chạy trước)"
    for p in (json_path, folder / MANIFEST_CSV):
        if p.is_symlink():
            raise InvalidInput(f"“{p}” là liên kết tượng trưng (symlink): formgen không ghi danh sách qua liên kết — "
                               "hãy xoá liên kết này hoặc chọn thư mục khác.")
    try:
        fd = os.open(json_path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))  # planted after the check: still refused
        with open(fd, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        return [], []
    except IsADirectoryError:
        raise InvalidInput(f"“{json_path}” là thư mục, không phải danh sách: {keep}.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InvalidInput(f"“{json_path}” là liên kết tượng trưng (symlink): formgen không ghi danh sách qua "
                               "liên kết — hãy xoá liên kết này hoặc chọn thư mục khác.") from None
        raise EnvironmentFailed(f"Không đọc được danh sách {json_path}: {exc.strerror or exc}.") from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(f"Không đọc được danh sách {json_path}: không phải JSON — {keep}.") from None
    rows = doc.get("rows") if isinstance(doc, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("row"), int) for r in rows):
        raise InvalidInput(f"Không đọc được danh sách {json_path}: không phải danh sách của formgen — {keep}.")
    runs = doc.get("runs")
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):  # written before runs were kept
        runs = [{"run": 1, "kind": doc.get("kind"), "table": doc.get("table"), "state": "complete",
                 "summary": doc.get("summary")}]
    for r in rows:
        r.setdefault("run", 1)
    return runs, rows


class FolderLock:
    """One run at a time per output folder: an exclusive flock on the folder itself (no lock file left behind).

    A second run is refused at once (EnvironmentFailed, exit 3); the lock ends with the process holding it,
    however it ends. Where flock does not exist (Windows) runs are not locked.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.fd: int | None = None

    def __enter__(self) -> "FolderLock":
        try:
            import fcntl
        except ImportError:
            return self
        try:
            self.fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
            if not isinstance(exc, BlockingIOError):  # a file system without locks (some NFS): run unlocked
                return self
            raise EnvironmentFailed(f"Thư mục “{self.folder}” đang được một lần chạy formgen khác ghi vào: hãy chờ "
                                    "lần chạy đó xong, hoặc chọn thư mục khác.") from None
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def publish(staged: Path, final: Path) -> None:
    """Move a finished document from staging to its name, never over a file already there."""
    try:
        os.link(staged, final)
    except FileExistsError:
        raise EnvironmentFailed(f"Tệp {final} xuất hiện trong thư mục trong lúc formgen đang ghi: không ghi đè.") \
            from None
    except OSError:  # a file system without hard links
        if os.path.lexists(final):
            raise EnvironmentFailed(f"Tệp {final} xuất hiện trong thư mục trong lúc formgen đang ghi: không ghi đè.") \
                from None
        os.replace(staged, final)
        return
    os.unlink(staged)


class Recorder:
    """Keeps the manifest the truth: a document leaves staging only once a manifest listing it is in place.

    Entries are recorded as chunks finish; at most every FLUSH_SECONDS the manifest is rewritten and the
    documents it now lists are moved into the folder; a stop signal waits for both steps. So a document
    in the folder is always in the manifest; only SIGKILL (or a power cut) between the two steps can
    leave documents the manifest lists in staging, where the next run into the folder moves them.
    """

    def __init__(self, manifest: Manifest, folder: Path, staging: Path, names: Names, suffixes: tuple[str, ...],
                 progress: Callable[[int], None] | None):
        self.manifest, self.folder, self.staging = manifest, folder, staging
        self.names, self.suffixes, self.progress = names, suffixes, progress
        self.pending: list[Entry] = []    # recorded, not yet in the manifest on disk
        self.committed: list[Entry] = []  # in the manifest on disk, documents still in staging
        self.last = time.monotonic()
        self.texts: dict[str, str] = {}

    def add(self, entries: list[Entry]) -> None:
        for entry in entries:  # rows repeat the same warnings: one copy of each text for the whole run
            entry.messages = [self.texts.setdefault(m, m) for m in entry.messages]
            entry.codes = [self.texts.setdefault(c, c) for c in entry.codes]
        self.manifest.entries.extend(entries)
        self.pending.extend(e for e in entries if e.outputs)
        if self.progress:
            self.progress(len(entries))
        if time.monotonic() - self.last >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        from .interrupts import signals_deferred
        with signals_deferred():  # Ctrl+C or SIGTERM waits until the documents the manifest lists are in place
            self._publish_committed()  # what an earlier flush, cut short by an error, left
            for entry in self.pending:
                self._keep_name_free(entry)
            self.manifest.write(self.folder)
            self.last = time.monotonic()
            self.committed, self.pending = self.pending, []
            self._publish_committed()

    def _publish_committed(self) -> None:
        while self.committed:
            for out in self.committed[0].outputs:
                staged = self.staging / Path(out).name
                if staged.exists():
                    publish(staged, Path(out))
            self.committed.pop(0)

    def _keep_name_free(self, entry: Entry) -> None:
        """A file that appeared under the entry's name since it was claimed: the entry takes the next free name."""
        if not any(os.path.lexists(out) for out in entry.outputs):
            return
        stem = self.names.claim(Path(entry.outputs[0]).stem, self.suffixes)
        renamed = [self.folder / f"{stem}{Path(out).suffix}" for out in entry.outputs]
        for out, new in zip(entry.outputs, renamed):
            os.replace(self.staging / Path(out).name, self.staging / new.name)
        entry.outputs = [str(p) for p in renamed]


def recover(folder: Path, manifest: Manifest) -> None:
    """Finish what a run killed outright (SIGKILL, power loss) left: its listed documents, its staging, its state."""
    for staging in folder.glob(f"{RUN_STAGING}*"):
        if staging.is_symlink() or not staging.is_dir():
            continue
        run = staging.name[len(RUN_STAGING):].split("-", 1)[0]
        listed = {Path(out).name for r in manifest.earlier_rows if str(r.get("run")) == run
                  for out in r.get("outputs") or [] if isinstance(out, str)}
        for staged in staging.iterdir():
            if staged.name in listed and not os.path.lexists(folder / staged.name):
                publish(staged, folder / staged.name)
        shutil.rmtree(staging, ignore_errors=True)
    for r in manifest.earlier_runs:
        if r.get("state") == "running":  # the folder is locked by this run: that one is dead
            r["state"] = "interrupted"
