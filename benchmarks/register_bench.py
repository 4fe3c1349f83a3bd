"""The register at 100,000 delegations: list, overdue, annual --all and add, on SQLite and PostgreSQL.

    python benchmarks/register_bench.py [--quick] [--postgres URL] [--size N] [--runs N]

The register is built quickly: a few delegations go through the library (Register.add), and the rest
are rows written directly, made from those by moving their dates, leaders and numbers; the first
rows are checked against what the library itself writes for them. Then each measured command runs as
users run it: `formgen register list`, `register list` with filters, `register overdue` and
`annual --year Y --all` as fresh processes of the real CLI (wall time and the process's peak
resident memory), `Register.add` as a warm library call (a new delegation, and the same file again).
Each figure is the median of several runs, with its range. Everything lives in a temporary folder
(and, with --postgres, in that database's register tables), removed at the end.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
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
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from formgen.calendar import WorkCalendar  # noqa: E402
from formgen.model import validate_trip  # noqa: E402
from formgen.policy import load_profile  # noqa: E402
from formgen.policy.profile import focus_key  # noqa: E402
from formgen.register import Register  # noqa: E402
from formgen.register.records import facts_of, jsonable, topics_of  # noqa: E402
from formgen.register.storage import DELEGATIONS, TOPICS  # noqa: E402
from formgen.yamlio import load_yaml  # noqa: E402

UNITS = 200
FIRST_YEAR, LAST_YEAR = 2001, 2026
ANNUAL_YEAR = 2025
ON = dt.date(2026, 12, 1)           # the day `overdue` is asked for
PLACES = ["thành phố Đà Nẵng", "tỉnh Quảng Ninh", "thành phố Hải Phòng", "tỉnh Lâm Đồng", "tỉnh Bắc Ninh",
          "thành phố Cần Thơ", "tỉnh Khánh Hòa", "tỉnh Bình Dương", "tỉnh Thừa Thiên Huế", "tỉnh Nghệ An"]
DAY = dt.timedelta(days=1)
TABLES = "delegation_topics, delegations, schema_version"


def templates() -> list[dict]:
    """The validated delegations every row is made from: with and without a report."""
    base = load_yaml(ROOT / "fixtures" / "request.yaml")
    report = load_yaml(ROOT / "fixtures" / "report.yaml")["report"]
    with_report = {**copy.deepcopy(base), "report": report}
    return [validate_trip(base), validate_trip(with_report)]


def shifted(value, days: int):
    """Every date of a validated trip moved by `days`."""
    if isinstance(value, dict):
        return {k: shifted(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v, days) for v in value]
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=days)
    return value


def delegation(i: int, total: int, shapes: list[dict]) -> dict:
    """Delegation number i of the register as a validated trip: unit i % UNITS, its date spread over the years,
    mostly reported once back (some late, a few never), one or two stops among PLACES."""
    span = (dt.date(LAST_YEAR, 12, 20) - dt.date(FIRST_YEAR, 1, 5)).days
    depart = dt.date(FIRST_YEAR, 1, 5) + dt.timedelta(days=(i * 7919) % span)
    back = depart + 4 * DAY
    reported = back < ON - 20 * DAY and i % 37 != 0
    shape = shapes[1 if reported else 0]
    trip = shifted(shape, (depart - shape["delegation"]["depart_on"]).days)
    unit = i % UNITS
    trip["issuer"] = {**trip["issuer"], "name": f"Đơn vị số {unit + 1}", "abbreviation": f"ĐV{unit + 1:03d}"}
    d = trip["delegation"]
    d["leader"] = {**d["leader"], "name": f"Nguyễn Văn Thứ {i}"}
    d["focus_areas"] = [["cải cách hành chính", "chuyển đổi số", "xây dựng nông thôn mới"][i % 3]]
    for n, stop in enumerate(d["stops"]):
        stop["place"] = PLACES[(i + 3 * n) % len(PLACES)]
    trip["request"] = {**trip["request"], "number": i // UNITS + 1}  # a unit's numbers, one after another
    if reported:  # three days after the return; some late: forty days after it
        late = i % 11 == 0
        trip["report"] = {**trip["report"], "date": back + (40 if late else 3) * DAY,
                          "delay_reason": "Chờ số liệu." if late else trip["report"]["delay_reason"]}
    return trip


def fast_row(i: int, trip: dict, now: dt.datetime) -> dict:
    """The row the library writes for trip i, without its rule checks (facts_of's columns, computed directly)."""
    d, issuer = trip["delegation"], trip["issuer"]
    report = trip.get("report")
    return {
        "id": i + 1, "unit_code": issuer["abbreviation"], "unit_key": focus_key(issuer["abbreviation"]),
        "unit_name": issuer["name"], "depart_on": d["depart_on"], "return_on": d["return_on"],
        "size": 1 + len(d["members"]), "leader_name": d["leader"]["name"], "leader_key": focus_key(d["leader"]["name"]),
        "leader_position": d["leader"]["position"], "places": list(dict.fromkeys(s["place"] for s in d["stops"])),
        "focus_areas": list(d["focus_areas"]), "funding_source": d["funding"]["source"],
        "funding_amount": d["funding"]["amount"], "requested_on": trip["request"]["date"], "escalated_on": None,
        "approved_on": None, "reported_on": report["date"] if report else None,
        "report_on_time": None if not report else report["date"] <= d["return_on"] + 10 * DAY,
        "trip": jsonable(trip), "trip_form": 1, "policy": trip.get("policy"),
        "request_year": trip["request"]["date"].year, "request_number": trip["request"]["number"],
        "origin": "file", "source": f"doan-{i + 1}.yaml", "created_at": now, "updated_at": now,
    }


def build(location: str, size: int) -> None:
    """A register of `size` delegations at `location`, the first rows checked against the library's own."""
    shapes = templates()
    profile, cal = load_profile("hau-giang-2024"), WorkCalendar()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with Register(location) as reg:
        for i in range(20):  # what the library writes is what the bulk rows must be
            trip = delegation(i, size, shapes)
            facts, row = facts_of(trip, profile, cal), fast_row(i, trip, now)
            wrong = [k for k in facts if k != "report_on_time" and facts[k] != row[k]]
            if wrong or (facts["report_on_time"] is not None and facts["report_on_time"] != row["report_on_time"]):
                raise SystemExit(f"bulk row {i} differs from the library's in {wrong or ['report_on_time']}")
        chunk = 2000
        for start in range(0, size, chunk):
            rows = [fast_row(i, delegation(i, size, shapes), now) for i in range(start, min(size, start + chunk))]
            topics = [t for r in rows for t in topics_of(r["id"], r["places"], r["focus_areas"])]
            with reg.transaction(write=True) as conn:
                conn.execute(sa.insert(DELEGATIONS), rows)
                conn.execute(sa.insert(TOPICS), topics)
        with reg.transaction(write=True) as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('delegations', 'id'), "
                                     "(SELECT max(id) FROM delegations))")
                conn.exec_driver_sql("ANALYZE delegations; ANALYZE delegation_topics")
            else:
                conn.exec_driver_sql("ANALYZE")


def cli(args: list[str], cwd: Path) -> tuple[float, int, int]:
    """One fresh `formgen` process: (wall seconds, peak resident bytes of that process, exit status)."""
    with open(os.devnull, "wb") as null:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "formgen", *args], cwd=cwd, stdout=null, stderr=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})  # this source tree's formgen
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        err = proc.stderr.read().decode()
        proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"formgen {' '.join(args)} failed ({proc.returncode}): {err.strip()}")
    return wall, usage.ru_maxrss * 1024, proc.returncode


def figure(name: str, walls: list[float], peaks: list[int] | None, target: str) -> dict:
    med = statistics.median(walls)
    peak = f", peak RSS {max(peaks) / 2**20:.0f} MB" if peaks else ""
    unit, scale = ("ms", 1000) if med < 0.1 else ("s", 1)
    print(f"  {name:<42} {med * scale:8.3f} {unit} (range {min(walls) * scale:.3f}–{max(walls) * scale:.3f}, "
          f"{len(walls)} runs){peak}   target {target}", flush=True)
    return {"name": name, "median": med, "min": min(walls), "max": max(walls),
            "peak_rss": max(peaks) if peaks else None}


def measure(location: str, folder: Path, runs: int, size: int) -> list[dict]:
    meta = folder / "annual-meta.yaml"
    meta.write_text("annual:\n  number: 12\n  date: 2025-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n"
                    "  summary: Các đoàn đúng quy định.\n", encoding="utf-8")
    reg = ["--register", location]
    pages = -(-size // 50)
    commands = [
        ("register list (first page)", ["register", "list", *reg], "< 1 s, 150 MB"),
        (f"register list --page {pages} (last)", ["register", "list", "--page", str(pages), *reg], "< 1 s, 150 MB"),
        ("register list --unit --year", ["register", "list", "--unit", "ĐV007", "--year", "2024", *reg],
         "< 1 s, 150 MB"),
        ("register list --state done", ["register", "list", "--state", "done", *reg], "< 1 s, 150 MB"),
        ("register list --overdue", ["register", "list", "--overdue", *reg], "< 1 s, 150 MB"),
        ("register overdue", ["register", "overdue", "--on", ON.isoformat(), *reg], "< 1 s, 150 MB"),
        (f"annual --year {ANNUAL_YEAR} --all ({UNITS} units)",
         ["annual", "--year", str(ANNUAL_YEAR), "--all", "--meta", str(meta), "-o", str(folder / "annual"),
          "--overwrite", *reg], "< 5 s"),
    ]
    results = []
    for name, args, target in commands:
        walls, peaks = [], []
        for _ in range(runs):
            wall, peak, _ = cli(args, folder)
            walls.append(wall)
            peaks.append(peak)
        results.append(figure(name, walls, peaks, target))
    results += measure_add(location, runs, size)
    return results


def measure_add(location: str, runs: int, size: int) -> list[dict]:
    """Register.add, warm (the register open, a first add done): a new delegation, then the same file again."""
    shapes = templates()
    new, again = [], []
    with Register(location) as reg:
        reg.add(delegation(size, size, shapes), force=True)
        for n in range(1, max(runs, 5) * 4 + 1):
            trip = delegation(size + n, size, shapes)
            started = time.perf_counter()
            reg.add(trip, force=True)
            new.append(time.perf_counter() - started)
            started = time.perf_counter()
            reg.add(trip, force=True)
            again.append(time.perf_counter() - started)
    return [figure("Register.add (new, warm)", new, None, "< 5 ms"),
            figure("Register.add (same file again, warm)", again, None, "< 5 ms")]


def drop(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLES}")
    engine.dispose()


def pg_size(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        total = sum(conn.exec_driver_sql(f"SELECT pg_total_relation_size('{t.strip()}')").scalar()
                    for t in TABLES.split(","))
    engine.dispose()
    return total


def run(backend: str, location: str, folder: Path, size: int, runs: int) -> list[dict]:
    print(f"{backend}: building {size} delegations...", flush=True)
    started = time.perf_counter()
    build(location, size)
    bytes_ = pg_size(location) if backend == "postgresql" else Path(location).stat().st_size
    print(f"  built in {time.perf_counter() - started:.1f} s, {bytes_ / 2**20:.0f} MB on disk", flush=True)
    return measure(location, folder, runs, size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 delegations, 3 runs a figure")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL database (its register tables "
                                                          "are dropped before and after)")
    parser.add_argument("--size", type=int, help="delegations in the register (default 100,000)")
    parser.add_argument("--runs", type=int, help="runs a figure (default 5)")
    args = parser.parse_args(argv)
    size = args.size or (10_000 if args.quick else 100_000)
    runs = args.runs or (3 if args.quick else 5)
    print(f"Register benchmark, {size} delegations of {UNITS} units ({FIRST_YEAR}–{LAST_YEAR}), {runs} runs a figure; "
          f"{platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="formgen-register-bench-"))
    try:
        run("sqlite", str(folder / "register.sqlite"), folder, size, runs)
        (folder / "register.sqlite").unlink()
        if args.postgres:
            drop(args.postgres)
            try:
                run("postgresql", args.postgres, folder, size, runs)
            finally:
                drop(args.postgres)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
