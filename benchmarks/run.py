"""formgen's benchmarks: each measured against the plain way in the same run, reported as ratios.

    python benchmarks/run.py [--docx 1000] [--pdf 200] [--stamps 1000] [--memory 10000]

Each comparison gives both sides the same number of processes and the same output:
- DOCX: request letters through `formgen batch` (a fresh process; --jobs 1, then --jobs = cores)
  against a plain loop that loads docxtpl's DocxTemplate and renders and saves each letter (same data,
  same context, compressed .docx on both sides), run in 1 process, then split over as many processes.
- PDF: letters through `formgen batch --pdf` against the plain way LibreOffice itself offers: one
  `soffice --convert-to pdf` call over all the letters (--jobs 1), then one call per core over its
  share of them, each with its own profile (--jobs = cores).
- Stamps: the deadline stamp on the first page of a real two-page letter, with formgen.stamping
  against the same stamp built the plain way with reportlab and pypdf (font registered once per
  process, overlay merged, whole file written), in 1 process, then in as many processes as cores.
- Memory: the peak resident memory of the whole `formgen batch` process tree over a large table.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import formgen  # noqa: E402
from formgen.batch import read_rows, unflatten  # noqa: E402
from formgen.documents import KINDS, Inputs, template_name  # noqa: E402
from formgen.model import validate_trip  # noqa: E402
from formgen.rendering import builtin_template, jinja_env  # noqa: E402

SAMPLE = ROOT / "fixtures" / "batch" / "requests.csv"


def make_table(path: Path, rows: int) -> Path:
    """`rows` compliant request rows, from the first row of the sample table, each with its own number."""
    _, first = next(read_rows(SAMPLE))
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(first))
        writer.writeheader()
        for i in range(rows):
            writer.writerow({**first, "Số văn bản": i + 1})
    return path


def batch(table: Path, out: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "formgen", "batch", "request", str(table), "-o", str(out), *extra],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def _plain_docx_share(args) -> int:
    """One process's share of the plain loop: for each row, DocxTemplate(path).render(context).save(...)."""
    from docxtpl import DocxTemplate
    table, out, share, processes = args
    profile, calendar = formgen.load_profile(), formgen.WorkCalendar()
    done = 0
    for i, (number, row) in enumerate(read_rows(table)):
        if i % processes != share:
            continue
        trip = validate_trip(unflatten(row, "request"))
        result = formgen.check(trip, "request", profile=profile, calendar=calendar)
        context = KINDS["request"].context(Inputs(trip, profile, calendar, result.deadlines, result.limits))
        doc = DocxTemplate(str(builtin_template(template_name("request", "state"))))
        doc.render(context, jinja_env=jinja_env(), autoescape=True)
        doc.save(Path(out) / f"{number}.docx")
        done += 1
    return done


def plain_docx(table: Path, out: Path, processes: int = 1) -> float:
    """The plain loop in `processes` fresh processes, each over its share of the rows."""
    from concurrent.futures import ProcessPoolExecutor
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        sum(pool.map(_plain_docx_share, [(table, out, i, processes) for i in range(processes)]))
    return time.perf_counter() - started


def plain_pdf(docs: list[Path], out: Path, processes: int = 1) -> float:
    """LibreOffice's own batch: one `soffice --convert-to pdf` call a process over its share of the letters."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    calls = []
    for i in range(processes):
        profile = out / f"profile-{i}"
        calls.append(subprocess.Popen(
            ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), *map(str, docs[i::processes])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for call in calls:
        if call.wait(timeout=1800):
            raise SystemExit("soffice failed in the PDF baseline")
    return time.perf_counter() - started


def tree_rss(root_pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def peak_memory(table: Path, out: Path) -> tuple[float, int]:
    proc = subprocess.Popen([sys.executable, "-m", "formgen", "batch", "request", str(table), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    started = time.perf_counter()
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.05)
    return time.perf_counter() - started, peak


def report(name: str, ours: float, plain: float, n_ours: int, n_plain: int, target: str) -> None:
    rate_ours, rate_plain = n_ours / ours, n_plain / plain
    print(f"{name}: formgen {rate_ours:,.1f}/s ({n_ours} in {ours:.1f} s); plain {rate_plain:,.1f}/s "
          f"({n_plain} in {plain:.1f} s); ratio {rate_ours / rate_plain:.1f}× (target {target})")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--docx", type=int, default=1000)
    args.add_argument("--pdf", type=int, default=200)
    args.add_argument("--stamps", type=int, default=1000)
    args.add_argument("--memory", type=int, default=10000)
    opts = args.parse_args()
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores, Python {sys.version.split()[0]}, formgen {formgen.__version__}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    with tempfile.TemporaryDirectory(prefix="formgen-bench-") as tmp:
        work = Path(tmp)
        if opts.docx:
            table = make_table(work / "docx.csv", opts.docx)
            for processes in sorted({1, cores}):
                ours = batch(table, work / f"batch-docx-{processes}", "--jobs", str(processes))
                plain = plain_docx(table, work / f"plain-docx-{processes}", processes)
                report(f"DOCX, {processes} process(es) each", ours, plain, opts.docx, opts.docx, "≥ 5×")
            sizes = [p.stat().st_size for p in (work / "batch-docx-1").glob("*.docx")]
            plain_sizes = [p.stat().st_size for p in (work / "plain-docx-1").glob("*.docx")]
            print(f"DOCX size: formgen {sum(sizes) / len(sizes) / 1024:.0f} KB a letter, "
                  f"plain {sum(plain_sizes) / len(plain_sizes) / 1024:.0f} KB")
        if opts.pdf and shutil.which("soffice"):
            table = make_table(work / "pdf.csv", opts.pdf)
            for processes in sorted({1, cores}):
                ours = batch(table, work / f"batch-pdf-{processes}", "--pdf", "--jobs", str(processes))
                docs = sorted((work / f"batch-pdf-{processes}").glob("*.docx"))
                plain = plain_pdf(docs, work / f"plain-pdf-{processes}", processes)
                report(f"PDF, {processes} process(es) each", ours, plain, opts.pdf, len(docs), "≥ 1.5×")
        if opts.stamps:
            stamps(work, opts.stamps)
        if opts.memory:
            table = make_table(work / "memory.csv", opts.memory)
            seconds, peak = peak_memory(table, work / "batch-memory")
            print(f"memory: {opts.memory} rows in {seconds:.1f} s, peak {peak / 2**20:.0f} MB for the whole "
                  "process tree (target < 300 MB)")


def _stamp_chunk(args) -> int:
    from formgen.stamping import stamp_pdf
    source, folder, text, numbers = args
    for i in numbers:
        stamp_pdf(source, Path(folder) / f"{i}.pdf", text)
    return len(numbers)


def _plain_stamp_chunk(args) -> int:
    source, folder, text, numbers = args
    for i in numbers:
        plain_stamp(source, Path(folder) / f"plain-{i}.pdf", text)
    return len(numbers)


def _in_processes(work, processes: int, args) -> float:
    """Seconds for `work` over `args` split into `processes` fresh processes."""
    from concurrent.futures import ProcessPoolExecutor
    source, out, text, n = args
    started = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        sum(pool.map(work, [(source, out, text, range(i, n, processes)) for i in range(processes)]))
    return time.perf_counter() - started


def stamps(work: Path, n: int) -> None:
    """A real two-page letter PDF (from LibreOffice when it is there), stamped n times."""
    from formgen.stamping import stamp_lines
    source = work / "letter.docx"
    formgen.render("request", formgen.load(ROOT / "fixtures" / "request.yaml"), source, pdf=bool(shutil.which("soffice")))
    source = source.with_suffix(".pdf") if source.with_suffix(".pdf").exists() else _one_page(work)
    trip_deadlines = formgen.deadlines(__import__("datetime").date(2024, 6, 3), __import__("datetime").date(2024, 6, 7))
    text = stamp_lines(trip_deadlines, "Tờ trình số 05/TTr-SNV ngày 20/05/2024")
    out = work / "stamped"
    out.mkdir()
    for processes in sorted({1, os.cpu_count() or 1}):
        ours = _in_processes(_stamp_chunk, processes, (source, out, text, n))
        plain = _in_processes(_plain_stamp_chunk, processes, (source, out, text, n))
        report(f"stamps ({source.name}, first page), {processes} process(es) each", ours, plain, n, n,
               "≥ 200/s")


def _one_page(work: Path) -> Path:
    from reportlab.pdfgen import canvas
    source = work / "one-page.pdf"
    c = canvas.Canvas(str(source), pagesize=(595.28, 841.89))
    c.drawString(100, 700, "Letter body")
    c.save()
    return source


_PLAIN_FONT = "PlainStampFont"


def plain_stamp(source: Path, target: Path, text) -> None:
    """The plain way: draw an overlay with reportlab, merge it on the first page with pypdf, write the file.

    The font is registered once per process, as any program that stamps many files would do.
    """
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas
    from formgen.fonts import find_font
    if _PLAIN_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_PLAIN_FONT, str(find_font())))
    writer = PdfWriter(clone_from=PdfReader(source))
    page = writer.pages[0]
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(float(page.mediabox.width), float(page.mediabox.height)))
    c.setFont(_PLAIN_FONT, 7)
    for i, line in enumerate([text.title, *text.lines]):
        c.drawString(400, 820 - 9 * i, line)
    c.save()
    page.merge_page(PdfReader(buffer).pages[0])
    writer.write(target)


if __name__ == "__main__":
    main()
