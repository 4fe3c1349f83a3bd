"""Makes old-register.sqlite and old-answers.json: a varied register as formgen before the stored forms wrote it.

Run with the old code first on the path (a checkout of main before schema version 2):

    PYTHONPATH=/path/to/old/checkout python tests/register/make_old_register.py

The register holds hostile names (decomposed Unicode, quotes and SQL, wildcards, long), dates around
Tết and the turn of the year, every life-cycle state, reports on time, late and missing, a record as
an even older formgen stored it (a head with key_leader false) and one whose stored trip no longer
validates. The answers are what the old code gives: listings, overdue reports, annual reports' text,
the rules' findings for new delegations; tests/test_register_perf.py checks that today's code, after
upgrading the register, gives the same.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import sqlite3
import sys
import tempfile
import unicodedata
from pathlib import Path

import docx

import formgen
from formgen.annual import annual_report
from formgen.model import validate_trip
from formgen.register import Register
from formgen.yamlio import load_yaml

HERE = Path(__file__).parent
FIX = HERE.parent.parent / "fixtures"
BASE = load_yaml(FIX / "request.yaml")
REPORT = load_yaml(FIX / "report.yaml")["report"]
DAY = dt.timedelta(days=1)

UNITS = [("Sở Nội vụ", "SNV"), ("Sở Kế hoạch và Đầu tư", "SKHĐT"), ("Sở Tài chính", "STC"),
         ('Ban "Quản lý" <dự án>\'); DROP TABLE delegations;--', "BQL%_DA")]
LEADERS = ["Nguyễn Văn An", unicodedata.normalize("NFD", "Lê Thị Hồng Nhung"), "Robert'); DROP TABLE delegations;--",
           "Trần  Văn   Hai", "Phạm " + "Thị " * 40 + "Dài", "100% _Lê_"]
PLACES = ["thành phố Đà Nẵng", "tỉnh Quảng Ninh", "Thành phố Hồ Chí Minh", "tỉnh Lâm Đồng"]
AREAS = ["cải cách hành chính", "Chuyển đổi số", "xây dựng Đảng - chính quyền"]
# departures: around Tết 2025 (29/01) and Tết 2026 (17/02), the turn of the year, ordinary days, the future
DEPARTURES = [dt.date(2024, 12, 30), dt.date(2025, 1, 20), dt.date(2025, 1, 23), dt.date(2025, 2, 3),
              dt.date(2025, 6, 2), dt.date(2025, 11, 24), dt.date(2026, 2, 9), dt.date(2026, 2, 12),
              dt.date(2026, 2, 23), dt.date(2026, 11, 23), dt.date(2027, 3, 1)]
DAYS = [dt.date(2025, 1, 27), dt.date(2025, 2, 12), dt.date(2026, 2, 13), dt.date(2026, 3, 5), dt.date(2026, 12, 1)]


def trip(n: int) -> dict:
    """Delegation n: its unit, leader, dates, places and stage cycle through the lists above."""
    data = copy.deepcopy(BASE)
    data["issuer"]["name"], data["issuer"]["abbreviation"] = UNITS[n % len(UNITS)]
    d = data["delegation"]
    depart = DEPARTURES[n % len(DEPARTURES)] + (n // len(DEPARTURES)) * 7 * DAY
    back = depart + (1 + n % 5) * DAY
    d.update(depart_on=depart, return_on=back, focus_areas=[AREAS[n % len(AREAS)]])
    d["leader"]["name"] = LEADERS[n % len(LEADERS)]
    d["stops"] = [{"place": PLACES[(n + k) % len(PLACES)], "host": "Sở Nội vụ", "model": "mô hình một cửa",
                   "start": min(depart + DAY, back), "end": min(depart + (1 + k) * DAY, back)} for k in range(1 + n % 2)]
    data["request"].update(date=depart - 30 * DAY, number=n + 1 if n % 3 else None)
    stage = n % 6
    if stage == 1:
        data["delegation"]["members"] += [{"name": f"Người thêm {i}", "position": "Chuyên viên"} for i in range(3)]
        data["escalation"] = {"date": depart - 20 * DAY, "extra_members": [f"Người thêm {i}" for i in range(3)],
                              "reason": "Cần cán bộ phụ trách số hóa.", "signer": BASE["request"]["signer"]}
        if n % 4 == 1:
            data["approval"] = {"number": f"{n}-CV/TU", "date": depart - 10 * DAY, "approved_size": 10}
    if stage in (2, 3) and back < dt.date(2026, 11, 1):
        late = stage == 3
        data["report"] = {**copy.deepcopy(REPORT), "date": back + (30 if late else 2) * DAY,
                          "delay_reason": "Chờ số liệu tổng hợp." if late else ""}
    return validate_trip(data)


def answers(reg: Register, folder: Path) -> dict:
    units = [code for _, code in UNITS]
    out: dict = {"list": {}, "overdue": {}, "trips": {}, "annual": {}, "findings": {}}
    for day in DAYS:
        out["list"][f"all {day}"] = [r.as_dict() for r in reg.list(on=day)]
        for state in ("requested", "escalated", "approved", "done", "reported"):
            out["list"][f"{state} {day}"] = [r.id for r in reg.list(state=state, on=day)]
        for within in (0, 5):
            out["overdue"][f"{day} {within}"] = [d.as_dict() for d in reg.overdue(day, within)]
    for unit in units + ["snv", "skhdt"]:
        out["list"][f"unit {unit}"] = [r.id for r in reg.list(unit=unit)]
        for year in (2024, 2025, 2026, 2027):
            out["list"][f"unit {unit} {year}"] = [r.id for r in reg.list(unit=unit, year=year)]
            try:
                out["trips"][f"{unit} {year}"] = json.loads(json.dumps(reg.trips(unit, year), default=str))
            except formgen.FormgenError as exc:
                out["trips"][f"{unit} {year}"] = {"error": exc.message}
    section = {"number": 7, "date": "2025-12-20", "signer": {"name": "Lê Văn Bình", "title": "Giám đốc"},
               "summary": "Các đoàn đúng quy định."}
    for unit in units:
        for year in (2025, 2026):
            try:
                result = annual_report(reg, unit, year, section, folder / f"{unit}-{year}.docx".replace("%", "p"))
                out["annual"][f"{unit} {year}"] = [p.text for p in docx.Document(result.outputs[0]).paragraphs] + [
                    c.text for t in docx.Document(result.outputs[0]).tables for row in t.rows for c in row.cells]
            except formgen.FormgenError as exc:
                out["annual"][f"{unit} {year}"] = {"error": exc.message}
    for n in (100, 101, 104, 107):
        new = trip(n)
        out["findings"][str(n)] = [f.as_dict() for f in formgen.check(new, "request", history=reg.history(new)).findings]
    return out


def main() -> int:
    db, answers_file = HERE / "old-register.sqlite", HERE / "old-answers.json"
    db.unlink(missing_ok=True)
    with Register(db) as reg:
        for n in range(44):
            reg.add(trip(n), f"doan-{n}.yaml", force=True, on=dt.date(2026, 12, 1))
    with sqlite3.connect(db) as conn:  # what older versions stored and today's rules read otherwise
        (stored,) = conn.execute("SELECT trip FROM delegations WHERE id = 5").fetchone()
        old = json.loads(stored)
        old["delegation"]["leader"].update(rank="head", key_leader=False)  # before heads counted as key leaders
        conn.execute("UPDATE delegations SET trip = ? WHERE id = 5", (json.dumps(old, ensure_ascii=False),))
        (stored,) = conn.execute("SELECT trip FROM delegations WHERE id = 9").fetchone()
        bad = json.loads(stored)
        bad["delegation"]["size_note"] = "một trường không còn có"  # no longer validates
        conn.execute("UPDATE delegations SET trip = ? WHERE id = 9", (json.dumps(bad, ensure_ascii=False),))
    conn.close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("VACUUM")
    conn.close()
    with Register(db) as reg, tempfile.TemporaryDirectory() as tmp:
        found = answers(reg, Path(tmp))
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    answers_file.write_text(json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{db}: {db.stat().st_size} bytes; {answers_file}: {answers_file.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
