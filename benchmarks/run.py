"""formgen's benchmarks: each measured against the plain way in the same run, reported as ratios.

    python benchmarks/run.py [--quick] [--rounds N] [--docx 1000] [--stamps 1000] [--memory 10000] [--letters N]

Every comparison runs its two sides in turn, round after round (A/B interleaved, the order swapped each round,
so a load that comes and goes falls on both); each figure is the median of the rounds with its range, and a
ratio is the median of the rounds' own ratios. Both sides get the same number of processes, fresh ones, and
write the same output; Python's bytecode is cached for both (an installed formgen has its .pyc files).
- Startup: `formgen --version`, `formgen --help`, `formgen render --help` (target < 0.3 s).
- One letter: `formgen render request fixtures/request.yaml -o OUT.docx` against benchmarks/plain_letter.py,
  docxtpl's `DocxTemplate(...).render(...).save(...)` alone in a fresh interpreter on the same template and
  context (the filters' results handed to it), writing the same text (checked) (target within 1.5×).
- DOCX: request letters through `formgen batch --jobs P` against the plain loop (docxtpl's DocxTemplate
  rendered and saved for each row, same data, same context, compressed .docx on both sides), run in P fresh
  processes over their shares of the rows, for P = 1 and P = cores (target ≥ 10×).
- Stamps: the deadline stamp on the first page of a real two-page letter, with formgen.stamping against the
  same stamp built the plain way with reportlab and pypdf (font registered once per process, overlay merged,
  whole file written), in 1 process, then in as many processes as cores.
- Memory: the peak resident memory of the whole `formgen batch` process tree over a large table, with the
  parent's and the largest worker's own peaks.
- PDF: the rows of benchmarks/pdf_bench.py, when it is there (see `pdf_rows`).
`--quick` is a small round of everything (under two minutes on a 2-core machine).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
SAMPLE = ROOT / "fixtures" / "batch" / "requests.csv"
LETTER = ROOT / "fixtures" / "request.yaml"
QUICK = {"rounds": 3, "docx": 100, "stamps": 60, "memory": 1500, "letters": 5}
FULL = {"rounds": 5, "docx": 1000, "stamps": 1000, "memory": 10000, "letters": 9}


# --- the machine and the runs --------------------------------------------------------------------

def machine_line() -> str:
    """Which machine and when: cores, CPU model, memory, the load when the run began."""
    model = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = next((int(line.split()[1]) * 1024 for line in _read("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal:")), 0)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    from formgen import __version__
    return (f"machine: {os.cpu_count()} cores, {model}, {memory / 2**30:.1f} GB RAM, load {load} at start; "
            f"Python {platform.python_version()}, formgen {__version__}; "
            f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def environment(work: Path) -> dict[str, str]:
    """Both sides' environment: this source tree first, bytecode cached (in the run's folder), no register."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "FORMGEN_REGISTER")}
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(work / "pycache")}


def timed(args: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=env, cwd=cwd)
    return time.perf_counter() - started


def interleaved(rounds: int, ours, plain) -> tuple[list[float], list[float]]:
    """Seconds of each side over `rounds` rounds, A then B, then B then A..."""
    a, b = [], []
    for i in range(rounds):
        if i % 2:
            b.append(plain(i))
            a.append(ours(i))
        else:
            a.append(ours(i))
            b.append(plain(i))
    return a, b


def spread(values: list[float], unit: str = " s", digits: int = 3) -> str:
    return f"{statistics.median(values):.{digits}f}{unit} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def report(name: str, ours: list[float], plain: list[float], n: int, target: str) -> float:
    """One row: each side's rate (median, range), the median of the rounds' ratios (range), the target."""
    ratios = [p / o for o, p in zip(ours, plain)]
    rate = [n / s for s in ours]
    plain_rate = [n / s for s in plain]
    print(f"{name}: formgen {spread(rate, '/s', 1)}; plain {spread(plain_rate, '/s', 1)}; "
          f"ratio {statistics.median(ratios):.1f}× (range {min(ratios):.1f}–{max(ratios):.1f}×) over {len(ours)} "
          f"interleaved rounds (target {target})")
    return statistics.median(ratios)


# --- startup and one letter ----------------------------------------------------------------------

def startup(work: Path, env: dict[str, str], rounds: int) -> None:
    for args in (["--version"], ["--help"], ["render", "--help"]):
        seconds = [timed([sys.executable, "-m", "formgen", *args], env) for _ in range(rounds)]
        print(f"startup, `formgen {' '.join(args)}`: {spread(seconds)} over {rounds} runs (target < 0.3 s)")


def letter_context(work: Path) -> tuple[Path, Path]:
    """The template and the context formgen renders fixtures/request.yaml with, and the filters' results."""
    import formgen
    from formgen import layout
    from formgen.documents import KINDS, Inputs, template_name
    from formgen.rendering import builtin_template, jinja_env
    trip = formgen.load(LETTER)
    result = formgen.check(trip, "request")
    profile = formgen.load_profile().on(trip["delegation"]["depart_on"])
    context = KINDS["request"].context(Inputs(trip, profile, formgen.WorkCalendar(), result.deadlines,
                                              result.limits))
    template = builtin_template(template_name("request", trip["issuer"]["style"]))
    filters: dict[str, dict[str, str]] = {"rule": {}, "keep_last_words": {}}

    def recording(name, function):
        def filtered(*args):
            value = function(*args)
            filters[name][json.dumps(args, ensure_ascii=False)] = value
            return value
        return filtered
    from docxtpl import DocxTemplate
    env = jinja_env()
    env.filters.update(rule=recording("rule", layout.rule),
                       keep_last_words=recording("keep_last_words", layout.keep_last_words))
    DocxTemplate(str(template)).render(context, jinja_env=env, autoescape=True)
    path = work / "letter-context.json"
    path.write_text(json.dumps({**context, "__filters__": filters}, ensure_ascii=False), encoding="utf-8")
    return template, path


def one_letter(work: Path, env: dict[str, str], rounds: int) -> None:
    template, context = letter_context(work)
    ours_out, plain_out = work / "letter-formgen.docx", work / "letter-plain.docx"
    ours_args = [sys.executable, "-m", "formgen", "render", "request", str(LETTER), "-o", str(ours_out),
                 "--overwrite"]
    plain_args = [sys.executable, str(HERE / "plain_letter.py"), str(template), str(context), str(plain_out)]
    timed(ours_args, env), timed(plain_args, env)  # the bytecode cache filled, the files in the page cache
    if _lines(ours_out) != _lines(plain_out):
        raise SystemExit("one letter: the plain script does not write the letter formgen writes")
    ours, plain = interleaved(rounds, lambda i: timed(ours_args, env), lambda i: timed(plain_args, env))
    ratios = [o / p for o, p in zip(ours, plain)]
    print(f"one letter, fresh process: formgen render {spread(ours)}; plain docxtpl script {spread(plain)}; "
          f"formgen/plain {statistics.median(ratios):.2f}× (range {min(ratios):.2f}–{max(ratios):.2f}×) over "
          f"{rounds} interleaved rounds (target ≤ 1.5×)")


def _lines(path: Path) -> list[str]:
    """Every paragraph's text, table cells included."""
    import docx
    from docx.oxml.ns import qn
    body = docx.Document(str(path)).element.body
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))]


# --- DOCX batches --------------------------------------------------------------------------------

def make_table(path: Path, rows: int) -> Path:
    """`rows` compliant request rows, from the first row of the sample table, each with its own number."""
    from formgen.batch import read_rows
    _, first = next(read_rows(SAMPLE))
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(first))
        writer.writeheader()
        for i in range(rows):
            writer.writerow({**first, "Số văn bản": i + 1})
    return path


_RUNS = itertools.count(1)


def fresh(out: Path) -> Path:
    """A new folder for one timed run, beside the others; none is removed before the benchmark ends.

    Removing the last round's 1,000 letters just before the next round made every file the next round created
    cost 0.1-0.3 ms instead of ~0.01 ms on this machine: its ext4 has no journal, and such an ext4 will not
    reuse an inode freed in the last 30 s, so each new file's creation steps over all of them (perf:
    recently_deleted in find_inode_bit, 25-50% of a run that only writes files). Neither a user's folder nor a
    journalled file system does that; both sides had it, and it weighed ten times more on the side that is ten
    times faster."""
    return out.with_name(f"{out.name}-{next(_RUNS)}")


def batch(table: Path, out: Path, env: dict[str, str], *extra: str) -> float:
    out = fresh(out)
    return timed([sys.executable, "-m", "formgen", "batch", "request", str(table), "-o", str(out), *extra], env)


def plain_docx_share(table: str, out: str, share: int, processes: int) -> int:
    """One process's share of the plain loop: for each row, DocxTemplate(path).render(context).save(...)."""
    sys.path.insert(0, str(ROOT))
    from docxtpl import DocxTemplate

    import formgen
    from formgen.batch import read_rows, unflatten
    from formgen.documents import KINDS, Inputs, template_name
    from formgen.model import validate_trip
    from formgen.rendering import builtin_template, jinja_env
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


def plain_docx(table: Path, out: Path, env: dict[str, str], processes: int) -> float:
    """The plain loop in `processes` fresh interpreters at once, each over its share of the rows."""
    out = fresh(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    calls = [subprocess.Popen([sys.executable, __file__, "--plain-docx-share", str(table), str(out), str(i),
                               str(processes)], env=env) for i in range(processes)]
    if any(call.wait() for call in calls):
        raise SystemExit("the plain DOCX loop failed")
    return time.perf_counter() - started


def docx_rows(work: Path, env: dict[str, str], rows: int, rounds: int) -> None:
    table = make_table(work / "docx.csv", rows)
    warm = make_table(work / "warm.csv", 10)  # untimed: each side's bytecode cached before its first timed round
    batch(warm, work / "warm-batch", env, "--jobs", "1")
    plain_docx(warm, work / "warm-plain", env, 1)
    for processes in sorted({1, os.cpu_count() or 1}):
        ours, plain = interleaved(
            rounds, lambda i: batch(table, work / f"batch-docx-{processes}", env, "--jobs", str(processes)),
            lambda i: plain_docx(table, work / f"plain-docx-{processes}", env, processes))
        report(f"DOCX, {processes} process(es) each, {rows} letters", ours, plain, rows, "≥ 10×")
    sizes = [p.stat().st_size for p in work.glob("batch-docx-*/*.docx")]
    plain_sizes = [p.stat().st_size for p in work.glob("plain-docx-*/*.docx")]
    print(f"DOCX size: formgen {sum(sizes) / len(sizes) / 1024:.0f} KB a letter, "
          f"plain {sum(plain_sizes) / len(plain_sizes) / 1024:.0f} KB "
          f"({(sum(sizes) + sum(plain_sizes)) / 2**20:.0f} MB of letters kept until the benchmark ends)")


# --- memory --------------------------------------------------------------------------------------

def tree_rss(root_pid: int) -> tuple[int, int, int]:
    """(whole tree, root, largest descendant) resident memory in bytes, from /proc."""
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
    total, largest, stack = 0, 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        if pid != root_pid:
            largest = max(largest, rss.get(pid, 0))
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total, rss.get(root_pid, 0), largest


def peak_memory(table: Path, out: Path, env: dict[str, str], *extra: str) -> tuple[float, tuple[int, int, int]]:
    proc = subprocess.Popen([sys.executable, "-m", "formgen", "batch", "request", str(table), "-o", str(out), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peaks = (0, 0, 0)
    started = time.perf_counter()
    while proc.poll() is None:
        peaks = tuple(map(max, peaks, tree_rss(proc.pid)))
        time.sleep(0.05)
    if proc.returncode:
        raise SystemExit(f"formgen batch failed in the memory run (exit {proc.returncode})")
    return time.perf_counter() - started, peaks


def memory_row(work: Path, env: dict[str, str], rows: int) -> None:
    table = make_table(work / "memory.csv", rows)
    seconds, (tree, parent, worker) = peak_memory(table, work / "batch-memory", env)
    print(f"memory: {rows} rows in {seconds:.1f} s, peak {tree / 2**20:.0f} MB for the whole process tree "
          f"(formgen's own process {parent / 2**20:.0f} MB, largest worker {worker / 2**20:.0f} MB; "
          "target < 300 MB)")


# --- stamps --------------------------------------------------------------------------------------

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
    """Seconds for `work` over `args` split into `processes` new processes (each registers its own font)."""
    from concurrent.futures import ProcessPoolExecutor
    source, out, text, n = args
    started = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        sum(pool.map(work, [(source, out, text, range(i, n, processes)) for i in range(processes)]))
    return time.perf_counter() - started


def stamps(work: Path, n: int, rounds: int) -> None:
    """A real two-page letter PDF (from LibreOffice when it is there), stamped n times."""
    import formgen
    from formgen.stamping import stamp_lines
    source = work / "letter.docx"
    formgen.render("request", formgen.load(LETTER), source, pdf=bool(shutil.which("soffice")))
    source = source.with_suffix(".pdf") if source.with_suffix(".pdf").exists() else _one_page(work)
    found = formgen.deadlines(dt.date(2024, 6, 3), dt.date(2024, 6, 7))
    text = stamp_lines(found, "Tờ trình số 05/TTr-SNV ngày 20/05/2024")
    out = work / "stamped"
    out.mkdir()
    for processes in sorted({1, os.cpu_count() or 1}):
        ours, plain = interleaved(rounds, lambda i: _in_processes(_stamp_chunk, processes, (source, out, text, n)),
                                  lambda i: _in_processes(_plain_stamp_chunk, processes, (source, out, text, n)))
        # issue 6's target is the machine's: 200 stamps a second on a 2-core machine, so on all its cores
        report(f"stamps ({source.name}, first page), {processes} process(es) each", ours, plain, n,
               "≥ 200/s on all cores" if processes == (os.cpu_count() or 1) else "-")


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


# --- PDF (helper uno's benchmarks/pdf_bench.py) ---------------------------------------------------

def pdf_rows(work: Path, env: dict[str, str], opts: argparse.Namespace) -> None:
    """The PDF rows come from benchmarks/pdf_bench.py: `run(work, env, letters=N, rounds=R, quick=Q)` prints them
    (batch --pdf against one `soffice --convert-to pdf` call per core, memory with --pdf, render --pdf cold
    and warm). Without that module there are no PDF rows."""
    if not opts.pdf:
        return
    sys.path.insert(0, str(HERE))
    try:
        import pdf_bench
    except ImportError:
        print("PDF: benchmarks/pdf_bench.py is not in this tree: no PDF rows")
        return
    pdf_bench.run(work, env, letters=opts.pdf, rounds=opts.rounds, quick=opts.quick)


def main() -> None:
    if sys.argv[1:2] == ["--plain-docx-share"]:  # one process of the plain loop (see plain_docx)
        table, out, share, processes = sys.argv[2:6]
        plain_docx_share(table, out, int(share), int(processes))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small round of everything: " + str(QUICK))
    parser.add_argument("--rounds", type=int, help="interleaved rounds per comparison")
    for name in ("docx", "stamps", "memory", "letters"):
        parser.add_argument(f"--{name}", type=int)
    parser.add_argument("--pdf", type=int, default=200, help="letters for benchmarks/pdf_bench.py (0: none)")
    opts = parser.parse_args()
    for name, value in (QUICK if opts.quick else FULL).items():
        if getattr(opts, name) is None:
            setattr(opts, name, value)
    if opts.quick and opts.pdf == 200:
        opts.pdf = 20
    sys.path.insert(0, str(ROOT))
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="formgen-bench-") as tmp:
        work = Path(tmp)
        env = environment(work)
        if opts.letters:
            startup(work, env, opts.letters)
            one_letter(work, env, opts.letters)
        if opts.docx:
            docx_rows(work, env, opts.docx, opts.rounds)
        if opts.stamps:
            stamps(work, opts.stamps, opts.rounds)
        if opts.memory:
            memory_row(work, env, opts.memory)
        pdf_rows(work, env, opts)


if __name__ == "__main__":
    main()
