"""The register from the command line: a secretary's and a committee's work across documents."""
from __future__ import annotations

import json
from pathlib import Path

from helpers import docx_lines

FIX = Path(__file__).parent.parent / "fixtures"


def moved(data: dict, depart: str, back: str, stop_start: str, stop_end: str, request_date: str,
          leader: str = "Nguyễn Văn An", place: str | None = None) -> dict:
    """The fixture delegation on other dates (one stop), with another leader: another delegation (its request
    not numbered yet: the fixture's number belongs to the fixture's delegation)."""
    d = data["delegation"]
    d.update(depart_on=depart, return_on=back)
    d["leader"]["name"] = leader
    d["members"] = [m for m in d["members"] if m["name"] != leader]  # a person is counted once
    d["stops"] = [{**d["stops"][0], "start": stop_start, "end": stop_end,
                   **({"place": place} if place else {})}]
    data["request"].update(date=request_date, number=None)
    return data


def test_the_third_delegation_of_a_year_is_refused_and_the_next_year_accepted(tmp_path, trip_data, write_trip,
                                                                               run_formgen):
    import copy
    db = tmp_path / "so.sqlite"
    first = write_trip(tmp_path, copy.deepcopy(trip_data), "d1.yaml")
    second = write_trip(tmp_path, moved(copy.deepcopy(trip_data), "2024-09-09", "2024-09-12", "2024-09-10",
                                        "2024-09-11", "2024-08-22", "Trần Thị Bích Ngọc"), "d2.yaml")
    assert run_formgen("register", "add", first, second, "--register", db).exit_code == 0
    third = write_trip(tmp_path, moved(copy.deepcopy(trip_data), "2024-11-04", "2024-11-07", "2024-11-05",
                                       "2024-11-06", "2024-10-18", "Lê Hoàng Phúc"), "d3.yaml")
    result = run_formgen("check", third, "--register", db, "--json")
    assert result.exit_code == 1
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert finding["code"] == "R03" and "đoàn thứ 3 trong năm 2024" in finding["message"]
    result = run_formgen("render", "request", third, "-o", tmp_path / "d3.docx", "--register", db)
    assert result.exit_code == 1 and not (tmp_path / "d3.docx").exists()
    next_year = write_trip(tmp_path, moved(copy.deepcopy(trip_data), "2025-03-10", "2025-03-13", "2025-03-11",
                                           "2025-03-12", "2025-02-24", "Lê Hoàng Phúc"), "d4.yaml")
    assert run_formgen("check", next_year, "--register", db).exit_code == 0
    # a file already in the register is not counted twice against itself
    assert run_formgen("check", second, "--register", db).exit_code == 0


def test_a_duplicate_of_another_units_delegation_is_warned_by_id(tmp_path, trip_data, write_trip, run_formgen):
    import copy
    db = tmp_path / "so.sqlite"
    other = copy.deepcopy(trip_data)
    other["issuer"].update(name="Sở Tài chính", abbreviation="STC")
    assert run_formgen("register", "add", write_trip(tmp_path, other, "stc.yaml"), "--register", db).exit_code == 0
    result = run_formgen("check", write_trip(tmp_path, trip_data, "snv.yaml"), "--register", db)
    assert result.exit_code == 0
    assert "CẢNH BÁO R10" in result.stdout and "Đã có đoàn 1 của Sở Tài chính đi thành phố Đà Nẵng" in result.stdout


def test_register_list_show_and_a_growing_file(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    run_formgen("register", "add", FIX / "request.yaml", "--register", db)
    run_formgen("register", "add", FIX / "report.yaml", "--register", db)  # the same delegation, now reported
    records = json.loads(run_formgen("register", "list", "--register", db, "--json").stdout)["records"]
    assert [(r["id"], r["state"], r["report_on_time"]) for r in records] == [(1, "reported", True)]
    shown = json.loads(run_formgen("register", "show", "1", "--register", db, "--json").stdout)["record"]
    assert shown["trip"]["report"]["date"] == "2024-06-18" and shown["size"] == 7
    missing = run_formgen("register", "show", "9", "--register", db)
    assert missing.exit_code == 2 and "Traceback" not in missing.stderr


def test_overdue_reports_over_the_tet_holidays(tmp_path, trip_data, write_trip, run_formgen):
    db = tmp_path / "so.sqlite"
    # back Thursday 23/01/2025: 10 working days skip Tết (27/01–31/01/2025) → deadline 13/02/2025
    path = write_trip(tmp_path, moved(trip_data, "2025-01-20", "2025-01-23", "2025-01-21", "2025-01-22", "2025-01-03"))
    run_formgen("register", "add", path, "--register", db)
    due = json.loads(run_formgen("register", "overdue", "--on", "2025-02-11", "--register", db, "--json").stdout)["due"]
    assert [(d["deadline"], d["overdue"], d["working_days"]) for d in due] == [("2025-02-13", False, 2)]
    late = run_formgen("register", "overdue", "--on", "14/02/2025", "--within", "0", "--register", db)
    assert "hạn báo cáo 13/02/2025, quá hạn 1 ngày làm việc" in late.stdout


def test_an_overdue_report_counted_near_an_unchecked_holiday_says_so(tmp_path, trip_data, write_trip, run_formgen):
    from formgen.calendar import HOLIDAYS_VERSION
    db = tmp_path / "so.sqlite"
    # back Friday 20/11/2026: 10 working days skip 24/11/2026 (Ngày Văn hóa Việt Nam, after the notices were
    # checked, 02/09/2026) → deadline 07/12/2026
    path = write_trip(tmp_path, moved(trip_data, "2026-11-16", "2026-11-20", "2026-11-17", "2026-11-18", "2026-10-30"))
    run_formgen("register", "add", path, "--register", db)
    late = run_formgen("register", "overdue", "--on", "10/12/2026", "--register", db)
    assert late.exit_code == 1
    assert late.stdout.splitlines()[1:] == [
        "CẢNH BÁO: Hạn báo cáo của đoàn 1 được đếm gần dịp nghỉ 24/11/2026 (Ngày Văn hóa Việt Nam), mà formgen "
        "chưa có thông báo chính thức về lịch nghỉ dịp này (thông báo đã đối chiếu đến ngày 02/09/2026): các ngày "
        f"nghỉ đang tính là của thư viện holidays {HOLIDAYS_VERSION} (VN). Nếu có nghỉ thêm, hoán đổi ngày làm việc "
        "hay làm bù, hạn có thể khác: hãy đối chiếu thông báo của cơ quan có thẩm quyền và thêm vào lịch (tùy chọn "
        "--notices)."]
    assert "hạn báo cáo 07/12/2026, quá hạn 3 ngày làm việc" in late.stdout.splitlines()[0]
    due, = json.loads(run_formgen("register", "overdue", "--on", "2026-12-10", "--register", db, "--json").stdout)["due"]
    assert due["unchecked"] == [{"first": "2026-11-24", "last": "2026-11-24", "names": ["Ngày Văn hóa Việt Nam"]}]
    notice = tmp_path / "vh.yaml"   # the office adds the notice it has: the day stays off, the warning goes
    notice.write_text("source: Thông báo số 1/TB ngày 01/11/2026\ndays_off: [24/11/2026]\n", encoding="utf-8")
    checked = run_formgen("register", "overdue", "--on", "10/12/2026", "--register", db, "--notices", notice)
    assert len(checked.stdout.splitlines()) == 1 and "hạn báo cáo 07/12/2026" in checked.stdout


def test_annual_reports_from_the_register_for_one_unit_and_for_all(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    run_formgen("register", "add", FIX / "report.yaml", FIX / "party" / "report.yaml", "--register", db)
    meta = tmp_path / "meta.yaml"
    meta.write_text("annual:\n  number: 245\n  date: 2024-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n",
                    encoding="utf-8")
    result = run_formgen("annual", "--year", "2024", "--unit", "SNV", "--meta", meta, "-o", tmp_path / "snv.docx",
                         "--register", db)
    assert result.exit_code == 0
    text = "\n".join(docx_lines(tmp_path / "snv.docx"))
    assert "đơn vị tổ chức 01 đoàn, 07 lượt người, đến 02 địa phương; tổng kinh phí 150.000.000 đồng" in text
    assert "Sau chuyến đi, đoàn đã gửi báo cáo kết quả đúng hạn." in text
    result = run_formgen("annual", "--year", "2024", "--all", "--meta", meta, "-o", tmp_path / "all",
                         "--register", db)
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "all").glob("*.docx")) == ["annual-btgtu-2024.docx",
                                                                          "annual-snv-2024.docx"]
    party = "\n".join(docx_lines(tmp_path / "all" / "annual-btgtu-2024.docx"))
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in party and "Sau chuyến đi, 01 đoàn gửi báo cáo chậm." in party
    assert json.loads((tmp_path / "all" / "manifest.json").read_text(encoding="utf-8"))["rows"][0]["status"] == \
        "written"


def test_export_then_import_into_another_register(tmp_path, run_formgen):
    run_formgen("register", "add", FIX / "report.yaml", "--register", tmp_path / "a.sqlite")
    for table in ("so.csv", "so.xlsx"):
        assert run_formgen("register", "export", tmp_path / table, "--register", tmp_path / "a.sqlite").exit_code == 0
        result = run_formgen("register", "import", tmp_path / table, "--register", tmp_path / f"{table}.sqlite")
        assert result.exit_code == 0 and "1 mới" in result.stdout
    header = (tmp_path / "so.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Ngày đi" in header and "Trưởng đoàn" in header


def test_with_a_register_the_letter_says_which_delegation_of_the_year_it_is(tmp_path, trip_data, write_trip,
                                                                            run_formgen):
    import copy
    db = tmp_path / "so.sqlite"
    earlier = moved(copy.deepcopy(trip_data), "2024-03-04", "2024-03-07", "2024-03-05", "2024-03-06", "2024-02-15",
                    "Trần Thị Bích Ngọc")  # it leaves before this one (one leaving later would not count)
    run_formgen("register", "add", write_trip(tmp_path, earlier, "earlier.yaml"), "--register", db)
    result = run_formgen("render", "request", write_trip(tmp_path, trip_data, "this.yaml"), "-o",
                         tmp_path / "tt.docx", "--register", db)
    assert result.exit_code == 0
    assert "Đây là đoàn thứ 02/02 của đơn vị đi ngoài tỉnh trong năm 2024." in docx_lines(tmp_path / "tt.docx")
    without = run_formgen("render", "request", write_trip(tmp_path, trip_data, "this.yaml"), "-o",
                          tmp_path / "plain.docx")
    assert without.exit_code == 0
    assert not any(line.startswith("Đây là đoàn thứ") for line in docx_lines(tmp_path / "plain.docx"))
