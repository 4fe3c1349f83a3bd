"""formgen's PDF figures, A/B interleaved in one run: batch PDF against LibreOffice's own batch, tree memory, one letter.

    python benchmarks/pdf_bench.py [--quick] [--letters 200] [--rounds 3] [--chunks 5,25,50]

- Batch PDF: `formgen batch request TABLE --pdf --jobs 2` (a fresh process; each worker process renders its
  chunk and converts it in one soffice run) against the plain way LibreOffice offers: ONE `soffice --convert-to pdf` call over the same
  letters (the .docx formgen wrote, so both sides make PDFs of the same letters; on a profile started once
  before the rounds, as a user's own; the call is one process converting on one thread: the machine's
  second core is there for it, it has no way to use it). A profile used only headless runs LibreOffice's
  graphics self-test at every start (~0.8 s of CPU; one used in the GUI once does not): formgen's profiles
  skip it (formgen.pdf.PROFILE_SETTINGS), so the call is also timed on a profile set the same way. The sides
  run in turn, round after round; each figure is the median of the rounds with its range.
- Chunk size: the same batch in chunks of N rows (each chunk one LibreOffice run in a worker), for each N asked,
  interleaved too. (A worker's LibreOffice restarts, formgen.batch.PDF_RECYCLE, concern the UNO workers of
  one-job batches and the server, not measured here.)
- Tree memory: the peak of the whole `formgen batch --pdf --jobs 2` process tree (formgen, its workers,
  LibreOffice), sampled every 250 ms in runs of their own (not the timed ones), as the sum of RSS (shared pages counted in every process) and as the
  sum of PSS (each shared page split between the processes that map it: what the tree costs the machine).
- One letter: `formgen render request FILE -o X.docx --pdf` as a fresh process (the per-call soffice), and
  in one process a letter's PDF cold (a fresh converter) and warm (the converter's next letter), for the
  per-call Converter and the long-lived UnoWorker.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import make_table  # noqa: E402

from formgen.pdf import _configure  # noqa: E402

FIXTURE = ROOT / "fixtures" / "request.yaml"


CHUNKED = ("import sys, formgen.batch as b; "
           "b.run_batch('request', sys.argv[1], sys.argv[2], jobs=2, pdf=True, chunk=int(sys.argv[3]) or None)")


def formgen_batch(table: Path, out: Path, *extra: str, env: dict | None = None, memory: bool = False,
                  chunk: int | None = None):
    """Seconds for one fresh `formgen batch request --pdf` process (the library's run_batch in a fresh process
    in chunks of `chunk` rows); with memory, also its peak tree RSS and PSS."""
    shutil.rmtree(out, ignore_errors=True)
    command = ([sys.executable, "-c", CHUNKED, str(table), str(out), str(chunk)]
               if chunk else
               [sys.executable, "-m", "formgen", "batch", "request", str(table), "-o", str(out), "--pdf", *extra])
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
                            env=dict(os.environ, **(env or {})))
    peaks = [0, 0]
    if memory:
        def sample():
            while proc.poll() is None:
                rss, pss = tree_memory(proc.pid)
                peaks[0], peaks[1] = max(peaks[0], rss), max(peaks[1], pss)
                time.sleep(0.25)  # the memory of LibreOffice grows letter by letter: its peak lasts
        sampler = threading.Thread(target=sample)
        sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    if memory:
        sampler.join()
    if proc.returncode:
        raise SystemExit(f"formgen batch failed ({proc.returncode}): {err.decode()[-500:]}")
    return (seconds, *peaks) if memory else seconds


def one_soffice_call(docs: list[Path], out: Path, profile: Path) -> float:
    """LibreOffice's own batch: one `soffice --convert-to pdf` over every letter, on `profile` (started once
    before the rounds, as a user's own profile has been)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    done = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                           "pdf", "--outdir", str(out), *map(str, docs)], capture_output=True, timeout=3600)
    seconds = time.perf_counter() - started
    if done.returncode or len(list(out.glob("*.pdf"))) != len(docs):
        raise SystemExit("soffice failed in the PDF baseline")
    return seconds


def tree_memory(root: int) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in bytes of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    rss = pss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
        except OSError:
            pass
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return rss, pss


def pdf_text(pdf: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())


def same_letters(ours: Path, plain: Path, count: int) -> None:
    """Both sides made a PDF of every letter, and the same text for the first one."""
    mine, theirs = sorted(ours.glob("*.pdf")), sorted(plain.glob("*.pdf"))
    if len(mine) != count or len(theirs) != count:
        raise SystemExit(f"not the same output: {len(mine)} and {len(theirs)} PDFs for {count} letters")
    if shutil.which("pdftotext") and pdf_text(mine[0]) != pdf_text(plain / mine[0].name):
        raise SystemExit(f"not the same letter: {mine[0].name}")


CPU: dict[str, list[float]] = {}


def cpu_of(side: str, run, *args, **kwargs):
    """run(*args, **kwargs), adding the CPU seconds (user + system) of the processes it waited for to CPU[side]:
    on a loaded machine the work each side costs, whatever share of the cores it was given."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run(*args, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(side, []).append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return result


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s [{min(values):.2f}–{max(values):.2f}]"


def ratio(plain: list[float], ours: list[float]) -> str:
    """Plain time over ours, per round (interleaved pairs): the median and its range."""
    r = [p / o for p, o in zip(plain, ours)]
    return f"{statistics.median(r):.2f}× [{min(r):.2f}–{max(r):.2f}]"


def batch_pdf(work: Path, letters: int, rounds: int, chunks: list[int]) -> None:
    table = make_table(work / "letters.csv", letters)
    formgen_batch(table, work / "warm", "--jobs", "2")  # the page cache warm for every side
    docs = sorted((work / "warm").glob("*.docx"))
    # the baseline's own profile, started once here; and one set as formgen sets its own (the self-test skipped)
    profile, tuned = work / "plain-profile", work / "tuned-profile"
    _configure(tuned)
    for p in (profile, tuned):
        one_soffice_call(docs[:1], work / "plain", p)
    sides = {"ours": [], "plain": [], "tuned": []}
    per_chunk: dict[int, list[float]] = {c: [] for c in chunks}
    rss, pss = [], []
    for _ in range(rounds):
        sides["ours"].append(cpu_of("ours", formgen_batch, table, work / "ours", "--jobs", "2"))
        sides["plain"].append(cpu_of("plain", one_soffice_call, docs, work / "plain", profile))
        sides["tuned"].append(cpu_of("tuned", one_soffice_call, docs, work / "tuned", tuned))
        for c in chunks:
            per_chunk[c].append(formgen_batch(table, work / f"chunk-{c}", chunk=c))
        _, peak_rss, peak_pss = formgen_batch(table, work / "memory", "--jobs", "2", memory=True)
        rss.append(peak_rss)
        pss.append(peak_pss)
    same_letters(work / "ours", work / "plain", letters)
    print(f"batch PDF, {letters} letters, {rounds} rounds interleaved (medians [ranges]):")
    print(f"  formgen batch --pdf --jobs 2                   {median(sides['ours'])}")
    print(f"  one soffice --convert-to pdf call (plain)      {median(sides['plain'])}")
    print(f"  one soffice call, self-test skipped as formgen skips it {median(sides['tuned'])}")
    print(f"  ours against one soffice call: {ratio(sides['plain'], sides['ours'])} (target ≥ 1.5×); against it "
          f"with the self-test skipped: {ratio(sides['tuned'], sides['ours'])}")
    print(f"  CPU seconds (all processes): ours {median(CPU['ours'])}, one soffice call {median(CPU['plain'])} "
          f"(self-test skipped {median(CPU['tuned'])})")
    bound = [p / (o / 2) for p, o in zip(CPU["plain"], CPU["ours"])]
    print(f"  on 2 free cores at best (one soffice call's CPU over half of ours): {statistics.median(bound):.2f}× "
          f"[{min(bound):.2f}–{max(bound):.2f}]")
    for c in chunks:
        print(f"  chunk {c:<3} {median(per_chunk[c])}  ({ratio(sides['plain'], per_chunk[c])} of one soffice call)")
    mb = 2 ** 20
    print(f"  tree memory of --pdf --jobs 2, peak: RSS sum {statistics.median(rss) / mb:.0f} MB "
          f"[{min(rss) / mb:.0f}–{max(rss) / mb:.0f}], PSS sum {statistics.median(pss) / mb:.0f} MB "
          f"[{min(pss) / mb:.0f}–{max(pss) / mb:.0f}] (target < 400 MB)")


def render_pdf_process(out: Path) -> float:
    for p in (out, out.with_suffix(".pdf")):
        p.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "formgen", "render", "request", str(FIXTURE), "-o", str(out), "--pdf"],
                   check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


COLD_WARM = """
import sys, time
from formgen.pdf import Converter
from formgen.pdf_workers import UnoWorker
make = {"converter": Converter, "uno": UnoWorker}[sys.argv[1]]
docx, out = sys.argv[2], sys.argv[3]
started = time.perf_counter()
with make() as c:
    c.convert([docx], out + "/cold")
    cold = time.perf_counter() - started
    started = time.perf_counter()
    c.convert([docx], out + "/warm")
    warm = time.perf_counter() - started
print(cold, warm)
"""


def one_letter(work: Path, rounds: int) -> None:
    import formgen
    docx = work / "letter.docx"
    formgen.render("request", formgen.load(FIXTURE), docx, overwrite=True)
    process, figures = [], {"converter": ([], []), "uno": ([], [])}
    for _ in range(rounds):
        process.append(render_pdf_process(work / "render.docx"))
        for kind, (cold, warm) in figures.items():
            done = subprocess.run([sys.executable, "-c", COLD_WARM, kind, str(docx), str(work)], check=True,
                                  capture_output=True, text=True, cwd=ROOT)
            c, w = map(float, done.stdout.split())
            cold.append(c)
            warm.append(w)
    print(f"one letter, {rounds} rounds interleaved:")
    print(f"  formgen render request --pdf (fresh process, per-call soffice): {median(process)}")
    for kind, label in (("converter", "per-call Converter"), ("uno", "UnoWorker (UNO)")):
        cold, warm = figures[kind]
        print(f"  {label:<20} cold (start + first letter) {median(cold)}, warm (next letter) {median(warm)}")


def run(work: Path, env: dict | None = None, *, letters: int, rounds: int, quick: bool = False) -> None:
    """The PDF rows inside benchmarks/run.py: the main comparison, memory and one letter (no chunk sweep when
    quick). `env` is run.py's environment for its subprocesses; this module's own runs set what they need."""
    if not shutil.which("soffice"):
        print("PDF: LibreOffice (soffice) is not installed: no PDF rows")
        return
    batch_pdf(work, letters, rounds, [] if quick else [5, 25, 50])
    one_letter(work, rounds)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="40 letters, 3 rounds, no chunk sweep")
    args.add_argument("--letters", type=int, default=200)
    args.add_argument("--rounds", type=int, default=3)
    args.add_argument("--chunks", default="5,25,50", help="chunk sizes to measure, comma-separated")
    opts = args.parse_args()
    if opts.quick:
        opts.letters, opts.chunks = 40, ""  # the main comparison only
    if not shutil.which("soffice"):
        raise SystemExit("LibreOffice (soffice) is not installed: no PDF figures")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.python_version()}, load average "
          f"{load:.1f} at start; {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory(prefix="formgen-pdf-bench-") as tmp:
        work = Path(tmp)
        batch_pdf(work, opts.letters, opts.rounds, [int(c) for c in opts.chunks.split(",") if c])
        one_letter(work, opts.rounds)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} at the end (others' work shares the cores: read the ratios, not the seconds)")


if __name__ == "__main__":
    main()
