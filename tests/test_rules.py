"""The regulation's rules counted as a person counts them: one unit however its name is typed (R03, R11), the
delegation's place in its year (the letter's “đoàn thứ n”), days summed per destination (R04), and an approval
that came too late (R13) — each case as a user meets it, through the CLI or formgen.check."""
from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

import formgen
from formgen.model import validate_trip
from formgen.register import Register
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
DAY = dt.timedelta(days=1)


def trip_file(tmp_path, data: dict, name: str, *, depart: str, leader: str | None = None,
              unit: tuple[str, str] | None = None):
    """The fixture's request moved to another departure (one stop, the day after it leaves; the request 20 days
    before, unnumbered), another leader, another spelling of its unit: written as a file."""
    data = copy.deepcopy(data)
    day = dt.date.fromisoformat(depart)
    d = data["delegation"]
    d.update(depart_on=day, return_on=day + 3 * DAY)
    if leader:
        d["leader"]["name"] = leader
    if unit:
        data["issuer"]["name"], data["issuer"]["abbreviation"] = unit
    d["stops"] = [{**d["stops"][0], "start": day + DAY, "end": day + 2 * DAY}]
    data["request"].update(date=day - 20 * DAY, number=None)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def listed(run_formgen, db, *extra) -> list[dict]:
    return json.loads(run_formgen("register", "list", "--register", db, "--json", *extra).stdout)["records"]


# --- one unit, however its name is typed (R03, R11, the register's listings) ------------------------------------


def two_of_the_year(tmp_path, trip_data, run_formgen, *, first_unit=None,
                    second_unit=("Sở Nội vụ tỉnh Hậu Giang", "SNV")):
    """A register holding two 2024 delegations of the fixture's unit (03/06 and 16/09), its name typed two ways."""
    db = tmp_path / "so.sqlite"
    first = trip_file(tmp_path, trip_data, "d1.yaml", depart="2024-06-03", unit=first_unit)
    second = trip_file(tmp_path, trip_data, "d2.yaml", depart="2024-09-16", leader="Lê Văn Bình", unit=second_unit)
    assert run_formgen("register", "add", first, second, "--register", db).exit_code == 0
    return db


def test_a_third_delegation_is_refused_when_the_unit_typed_its_name_longer_in_an_earlier_one(
        tmp_path, trip_data, run_formgen):
    db = two_of_the_year(tmp_path, trip_data, run_formgen)
    third = trip_file(tmp_path, trip_data, "d3.yaml", depart="2024-10-14", leader="Hà Văn Cường")
    result = run_formgen("register", "add", third, "--register", db)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.err_lines[0].startswith(f"{third}: LỖI R03 [delegation.depart_on]: Đoàn này là đoàn thứ 3 trong "
                                          "năm 2024")
    assert len(listed(run_formgen, db)) == 2


def test_a_unit_whose_code_is_typed_in_lower_case_and_its_name_otherwise_is_still_counted(
        tmp_path, trip_data, run_formgen):
    db = two_of_the_year(tmp_path, trip_data, run_formgen, first_unit=("Sở  Nội Vụ", "snv"),
                         second_unit=("Sở Nội vụ tỉnh Hậu Giang", " SNV "))
    third = validate_trip(yaml.safe_load(trip_file(tmp_path, trip_data, "d3.yaml", depart="2024-10-14",
                                                   leader="Hà Văn Cường").read_text(encoding="utf-8")))
    with Register(db) as reg:
        errors = formgen.check(third, "request", history=reg.history(third)).errors
    assert [(e.code, e.path) for e in errors] == [("R03", "delegation.depart_on")]
    assert "đoàn thứ 3 trong năm 2024" in errors[0].message
    assert [r["unit_code"] for r in listed(run_formgen, db, "--unit", "SNV")] == ["snv", "SNV"]


def test_the_annual_report_from_the_register_covers_a_unit_that_typed_its_name_two_ways(
        tmp_path, trip_data, run_formgen):
    db = two_of_the_year(tmp_path, trip_data, run_formgen)
    meta = tmp_path / "bc.yaml"
    meta.write_text("annual:\n  date: 2024-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n", encoding="utf-8")
    out = tmp_path / "bc.docx"
    result = run_formgen("annual", "--year", "2024", "--unit", "SNV", "--meta", meta, "-o", out, "--register", db)
    assert result.exit_code == 0, result.stderr
    assert "LỖI R11" not in result.stderr
    text = "\n".join(docx_lines(out))
    assert "03/06/2024" in text and "16/09/2024" in text


def test_an_annual_file_listing_the_units_delegations_under_its_longer_name_is_not_another_units(trip_data):
    data = formgen.load(ROOT / "fixtures" / "annual.yaml")
    data["delegations"][0]["issuer"]["name"] = data["issuer"]["name"] + " tỉnh Hậu Giang"
    assert not [f for f in formgen.check(data, "annual").findings if f.code == "R11"]
    data["delegations"][0]["issuer"]["abbreviation"] = "STP"  # another code: another unit
    assert [f.path for f in formgen.check(data, "annual").findings if f.code == "R11"] == ["delegations[0].issuer"]


# --- the delegation's place in its year: only those that leave before it ------------------------------------------


def test_the_letter_counts_only_the_delegations_leaving_before_it_not_one_booked_for_later(
        tmp_path, trip_data, run_formgen):
    db = tmp_path / "so.sqlite"
    later = trip_file(tmp_path, trip_data, "later.yaml", depart="2024-09-16", leader="Lê Văn Bình")
    assert run_formgen("register", "add", later, "--register", db).exit_code == 0
    this = trip_file(tmp_path, trip_data, "this.yaml", depart="2024-06-03")
    out = tmp_path / "tt.docx"
    assert run_formgen("render", "request", this, "-o", out, "--register", db).exit_code == 0
    assert "Đây là đoàn thứ 01/02 của đơn vị đi ngoài tỉnh trong năm 2024." in docx_lines(out)
    # the yearly limit (R03) still counts the whole year: a third one is refused though it leaves first
    assert run_formgen("register", "add", this, "--register", db).exit_code == 0
    first = trip_file(tmp_path, trip_data, "may.yaml", depart="2024-05-13", leader="Hà Văn Cường")
    out = tmp_path / "tt-3.docx"
    result = run_formgen("render", "request", first, "-o", out, "--register", db)
    assert result.exit_code == 1 and not out.exists()
    assert (f"{first}: LỖI R03 [delegation.depart_on]: Tính cả đoàn này, đơn vị có 3 đoàn đi trong năm 2024; mỗi năm "
            "không quá 2 đoàn (các đoàn đã có trong sổ: 2 đi ngày 03/06/2024, 1 đi ngày 16/09/2024)") in result.stderr
    assert "đoàn thứ 3" not in result.stderr  # it leaves first: not the third


def test_a_duplicate_leaving_after_this_delegation_is_not_called_one_that_went_before(tmp_path, trip_data):
    later = validate_trip(yaml.safe_load(trip_file(tmp_path, trip_data, "later.yaml", depart="2024-09-16",
                                                   leader="Lê Văn Bình").read_text(encoding="utf-8")))
    with Register(tmp_path / "so.sqlite") as reg:
        booked = reg.add(later)
        this = validate_trip(yaml.safe_load(trip_file(tmp_path, trip_data, "this.yaml", depart="2024-06-03")
                                            .read_text(encoding="utf-8")))
        (warning,) = [f for f in formgen.check(this, "request", history=reg.history(this)).findings if f.code == "R10"]
    assert warning.message == (f"Đã có đoàn {booked.id} của Sở Nội vụ đi thành phố Đà Nẵng (ngày 16/09/2024) về "
                               "lĩnh vực “cải cách hành chính”; tránh trùng lặp nội dung giữa các đoàn.")
    assert "đã đi trước" not in warning.message


# --- days at a destination, its stops there counted together (R04) ----------------------------------------------


def two_stops(trip_data: dict, first: tuple[str, str, str], second: tuple[str, str, str]) -> dict:
    """The fixture's trip (03/06–08/06/2024) with two stops: (place, start, end) each, the second another host."""
    data = copy.deepcopy(trip_data)
    d = data["delegation"]
    d["return_on"] = dt.date(2024, 6, 8)
    template = d["stops"][0]
    d["stops"] = [{**template, "place": place, "start": dt.date.fromisoformat(start), "end": dt.date.fromisoformat(end),
                   **({"host": "Trung tâm Phục vụ hành chính công thành phố Đà Nẵng"} if n else {})}
                  for n, (place, start, end) in enumerate((first, second))]
    return data


def test_two_stops_at_one_destination_are_counted_together_and_refused_over_two_days(
        tmp_path, trip_data, write_trip, run_formgen):
    data = two_stops(trip_data, ("thành phố Đà Nẵng", "2024-06-04", "2024-06-05"),
                     ("thành phố Đà Nẵng", "2024-06-06", "2024-06-07"))
    path = write_trip(tmp_path, data)
    result = run_formgen("check", path)
    assert result.exit_code == 1
    assert (f"{path}: LỖI R04 [delegation.stops[0]]: Điểm đến thành phố Đà Nẵng ghi 2 lần, cộng lại 4 ngày "
            "(04/06/2024 – 05/06/2024; 06/06/2024 – 07/06/2024); mỗi nơi không quá 2 ngày, không tính thời gian đi và "
            "về.") in result.stdout + result.stderr
    out = tmp_path / "tt.docx"
    assert run_formgen("render", "request", path, "-o", out).exit_code == 1 and not out.exists()


def test_the_same_destination_typed_in_other_case_and_spacing_is_one_destination(tmp_path, trip_data):
    data = two_stops(trip_data, ("thành phố Đà Nẵng", "2024-06-04", "2024-06-05"),
                     ("Thành  phố đà nẵng", "2024-06-07", "2024-06-07"))
    (error,) = [f for f in formgen.check(data, "request").findings if f.code == "R04"]
    assert error.path == "delegation.stops[0]" and "ghi 2 lần, cộng lại 3 ngày" in error.message


def test_a_day_at_one_destination_in_two_of_its_stops_is_counted_once(trip_data):
    overlapping = two_stops(trip_data, ("thành phố Đà Nẵng", "2024-06-04", "2024-06-05"),
                            ("thành phố Đà Nẵng", "2024-06-05", "2024-06-06"))
    (error,) = [f for f in formgen.check(overlapping, "request").findings if f.code == "R04"]
    assert "cộng lại 3 ngày (04/06/2024 – 05/06/2024; 05/06/2024 – 06/06/2024)" in error.message
    two_hosts = two_stops(trip_data, ("thành phố Đà Nẵng", "2024-06-04", "2024-06-05"),
                          ("thành phố Đà Nẵng", "2024-06-04", "2024-06-05"))  # two bodies visited on the same days
    assert not [f for f in formgen.check(two_hosts, "request").findings if f.code == "R04"]


def test_a_copied_profile_without_the_summed_message_still_refuses_two_stops_at_one_place(tmp_path, trip_data):
    builtin = (ROOT / "formgen" / "policy" / "profiles" / "hau-giang-2024.yaml").read_text(encoding="utf-8")
    start = builtin.index("      over_total: >-")
    end = builtin.index("  R05:")
    copied = tmp_path / "copied.yaml"
    copied.write_text((builtin[:start] + builtin[end:]).replace("id: hau-giang-2024", "id: copied"), encoding="utf-8")
    data = two_stops(trip_data, ("thành phố Đà Nẵng", "2024-06-04", "2024-06-05"),
                     ("thành phố Đà Nẵng", "2024-06-06", "2024-06-07"))
    (error,) = [f for f in formgen.check(data, "request", profile=str(copied)).findings if f.code == "R04"]
    assert error.message.startswith("Điểm đến thành phố Đà Nẵng kéo dài 4 ngày (04/06/2024 – 07/06/2024)")


def test_two_destinations_on_the_same_days_are_refused_naming_the_later_stop_and_nothing_is_written(
        tmp_path, trip_data, write_trip, run_formgen):
    data = two_stops(trip_data, ("thành phố Đà Nẵng", "2024-06-04", "2024-06-05"),
                     ("tỉnh Quảng Ninh", "2024-06-04", "2024-06-05"))
    path = write_trip(tmp_path, data)
    out = tmp_path / "tt.docx"
    result = run_formgen("render", "request", path, "-o", out)
    assert result.exit_code == 1 and not out.exists() and "Traceback" not in result.stderr
    assert (f"{path}: LỖI R04 [delegation.stops[1]]: Thời gian tại tỉnh Quảng Ninh (04/06/2024 – 05/06/2024) trùng "
            "với điểm đến thứ 1, thành phố Đà Nẵng (04/06/2024 – 05/06/2024): hai nơi chỉ chung được một ngày, ngày "
            "chuyển từ nơi này sang nơi kia. (Căn cứ: “Điểm đến mỗi nơi không quá 2 ngày") in result.stderr
    inside = two_stops(trip_data, ("thành phố Đà Nẵng", "2024-06-04", "2024-06-07"),
                       ("tỉnh Quảng Ninh", "2024-06-05", "2024-06-05"))  # a day in the middle of another stay
    assert [f.path for f in formgen.check(inside, "request").errors] == ["delegation.stops[0]", "delegation.stops[1]"]
    # sharing only the day of moving from one to the other is no overlap
    moving = two_stops(trip_data, ("thành phố Đà Nẵng", "2024-06-04", "2024-06-05"),
                       ("tỉnh Quảng Nam", "2024-06-05", "2024-06-06"))
    assert formgen.check(moving, "request").ok
    same_day = two_stops(trip_data, ("thành phố Cần Thơ", "2024-06-04", "2024-06-04"),
                         ("tỉnh Vĩnh Long", "2024-06-04", "2024-06-04"))  # two neighbours in one day
    assert formgen.check(same_day, "request").ok


# --- the Standing Committee's approval: before the departure, and not cited before its day (R13) -----------------


def approved(approval_date: str, *, report: bool = False) -> dict:
    """fixtures/escalation.yaml (9 people under a deputy, request and escalation of 20/05/2024, departure 03/06)
    with the Standing Committee's approval for 9 on approval_date, and the report of 18/06/2024 when asked."""
    data = yaml.safe_load((ROOT / "fixtures" / "escalation.yaml").read_text(encoding="utf-8"))
    data["approval"] = {"number": "123-CV/TU", "date": approval_date, "approved_size": 9}
    if report:
        data["report"] = yaml.safe_load((ROOT / "fixtures" / "report.yaml").read_text(encoding="utf-8"))["report"]
    return data


def refused(tmp_path, write_trip, run_formgen, kind: str, data: dict):
    """(the file, the CLI's result) of rendering `kind` from data, refused by the rules (exit 1, nothing written)."""
    path = write_trip(tmp_path, data, f"{kind}.yaml")
    out = tmp_path / f"{kind}.docx"
    result = run_formgen("render", kind, path, "-o", out)
    assert result.exit_code == 1 and not out.exists(), result.stderr
    return path, result


def test_a_request_citing_an_approval_dated_after_it_is_refused_naming_the_approval_date(
        tmp_path, write_trip, run_formgen):
    path, result = refused(tmp_path, write_trip, run_formgen, "request", approved("2024-05-27"))
    assert (f"{path}: LỖI R13 [approval.date]: Tờ trình đề ngày 20/05/2024 không viện dẫn được văn bản số 123-CV/TU "
            "ngày 27/05/2024 của Thường trực Tỉnh ủy, ban hành sau tờ trình; ghi đúng ngày văn bản đồng ý, hoặc tờ "
            "trình đề ngày từ 27/05/2024 trở đi.") in result.stderr
    # the report of 18/06/2024 comes after it: it cites it
    report = write_trip(tmp_path, approved("2024-05-27", report=True), "bc.yaml")
    out = tmp_path / "bc.docx"
    assert run_formgen("render", "report", report, "-o", out).exit_code == 0
    assert any("Văn bản số 123-CV/TU ngày 27/05/2024 của Thường trực Tỉnh ủy" in line for line in docx_lines(out))


def test_an_approval_dated_after_the_departure_lifts_no_limit_and_no_document_cites_it(
        tmp_path, write_trip, run_formgen):
    path, result = refused(tmp_path, write_trip, run_formgen, "request", approved("2024-06-10"))
    assert (f"{path}: LỖI R13 [approval.date]: Văn bản số 123-CV/TU ngày 10/06/2024 của Thường trực Tỉnh ủy đề sau "
            "ngày đi của đoàn (03/06/2024): thành phần đoàn phải được đồng ý trước khi đi, văn bản này không nâng giới "
            "hạn số người.") in result.stderr
    assert "LỖI R06 [delegation.members]: Đoàn có 9 người (kể cả trưởng đoàn), vượt mức 7 người" in result.stderr
    assert "Tờ trình đề ngày" not in result.stderr  # one finding for the one date, not two
    _, result = refused(tmp_path, write_trip, run_formgen, "report", approved("2024-06-10", report=True))
    assert "LỖI R13 [approval.date]" in result.stderr

