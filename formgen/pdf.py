"""DOCX → PDF with LibreOffice headless: own profile per converter, time limit, no half-written PDF."""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import weakref
from pathlib import Path
from typing import Sequence

from .environment import ENV_SOFFICE  # named there: the command line names it without this module
from .errors import EnvironmentFailed, InvalidInput

INSTALL_HINT = ("cài LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer-nogui fonts-liberation2), "
                f"hoặc chỉ đường dẫn bằng tham số soffice= hay biến môi trường {ENV_SOFFICE}")
USUAL_PLACES = (
    "/usr/bin/soffice", "/usr/local/bin/soffice", "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice", "/snap/bin/libreoffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)
PROFILE_PREFIX, STAGING_PREFIX = "formgen-lo-", "formgen-pdf-"  # followed by the owner's process id
# The converter's profile (registrymodifications.xcu): a document reaches nothing outside itself. Block
# untrusted referer links: no linked picture, film or sound, http:// or file://, is loaded (no document
# formgen converts is in a trusted location); links (DDE, linked sections, OLE) are never updated, in
# Writer (sw linkenum.hxx: 0 = NEVER) and Calc (sc LM_NEVER = 1); no macro runs. A new profile also counts as
# an upgrade of LibreOffice (ooSetupLastVersion below its version), on which LibreOffice runs its graphics
# self-test (vcl GraphicsRenderTests: ~0.8 s of CPU, most of a start); a last version no release reaches
# makes no profile an upgrade, as a user's own profile is after its first start.
PROFILE_SETTINGS = {
    "/org.openoffice.Setup/Product": {"ooSetupLastVersion": "999.9"},
    "/org.openoffice.Office.Common/Security/Scripting": {
        "BlockUntrustedRefererLinks": "true", "DisableMacrosExecution": "true", "MacroSecurityLevel": "3"},
    "/org.openoffice.Office.Writer/Content/Update": {"Link": "0"},
    "/org.openoffice.Office.Calc/Content/Update": {"Link": "1"},
}
ENV_FONT_NOTED = "FORMGEN_FONT_NOTED"  # set once the note is given: a run's worker processes stay quiet
log = logging.getLogger("formgen")  # with no logging set up, Python prints a warning as its bare line on stderr
BASE_TIMEOUT = 60.0      # seconds for LibreOffice to start and convert its first document
PER_DOCUMENT = 20.0      # seconds more for each further document in the same run


def find_soffice(explicit: str | os.PathLike | None = None) -> str:
    """The LibreOffice program: the one given, $FORMGEN_SOFFICE, on PATH, or in the usual places."""
    wanted = explicit or os.environ.get(ENV_SOFFICE)
    if wanted:
        found = shutil.which(str(wanted))
        if not found:
            raise EnvironmentFailed(f"Không chạy được LibreOffice tại “{wanted}”: {INSTALL_HINT}.")
        return found
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for place in USUAL_PLACES:
        if os.access(place, os.X_OK):
            return place
    for place in sorted(Path("/opt").glob("libreoffice*/program/soffice")):
        return str(place)
    raise EnvironmentFailed(f"Không tìm thấy LibreOffice để chuyển sang PDF: {INSTALL_HINT}.")


def _looks_complete(pdf: Path) -> bool:
    """A whole PDF: the header at the start and an end-of-file marker near the end."""
    try:
        with open(pdf, "rb") as f:
            head = f.read(5)
            f.seek(max(0, pdf.stat().st_size - 1024))
            tail = f.read()
    except OSError:
        return False
    return head == b"%PDF-" and b"%%EOF" in tail


def house_font() -> str:
    """The documents' font (the format files' `font`: Times New Roman); LibreOffice embeds it when installed."""
    from .formats import load_format
    return load_format("state")["font"]


def house_font_substitute() -> str | None:
    """The family LibreOffice prints the house font with when it is not installed, None when it is."""
    from .fonts import FAMILIES, _files_named
    font = house_font()
    if shutil.which("fc-match"):
        try:
            done = subprocess.run(["fc-match", "-f", "%{family}", font], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        family = done.stdout.split(",")[0].strip()
        return family if done.returncode == 0 and family and family.casefold() != font.casefold() else None
    return None if _files_named(dict(FAMILIES).get(font, (f"{font.lower()}.ttf",))) else "Liberation Serif"


def note_font_substitution() -> None:
    """Say once per run (this process and the workers it starts) that the PDFs will not carry Times New Roman."""
    if os.environ.get(ENV_FONT_NOTED):
        return
    os.environ[ENV_FONT_NOTED] = "1"
    substitute = house_font_substitute()
    if substitute:
        font = house_font()
        log.warning(f"Cảnh báo: máy không có phông {font}, bản PDF dùng phông {substitute} cùng cỡ chữ; "
                    f"văn bản điện tử gửi đi nên in bằng {font} (cài phông rồi tạo lại PDF).")


class Converter:
    """One LibreOffice at a time with its own user profile; use one Converter per concurrent worker.

    Two LibreOffice processes on one profile fail silently, so each Converter makes its own.
    """

    def __init__(self, soffice: str | os.PathLike | None = None, timeout: float | None = None):
        self.soffice = find_soffice(soffice)
        self.timeout = timeout
        note_font_substitution()
        _sweep_orphans()
        self._profile = Path(tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-"))
        # a Converter dropped without close() still removes its profile (when collected, or at exit),
        # and so does one stopped by a signal while it sets the profile up
        self._remove_profile = weakref.finalize(self, shutil.rmtree, self._profile, True)
        self._proc: subprocess.Popen | None = None  # the LibreOffice running now, if any
        self._staging: Path | None = None           # where it writes the PDFs now, if anywhere
        _configure(self._profile)

    def __enter__(self) -> "Converter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop a LibreOffice still running (an interrupted conversion); remove the profile and the staging."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            _kill_group(proc, wait_only=True)
        self._remove_profile()
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)

    def convert(self, documents: Sequence[str | os.PathLike], out_dir: str | os.PathLike | None = None) -> list[Path]:
        """Convert every document in as few LibreOffice runs as possible; PDFs land beside them or in out_dir.

        A run that crashes or hangs is killed (its whole process group) and the documents it did not
        finish get one more try in a fresh LibreOffice; what still fails raises EnvironmentFailed.
        """
        docs = [Path(d) for d in documents]
        if not docs:
            return []
        targets = pdf_targets(docs, out_dir)
        with tempfile.TemporaryDirectory(prefix=f"{STAGING_PREFIX}{os.getpid()}-") as tmp:
            staging = self._staging = Path(tmp)
            pending = list(range(len(docs)))
            failure = ""
            for attempt in range(2):
                if not pending:
                    break
                if attempt:  # a crash may leave the profile locked or broken: start afresh
                    shutil.rmtree(self._profile, ignore_errors=True)
                    self._profile.mkdir()
                    _configure(self._profile)
                failure = self._run([docs[i] for i in pending], staging)
                pending = [i for i in pending if not _looks_complete(staging / f"{docs[i].stem}.pdf")]
            if pending:
                names = ", ".join(docs[i].name for i in pending)
                raise EnvironmentFailed(f"LibreOffice không chuyển được sang PDF: {names}. {failure}".strip())
            deliver(staging, targets)
        return targets

    def _run(self, docs: list[Path], out_dir: Path) -> str:
        """One LibreOffice run; returns "" or what went wrong (in Vietnamese)."""
        limit = self.timeout or BASE_TIMEOUT + PER_DOCUMENT * (len(docs) - 1)
        own_tmp = self._profile / "tmp"  # LibreOffice's own temporary files go with the profile
        own_tmp.mkdir(exist_ok=True)
        cmd = [self.soffice, f"-env:UserInstallation={self._profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out_dir),
               *map(str, docs)]
        env = dict(os.environ, TMPDIR=str(own_tmp), TMP=str(own_tmp), TEMP=str(own_tmp))
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True)  # its own process group, to kill it whole
        except OSError as exc:
            raise EnvironmentFailed(f"Không chạy được LibreOffice ({self.soffice}): {exc.strerror}; "
                                    f"{INSTALL_HINT}.") from None
        self._proc = proc
        try:
            _, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return f"LibreOffice bị treo quá {limit:.0f} giây và đã bị dừng."
        except BaseException:  # Ctrl+C, SIGTERM: its own session would keep it running after formgen
            _kill_group(proc, wait_only=True)
            raise
        finally:
            self._proc = None
        if proc.returncode != 0:
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            return f"LibreOffice thoát với mã {proc.returncode}. {detail[0]}".strip()
        return ""


def pdf_targets(docs: Sequence[Path], out_dir: str | os.PathLike | None) -> list[Path]:
    """Where each document's PDF goes (beside it, or in out_dir); two documents of one name are refused."""
    stems = [d.stem for d in docs]
    if len(set(stems)) != len(stems):  # LibreOffice names its output after the input
        clash = sorted({s for s in stems if stems.count(s) > 1})
        raise InvalidInput(f"Các tệp cùng tên sẽ ghi đè PDF của nhau: {', '.join(clash)}.")
    return [(Path(out_dir) if out_dir else d.parent) / f"{d.stem}.pdf" for d in docs]


def deliver(staging: Path, targets: list[Path]) -> None:
    """Move each finished PDF from staging (named as its target) into place, each whole or not at all."""
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging / target.name), target.with_suffix(".pdf.part"))
        os.replace(target.with_suffix(".pdf.part"), target)


def _configure(profile: Path) -> None:
    """Write PROFILE_SETTINGS where LibreOffice reads a new profile's settings (user/registrymodifications.xcu)."""
    items = "".join(f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>\n'
                    for path, props in PROFILE_SETTINGS.items() for name, value in props.items())
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{items}</oor:items>\n", encoding="utf-8")


def _kill_group(proc: subprocess.Popen, wait_only: bool = False) -> None:
    """Kill LibreOffice and every process it started; wait_only: reap it without reading its pipes."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if wait_only:  # an interrupted communicate() may be under us: do not read its pipes again
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        return
    proc.communicate()


def _sweep_orphans(owner_pid: int | None = None) -> None:
    """Remove profiles and staging folders of formgen processes that died without cleaning up (SIGKILL);
    with owner_pid, those of that process, whatever state its converters are in."""
    root, me = Path(tempfile.gettempdir()), getattr(os, "getuid", lambda: 0)()
    for prefix in (PROFILE_PREFIX, STAGING_PREFIX):
        for folder in root.glob(f"{prefix}{owner_pid if owner_pid is not None else '*'}-*"):
            owner = folder.name[len(prefix):].split("-", 1)[0]
            try:
                if not owner.isdigit() or folder.stat().st_uid != me or (owner_pid is None and _alive(int(owner))):
                    continue
            except OSError:
                continue
            shutil.rmtree(folder, ignore_errors=True)


def remove_own_folders() -> None:
    """This process's LibreOffice profiles and staging folders: for a worker stopped by a signal, which may
    come while a converter is still being made, before it can close it."""
    _sweep_orphans(os.getpid())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def docx_to_pdf(docx: str | os.PathLike, *, soffice: str | os.PathLike | None = None,
                timeout: float | None = None) -> Path:
    """Convert one document; the PDF is written beside it, whole or not at all."""
    with Converter(soffice, timeout) as converter:
        return converter.convert([docx])[0]
