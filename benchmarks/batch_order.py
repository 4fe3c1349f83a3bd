"""What numbering in the table's row order costs: `batch request --register --jobs N` on a 200-row table, the
code of a git revision (before) against this tree (after), run in turns (A/B interleaved: one machine's load).

    python benchmarks/batch_order.py [--rev b4811ce] [--rows 200] [--rounds 5] [--postgres URL]

Each run starts from an empty register (a new SQLite file; the PostgreSQL database's tables dropped), so every row
takes a new number. Prints each side's median time, range, CPU and the ratio after/before, and whether each run's numbers
followed the rows.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = """import sys
from formgen.batch import run_batch
run_batch("request", sys.argv[1], sys.argv[2], jobs=int(sys.argv[3]), register=sys.argv[4])"""


def table(path: Path, rows: int) -> None:
    sys.path.insert(0, str(ROOT))
    from formgen.yamlio import load_yaml
    base = load_yaml(ROOT / "fixtures" / "request.yaml")
    base["request"]["number"] = None
    with path.open("w", encoding="utf-8") as f:
        for i in range(rows):
            data = copy.deepcopy(base)
            data["delegation"]["leader"]["name"] = f"Nguyễn Văn Số{i:04d}"
            f.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


def empty(where: str, work: Path) -> str:
    if not where.startswith("postgresql"):
        for p in work.glob("so.sqlite*"):
            p.unlink()
        return str(work / "so.sqlite")
    import sqlalchemy as sa
    engine = sa.create_engine(where)
    with engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
    engine.dispose()
    return where


def in_row_order(folder: Path) -> bool:
    import re
    import zipfile
    for row in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["rows"]:
        with zipfile.ZipFile(row["outputs"][0]) as docx:
            text = re.sub(r"<[^>]+>", "", docx.read("word/document.xml").decode("utf-8"))
        if f"Số: {row['row']:02d}/TTr-" not in text:
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rev", default="HEAD~1", help="the code before (a git revision of this repository)")
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--postgres", help="a PostgreSQL URL whose tables may be dropped (default: SQLite)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="formgen-order-") as tmp:
        work = Path(tmp)
        before = work / "before"
        before.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.rev, "formgen"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        table(work / "t.jsonl", args.rows)
        sides = {"before": before, "after": ROOT}
        times: dict[str, list[float]] = {name: [] for name in sides}
        cpu: dict[str, list[float]] = {name: [] for name in sides}  # the processes' CPU: the cost, whatever the load
        ordered: dict[str, list[bool]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name, src in sides.items():
                out = work / f"out-{name}"
                shutil.rmtree(out, ignore_errors=True)
                register = empty(args.postgres or "", work)
                used, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
                subprocess.run([sys.executable, "-c", RUN, str(work / "t.jsonl"), str(out), str(args.jobs), register],
                               check=True, env={**os.environ, "PYTHONPATH": str(src)}, cwd=work)  # not this tree
                times[name].append(time.perf_counter() - start)
                now = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime)
                ordered[name].append(in_row_order(out))
        for name, ts in times.items():
            print(f"{name:7} median {statistics.median(ts):.2f} s [{min(ts):.2f}-{max(ts):.2f}], CPU "
                  f"{statistics.median(cpu[name]):.2f} s, numbers in row order: {sum(ordered[name])}/{len(ts)} runs")
        print(f"after/before: {statistics.median(times['after']) / statistics.median(times['before']):.2f}")


if __name__ == "__main__":
    main()
