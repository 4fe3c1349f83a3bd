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
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from formgen.calendar import WorkCalendar  # noqa: E402
from formgen.model import validate_trip  # noqa: E402
from formgen.policy import load_profile  # noqa: E402
from formgen.policy.profile import focus_key  # noqa: E402
from formgen.register import Register  # noqa: E402
from formgen.register.records import facts_of, jsonable  # noqa: E402
from formgen.register.topics import topics_of  # noqa: E402
from formgen.register.storage import DELEGATIONS, TOPICS, count_topic_sets  # noqa: E402
from formgen.yamlio import load_yaml  # noqa: E402

UNITS = 200
FIRST_YEAR, LAST_YEAR = 2001, 2026
ANNUAL_YEAR = 2025
ON = dt.date(2026, 12, 1)           # the day `overdue` is asked for
PLACES = ["thành phố Đà Nẵng", "tỉnh Quảng Ninh", "thành phố Hải Phòng", "tỉnh Lâm Đồng", "tỉnh Bắc Ninh",
          "thành phố Cần Thơ", "tỉnh Khánh Hòa", "tỉnh Bình Dương", "tỉnh Thừa Thiên Huế", "tỉnh Nghệ An"]
DAY = dt.timedelta(days=1)
TABLES = "delegation_topic_sets, delegation_topics, delegations, schema_version"


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


def build(location: str, size: int, *, old: bool = False) -> None:
    """A register of `size` delegations at `location`, the first rows checked against the library's own; with
    old=True, the same rows in a register of schema version 1 (before the stored forms), for the baseline."""
    if old:
        return build_old(location, size)
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
            topics = [t for r in rows for t in topics_of(r["id"], r["places"], r["focus_areas"], r["depart_on"])]
            with reg.transaction(write=True) as conn:
                conn.execute(sa.insert(DELEGATIONS), rows)
                conn.execute(sa.insert(TOPICS), topics)
        with reg.transaction(write=True) as conn:
            count_topic_sets(conn)  # the duplicate rule's counts, of the rows written directly
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('delegations', 'id'), "
                                     "(SELECT max(id) FROM delegations))")
                conn.exec_driver_sql("ANALYZE delegations; ANALYZE delegation_topics; ANALYZE delegation_topic_sets")
            else:
                conn.exec_driver_sql("ANALYZE")


TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time: the peak of the process itself, not of our fork


def build_old(location: str, size: int) -> None:
    """build()'s rows as schema version 1 holds them: no stored forms, no topics (the baseline code's register)."""
    from formgen.register import storage
    shapes = templates()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    _, table = storage._schema_v1(sa.MetaData())
    engine = sa.create_engine(sa.URL.create("sqlite", database=location), json_serializer=storage.json_text)
    with engine.begin() as conn:
        storage._create_v1(conn)
        conn.execute(sa.insert(storage._schema_v1(sa.MetaData())[0]).values(version=1))
        for start in range(0, size, 2000):
            rows = [fast_row(i, delegation(i, size, shapes), now) for i in range(start, min(size, start + 2000))]
            conn.execute(sa.insert(table), [{c.name: r[c.name] for c in table.c} for r in rows])
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def cli(args: list[str], cwd: Path, code: Path = ROOT) -> tuple[float, int | None, int]:
    """One fresh `formgen` process: (wall seconds, its peak resident bytes, exit status).

    The peak comes from GNU time, which starts the process from its own small image: a child forked from this
    (large) process would count our pages in its own peak until it execs. Without GNU time, no peak.
    """
    report = cwd / "rss.txt"
    command = [sys.executable, "-m", "formgen", *args]
    if TIME:
        command = [TIME, "-f", "%M", "-o", str(report), *command]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(code)})  # this source tree's formgen, or the baseline's
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"formgen {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    peak = int(report.read_text().split()[-1]) * 1024 if TIME else None
    return wall, peak, done.returncode


def figure(name: str, walls: list[float], peaks: list[int] | None, target: str) -> dict:
    med = statistics.median(walls)
    peaks = [p for p in peaks or () if p is not None]
    peak = f", peak RSS {max(peaks) / 2**20:.0f} MB" if peaks else ""
    unit, scale = ("ms", 1000) if med < 0.1 else ("s", 1)
    print(f"  {name:<42} {med * scale:8.3f} {unit} (range {min(walls) * scale:.3f}–{max(walls) * scale:.3f}, "
          f"{len(walls)} runs){peak}   target {target}", flush=True)
    return {"name": name, "median": med, "min": min(walls), "max": max(walls),
            "peak_rss": max(peaks) if peaks else None}


def measure(location: str, folder: Path, runs: int, size: int, baseline: tuple[Path, str] | None = None) -> list[dict]:
    """The commands through the CLI; with a baseline (its code, its register), each run of a command the
    baseline also has is followed by the baseline's run of it (same arguments; `register list` unpaged there)."""
    meta = folder / "annual-meta.yaml"
    meta.write_text("annual:\n  number: 12\n  date: 2025-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n"
                    "  summary: Các đoàn đúng quy định.\n", encoding="utf-8")
    reg = ["--register", location]
    pages = -(-size // 50)
    commands = [
        ("register list (first page)", ["register", "list", *reg], "< 1 s, 150 MB"),  # the baseline: all of it
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
    comparable = {"register list (first page)", "register list --unit --year", "register list --state done",
                  "register overdue", f"annual --year {ANNUAL_YEAR} --all ({UNITS} units)"}
    empty = ["register", "list", "--register", str(folder / "empty.sqlite")]
    results = []
    for name, args, target in commands:
        walls, peaks, old_walls, old_peaks, floors = [], [], [], [], []
        for _ in range(runs):
            wall, peak, _ = cli(args, folder)
            walls.append(wall)
            peaks.append(peak)
            floors.append(cli(empty, folder)[0])  # the process start, in the same moment of the machine's load
            if baseline and name in comparable:
                code, old_location = baseline
                wall, peak, _ = cli([old_location if a == location else a for a in args], folder, code)
                old_walls.append(wall)
                old_peaks.append(peak)
        results.append(figure(name, walls, peaks, target))
        print(f"  {'':<42} of which the process start (empty register, same runs): "
              f"{statistics.median(floors):.3f} s", flush=True)
        if old_walls:
            old = figure("  baseline, same command", old_walls, old_peaks, "-")
            results.append(old)
            print(f"  {'':<42} ratio baseline/new {old['median'] / results[-2]['median']:.1f}×", flush=True)
    results += measure_library(location, folder, runs, size)
    results += measure_add(location, runs, size)
    return results


def measure_library(location: str, folder: Path, runs: int, size: int) -> list[dict]:
    """The same work as library calls in this (warm) process: what the register costs without a process start."""
    from formgen.annual import annual_reports
    section = {"number": 12, "date": "2025-12-20", "signer": {"name": "Lê Văn Bình", "title": "Giám đốc"},
               "summary": "Các đoàn đúng quy định."}
    calls = [
        ("Register.page() (first page)", lambda reg: reg.page(limit=50), "-"),
        (f"Register.page(page={-(-size // 50)})", lambda reg: reg.page(page=-(-size // 50), limit=50), "-"),
        ("Register.page(state='done')", lambda reg: reg.page(state="done", limit=50), "-"),
        ("Register.overdue()", lambda reg: reg.overdue(ON, 5), "-"),
        (f"annual_reports({ANNUAL_YEAR}) ({UNITS} units)",
         lambda reg: annual_reports(reg, ANNUAL_YEAR, section, folder / "annual-library", overwrite=True), "-"),
    ]
    results = []
    with Register(location) as reg:
        for name, call, target in calls:
            call(reg)  # warm
            walls = []
            for _ in range(runs):
                started = time.perf_counter()
                call(reg)
                walls.append(time.perf_counter() - started)
            results.append(figure(name, walls, None, target))
    return results


def measure_add(location: str, runs: int, size: int) -> list[dict]:
    """Register.add, warm (the register open, a first add done): a new delegation where no earlier one went, the
    same file again (an update), and a new one to a place and focus area a few thousand earlier ones share
    (the duplicate rule, R10, counts them in the database and names the latest few, one finding a place)."""
    shapes = templates()

    def elsewhere(n: int) -> dict:
        trip = delegation(size + n, size, shapes)
        for stop in trip["delegation"]["stops"]:
            stop["place"] = f"tỉnh Mới số {n}"
        return trip

    new, again, crowded, warnings = [], [], [], 0
    adds = max(runs, 5) * 4
    with Register(location) as reg:
        reg.add(elsewhere(0), force=True)
        for n in range(1, adds + 1):
            trip = elsewhere(n)
            started = time.perf_counter()
            reg.add(trip, force=True)
            new.append(time.perf_counter() - started)
            started = time.perf_counter()
            reg.add(trip, force=True)
            again.append(time.perf_counter() - started)
        for n in range(adds + WARMING):
            started = time.perf_counter()
            added = reg.add_all([(delegation(2 * size + n, size, shapes), None)], force=True)[0]
            crowded.append(time.perf_counter() - started)
            warnings = len([f for f in added.findings if f.code == "R10"])
    return [figure("Register.add (new, warm)", new, None, "< 5 ms"),
            figure("Register.add (same file again, warm)", again, None, "< 5 ms"),
            figure(f"Register.add (new, thousands of duplicates, {warnings} R10 findings, warm)", crowded[WARMING:],
                   None, "< 5 ms"),
            figure(f"  the same, its first {WARMING} adds (statements not yet prepared)", crowded[:WARMING], None, "-")]


# Adds of a statement's shape before PostgreSQL runs it prepared, its plan kept: psycopg prepares a statement run 5
# times, and the server plans a prepared one afresh 5 more times before it keeps a generic plan. A batch or the web
# server is past them after its first adds; the crowded adds' statements are not those of the adds before them.
WARMING = 10


ADD_ROUND = """
import json, sys
sys.path.insert(0, {benchmarks!r})
import register_bench as bench
import sqlalchemy as sa
from formgen.register import Register
from formgen.register.storage import D
figures = bench.measure_add({location!r}, {runs}, {size})
with Register({location!r}) as reg:  # the round's delegations taken out again: every round adds the same ones anew
    with reg.transaction() as conn:
        added = conn.execute(sa.select(D.id).where(D.id > {size})).scalars().all()
    for record_id in added:
        reg.remove(record_id)
print(json.dumps(figures))
"""


def add_against(backend: str, location: str, other_location: str, other: Path, size: int, runs: int) -> list[dict]:
    """Register.add with this code and with the code at `other` (each on a register its own build() made, of the
    same delegations), the two interleaved round by round in fresh processes; each round's figure is the median of
    its adds, the figure given the median of the rounds, with their range."""
    sides = {"new": (ROOT, location), "baseline": (other, other_location)}
    print(f"{backend}: building {size} delegations with each code...", flush=True)
    for code, where in sides.values():
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(code / 'benchmarks')!r}); "
                        f"import register_bench as b; b.build({where!r}, {size})"], check=True,
                       env={**os.environ, "PYTHONPATH": str(code)})
    rounds: dict[str, list[list[dict]]] = {"new": [], "baseline": []}
    for _ in range(runs):
        for side, (code, where) in sides.items():
            done = subprocess.run([sys.executable, "-c", ADD_ROUND.format(benchmarks=str(code / "benchmarks"),
                                                                        location=where, runs=5, size=size)],
                                  check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(code)})
            rounds[side].append(json.loads(done.stdout.splitlines()[-1]))
    results = []
    names = ("new, warm", "same file again, warm", "new, thousands of duplicates, warm",
             f"new, thousands of duplicates, its first {WARMING}")
    for i, name in enumerate(names[:min(len(rounds[side][0]) for side in rounds)]):  # an older baseline: 3 figures
        for side in ("new", "baseline"):
            results.append(figure(f"Register.add ({name}){' baseline' if side == 'baseline' else ''}",
                                  [r[i]["median"] for r in rounds[side]], None, "< 5 ms" if side == "new" and i < 3 else "-"))
        print(f"  {'':<42} ratio baseline/new {results[-1]['median'] / results[-2]['median']:.2f}×", flush=True)
    return results


def schema_url(url: str, schema: str) -> str:
    """The PostgreSQL database at `url`, its tables in `schema` (made when missing): two registers in one database."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    engine.dispose()
    return sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)


def drop_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    engine.dispose()


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


def run(backend: str, location: str, folder: Path, size: int, runs: int,
        baseline: Path | None = None) -> list[dict]:
    print(f"{backend}: building {size} delegations...", flush=True)
    started = time.perf_counter()
    build(location, size)
    bytes_ = pg_size(location) if backend == "postgresql" else Path(location).stat().st_size
    print(f"  built in {time.perf_counter() - started:.1f} s, {bytes_ / 2**20:.0f} MB on disk", flush=True)
    old = None
    if baseline is not None:
        old = (baseline, str(folder / "baseline.sqlite"))
        build(old[1], size, old=True)
        print(f"  baseline register (schema 1, for {baseline}): {Path(old[1]).stat().st_size / 2**20:.0f} MB", flush=True)
    try:
        return measure(location, folder, runs, size, old)
    finally:
        if old:
            Path(old[1]).unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 delegations, 3 runs a figure")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL database (its register tables "
                                                          "are dropped before and after)")
    parser.add_argument("--size", type=int, help="delegations in the register (default 100,000)")
    parser.add_argument("--runs", type=int, help="runs a figure (default 5)")
    parser.add_argument("--baseline", metavar="DIR", type=Path,
                        help="a checkout of the code to compare with (before the stored forms), run interleaved "
                             "on SQLite on a register of its own schema")
    parser.add_argument("--add-against", metavar="DIR", type=Path,
                        help="only Register.add, A/B: this code and the code at DIR (e.g. main's, checked out) "
                             "interleaved round by round, each on a register its own code built (on PostgreSQL, "
                             "two schemas of the database, dropped at the end)")
    args = parser.parse_args(argv)
    size = args.size or (10_000 if args.quick else 100_000)
    runs = args.runs or (3 if args.quick else 5)
    print(f"Register benchmark, {size} delegations of {UNITS} units ({FIRST_YEAR}–{LAST_YEAR}), {runs} runs a figure; "
          f"{platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="formgen-register-bench-"))
    if args.add_against:
        try:
            add_against("sqlite", str(folder / "new.sqlite"), str(folder / "baseline.sqlite"), args.add_against.resolve(),
                        size, runs)
            for name in ("new.sqlite", "baseline.sqlite"):
                (folder / name).unlink()
            if args.postgres:
                try:
                    add_against("postgresql", schema_url(args.postgres, "formgen_bench_new"),
                                schema_url(args.postgres, "formgen_bench_baseline"), args.add_against.resolve(), size, runs)
                finally:
                    for schema in ("formgen_bench_new", "formgen_bench_baseline"):
                        drop_schema(args.postgres, schema)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return 0
    try:
        run("sqlite", str(folder / "register.sqlite"), folder, size, runs, args.baseline)
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
