"""formgen's benchmarks: each measured against the plain way in the same run, reported as ratios.

    python benchmarks/run.py [--docx 1000] [--pdf 200] [--pdf-plain 20] [--stamps 1000] [--memory 10000]

- DOCX: request letters through `formgen batch` (a fresh process, --jobs = cores) against a plain
  loop that loads docxtpl's DocxTemplate and renders each letter (same data, same context).
- PDF: letters through `formgen batch --pdf` against one `soffice --convert-to pdf` call per
  letter (the plain way is timed on --pdf-plain letters: each call costs seconds).
- Stamps: deadline stamps on one-page PDFs with formgen.stamping against the same stamp built the
  plain way (reportlab font registered and overlay merged anew for every file).
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
from formgen.render import builtin_template, jinja_env  # noqa: E402

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


def plain_docx(table: Path, out: Path) -> float:
    """The plain way: for each row, DocxTemplate(path).render(context).save(...)."""
    from docxtpl import DocxTemplate
    out.mkdir(parents=True, exist_ok=True)
    profile, calendar = formgen.load_profile(), formgen.WorkCalendar()
    started = time.perf_counter()
    for number, row in read_rows(table):
        trip = validate_trip(unflatten(row, "request"))
        result = formgen.check(trip, "request", profile=profile, calendar=calendar)
        context = KINDS["request"].context(Inputs(trip, profile, calendar, result.deadlines, None))
        doc = DocxTemplate(str(builtin_template(template_name("request", "state"))))
        doc.render(context, jinja_env=jinja_env(), autoescape=True)
        doc.save(out / f"{number}.docx")
    return time.perf_counter() - started


def plain_pdf(docs: list[Path], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for doc in docs:
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(doc)],
                       check=True, capture_output=True, timeout=300)
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
    args.add_argument("--pdf-plain", type=int, default=20)
    args.add_argument("--stamps", type=int, default=1000)
    args.add_argument("--memory", type=int, default=10000)
    opts = args.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, formgen {formgen.__version__}")
    with tempfile.TemporaryDirectory(prefix="formgen-bench-") as tmp:
        work = Path(tmp)
        if opts.docx:
            table = make_table(work / "docx.csv", opts.docx)
            ours = batch(table, work / "batch-docx")
            plain = plain_docx(table, work / "plain-docx")
            report("DOCX", ours, plain, opts.docx, opts.docx, "≥ 5×")
        if opts.pdf and shutil.which("soffice"):
            table = make_table(work / "pdf.csv", opts.pdf)
            ours = batch(table, work / "batch-pdf", "--pdf")
            docs = sorted((work / "batch-pdf").glob("*.docx"))[: opts.pdf_plain]
            plain = plain_pdf(docs, work / "plain-pdf")
            report("PDF", ours, plain, opts.pdf, len(docs), "≥ 10×")
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


def stamps(work: Path, n: int) -> None:
    """A real two-page letter PDF (from LibreOffice when it is there), stamped n times."""
    from concurrent.futures import ProcessPoolExecutor
    from formgen.stamping import stamp_lines
    source = work / "letter.docx"
    formgen.render("request", formgen.load(ROOT / "fixtures" / "request.yaml"), source, pdf=bool(shutil.which("soffice")))
    source = source.with_suffix(".pdf") if source.with_suffix(".pdf").exists() else _one_page(work)
    trip_deadlines = formgen.deadlines(__import__("datetime").date(2024, 6, 3), __import__("datetime").date(2024, 6, 7))
    text = stamp_lines(trip_deadlines, "Tờ trình số 05/TTr-SNV ngày 20/05/2024")
    out = work / "stamped"
    out.mkdir()
    cores = os.cpu_count() or 1
    started = time.perf_counter()
    with ProcessPoolExecutor(cores) as pool:
        parts = [list(range(i, n, cores)) for i in range(cores)]
        sum(pool.map(_stamp_chunk, [(source, out, text, part) for part in parts]))
    ours = time.perf_counter() - started
    started = time.perf_counter()
    _stamp_chunk((source, out, text, range(n)))
    one_core = time.perf_counter() - started
    plain_n = min(n, 200)
    started = time.perf_counter()
    for i in range(plain_n):
        plain_stamp(source, out / f"plain-{i}.pdf", text)
    plain = time.perf_counter() - started
    print(f"stamps ({source.name}): one process {n / one_core:,.1f}/s")
    report(f"stamps, {cores} processes", ours, plain, n, plain_n, "≥ 200/s")


def _one_page(work: Path) -> Path:
    from reportlab.pdfgen import canvas
    source = work / "one-page.pdf"
    c = canvas.Canvas(str(source), pagesize=(595.28, 841.89))
    c.drawString(100, 700, "Letter body")
    c.save()
    return source


def plain_stamp(source: Path, target: Path, text) -> None:
    """The plain way: register the font, draw an overlay, merge it, for every file."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas
    from formgen.fonts import find_font
    pdfmetrics.registerFont(TTFont(f"Plain{id(target)}", str(find_font())))
    writer = PdfWriter(clone_from=PdfReader(source))
    for page in writer.pages:
        buffer = io.BytesIO()
        c = canvas.Canvas(buffer, pagesize=(float(page.mediabox.width), float(page.mediabox.height)))
        c.setFont(f"Plain{id(target)}", 7)
        for i, line in enumerate([text.title, *text.lines]):
            c.drawString(400, 820 - 9 * i, line)
        c.save()
        page.merge_page(PdfReader(buffer).pages[0])
    writer.write(target)


if __name__ == "__main__":
    main()
