"""Long-lived LibreOffice workers over UNO: real conversions, crashes, hangs, recycling, and nothing left behind."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import docx
import pytest

import formgen
from formgen.errors import EnvironmentFailed
from formgen.pdf import Converter
from formgen.pdf_workers import UnoWorker, converter, uno_python

ROOT = Path(__file__).parent.parent
needs_uno = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None
                               or uno_python() is None,
                               reason="LibreOffice, poppler-utils or LibreOffice's Python `uno` (python3-uno) missing")


def pdf_text(path: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())


@pytest.fixture(scope="module")
def letter(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("letter") / "to-trinh.docx"
    formgen.render("request", formgen.load(ROOT / "fixtures" / "request.yaml"), out)
    return out


def long_document(path: Path, pages: int = 120) -> Path:
    """A plain document long enough that converting it takes a while (to be killed meanwhile)."""
    document = docx.Document()
    for i in range(pages):
        document.add_paragraph(f"Trang {i}: " + "Đoàn công tác học tập kinh nghiệm ngoài tỉnh. " * 60)
        document.add_page_break()
    document.save(path)
    return path


def alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def gone(pid: int | None, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def own_leftovers(pid: int) -> list[str]:
    """Profiles, staging folders and UNO pipes of process pid in the temporary folder."""
    root = Path("/tmp")
    return sorted(p.name for pattern in (f"formgen-lo-{pid}-*", f"formgen-pdf-{pid}-*") for p in root.glob(pattern))


def office_processes(profile_owner: int) -> list[int]:
    """soffice processes running on a profile of formgen process profile_owner."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "soffice" in cmd and f"formgen-lo-{profile_owner}-" in cmd and alive(int(entry.name)):
                found.append(int(entry.name))
    return found


@needs_uno
@pytest.mark.slow
def test_one_libreoffice_converts_document_after_document(letter, tmp_path):
    with UnoWorker() as worker:
        first, = worker.convert([letter], tmp_path / "a")
        office = worker.soffice_pid
        second, = worker.convert([letter], tmp_path / "b")
        assert worker.starts == 1 and worker.soffice_pid == office and alive(office)
    for pdf in (first, second):
        assert "Hậu Giang, ngày 20 tháng 5 năm 2024" in pdf_text(pdf)


@needs_uno
@pytest.mark.slow
def test_libreoffice_killed_between_conversions_the_next_one_succeeds(letter, tmp_path):
    with UnoWorker() as worker:
        worker.convert([letter], tmp_path / "a")
        killed = worker.soffice_pid
        os.kill(killed, signal.SIGKILL)
        assert gone(killed)
        pdf, = worker.convert([letter], tmp_path / "b")
        assert worker.starts == 2 and worker.soffice_pid != killed
    assert "Nguyễn Văn An" in pdf_text(pdf)


@needs_uno
@pytest.mark.slow
def test_libreoffice_killed_during_a_conversion_the_conversion_still_succeeds(tmp_path):
    doc = long_document(tmp_path / "dai.docx")
    with UnoWorker() as worker:
        worker.convert([doc], tmp_path / "warm")
        killed = worker.soffice_pid
        started = time.monotonic()
        threading.Timer(0.3, os.kill, (killed, signal.SIGKILL)).start()
        pdf, = worker.convert([doc], tmp_path / "out")
        assert time.monotonic() - started > 0.3 and worker.starts == 2 and gone(killed)
    assert "Trang 119:" in pdf_text(pdf)


@needs_uno
@pytest.mark.slow
def test_a_conversion_past_its_time_limit_is_killed_and_the_worker_comes_back(letter, tmp_path):
    with UnoWorker(timeout=0.001) as worker:
        with pytest.raises(EnvironmentFailed, match="bị treo"):
            worker.convert([letter], tmp_path / "hung")
        assert not (tmp_path / "hung" / "to-trinh.pdf").exists() and not office_processes(os.getpid())
        worker.timeout = 30
        pdf, = worker.convert([letter], tmp_path / "ok")
    assert "Nguyễn Văn An" in pdf_text(pdf)


@needs_uno
@pytest.mark.slow
def test_a_worker_starts_a_fresh_libreoffice_after_its_recycle_count(letter, tmp_path):
    with UnoWorker(recycle=2) as worker:
        worker.convert([letter], tmp_path / "1")
        first = worker.soffice_pid
        worker.convert([letter], tmp_path / "2")
        assert gone(first)
        worker.convert([letter], tmp_path / "3")
        assert worker.starts == 2 and alive(worker.soffice_pid)
    assert all((tmp_path / n / "to-trinh.pdf").exists() for n in "123")


@needs_uno
@pytest.mark.slow
def test_closing_a_worker_leaves_no_libreoffice_no_profile_and_no_pipe(letter, tmp_path):
    worker = UnoWorker()
    worker.convert([letter], tmp_path)
    office, pipe = worker.soffice_pid, Path("/tmp") / f"OSL_PIPE_{os.getuid()}_{worker._pipe}"
    assert pipe.exists()
    worker.close()
    assert gone(office) and not office_processes(os.getpid()) and own_leftovers(os.getpid()) == []
    assert not pipe.exists()


@needs_uno
@pytest.mark.slow
def test_the_uno_listener_is_a_pipe_only_its_owner_can_open(letter, tmp_path):
    with UnoWorker() as worker:
        worker.convert([letter], tmp_path)
        pipe = Path("/tmp") / f"OSL_PIPE_{os.getuid()}_{worker._pipe}"
        mode = pipe.stat().st_mode
        listening = Path(f"/proc/{worker.soffice_pid}/cmdline").read_bytes().decode()
    assert not mode & 0o022 and len(worker_pipe_token(listening)) >= 32  # nobody else may connect (write)
    assert "socket" not in listening.split("--accept=")[1]


def worker_pipe_token(cmdline: str) -> str:
    return cmdline.split("pipe,name=formgen-")[1].split(";")[0]


PARENT = """
import sys, time
from formgen.pdf_workers import UnoWorker
w = UnoWorker()
w.convert([sys.argv[1]], sys.argv[2])
print(w.soffice_pid, w._pipe, flush=True)
time.sleep(60)
"""


@needs_uno
@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_the_parent_stopped_by_a_signal_leaves_no_libreoffice_and_no_profile(letter, tmp_path, signum):
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(letter), str(tmp_path)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    office, pipe = parent.stdout.readline().split()
    socket = Path("/tmp") / f"OSL_PIPE_{os.getuid()}_{pipe}"
    assert alive(int(office)) and socket.exists()
    parent.send_signal(signum)
    parent.wait(10)
    assert gone(int(office)) and gone_leftovers(parent.pid) and not socket.exists()


def gone_leftovers(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while own_leftovers(pid) or office_processes(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_without_unos_python_pdfs_come_from_the_per_call_converter_with_one_note(monkeypatch, caplog):
    import formgen.pdf_workers as workers
    monkeypatch.setenv(workers.ENV_UNO_PYTHON, "none")
    monkeypatch.delenv(workers.ENV_UNO_NOTED, raising=False)
    with caplog.at_level("WARNING", logger="formgen"):
        made = [converter(), converter()]
    for c in made:
        c.close()
    assert all(isinstance(c, Converter) for c in made)
    notes = [r.getMessage() for r in caplog.records if "python3-uno" in r.getMessage()]
    assert len(notes) == 1 and notes[0].startswith("Ghi chú:")


# --- the server's pool on the workers -----------------------------------------------------------

@needs_uno
@pytest.mark.slow
def test_the_servers_pdfs_come_from_one_long_lived_libreoffice(trip_data, tmp_path):
    from formgen.web import create_app
    from test_web import post
    app = create_app(testing=True)
    client = app.test_client()
    bodies = [post(client, "/api/render/request?format=pdf", trip_data) for _ in range(3)]
    pool = app.extensions["formgen_pdf"]
    worker, = pool._live
    assert isinstance(worker, UnoWorker) and worker.starts == 1 and worker.uses == 3
    for i, response in enumerate(bodies):
        assert response.status_code == 200
        (tmp_path / f"{i}.pdf").write_bytes(response.data)
        assert "Nguyễn Văn An" in pdf_text(tmp_path / f"{i}.pdf")
    pool.close()
    assert not office_processes(os.getpid()) and own_leftovers(os.getpid()) == []


@needs_uno
@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_formgen_serve_stopped_by_a_signal_leaves_no_libreoffice_and_no_profile(trip_data, tmp_path, signum):
    import json
    import socket
    import urllib.request
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "formgen", "serve", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        body = json.dumps(trip_data, ensure_ascii=False, default=str).encode()
        for _ in range(100):
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/render/request?format=pdf", body,
                                                 {"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=60) as answer:
                    assert answer.read().startswith(b"%PDF")
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        assert office_processes(server.pid)
        server.send_signal(signum)
        server.wait(30)
    finally:
        server.kill()
    assert gone_leftovers(server.pid, within=2)


@needs_uno
@pytest.mark.slow
def test_the_pdf_benchmark_runs_a_small_interleaved_round():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pdf_bench.py"), "--letters", "3", "--rounds", "1",
                           "--chunks", "2"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    for line in ("ours against one soffice call:", "tree memory of --pdf --jobs 2, peak: RSS sum", "chunk 2 ",
                 "UnoWorker (UNO)      cold"):
        assert line in done.stdout, done.stdout


# --- batch --pdf on the workers -----------------------------------------------------------------

@needs_uno
@pytest.mark.slow
def test_a_batch_whose_libreoffice_is_killed_mid_run_still_writes_every_pdf(tmp_path, monkeypatch):
    from formgen.batch import run_batch
    from test_batch import BASE, write_csv
    # LibreOffice is killed as the batch hands its worker the third of six chunks: on cue, not by racing a poll
    # against conversions that may all be done before the poll looks (as one CI run found).
    killed: list[int] = []
    starts: list[int] = []
    real = UnoWorker.convert

    def convert(self, documents, out_dir=None):
        starts.append(self.starts)
        if len(starts) == 3:
            killed.append(self.soffice_pid)
            os.kill(self.soffice_pid, signal.SIGKILL)
            assert gone(self.soffice_pid)
        return real(self, documents, out_dir)

    monkeypatch.setattr(UnoWorker, "convert", convert)
    table = write_csv(tmp_path / "t.csv", [dict(BASE, **{"Số văn bản": i + 1}) for i in range(12)])
    out = tmp_path / "out"
    manifest = run_batch("request", table, out, jobs=1, pdf=True, chunk=2)
    assert len(killed) == 1 and killed[0] is not None
    assert len(starts) == 6 and starts[:3] == [1, 1, 1] and starts[3:] == [2, 2, 2]  # one fresh LibreOffice after
    assert [e.status for e in manifest.entries] == ["written"] * 12
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 12 and all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)
    assert "Nguyễn Văn An" in pdf_text(pdfs[-1])
    assert not office_processes(os.getpid()) and own_leftovers(os.getpid()) == []


@needs_uno
@pytest.mark.slow
def test_a_batch_with_two_jobs_converts_in_its_worker_processes_not_on_uno_workers(tmp_path, monkeypatch):
    from formgen.batch import run_batch
    from test_batch import BASE, write_csv
    used: list[int] = []
    real = UnoWorker.convert

    def spied(self, documents, out_dir=None):
        used.append(id(self))
        return real(self, documents, out_dir)

    monkeypatch.setattr(UnoWorker, "convert", spied)
    table = write_csv(tmp_path / "t.csv", [dict(BASE, **{"Số văn bản": i + 1}) for i in range(30)])
    manifest = run_batch("request", table, tmp_path / "out", jobs=2, pdf=True)
    assert [e.status for e in manifest.entries] == ["written"] * 30
    pdfs = sorted((tmp_path / "out").glob("*.pdf"))
    assert len(pdfs) == 30 and "Nguyễn Văn An" in pdf_text(pdfs[0])
    assert used == []  # two chunks, each rendered and converted in its worker process's own soffice run
    assert not office_processes(os.getpid()) and own_leftovers(os.getpid()) == []


# --- pdfperf: what a LibreOffice start costs -------------------------------------------------------------------

@needs_uno
@pytest.mark.slow
@pytest.mark.parametrize("make", [UnoWorker, Converter], ids=["uno-worker", "per-call-converter"])
def test_a_converters_fresh_profile_skips_libreoffices_upgrade_self_test(make, letter, tmp_path):
    # a new profile looks like an upgrade to LibreOffice, which then draws its graphics self-test (~0.8 s of
    # CPU, most of a start) and logs it in the profile; the letter still comes out whole
    with make() as converting:
        pdf, = converting.convert([letter], tmp_path)
        profile = converting._profile
        assert (profile / "user" / "registrymodifications.xcu").is_file()
        assert not (profile / "user" / "GraphicsRenderTests.log").exists()
    assert "Hậu Giang, ngày 20 tháng 5 năm 2024" in pdf_text(pdf)
