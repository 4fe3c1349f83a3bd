"""A deadline counted near a public holiday whose official notice formgen has not checked says so.

formgen's official notices were checked up to 02/09/2026 (official_notices.yaml, checked_through). After it, a
holiday's days off are the ones `holidays` gives by law, and a notice not yet known could add a day off, swap one
or make a Saturday a working day: Tết 2027 (04–10/02/2027 in holidays 0.109) and 24/11/2026, the Ngày Văn hóa
Việt Nam first kept in 2026.
"""
from __future__ import annotations

import datetime as dt
import json

from icalendar import Calendar

import formgen
from formgen.calendar import NOTICE_REACH, WorkCalendar, load_official

TET_2027 = "Hạn gửi văn bản trình 01/02/2027 được đếm gần dịp nghỉ 04/02/2027–10/02/2027 (29 Tết, Tết Nguyên Đán)"
REST = (", mà formgen chưa có thông báo chính thức về lịch nghỉ dịp này (thông báo đã đối chiếu đến ngày 02/09/2026): "
        "các ngày nghỉ đang tính là của thư viện holidays {version} (VN). Nếu có nghỉ thêm, hoán đổi ngày làm việc "
        "hay làm bù, hạn có thể khác: hãy đối chiếu thông báo của cơ quan có thẩm quyền và thêm vào lịch (tùy chọn "
        "--notices).")


def full(head: str) -> str:
    from formgen.calendar import HOLIDAYS_VERSION
    return head + REST.format(version=HOLIDAYS_VERSION)


def tet_notice(tmp_path, day="03/02/2027"):
    path = tmp_path / "tet-2027.yaml"
    path.write_text("source: Thông báo số 1234/TB-BNV ngày 01/11/2026 của Bộ Nội vụ về lịch nghỉ Tết Âm lịch 2027\n"
                    f"days_off:\n  - {{date: {day}, name: Nghỉ Tết Âm lịch}}\n", encoding="utf-8")
    return path


def trip_2027(trip_data, depart=dt.date(2027, 2, 22)):
    d = trip_data["delegation"]
    shift = depart - d["depart_on"]
    d["depart_on"], d["return_on"] = d["depart_on"] + shift, d["return_on"] + shift
    for stop in d["stops"]:
        stop["start"], stop["end"] = stop["start"] + shift, stop["end"] + shift
    trip_data["request"]["date"] = dt.date(2027, 1, 25)
    return trip_data


def test_the_shipped_notices_say_up_to_which_day_they_were_checked():
    assert load_official().checked_through == dt.date(2026, 9, 2)


def test_tet_2027_is_unchecked_near_a_count_and_the_checked_holidays_are_not():
    cal = WorkCalendar()
    found, = cal.unchecked(dt.date(2027, 2, 1), dt.date(2027, 2, 22))
    assert (found.first, found.last) == (dt.date(2027, 2, 4), dt.date(2027, 2, 10))
    assert found.words() == "04/02/2027–10/02/2027 (29 Tết, Tết Nguyên Đán)"
    assert cal.unchecked(dt.date(2026, 8, 17), dt.date(2026, 9, 10)) == ()    # 2/9/2026: its notice is checked
    assert cal.unchecked(dt.date(2026, 2, 2), dt.date(2026, 2, 27)) == ()     # Tết 2026
    assert [o.words() for o in cal.unchecked(dt.date(2026, 11, 10), dt.date(2026, 11, 20))] == [
        "24/11/2026 (Ngày Văn hóa Việt Nam)"]


def test_a_holiday_just_beyond_the_reach_of_a_count_is_not_named():
    cal = WorkCalendar()
    last = dt.date(2027, 2, 4) - NOTICE_REACH   # the count ends NOTICE_REACH before Tết's first day off
    assert len(cal.unchecked(dt.date(2027, 1, 15), last)) == 1
    assert cal.unchecked(dt.date(2027, 1, 15), last - dt.timedelta(days=1)) == ()


def test_a_notice_the_user_adds_for_the_occasion_checks_it(tmp_path):
    cal = WorkCalendar.from_files([tet_notice(tmp_path)])
    assert cal.unchecked(dt.date(2027, 2, 1), dt.date(2027, 2, 22)) == ()
    far = WorkCalendar.from_files([tet_notice(tmp_path, "03/05/2027")])   # a notice about another occasion
    assert len(far.unchecked(dt.date(2027, 2, 1), dt.date(2027, 2, 22))) == 1


def test_without_the_shipped_notices_no_holiday_counts_as_checked():
    found = WorkCalendar(official=False).unchecked(dt.date(2024, 4, 25), dt.date(2024, 5, 13))
    assert [o.words() for o in found] == [
        "18/04/2024 (Ngày Giỗ Tổ Hùng Vương)",
        "29/04/2024–01/05/2024 (Ngày nghỉ (thay cho ngày 04/05/2024), Ngày Chiến thắng, Ngày Quốc tế Lao động)"]
    assert WorkCalendar().unchecked(dt.date(2024, 4, 25), dt.date(2024, 5, 13)) == ()
    dl = formgen.deadlines("2024-05-13", calendar=WorkCalendar(official=False))
    assert "không dùng thông báo chính thức của formgen" in dl.caveats()[0][1]


def test_the_deadlines_command_prints_the_caveat_after_the_deadlines(run_formgen):
    result = run_formgen("deadlines", "--depart", "22/02/2027", "--return", "26/02/2027")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "Hạn gửi văn bản trình (R01): 01/02/2027 (10 ngày làm việc trước ngày đi 22/02/2027)",
        "Hạn gửi báo cáo kết quả (R07): 12/03/2027 (10 ngày làm việc sau ngày về 26/02/2027)",
        "CẢNH BÁO: " + full(TET_2027)]


def test_with_the_notice_added_the_deadline_follows_it_and_the_caveat_goes(run_formgen, tmp_path):
    result = run_formgen("deadlines", "--depart", "22/02/2027", "--notices", tet_notice(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "Hạn gửi văn bản trình (R01): 29/01/2027 (10 ngày làm việc trước ngày đi 22/02/2027)"]


def test_a_2024_deadline_has_no_caveat(run_formgen):
    result = run_formgen("deadlines", "--depart", "03/06/2024", "--return", "07/06/2024", "--json")
    assert json.loads(result.stdout)["deadlines"]["unchecked"] == []


def test_the_json_names_the_holiday_and_passes_the_envelope_schema(run_formgen):
    from test_api import _validator
    document = json.loads(run_formgen("deadlines", "--depart", "22/02/2027", "--json").stdout)
    assert _validator().is_valid(document)
    entry, = document["deadlines"]["unchecked"]
    assert {k: entry[k] for k in ("deadline", "rule", "first", "last")} == {
        "deadline": "latest_request_date", "rule": "R01", "first": "2027-02-04", "last": "2027-02-10"}
    assert "Tết Nguyên Đán" in entry["names"] and entry["message"] == full(TET_2027)


def test_check_and_render_warn_on_the_request_and_still_write_the_letter(run_formgen, trip_data, write_trip,
                                                                         tmp_path):
    trip = write_trip(tmp_path, trip_2027(trip_data))
    warning = f"{trip}: CẢNH BÁO [delegation.depart_on]: {full(TET_2027)}"
    checked = run_formgen("check", trip)
    assert checked.exit_code == 0 and warning in checked.stdout.splitlines()
    rendered = run_formgen("render", "request", trip, "-o", tmp_path / "to-trinh.docx")
    assert rendered.exit_code == 0 and warning in rendered.stdout.splitlines()
    assert (tmp_path / "to-trinh.docx").is_file()


def test_a_request_is_not_warned_of_its_report_deadline(trip_data):
    # 02–06/11/2026: the report's count (to 20/11/2026) comes near 24/11/2026, the request's (to 02/11) does not
    data = trip_2027(trip_data, depart=dt.date(2026, 11, 2))
    data["request"]["date"] = dt.date(2026, 10, 1)
    assert [p.path for p in formgen.check(data, "request").warnings if p.code is None] == []
    assert formgen.check(data, "request").deadlines.caveats()[0][0] == "delegation.return_on"


def test_the_calendar_file_carries_the_caveat_in_the_deadlines_event(run_formgen, tmp_path):
    out = tmp_path / "doan.ics"
    assert run_formgen("deadlines", "--depart", "22/02/2027", "--ics", out).exit_code == 0
    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    assert full(TET_2027) in str(events["Hạn gửi văn bản trình (R01)"]["DESCRIPTION"])



def test_the_web_form_shows_the_caveat_beside_the_departure(trip_data, write_trip, tmp_path):
    import io
    import re

    import pytest
    pytest.importorskip("flask_smorest", reason="the web extra is not installed: pip install \".[web]\"")
    from formgen.web import create_app
    trip = write_trip(tmp_path, trip_2027(trip_data))
    page = create_app(testing=True).test_client().post(
        "/open", data={"file": (io.BytesIO(trip.read_bytes()), "ho-so.yaml")}, content_type="multipart/form-data")
    slot = re.search(r'<div class="msg" id="msg-delegation-depart-on".*?</div>', page.get_data(as_text=True), re.S)
    assert slot and TET_2027 in re.sub(r"<[^>]+>", "", slot.group(0))


def test_the_stamp_says_it_in_one_line_and_still_fits_with_two_holidays(trip_data, tmp_path):
    import shutil
    import subprocess

    import pytest
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    from test_stamp import letter_pdf
    # departure 11/01/2027: the request's count comes near 01/01/2027, the report's (to 29/01) near Tết 2027
    trip = trip_2027(trip_data, depart=dt.date(2027, 1, 11))
    trip["request"]["date"] = dt.date(2026, 12, 20)
    out = formgen.stamp(letter_pdf(tmp_path / "in.pdf"), tmp_path / "out.pdf", trip=trip, rule_codes=True)
    text = " ".join(subprocess.run(["pdftotext", "-l", "1", str(out), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert ("Lịch nghỉ 01/01/2027; 04/02/2027–10/02/2027 chưa có thông báo chính thức: hạn có thể khác. "
            "Tờ trình số 05/TTr-SNV ngày 20/12/2026") in text
    from formgen.stamping import stamp_lines
    assert "Lịch nghỉ" not in " ".join(stamp_lines(formgen.deadlines("2024-06-03")).lines)
