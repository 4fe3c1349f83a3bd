"""Long-lived LibreOffice workers over UNO (formgen/uno_worker.py under the Python that has `uno`), and the pick
between them and the per-call Converter."""
from __future__ import annotations

import json
import logging
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Sequence

from .errors import EnvironmentFailed
from .pdf import (BASE_TIMEOUT, PER_DOCUMENT, PROFILE_PREFIX, STAGING_PREFIX, Converter, _configure, _looks_complete,
                  _sweep_orphans, deliver, find_soffice, note_font_substitution, pdf_targets)

ENV_UNO_PYTHON = "FORMGEN_UNO_PYTHON"  # the Python that imports LibreOffice's `uno`; "none": no workers
ENV_UNO_NOTED = "FORMGEN_UNO_NOTED"    # the note about a missing `uno` is given once per run
UNO_PLACES = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python")
SCRIPT = Path(__file__).with_name("uno_worker.py")
PIPE_DIR = "/tmp"  # where LibreOffice (sal/osl) makes a named pipe's socket, whatever TMPDIR says
RECYCLE = 200  # conversions before a worker's LibreOffice is started afresh (its memory grows with use)
log = logging.getLogger("formgen")
_found: dict[str, str | None] = {}


def uno_python() -> str | None:
    """The Python that can `import uno` ($FORMGEN_UNO_PYTHON, the system's, LibreOffice's own), or None."""
    wanted = os.environ.get(ENV_UNO_PYTHON)
    key = wanted or ""
    if key not in _found:
        candidates = [] if wanted == "none" else [wanted] if wanted else list(UNO_PLACES)
        _found[key] = next((p for p in candidates if _imports_uno(p)), None)
    return _found[key]


def _imports_uno(python: str) -> bool:
    try:
        return subprocess.run([python, "-I", "-c", "import uno"], stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def converter(soffice: str | os.PathLike | None = None, timeout: float | None = None, *, recycle: int = RECYCLE):
    """A UnoWorker where LibreOffice's `uno` is installed; else a Converter (one soffice run a call), said once."""
    if uno_python():
        return UnoWorker(soffice, timeout, recycle=recycle)
    if not os.environ.get(ENV_UNO_NOTED):
        os.environ[ENV_UNO_NOTED] = "1"
        log.warning("Ghi chú: máy không có python3-uno (apt-get install python3-uno), nên mỗi lần chuyển PDF "
                    "LibreOffice khởi động lại từ đầu (chậm hơn, kết quả như nhau).")
    return Converter(soffice, timeout)


class UnoWorker:
    """One LibreOffice started once, with its own profile (PROFILE_SETTINGS), converting one document at a time
    over UNO; the same convert()/close() as Converter. A conversion past its time limit, or a LibreOffice that
    crashed, is killed and the document tried once more on a fresh one; after `recycle` conversions it starts
    afresh. Thread-safe: callers take turns."""

    def __init__(self, soffice: str | os.PathLike | None = None, timeout: float | None = None, *,
                 recycle: int = RECYCLE, python: str | None = None):
        self.soffice = find_soffice(soffice)
        self.python = python or uno_python()
        if not self.python:
            raise EnvironmentFailed("Không có Python kèm `uno` của LibreOffice (apt-get install python3-uno).")
        self.timeout, self.recycle = timeout, max(1, recycle)
        note_font_substitution()
        _sweep_orphans()
        self._lock = threading.Lock()
        self._closed = False
        self._proc: subprocess.Popen | None = None
        self._profile: Path | None = None
        self._buffer = b""
        self._pipe: str | None = None  # the UNO listener's pipe name (a socket LibreOffice makes in /tmp)
        self.uses = 0        # conversions by the LibreOffice running now
        self.starts = 0      # LibreOffice processes started so far
        self.soffice_pid: int | None = None
        self._finalizer = weakref.finalize(self, _stop, None, None)

    def __enter__(self) -> "UnoWorker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start LibreOffice now (else the first conversion does): EnvironmentFailed if it cannot."""
        with self._lock:
            if self._proc is None and not self._closed:
                self._start()

    def close(self) -> None:
        """Stop LibreOffice and remove its profile, now: a conversion still running (another thread's, cut
        short by Ctrl+C) is abandoned, and the worker starts no LibreOffice again."""
        self._closed = True
        if not self._lock.acquire(blocking=False):
            proc = self._proc
            if proc is not None:
                _kill(proc)  # the waiting thread sees its worker gone and gives up
            self._lock.acquire()
        try:
            self._stop(graceful=True)
        finally:
            self._lock.release()

    def convert(self, documents: Sequence[str | os.PathLike], out_dir: str | os.PathLike | None = None) -> list[Path]:
        """Each document's PDF beside it or in out_dir, whole or not at all; EnvironmentFailed naming what failed."""
        docs = [Path(d).resolve() for d in documents]
        targets = pdf_targets(docs, out_dir)
        with self._lock, tempfile.TemporaryDirectory(prefix=f"{STAGING_PREFIX}{os.getpid()}-") as tmp:
            for doc in docs:  # all converted before any is delivered, as by Converter
                self._convert_one(doc, Path(tmp) / f"{doc.stem}.pdf")
            deliver(Path(tmp), targets)
        return targets

    def _convert_one(self, doc: Path, pdf: Path) -> None:
        failure = ""
        for _ in range(2):  # a crash or a hang: once more on a fresh LibreOffice
            try:
                if self._proc is None:
                    if self._closed:
                        raise EnvironmentFailed("LibreOffice đã được đóng trước khi chuyển xong.")
                    self._start()
                failure = self._ask({"in": str(doc), "out": str(pdf)}, self.timeout or PER_DOCUMENT)
            except BaseException:  # Ctrl+C, SIGTERM while waiting: LibreOffice goes with the run
                self._stop()
                raise
            if not failure and _looks_complete(pdf):
                self.uses += 1
                if self.uses >= self.recycle:
                    self._stop(graceful=True)
                return
            self._stop()
            pdf.unlink(missing_ok=True)
        raise EnvironmentFailed(f"LibreOffice không chuyển được sang PDF: {doc.name}. {failure}".strip())

    def _start(self) -> None:
        self._profile = Path(tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-"))
        _configure(self._profile)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        try:
            self._proc = subprocess.Popen(
                [self.python, "-I", str(SCRIPT), self.soffice, str(self._profile), str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                start_new_session=True)  # its own process group, with its LibreOffice: killed whole
        except OSError as exc:
            self._stop()
            raise EnvironmentFailed(f"Không chạy được {self.python}: {exc.strerror}.") from None
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _stop, self._proc, self._profile)
        self._buffer = b""
        self.uses = 0
        self.starts += 1
        answer = self._read(BASE_TIMEOUT)
        if not answer.get("ready"):
            self._stop()
            raise EnvironmentFailed(f"LibreOffice không khởi động được: {answer.get('error', '')}".strip())
        self.soffice_pid = answer.get("pid")  # soffice.bin itself, not its launcher
        self._pipe = answer.get("pipe")

    def _ask(self, request: dict, limit: float) -> str:
        """Send one request; "" when done, else what went wrong (in Vietnamese)."""
        try:
            self._proc.stdin.write((json.dumps(request) + "\n").encode())
            self._proc.stdin.flush()
        except OSError:
            return "LibreOffice đã dừng."
        answer = self._read(limit)
        if answer.get("ok"):
            return ""
        return answer.get("error") or "LibreOffice đã dừng."

    def _read(self, limit: float) -> dict:
        """The worker's next line within limit seconds; {"error": ...} when it died or hung (then it is killed)."""
        deadline = time.monotonic() + limit
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                _kill(self._proc)
                return {"error": f"LibreOffice bị treo quá {limit:.0f} giây và đã bị dừng."}
            chunk = os.read(fd, 65536)
            if not chunk:
                return {"error": "LibreOffice đã dừng giữa chừng."}
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return {"error": "LibreOffice trả lời không đọc được."}

    def _stop(self, graceful: bool = False) -> None:
        proc, profile, self._proc, self._profile = self._proc, self._profile, None, None
        self.soffice_pid = None
        self._finalizer.detach()
        _stop(proc, profile, graceful)
        if self._pipe:  # a killed LibreOffice leaves its listener's socket behind
            Path(PIPE_DIR, f"OSL_PIPE_{os.getuid()}_{self._pipe}").unlink(missing_ok=True)
            self._pipe = None


def _stop(proc: subprocess.Popen | None, profile: Path | None, graceful: bool = False) -> None:
    """End a worker (stdin closed: it shuts LibreOffice down; then its whole group is killed) and remove its profile."""
    if proc is not None:
        if graceful and proc.poll() is None:
            try:
                proc.stdin.close()
                proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        _kill(proc)
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
    if profile is not None:
        shutil.rmtree(profile, ignore_errors=True)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass
