"""The register of delegations: quotas and duplicates from it, life cycle, overdue reports, annual
totals, spreadsheets in and out, concurrent writers, migrations — on SQLite, and on PostgreSQL when
FORMGEN_TEST_POSTGRES holds a database URL (e.g. postgresql+psycopg://formgen:formgen@localhost/formgen_test)."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa

import formgen
from formgen import register as register_module
from formgen.register import records, storage
from formgen.errors import InvalidInput
from formgen.model import validate_trip
from formgen.register import DELEGATIONS, Register, default_location, schema_version
from formgen.vn import group_thousands, two_digits
from formgen.yamlio import load_yaml
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"
BASE = load_yaml(FIX / "request.yaml")
REPORT = load_yaml(FIX / "report.yaml")["report"]
POSTGRES = os.environ.get("FORMGEN_TEST_POSTGRES")
DAY = dt.timedelta(days=1)
SNV = ("Sở Nội vụ", "SNV")
SKHDT = ("Sở Kế hoạch và Đầu tư", "SKHĐT")


def _drop_tables(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        metadata = sa.MetaData()
        metadata.reflect(conn)  # every table the migrations made (the web tables too), whatever their number
        metadata.drop_all(conn)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path):
    """Where a fresh register lives: a file in tmp_path, or the test PostgreSQL database emptied."""
    if request.param == "sqlite":
        yield tmp_path / "register.sqlite"
        return
    if not POSTGRES:
        pytest.skip("PostgreSQL: set FORMGEN_TEST_POSTGRES to a database URL to run these against it")
    _drop_tables(POSTGRES)
    yield POSTGRES
    _drop_tables(POSTGRES)


@pytest.fixture
def register(location):
    with Register(location) as reg:
        yield reg


def delegation(depart: dt.date, *, unit=SNV, leader="Nguyễn Văn An", place="thành phố Đà Nẵng",
               area="cải cách hành chính", back: dt.date | None = None, reported: dt.date | None = None,
               delay_reason: str = "", number: int | None = None) -> dict:
    """The fixture's compliant request, moved to other dates, unit, leader, destination or focus area;
    its request unnumbered (as a draft is) unless a number is given, so that it is another delegation."""
    data = copy.deepcopy(BASE)
    data["issuer"]["name"], data["issuer"]["abbreviation"] = unit
    d = data["delegation"]
    back = back or depart + 4 * DAY
    d.update(depart_on=depart, return_on=back, focus_areas=[area])
    d["leader"]["name"] = leader
    d["stops"] = [{"place": place, "host": f"Sở Nội vụ {place}", "model": "mô hình một cửa",
                   "start": depart + DAY, "end": min(depart + 2 * DAY, back)}]
    data["request"].update(date=depart - 30 * DAY, number=number)
    if reported:
        data["report"] = {**copy.deepcopy(REPORT), "date": reported, "delay_reason": delay_reason}
    return validate_trip(data)


def codes(result, code: str) -> list:
    return [f for f in result.findings if f.code == code]


# --- R03 and R10 from the register ----------------------------------------------------------


def test_the_third_delegation_of_a_year_is_refused_and_one_in_the_next_year_accepted(register):
    first = register.add(delegation(dt.date(2024, 3, 4)))
    second = register.add(delegation(dt.date(2024, 6, 3), leader="Lê Văn Bình"))
    register.add(delegation(dt.date(2024, 4, 1), unit=SKHDT))        # another unit's: not counted

    third = delegation(dt.date(2024, 10, 21), leader="Trần Văn Hậu")
    (error,) = codes(formgen.check(third, "request", history=register.history(third)), "R03")
    assert error.severity == "error" and error.path == "delegation.depart_on"
    assert "đoàn thứ 3 trong năm 2024" in error.message
    assert f"{first.id} đi ngày 04/03/2024" in error.message and f"{second.id} đi ngày 03/06/2024" in error.message

    next_year = delegation(dt.date(2025, 3, 3), leader="Trần Văn Hậu")
    assert not codes(formgen.check(next_year, "request", history=register.history(next_year)), "R03")
    # A delegation already in the register is not counted twice when it is checked again.
    again = delegation(dt.date(2024, 6, 3), leader="Lê Văn Bình")
    assert not codes(formgen.check(again, "request", history=register.history(again)), "R03")


def test_a_duplicate_province_and_focus_area_is_warned_naming_the_earlier_delegation(register):
    earlier = register.add(delegation(dt.date(2024, 3, 4), unit=SKHDT))
    trip = delegation(dt.date(2024, 9, 9), place="Thành phố Đà Nẵng")  # another unit, other case
    result = formgen.check(trip, "request", history=register.history(trip))
    (warning,) = codes(result, "R10")
    assert result.ok and warning.severity == "warning" and warning.path == "delegation.stops[0].place"
    assert f"Đã có đoàn {earlier.id} của Sở Kế hoạch và Đầu tư đi Thành phố Đà Nẵng (ngày 04/03/2024)" \
        in warning.message
    other_area = delegation(dt.date(2024, 9, 9), area="phát triển kinh tế - xã hội")
    assert not codes(formgen.check(other_area, "request", history=register.history(other_area)), "R10")


def test_duplicates_on_two_focus_areas_are_counted_once_each_the_trips_own_record_left_out(register):
    two = ["cải cách hành chính", "chuyển đổi số"]

    def on(trip, areas):
        d = copy.deepcopy(trip)
        d["delegation"]["focus_areas"] = areas
        return validate_trip(d)
    ids = [register.add(on(delegation(dt.date(2024, m, 4), unit=unit, leader=f"Trưởng đoàn {m}"), areas),
                        force=True).id
           for m, unit, areas in ((2, SKHDT, two[:1]), (4, SKHDT, two[1:]), (6, SKHDT, two), (8, SKHDT, ["vấn đề mới"]))]
    trip = on(delegation(dt.date(2024, 9, 9)), two)
    register.add(trip, force=True)  # the trip's own record: never its own duplicate
    found = formgen.check(trip, "request", history=register.history(trip))
    (warning,) = codes(found, "R10")
    assert warning.message.startswith("Đã có 3 đoàn đi thành phố Đà Nẵng về lĩnh vực “cải cách hành chính”, "
                                      f"“chuyển đổi số”, gần đây nhất: đoàn {ids[2]} của Sở Kế hoạch và Đầu tư "
                                      f"(ngày 04/06/2024); đoàn {ids[1]} của Sở Kế hoạch và Đầu tư (ngày 04/04/2024); "
                                      f"đoàn {ids[0]} của Sở Kế hoạch và Đầu tư (ngày 04/02/2024); tránh")
    # the same as the rule counting, by itself, every other delegation it is given
    everything = [h for h in register.history({}) if h["depart_on"] != dt.date(2024, 9, 9)]
    assert codes(formgen.check(trip, "request", history=everything), "R10") == [warning]


def test_a_trip_to_two_places_is_warned_for_each_naming_the_latest_few(register):
    """Four earlier delegations at one place (the latest three named), one at the other, found in one statement."""
    hue = "thành phố Huế"
    crowded = [register.add(delegation(dt.date(2024, m, 4), unit=SKHDT, leader=f"Trưởng đoàn {m}"), force=True).id
               for m in (1, 2, 3, 4)]
    quiet = register.add(delegation(dt.date(2024, 5, 4), unit=SKHDT, leader="Trưởng đoàn 5", place=hue),
                         force=True).id
    for leader in ("Nguyễn Văn An", "Lê Văn Bình"):  # the statement built once, run again with other values
        trip = copy.deepcopy(delegation(dt.date(2024, 9, 9), leader=leader))
        trip["delegation"]["stops"].append({**trip["delegation"]["stops"][0], "place": hue, "host": "Sở Nội vụ Huế"})
        trip = validate_trip(trip)
        found = {f.path: f.message for f in codes(formgen.check(trip, "request", history=register.history(trip)),
                                                  "R10")}
        assert list(found) == ["delegation.stops[0].place", "delegation.stops[1].place"]
        assert found["delegation.stops[0].place"].startswith(
            f"Đã có 4 đoàn đi thành phố Đà Nẵng về lĩnh vực “cải cách hành chính”, gần đây nhất: đoàn {crowded[3]} "
            f"của Sở Kế hoạch và Đầu tư (ngày 04/04/2024); đoàn {crowded[2]} của Sở Kế hoạch và Đầu tư (ngày "
            f"04/03/2024); đoàn {crowded[1]} của Sở Kế hoạch và Đầu tư (ngày 04/02/2024); tránh")
        assert f"đoàn {quiet} của Sở Kế hoạch và Đầu tư" in found["delegation.stops[1].place"]
        assert "Huế" in found["delegation.stops[1].place"]


@pytest.mark.parametrize("lacking", ["place", "focus_areas"])
def test_a_record_without_a_place_or_a_focus_area_is_updated_and_its_history_read(register, lacking):
    """Nothing for the duplicate rule to look up, the record's own left out of its history: no database error."""
    data = copy.deepcopy(BASE)
    if lacking == "place":
        for stop in data["delegation"]["stops"]:
            stop["place"] = ""
    else:
        data["delegation"]["focus_areas"] = []
    first = register.add(validate_trip(data), force=True)
    data["delegation"]["purpose"] += " (bổ sung)"
    changed = validate_trip(data)
    again = register.add(changed, force=True)
    assert again.id == first.id and len(register.list()) == 1
    assert register.history(changed) == []  # its own record left out, nothing else in the register


# --- the life cycle ------------------------------------------------------------------------


def test_the_same_file_added_as_it_grows_stays_one_record_and_reaches_reported(register, tmp_path, write_trip):
    data = copy.deepcopy(BASE)
    path = write_trip(tmp_path, data, "doan.yaml")
    first = register.add(formgen.load(path), path, on=dt.date(2024, 5, 25))
    assert (first.state, first.requested_on, first.reported_on) == ("requested", dt.date(2024, 5, 20), None)
    assert register.get(first.id, on=dt.date(2024, 6, 10)).state == "done"   # back on 07/06

    data["report"] = load_yaml(FIX / "report.yaml")["report"]                # dated 18/06, deadline 21/06
    write_trip(tmp_path, data, "doan.yaml")
    reported = register.add(formgen.load(path), path)
    assert reported.id == first.id and len(register.list()) == 1
    assert (reported.state, reported.reported_on, reported.report_on_time) == ("reported", dt.date(2024, 6, 18), True)
    assert reported.source == str(path) and reported.created_at == first.created_at
    assert reported.updated_at >= first.updated_at

    data["report"].update(date="2024-06-24", delay_reason="Trưởng đoàn đi công tác.")
    write_trip(tmp_path, data, "doan.yaml")
    late = register.add(formgen.load(path), path)
    assert (late.id, late.report_on_time) == (first.id, False)


def test_the_state_follows_the_life_cycle_and_filters_the_list(register):
    trip = delegation(dt.date(2024, 6, 3), leader="Lê Văn Bình")
    data = copy.deepcopy(BASE)
    data["delegation"]["members"] += [{"name": f"Người thêm {i}", "position": "Chuyên viên"} for i in range(3)]
    data["escalation"] = {"date": "2024-05-10", "extra_members": ["Người thêm 0", "Người thêm 1", "Người thêm 2"],
                          "reason": "Cần cán bộ phụ trách số hóa.", "signer": BASE["request"]["signer"]}
    escalated = register.add(validate_trip(data))
    data["approval"] = {"number": "123-CV/TU", "date": "2024-05-15", "approved_size": 10}
    data["issuer"]["abbreviation"] = "SNV2"
    approved = register.add(validate_trip(data))
    plain = register.add(trip)
    on = dt.date(2024, 5, 31)
    assert [r.state for r in register.list(on=on)] == ["escalated", "approved", "requested"]
    assert [r.id for r in register.list(state="approved", on=on)] == [approved.id]
    assert [r.id for r in register.list(state="Đã trình bổ sung thành phần", on=on)] == [escalated.id]
    assert {r.state for r in register.list(on=dt.date(2024, 6, 8))} == {"done"}
    assert [r.id for r in register.list(unit="snv", year=2024)] == [escalated.id, plain.id]
    with pytest.raises(InvalidInput, match="chọn: requested"):
        register.list(state="xong")


def test_a_delegation_the_register_cannot_identify_is_refused_and_nothing_written(register):
    data = copy.deepcopy(BASE)
    data["delegation"]["depart_on"] = None
    data["delegation"]["return_on"] = None
    data["delegation"]["stops"] = []
    data["delegation"]["leader"]["name"] = ""
    with pytest.raises(InvalidInput) as err:
        register.add(validate_trip(data))
    assert [p.path for p in err.value.problems] == ["delegation.depart_on", "delegation.leader.name"]
    assert register.list() == []


def test_get_show_and_remove_by_number(register):
    first = register.add(delegation(dt.date(2024, 3, 4)))
    second = register.add(delegation(dt.date(2024, 6, 3), leader="Lê Văn Bình"))
    assert register.get(str(second.id)).leader_name == "Lê Văn Bình"
    assert register.get(first.id).trip()["delegation"]["depart_on"] == dt.date(2024, 3, 4)
    assert register.get(first.id).as_dict(trip=True)["trip"]["delegation"]["depart_on"] == "2024-03-04"
    register.remove(second.id)
    with pytest.raises(InvalidInput, match=f"không có đoàn số {second.id}"):
        register.get(second.id)
    assert register.add(delegation(dt.date(2024, 9, 9), leader="Trần Văn Hậu")).id > second.id  # never reused
    with pytest.raises(InvalidInput, match="phải là số nguyên"):
        register.get("mười")


# --- reports overdue -----------------------------------------------------------------------


def test_overdue_reports_are_computed_over_the_tet_holiday(register):
    # Back Thursday 23/01/2025; Tết 2025 closes offices 27–31/01, so the 10th working day is 13/02, not 06/02.
    tet = register.add(delegation(dt.date(2025, 1, 20), back=dt.date(2025, 1, 23)))
    register.add(delegation(dt.date(2025, 1, 13), back=dt.date(2025, 1, 16), leader="Lê Văn Bình",
                            reported=dt.date(2025, 1, 20)))                       # reported: never listed
    later = register.add(delegation(dt.date(2025, 3, 3), leader="Trần Văn Hậu"), force=True)  # not back yet

    (late,) = register.overdue(dt.date(2025, 2, 14))
    assert (late.record.id, late.deadline, late.overdue, late.working_days) == (tet.id, dt.date(2025, 2, 13), True, 1)

    (soon,) = register.overdue(dt.date(2025, 2, 10), within=3)
    assert (soon.record.id, soon.deadline, soon.overdue, soon.working_days) == (tet.id, dt.date(2025, 2, 13), False, 3)
    assert register.overdue(dt.date(2025, 2, 10), within=2) == []
    assert register.overdue(dt.date(2025, 2, 6)) == []   # the deadline without Tết would have passed
    assert later.id not in [d.record.id for d in register.overdue(dt.date(2025, 3, 7), within=5)]
    assert late.as_dict()["deadline"] == "2025-02-13"


# --- the annual report from the register ------------------------------------------------------


def test_the_annual_report_totals_the_units_delegations_of_the_year(register, tmp_path):
    register.add(formgen.load(FIX / "report.yaml"))                                   # reported on time
    register.add(delegation(dt.date(2024, 10, 21), leader="Lê Văn Bình", place="tỉnh Vĩnh Long"))
    register.add(delegation(dt.date(2025, 3, 3), leader="Trần Văn Hậu"))              # another year
    register.add(delegation(dt.date(2024, 4, 1), unit=SKHDT))                         # another unit
    assert register.units(2024) == [("SKHĐT", "Sở Kế hoạch và Đầu tư"), ("SNV", "Sở Nội vụ")]

    annual = {"number": 245, "date": "2024-12-20", "signer": {"name": "Lê Văn Bình", "title": "Giám đốc"}}
    data = register.annual_input("SNV", 2024, annual)
    assert data["issuer"]["name"] == "Sở Nội vụ" and len(data["delegations"]) == 2
    out = formgen.render("annual", data, tmp_path / "bao-cao-nam.docx").outputs[0]
    lines = docx_lines(out)

    records = register.list(unit="SNV", year=2024)
    people = sum(r.size for r in records)
    places = sum(len(r.places) for r in records)
    amount = sum(r.funding_amount for r in records)
    on_time = sum(r.report_on_time is True for r in records)
    missing = sum(r.reported_on is None for r in records)
    assert (len(records), people, places, amount, on_time, missing) == (2, 14, 3, 300_000_000, 1, 1)
    assert (f"Trong năm 2024, đơn vị tổ chức {two_digits(len(records))} đoàn, {two_digits(people)} lượt người, "
            f"đến {two_digits(places)} địa phương; tổng kinh phí {group_thousands(amount)} đồng") in "\n".join(lines)
    assert (f"Sau chuyến đi, {two_digits(on_time)} đoàn gửi báo cáo kết quả đúng hạn, {two_digits(missing)} đoàn "
            "đã quá hạn mà chưa gửi báo cáo.") in "\n".join(lines)   # missing on the annual's date, past its deadline
    total = lines.index("Tổng cộng: 02 đoàn")  # one cell over three columns, read once per column
    assert lines[total:total + 6] == ["Tổng cộng: 02 đoàn"] * 3 + [str(people), "", group_thousands(amount)]


# --- spreadsheets in and out -------------------------------------------------------------------


def _table_rows(path: Path) -> list[list]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            return list(csv.reader(f))
    from openpyxl import load_workbook
    return [list(row) for row in load_workbook(path).worksheets[0].iter_rows(values_only=True)]


def _facts(r) -> tuple:
    return (r.unit_code, r.unit_name, r.depart_on, r.return_on, r.size, r.leader_name, r.leader_position,
            r.places, r.focus_areas, r.funding_source, r.funding_amount, r.requested_on, r.reported_on,
            r.report_on_time)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_register_goes_out_to_a_table_and_back_in_with_vietnamese_headers(register, tmp_path, suffix):
    register.add(formgen.load(FIX / "report.yaml"))
    register.add(delegation(dt.date(2024, 10, 21), unit=SKHDT, leader="Lê Văn Bình",
                            back=dt.date(2024, 10, 24), reported=dt.date(2024, 11, 20), delay_reason="Bận."))
    table = tmp_path / f"so-dang-ky{suffix}"
    assert register.export_table(table) == 2
    if suffix == ".csv":
        assert table.read_bytes().startswith(b"\xef\xbb\xbf")   # the BOM: Excel reads the file as UTF-8
    header, *rows = _table_rows(table)
    assert header[:11] == ["Số đăng ký", "Đơn vị", "Mã đơn vị", "Cơ quan cấp trên", "Địa danh", "Thể thức",
                           "Ngày đi", "Ngày về", "Số người", "Trưởng đoàn", "Chức vụ trưởng đoàn"]
    assert {"Địa phương đến", "Lĩnh vực", "Nguồn kinh phí", "Kinh phí (đồng)", "Ngày trình",
            "Ngày báo cáo"} <= set(header)
    assert rows[0][header.index("Địa phương đến")] == "thành phố Đà Nẵng; tỉnh Quảng Ninh"
    assert rows[1][header.index("Báo cáo đúng hạn")] == "Trễ hạn"
    depart = rows[0][header.index("Ngày đi")]
    assert depart == ("03/06/2024" if suffix == ".csv" else dt.datetime(2024, 6, 3))  # a real Excel date

    with Register(tmp_path / "other.sqlite") as other:
        result = other.import_table(table)
        assert (len(result.added), result.updated, result.unchanged) == (2, [], [])
        assert [_facts(r) for r in other.list()] == [_facts(r) for r in register.list()]
        trip = other.trips("SNV", 2024)[0]
        assert [m["name"] for m in trip["delegation"]["members"]][:2] == ["Trần Thị Bích Ngọc", "Lê Hoàng Phúc"]
        # The imported row counts toward the quota: with one more, SNV's third delegation of 2024 is refused.
        third = delegation(dt.date(2024, 11, 4), leader="Trần Văn Hậu")
        assert not codes(formgen.check(third, "request", history=other.history(third)), "R03")
        other.add(delegation(dt.date(2024, 9, 9), leader="Ngô Thị Hạnh"))
        assert codes(formgen.check(third, "request", history=other.history(third)), "R03")
        # Read again, the same table changes nothing.
        assert len(other.import_table(table).unchanged) == 2

    # Into the register it came from: the rows match the records, so nothing changes there either.
    assert len(register.import_table(table).unchanged) == 2


def test_a_committee_spreadsheet_is_read_whatever_its_header_spelling(register, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["BẢNG TỔNG HỢP ĐOÀN ĐI NGOÀI TỈNH NĂM 2024"])           # a title above the header
    sheet.append(["STT", "don vi", "MÃ ĐƠN VỊ", "Địa danh", "ngay di", "Ngày về", "so nguoi", "TRƯỞNG ĐOÀN",
                  "places", "Lĩnh vực", "Kinh phí (đồng)", "Ngày báo cáo", "Ghi chú"])
    sheet.append([1, "Sở Nội vụ", "SNV", "Hậu Giang", dt.datetime(2024, 6, 3), "07/06/2024", 5, "Nguyễn Văn An",
                  "Đà Nẵng; Quảng Ninh", "cải cách hành chính", 120000000, dt.datetime(2024, 6, 14), ""])
    sheet.append([2, "Sở Kế hoạch và Đầu tư", "SKHĐT", "Hậu Giang", "2024-10-21", "2024-10-24", 3.0,
                  "Lê Văn Bình", "Vĩnh Long", "", "48.000.000", None, "chưa báo cáo"])
    path = tmp_path / "bang.xlsx"
    book.save(path)

    result = register.import_table(path)
    first, second = register.list()
    assert result.added == [first.id, second.id]
    assert (first.unit_code, first.depart_on, first.return_on, first.size, first.places) == \
        ("SNV", dt.date(2024, 6, 3), dt.date(2024, 6, 7), 5, ["Đà Nẵng", "Quảng Ninh"])
    assert (first.funding_amount, first.reported_on, first.report_on_time) == (120_000_000, dt.date(2024, 6, 14), True)
    assert (second.size, second.funding_amount, second.reported_on, second.focus_areas) == (3, 48_000_000, None, [])
    assert first.source == "bang.xlsx, dòng 3"
    members = [m["name"] for m in first.trip()["delegation"]["members"]]
    assert members == ["Thành viên 2", "Thành viên 3", "Thành viên 4", "Thành viên 5"]  # only a count was known


def _windows_1258(text: str) -> bytes:
    """As Windows writes Vietnamese: letters with their shape marks precomposed, the tone marks apart."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        nfd = unicodedata.normalize("NFD", ch)
        out.append(unicodedata.normalize("NFC", "".join(c for c in nfd if c not in tones))
                   + "".join(c for c in nfd if c in tones))
    return "".join(out).encode("cp1258")


def test_a_csv_saved_by_excel_on_vietnamese_windows_is_read(register, tmp_path):
    # Semicolons (the decimal mark is a comma there) and Windows-1258, which writes tone marks apart.
    text = "Đơn vị;Mã đơn vị;Ngày đi;Số người;Trưởng đoàn\nSở Nội vụ;SNV;03/06/2024;7;Nguyễn Văn An\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(_windows_1258(text))
    (record,) = [register.get(i) for i in register.import_table(path, place="Hậu Giang").added]
    assert (record.unit_name, record.leader_name, record.size) == ("Sở Nội vụ", "Nguyễn Văn An", 7)
    assert record.trip()["issuer"]["place"] == "Hậu Giang"


def test_bad_rows_are_all_named_by_row_and_column_and_nothing_is_imported(register, tmp_path):
    before = register.add(delegation(dt.date(2024, 3, 4)))
    path = tmp_path / "bang.csv"
    path.write_text(
        "Đơn vị,Mã đơn vị,Địa danh,Ngày đi,Ngày về,Số người,Trưởng đoàn,Kinh phí (đồng)\n"
        "Sở Y tế,SYT,Hậu Giang,03/06/2024,07/06/2024,5,Võ Văn Tâm,100000000\n"          # good
        "Sở Y tế,SYT,Hậu Giang,31/02/2024,,5,Đỗ Văn Lâm,\n"                              # no such day
        "Sở Y tế,SYT,Hậu Giang,03/09/2024,01/09/2024,bảy,Phan Thị Mai,nhiều\n"           # three problems
        "Sở Y tế,SYT,Hậu Giang,03/06/2024,07/06/2024,5,võ văn tâm,\n",                   # row 2 again
        encoding="utf-8-sig")
    with pytest.raises(InvalidInput) as err:
        register.import_table(path)
    where = [p.path for p in err.value.problems]
    assert where == ["dòng 3, cột Ngày đi", "dòng 4, cột Ngày về", "dòng 4, cột Số người", "dòng 5"]
    assert "tháng 2 năm 2024 chỉ có 29 ngày" in err.value.problems[0].message
    assert "trùng với dòng 2" in err.value.problems[-1].message.lower()
    assert err.value.source == str(path) and "chưa nhập dòng nào" in err.value.message
    assert [r.id for r in register.list()] == [before.id]    # the good row was not imported either

    path.write_text("Đơn vị,Mã đơn vị,Địa danh,Ngày đi,Số người,Trưởng đoàn,Kinh phí (đồng)\n"
                    "Sở Y tế,SYT,Hậu Giang,03/06/2024,5,Võ Văn Tâm,nhiều\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        register.import_table(path)
    assert [p.path for p in err.value.problems] == ["dòng 2, cột Kinh phí (đồng)"]   # found by the schema


def test_a_table_with_unknown_or_missing_columns_is_refused(register, tmp_path):
    path = tmp_path / "bang.csv"
    path.write_text("Đơn vị,Ngày đi,Trưởng đoàn,Số ngày,Ghi chú\nSở Y tế,03/06/2024,Võ Văn Tâm,5,\n",
                    encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        register.import_table(path)
    assert err.value.lines() == [f"Không đọc được bảng “{path}”, dòng tiêu đề: cột không có trong mẫu: “Số ngày” "
                                 "(gần nhất: “Số người”) — sửa tên cột, hoặc xóa cột không dùng."]
    path.write_text("Đơn vị,Ngày đi,Trưởng đoàn,Ghi chú\nSở Y tế,03/06/2024,Võ Văn Tâm,\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        register.import_table(path)
    lines = err.value.lines()
    assert any("dòng 1" in line and "Số người" in line and "Thành viên" in line for line in lines)
    with pytest.raises(InvalidInput, match="Chỉ nhập, xuất được bảng .csv hoặc .xlsx"):
        register.import_table(tmp_path / "bang.ods")


def test_a_delegation_recorded_from_its_file_is_not_changed_from_a_table(register, tmp_path):
    record = register.add(formgen.load(FIX / "request.yaml"), "request.yaml")
    table = tmp_path / "bang.csv"
    register.export_table(table)
    rows = _table_rows(table)
    rows[1][rows[0].index("Nguồn kinh phí")] = "Kinh phí tự chủ"
    with open(table, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(InvalidInput) as err:
        register.import_table(table)
    (problem,) = err.value.problems
    assert problem.path == "dòng 2" and f"số {record.id}" in problem.message and "“Nguồn kinh phí”" in problem.message
    assert register.get(record.id).funding_source == BASE["delegation"]["funding"]["source"]


def test_export_refuses_an_unknown_format_and_writes_nothing(register, tmp_path):
    register.add(delegation(dt.date(2024, 3, 4)))
    with pytest.raises(InvalidInput, match="Chỉ nhập, xuất được bảng .csv hoặc .xlsx"):
        register.export_table(tmp_path / "so.ods")
    with pytest.raises(InvalidInput, match="Không ghi được bảng"):
        register.export_table(tmp_path / "khong-co" / "so.csv")
    assert list(tmp_path.glob("*.ods")) == [] and list(tmp_path.glob(".*")) == []


# --- concurrent writers ---------------------------------------------------------------------

CHILD = """
import copy, sys
sys.path.insert(0, sys.argv[3])
from formgen.model import validate_trip
from formgen.register import Register
from formgen.yamlio import load_yaml

base = load_yaml(sys.argv[4])
with Register(sys.argv[1]) as register:
    for i in range(100):
        data = copy.deepcopy(base)
        data["issuer"]["abbreviation"] = sys.argv[2]
        data["delegation"]["leader"]["name"] = f"Trưởng đoàn {i}"
        data["request"]["number"] = i + 1
        register.add(validate_trip(data), force=True)  # 100 of a unit in a year: far over the quota
"""


@pytest.mark.slow
def test_two_processes_adding_100_delegations_each_end_with_200(location):
    Register(location).close()  # created (and migrated) once, as a committee's register already is
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(location), unit, str(ROOT),
                                  str(FIX / "request.yaml")], stderr=subprocess.PIPE, text=True)
                for unit in ("P1", "P2")]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
    with Register(location) as register:
        records = register.list()
        assert len(records) == 200 and len({r.id for r in records}) == 200
        assert len(register.list(unit="P1")) == len(register.list(unit="P2")) == 100


# --- where the register is, and its schema ---------------------------------------------------------


def test_the_register_is_found_from_the_environment_or_in_the_current_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORMGEN_REGISTER", raising=False)
    assert default_location() == tmp_path / "formgen-register.sqlite"
    with Register() as register:
        register.add(delegation(dt.date(2024, 3, 4)))
    assert (tmp_path / "formgen-register.sqlite").is_file()
    monkeypatch.setenv("FORMGEN_REGISTER", str(tmp_path / "chung.sqlite"))
    with Register() as register:
        assert register.list() == [] and register.location == str(tmp_path / "chung.sqlite")


# The version-1 schema as released, written out by hand: a register made then must open forever.
V1_SQL = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE delegations (
    id INTEGER NOT NULL, unit_code TEXT NOT NULL, unit_key TEXT NOT NULL, unit_name TEXT NOT NULL,
    depart_on DATE NOT NULL, return_on DATE, size INTEGER NOT NULL, leader_name TEXT NOT NULL,
    leader_key TEXT NOT NULL, leader_position TEXT NOT NULL, places JSON NOT NULL, focus_areas JSON NOT NULL,
    funding_source TEXT NOT NULL, funding_amount BIGINT, requested_on DATE, escalated_on DATE, approved_on DATE,
    reported_on DATE, report_on_time BOOLEAN, trip JSON NOT NULL, origin TEXT NOT NULL, source TEXT,
    created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT delegations_natural_key UNIQUE (unit_key, depart_on, leader_key)
);
CREATE INDEX delegations_depart_on ON delegations (depart_on);
INSERT INTO schema_version VALUES (1);
"""


def _v1_register(path: Path) -> None:
    trip = delegation(dt.date(2024, 3, 4))
    stored = records.jsonable(trip)
    with sqlite3.connect(path) as db:
        db.executescript(V1_SQL)
        db.execute(
            "INSERT INTO delegations VALUES (7, 'SNV', 'snv', 'Sở Nội vụ', '2024-03-04', '2024-03-08', 7, "
            "'Nguyễn Văn An', 'nguyễn văn an', 'Phó Giám đốc', '[\"thành phố Đà Nẵng\"]', "
            "'[\"cải cách hành chính\"]', 'Ngân sách', 150000000, '2024-02-02', NULL, NULL, NULL, NULL, ?, "
            "'file', 'doan.yaml', '2024-02-02 08:00:00.000000', '2024-02-02 08:00:00.000000')",
            (storage.json_text(stored),))
    db.close()


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    db.close()
    return names


def _version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        (version,) = db.execute("SELECT version FROM schema_version").fetchone()
    db.close()
    return version


def _index_on_reported(conn: sa.Connection) -> None:
    conn.exec_driver_sql("CREATE INDEX delegations_reported_on ON delegations (reported_on)")


def test_a_version_1_register_made_by_hand_opens_and_is_upgraded(tmp_path, monkeypatch):
    path = tmp_path / "v1.sqlite"
    _v1_register(path)
    with Register(path) as register:               # today's code reads it as it is
        assert register.get(7).trip()["delegation"]["depart_on"] == dt.date(2024, 3, 4)
    monkeypatch.setattr(storage, "MIGRATIONS", [*storage.MIGRATIONS, _index_on_reported])
    with Register(path) as register:
        assert _version(path) == len(storage.MIGRATIONS) and "delegations_reported_on" in _indexes(path)
        assert [r.id for r in register.list(unit="SNV")] == [7]
        assert register.add(delegation(dt.date(2024, 6, 3), leader="Lê Văn Bình")).id == 8


def test_a_failed_migration_leaves_the_register_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "v1.sqlite"
    _v1_register(path)

    def broken(conn):
        _index_on_reported(conn)
        raise RuntimeError("migration failed half-way")

    monkeypatch.setattr(storage, "MIGRATIONS", [*storage.MIGRATIONS, broken])
    with pytest.raises(RuntimeError):
        Register(path)
    assert _version(path) == 1 and "delegations_reported_on" not in _indexes(path)


def test_a_register_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    Register(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = ?", (schema_version() + 1,))
    db.close()
    with pytest.raises(InvalidInput, match=f"phiên bản {schema_version() + 1}, mới hơn phiên bản "
                                           f"{schema_version()}.*cập nhật formgen"):
        Register(path)


def test_a_file_that_is_not_a_register_is_refused(tmp_path):
    text = tmp_path / "ghi-chu.sqlite"
    text.write_text("không phải cơ sở dữ liệu " * 100, encoding="utf-8")
    with pytest.raises(InvalidInput, match="không phải sổ đăng ký"):
        Register(text)
    other = tmp_path / "khac.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE contacts (name TEXT)")
    db.close()
    with pytest.raises(InvalidInput, match="đã có bảng khác: contacts"):
        Register(other)
    with pytest.raises(InvalidInput, match="Không mở được sổ đăng ký"):
        Register(tmp_path / "khong-co" / "so.sqlite")


def test_the_migrations_create_exactly_the_tables_the_code_reads(location):
    Register(location).close()
    url = location if isinstance(location, str) else f"sqlite:///{location}"
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    assert [c["name"] for c in inspector.get_columns("delegations")] == [c.name for c in DELEGATIONS.columns]
    assert {i["name"] for i in inspector.get_indexes("delegations")} >= {"delegations_depart_on"}
    engine.dispose()


# --- the register never loses a fact: stages, identity, the quota on add ---------------------------

REQUEST_NUMBER = BASE["request"]["number"]   # the fixture's Tờ trình, dated 20/05/2024
LATER_STAGES = {
    "escalation": {"date": "2024-05-10", "extra_members": [], "reason": "Cần cán bộ phụ trách số hóa.",
                   "signer": BASE["request"]["signer"], "number": 9},
    "approval": {"number": "123-CV/TU", "date": "2024-05-15", "approved_size": 10},
    "report": REPORT,
}


def _moved(data: dict, days: int) -> dict:
    """The same delegation, leaving `days` later (its stops with it)."""
    data = copy.deepcopy(data)
    d = data["delegation"]
    shift = lambda day: (dt.date.fromisoformat(str(day)) + days * DAY).isoformat()  # noqa: E731
    d["depart_on"], d["return_on"] = shift(d["depart_on"]), shift(d["return_on"])
    d["stops"] = [{**s, "start": shift(s["start"]), "end": shift(s["end"])} for s in d["stops"]]
    return data


def test_the_request_added_after_the_report_keeps_the_report_approval_and_escalation(register):
    whole = register.add(validate_trip({**copy.deepcopy(BASE), **copy.deepcopy(LATER_STAGES)}))
    assert whole.state == "reported"
    (again,) = register.add_all([(validate_trip(copy.deepcopy(BASE)), "to-trinh.yaml")])
    record = register.get(whole.id)
    assert (again.new, again.record.id, len(register.list())) == (False, whole.id, 1)
    assert again.kept == ["escalation", "approval", "report"]
    assert (record.state, record.escalated_on, record.approved_on, record.reported_on, record.report_on_time) == \
        ("reported", dt.date(2024, 5, 10), dt.date(2024, 5, 15), dt.date(2024, 6, 18), True)
    assert record.trip()["approval"]["number"] == "123-CV/TU" and record.source == "to-trinh.yaml"
    assert "Giữ tờ trình bổ sung thành phần ngày 10/05/2024" in again.notes()[0]
    assert "báo cáo kết quả ngày 18/06/2024" in again.notes()[0]


def test_replace_makes_the_record_exactly_the_file(register):
    whole = register.add(validate_trip({**copy.deepcopy(BASE), **copy.deepcopy(LATER_STAGES)}))
    replaced = register.add(validate_trip(copy.deepcopy(BASE)), replace=True, on=dt.date(2024, 5, 25))
    assert replaced.id == whole.id
    assert (replaced.state, replaced.escalated_on, replaced.approved_on, replaced.reported_on) == \
        ("requested", None, None, None)
    assert register.get(whole.id).trip()["report"] is None


def test_a_file_whose_request_has_no_number_yet_keeps_the_recorded_number(register):
    numbered = register.add(validate_trip(copy.deepcopy(BASE)))
    draft = copy.deepcopy(BASE)
    draft["request"]["number"] = None
    (again,) = register.add_all([(validate_trip(draft), None)])
    assert again.record.id == numbered.id and again.kept == ["request.number"]
    assert register.get(numbered.id).trip()["request"]["number"] == REQUEST_NUMBER


def test_a_file_over_a_table_row_keeps_the_dates_the_table_knew(register, tmp_path):
    table = tmp_path / "bang.csv"
    table.write_text("Đơn vị,Mã đơn vị,Địa danh,Ngày đi,Ngày về,Số người,Trưởng đoàn,Ngày trình bổ sung thành phần\n"
                     "Sở Nội vụ,SNV,Hậu Giang,03/06/2024,07/06/2024,7,Nguyễn Văn An,10/05/2024\n", encoding="utf-8")
    (row_id,) = register.import_table(table).added
    (added,) = register.add_all([(validate_trip(copy.deepcopy(BASE)), "doan.yaml")])
    assert (added.record.id, added.record.escalated_on, added.kept) == (row_id, dt.date(2024, 5, 10), ["escalated_on"])
    assert added.record.origin == "file"


def test_a_departure_moved_with_the_same_request_number_updates_the_one_record(register):
    first = register.add(validate_trip(copy.deepcopy(BASE)))
    (moved,) = register.add_all([(validate_trip(_moved(BASE, 7)), "doan.yaml")])
    assert (moved.new, moved.record.id, moved.depart_before) == (False, first.id, dt.date(2024, 6, 3))
    assert [(r.id, r.depart_on) for r in register.list()] == [(first.id, dt.date(2024, 6, 10))]
    assert moved.notes()[0] == "Ngày đi đổi từ 03/06/2024 thành 10/06/2024."
    # Checked again at its new date, it is not counted against itself: with one more it is the second.
    register.add(delegation(dt.date(2024, 3, 4), leader="Lê Văn Bình"))
    moved_again = validate_trip(_moved(BASE, 14))
    assert not codes(formgen.check(moved_again, "request", history=register.history(moved_again)), "R03")


def test_a_new_leader_with_the_same_request_number_and_departure_updates_the_record(register):
    first = register.add(validate_trip(copy.deepcopy(BASE)))
    data = copy.deepcopy(BASE)
    data["delegation"]["leader"]["name"] = "Lê Văn Bình"
    assert register.add(validate_trip(data)).id == first.id and len(register.list()) == 1


def test_a_copied_file_still_carrying_another_delegations_request_number_is_refused(register):
    first = register.add(validate_trip(copy.deepcopy(BASE)))
    copied = _moved(BASE, 90)
    copied["delegation"]["leader"]["name"] = "Lê Văn Bình"
    with pytest.raises(register_module.IdentityConflict) as err:
        register.add(validate_trip(copied), "doan-2.yaml")
    assert err.value.record_id == first.id and err.value.source == "doan-2.yaml"
    assert f"Tờ trình số {REQUEST_NUMBER} năm 2024 của đơn vị SNV đã ghi cho đoàn số {first.id} (đi 03/06/2024" \
        in err.value.message
    assert [(r.id, r.depart_on) for r in register.list()] == [(first.id, dt.date(2024, 6, 3))]
    # Named explicitly, the same number is that delegation; a year later it is another one.
    assert register.add(validate_trip(copied), record_id=first.id).id == first.id
    next_year = _moved(BASE, 365)
    next_year["request"]["date"] = "2025-05-20"
    assert register.add(validate_trip(next_year)).id != first.id and len(register.list()) == 2


def test_a_file_that_is_two_records_at_once_is_refused(register, tmp_path):
    numbered = register.add(validate_trip(copy.deepcopy(BASE)))
    other = register.add(delegation(dt.date(2024, 6, 10)))                   # same leader, no number
    with pytest.raises(InvalidInput, match=f"đoàn số {numbered.id} nhưng cũng trùng đoàn số {other.id}"):
        register.add(validate_trip(_moved(BASE, 7)))
    assert register.get(numbered.id).depart_on == dt.date(2024, 6, 3)


def test_a_record_named_by_number_must_exist_and_be_the_units(register):
    other_unit = register.add(delegation(dt.date(2024, 3, 4), unit=SKHDT))
    with pytest.raises(InvalidInput, match=f"Đoàn số {other_unit.id} là của đơn vị SKHĐT, tệp này của đơn vị SNV"):
        register.add(validate_trip(copy.deepcopy(BASE)), record_id=other_unit.id)
    with pytest.raises(InvalidInput, match="không có đoàn số 99"):
        register.add(validate_trip(copy.deepcopy(BASE)), record_id=99)
    assert len(register.list()) == 1


def test_a_third_delegation_of_the_year_is_refused_on_add_writing_nothing_unless_forced(register):
    register.add(delegation(dt.date(2024, 3, 4)))
    register.add(delegation(dt.date(2024, 6, 3), leader="Lê Văn Bình"))
    third = delegation(dt.date(2024, 10, 21), leader="Trần Văn Hậu", place="tỉnh Vĩnh Long")
    with pytest.raises(formgen.Refused) as err:
        register.add(third, "doan-3.yaml")
    (finding,) = err.value.problems
    assert (finding.code, finding.path, err.value.source) == ("R03", "delegation.depart_on", "doan-3.yaml")
    assert "đoàn thứ 3 trong năm 2024" in finding.message and len(register.list()) == 2
    (forced,) = register.add_all([(third, "doan-3.yaml")], force=True)
    assert [f.code for f in forced.findings] == ["R03"] and len(register.list()) == 3
    # Its report, recorded later, is not refused again: the register breaks nothing it did not already.
    reported = delegation(dt.date(2024, 10, 21), leader="Trần Văn Hậu", place="tỉnh Vĩnh Long",
                          reported=dt.date(2024, 10, 30))
    (update,) = register.add_all([(reported, "doan-3.yaml")])
    assert (update.record.id, update.record.state, update.findings) == (forced.record.id, "reported", [])


def test_files_added_together_are_all_written_or_none(register):
    trips = [(delegation(dt.date(2024, m, 4), leader=f"Trưởng đoàn {m}"), f"d{m}.yaml") for m in (3, 6, 9)]
    with pytest.raises(formgen.Refused) as err:
        register.add_all(trips)
    assert err.value.source == "d9.yaml" and register.list() == []


def test_a_duplicate_is_recorded_with_its_warning(register):
    earlier = register.add(delegation(dt.date(2024, 3, 4), unit=SKHDT))
    (added,) = register.add_all([(delegation(dt.date(2024, 9, 9)), None)])
    (warning,) = added.findings
    assert (warning.code, warning.severity) == ("R10", "warning") and f"Đã có đoàn {earlier.id}" in warning.message
    assert len(register.list()) == 2


@pytest.mark.parametrize("where", ["sqlite:///:memory:", "sqlite://", "sqlite+pysqlite:///:memory:", ":memory:",
                                   "", "sqlite:///file::memory:?uri=true", "sqlite:///so?mode=memory&uri=true"])
def test_a_register_that_would_forget_everything_at_exit_is_refused(where, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInput, match="mất hết khi lệnh kết thúc"):
        Register(where)
    assert list(tmp_path.iterdir()) == []


def test_a_forced_delegation_moved_into_another_full_year_is_refused_again(register):
    register.add(delegation(dt.date(2025, 3, 3)))
    register.add(delegation(dt.date(2025, 6, 2), leader="Lê Văn Bình"))
    register.add(delegation(dt.date(2024, 3, 4), leader="Ngô Thị Hạnh"))
    register.add(delegation(dt.date(2024, 5, 6), leader="Phan Văn Tài", place="tỉnh Vĩnh Long"))
    third = validate_trip(copy.deepcopy(BASE))                     # 2024's third, request number 5
    forced = register.add(third, force=True)
    moved = _moved(BASE, 365)                                       # the same request, leaving in 2025 instead
    with pytest.raises(formgen.Refused) as err:
        register.add(validate_trip(moved))
    assert any("đoàn thứ 3 trong năm 2025" in p.message for p in err.value.problems if p.code == "R03")
    assert register.get(forced.id).depart_on == dt.date(2024, 6, 3)


def test_a_table_read_again_with_a_blank_report_date_keeps_the_recorded_report(register, tmp_path):
    table = tmp_path / "bang.csv"
    header = "Đơn vị,Mã đơn vị,Địa danh,Ngày đi,Ngày về,Số người,Trưởng đoàn,Ngày báo cáo\n"
    table.write_text(header + "Sở Y tế,SYT,Hậu Giang,03/06/2024,07/06/2024,5,Võ Văn Tâm,14/06/2024\n", encoding="utf-8")
    (record_id,) = register.import_table(table).added
    table.write_text(header + "Sở Y tế,SYT,Hậu Giang,03/06/2024,07/06/2024,5,Võ Văn Tâm,\n", encoding="utf-8")
    assert register.import_table(table).unchanged == [record_id]
    record = register.get(record_id)
    assert (record.reported_on, record.report_on_time, record.state) == (dt.date(2024, 6, 14), True, "reported")


def test_two_records_sharing_a_request_number_from_earlier_versions_are_told_apart_or_must_be_named(register):
    a = register.add(delegation(dt.date(2024, 3, 4)))
    b = register.add(delegation(dt.date(2024, 6, 3), leader="Lê Văn Bình"))
    with register.engine.begin() as conn:  # as formgen recorded two copied files before identities
        for r in (a, b):
            trip = {**r.trip_data, "request": {**r.trip_data["request"], "number": 5}}
            conn.execute(sa.update(DELEGATIONS).where(DELEGATIONS.c.id == r.id).values(trip=trip, trip_form=None))
        records.upgrade_trips(conn)  # as opening a register of before the stored forms reads them, once
    again = delegation(dt.date(2024, 3, 4), number=5)
    again["request"]["date"] = dt.date(2024, 5, 1)                  # same year as both
    assert register.add(again).id == a.id                            # its own departure and leader: no doubt
    ambiguous = delegation(dt.date(2024, 6, 3), number=5)             # b's departure, a's leader
    with pytest.raises(register_module.IdentityConflict, match=f"đã ghi cho nhiều đoàn \\(số {a.id}, {b.id}\\)"):
        register.add(ambiguous)
    assert register.add(ambiguous, record_id=b.id).id == b.id and len(register.list()) == 2
