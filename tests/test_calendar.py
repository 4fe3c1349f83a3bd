"""Working days in Vietnam: real dates checked both ways, notices, and bad notice files."""
from __future__ import annotations

import hashlib
import json
import re
import warnings
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formgen.calendar import DayInfo, Notice, WorkCalendar, load_notice
from formgen.dates import parse_date
from formgen.errors import InvalidInput
from formgen.yamlio import load_yaml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notices"
HOLIDAYS_SOURCE = f"holidays {holidays.__version__} (VN)"


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def assert_working(cal: WorkCalendar, *days: str) -> None:
    for day in days:
        assert cal.is_working_day(date.fromisoformat(day)), f"{day} should be a working day"


def assert_not_working(cal: WorkCalendar, *days: str) -> None:
    for day in days:
        assert not cal.is_working_day(date.fromisoformat(day)), f"{day} should not be a working day"


def workday(cal: WorkCalendar, start: str, n: int) -> str:
    return cal.add_working_days(date.fromisoformat(start), n).isoformat()


# --- WORKDAY, with the dates of the SPEC and of recent years ---------------------------------


def test_spec_example_request_ten_working_days_before_departure(cal):
    assert workday(cal, "2024-06-03", -10) == "2024-05-20"
    assert cal.working_days_between(date(2024, 5, 20), date(2024, 6, 3)) == 10


def test_zero_returns_start_even_on_a_holiday(cal):
    assert workday(cal, "2024-02-10", 0) == "2024-02-10"
    assert workday(cal, "2024-06-03", 0) == "2024-06-03"


def test_start_day_is_not_counted(cal):
    assert workday(cal, "2024-06-03", 1) == "2024-06-04"
    assert workday(cal, "2024-06-03", -1) == "2024-05-31"
    # From a weekend, the next working day is the first one counted.
    assert workday(cal, "2024-06-08", 1) == "2024-06-10"
    assert workday(cal, "2024-06-09", -1) == "2024-06-07"


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Tết 2024: 08/02 (29 Tết) to 14/02/2024 off.
        ("2024-02-07", 1, "2024-02-15"),
        ("2024-02-15", -1, "2024-02-07"),
        # Tết 2025: Monday 27/01 to Friday 31/01/2025 off (with the weekends, 25/01–02/02).
        ("2025-01-24", 1, "2025-02-03"),
        ("2025-02-03", -1, "2025-01-24"),
        # 30/4–1/5/2024 with the swap: Monday 29/04 off, Saturday 04/05 worked.
        ("2024-04-26", 1, "2024-05-02"),
        ("2024-05-03", 1, "2024-05-04"),
        ("2024-05-06", -1, "2024-05-04"),
        # 30/4–1/5/2025 with the swap: Saturday 26/04 worked, Friday 02/05 off.
        ("2025-04-25", 1, "2025-04-26"),
        ("2025-05-01", 1, "2025-05-05"),
        # Quốc khánh 2026 with the swap: Saturday 22/08 worked, Monday 31/08 off, 01–02/09 off.
        ("2026-08-21", 1, "2026-08-22"),
        ("2026-08-28", 1, "2026-09-03"),
        # Across the new year: 01/01/2025 is a holiday.
        ("2024-12-31", 1, "2025-01-02"),
        ("2025-01-02", -1, "2024-12-31"),
    ],
)
def test_workday_real_dates(cal, start, n, expected):
    assert workday(cal, start, n) == expected


def test_tet_2024_days_off(cal):
    assert_not_working(cal, *(f"2024-02-{d:02d}" for d in range(8, 15)))
    assert_working(cal, "2024-02-07", "2024-02-15")
    assert cal.day(date(2024, 2, 10)) == DayInfo(date(2024, 2, 10), False, "Tết Nguyên Đán", HOLIDAYS_SOURCE)


def test_tet_2025_days_off(cal):
    assert_not_working(cal, "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31")
    assert_working(cal, "2025-01-24", "2025-02-03")


def test_swapped_saturday_2024(cal):
    assert_working(cal, "2024-05-04")
    assert_not_working(cal, "2024-04-29", "2024-04-30", "2024-05-01")
    info = cal.day(date(2024, 5, 4))
    assert info.reason == "Ngày làm việc bù (thay cho ngày 29/04/2024)"
    # The official notice shipped with formgen names the document; holidays alone names itself.
    assert info.source.startswith("Văn bản số 2450/VPCP-KGVX ngày 12/04/2024")
    assert cal.day(date(2024, 4, 29)).source == info.source
    plain = WorkCalendar(official=False)
    assert plain.day(date(2024, 5, 4)) == DayInfo(date(2024, 5, 4), True, info.reason, HOLIDAYS_SOURCE)
    assert plain.day(date(2024, 4, 29)).source == HOLIDAYS_SOURCE


def test_swapped_saturday_2025(cal):
    assert_working(cal, "2025-04-26")
    assert_not_working(cal, "2025-05-02")
    assert cal.day(date(2025, 4, 26)).reason == "Ngày làm việc bù (thay cho ngày 02/05/2025)"


def test_swapped_saturday_2026(cal):
    assert_working(cal, "2026-08-22")
    assert_not_working(cal, "2026-08-31")


def test_swapped_saturday_from_another_year(cal):
    # 27/12/2014 was worked for Friday 02/01/2015: the swap crosses the new year.
    assert_working(cal, "2014-12-27")
    assert_not_working(cal, "2015-01-02")
    assert cal.day(date(2014, 12, 27)).reason == "Ngày làm việc bù (thay cho ngày 02/01/2015)"


def test_other_saturdays_are_not_working(cal):
    assert_not_working(cal, "2024-05-11", "2025-04-19", "2026-08-29")


def test_vietnam_culture_day_2026(cal):
    assert_not_working(cal, "2026-11-24")
    assert_working(cal, "2026-11-23", "2026-11-25")
    assert cal.day(date(2026, 11, 24)).reason == "Ngày Văn hóa Việt Nam"
    assert workday(cal, "2026-11-23", 1) == "2026-11-25"
    # A deadline counted across it moves by one day (30/11 without it).
    assert workday(cal, "2026-11-16", 10) == "2026-12-01"
    assert workday(cal, "2026-12-01", -10) == "2026-11-16"


def test_vietnam_culture_day_not_before_2026(cal):
    assert_working(cal, "2025-11-24")


def test_plain_days_name_the_weekday(cal):
    assert cal.day(date(2024, 6, 8)) == DayInfo(date(2024, 6, 8), False, "Thứ Bảy", "weekday")
    assert cal.day(date(2024, 6, 9)) == DayInfo(date(2024, 6, 9), False, "Chủ nhật", "weekday")
    assert cal.day(date(2024, 6, 10)) == DayInfo(date(2024, 6, 10), True, "Ngày làm việc", "weekday")


def test_reasons_are_nfc(cal):
    for day in ("2024-02-10", "2024-05-04", "2024-06-08", "2026-11-24"):
        reason = cal.day(date.fromisoformat(day)).reason
        assert unicodedata.is_normalized("NFC", reason)


def test_years_beyond_the_package_are_refused(cal):
    with pytest.raises(InvalidInput, match="2101"):
        cal.is_working_day(date(2101, 1, 3))
    with pytest.raises(InvalidInput):
        cal.add_working_days(date(2100, 12, 30), 10)


def test_working_days_between(cal):
    assert cal.working_days_between(date(2024, 2, 7), date(2024, 2, 15)) == 1
    assert cal.working_days_between(date(2024, 6, 3), date(2024, 6, 3)) == 0
    assert cal.working_days_between(date(2024, 6, 4), date(2024, 6, 3)) == 0
    # 2024: 366 days, 104 weekend days, 12 weekday holidays (01/01, five of Tết, 18/04,
    # 29/04–01/05, 02–03/09), one worked Saturday (04/05).
    assert cal.working_days_between(date(2023, 12, 31), date(2024, 12, 31)) == 366 - 104 - 12 + 1


def test_long_spans_cross_years(cal):
    end = cal.add_working_days(date(2020, 1, 2), 2500)
    assert cal.working_days_between(date(2020, 1, 2), end) == 2500
    assert cal.add_working_days(end, -2500) == date(2020, 1, 2)


# --- properties ------------------------------------------------------------------------------

START = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
COUNT = st.integers(min_value=1, max_value=40)


def naive_workday(cal: WorkCalendar, start: date, n: int) -> date:
    step = timedelta(days=1 if n > 0 else -1)
    day, left = start, abs(n)
    while left:
        day += step
        left -= cal.is_working_day(day)
    return day


@settings(max_examples=300, deadline=None)
@given(start=START, n=COUNT)
def test_add_and_between_are_inverse(start, n):
    cal = WorkCalendar()
    end = cal.add_working_days(start, n)
    assert cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n
    back = cal.add_working_days(end, -n)
    assert back <= start
    assert cal.is_working_day(back)
    # Going back lands on start itself when start is a working day.
    assert (back == start) == cal.is_working_day(start)


@settings(max_examples=200, deadline=None)
@given(start=START, n=st.integers(min_value=-40, max_value=40))
def test_add_matches_a_day_by_day_walk(start, n):
    cal = WorkCalendar()
    assert cal.add_working_days(start, n) == naive_workday(cal, start, n)


@settings(max_examples=200, deadline=None)
@given(a=START, span=st.integers(min_value=-5, max_value=120))
def test_between_matches_a_day_by_day_count(a, span):
    cal = WorkCalendar()
    b = a + timedelta(days=span)
    expected = sum(cal.is_working_day(a + timedelta(days=k)) for k in range(1, span + 1))
    assert cal.working_days_between(a, b) == expected


# --- notices ---------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "notice.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


NOTICE = """\
source: "Thông báo số 1234/TB-BNV ngày 01/12/2026"
days_off:
  - 2027-01-04
  - {date: 05/01/2027, name: "Nghỉ bổ sung"}
working_days:
  - {date: 2027-01-09, name: "Làm bù cho ngày 04/01/2027"}
"""


def test_load_notice(tmp_path):
    path = write(tmp_path, NOTICE)
    notice = load_notice(path)
    assert notice.source == "Thông báo số 1234/TB-BNV ngày 01/12/2026"
    assert notice.file == str(path)
    assert notice.days_off == {date(2027, 1, 4): "Ngày nghỉ theo thông báo", date(2027, 1, 5): "Nghỉ bổ sung"}
    assert notice.working_days == {date(2027, 1, 9): "Làm bù cho ngày 04/01/2027"}
    assert notice.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_notice_changes_results_and_is_named_as_source(tmp_path, cal):
    path = write(tmp_path, NOTICE)
    with_notice = WorkCalendar.from_files([path])
    # Without the notice: Friday 01/01/2027 off, so Monday 04/01 is the next working day.
    assert workday(cal, "2026-12-31", 1) == "2027-01-04"
    assert workday(with_notice, "2026-12-31", 1) == "2027-01-06"
    assert workday(cal, "2027-01-08", 1) == "2027-01-11"
    assert workday(with_notice, "2027-01-08", 1) == "2027-01-09"
    assert cal.working_days_between(date(2026, 12, 31), date(2027, 1, 11)) == 6
    assert with_notice.working_days_between(date(2026, 12, 31), date(2027, 1, 11)) == 5

    off = with_notice.day(date(2027, 1, 4))
    assert not off.working
    assert off.reason == "Ngày nghỉ theo thông báo"
    assert off.source == f"Thông báo số 1234/TB-BNV ngày 01/12/2026 ({path})"
    worked = with_notice.day(date(2027, 1, 9))
    assert worked == DayInfo(date(2027, 1, 9), True, "Làm bù cho ngày 04/01/2027", off.source)
    # Days the notice does not mention keep their usual source.
    assert with_notice.day(date(2027, 1, 1)).source == HOLIDAYS_SOURCE


def test_notice_can_reopen_a_public_holiday():
    notice = Notice(
        source="Thông báo thử",
        file=None,
        days_off={},
        working_days={date(2026, 11, 24): "Làm việc bình thường"},
    )
    cal = WorkCalendar([notice])
    assert cal.is_working_day(date(2026, 11, 24))
    assert cal.day(date(2026, 11, 24)).source == "Thông báo thử"
    assert cal.add_working_days(date(2026, 11, 16), 10) == date(2026, 11, 30)


def test_later_notices_win():
    first = Notice("Thông báo A", None, {date(2027, 3, 1): "Nghỉ"}, {})
    second = Notice("Thông báo B", None, {}, {date(2027, 3, 1): "Đi làm lại"})
    assert WorkCalendar([first, second]).day(date(2027, 3, 1)) == DayInfo(
        date(2027, 3, 1), True, "Đi làm lại", "Thông báo B"
    )
    assert WorkCalendar([second, first]).day(date(2027, 3, 1)) == DayInfo(
        date(2027, 3, 1), False, "Nghỉ", "Thông báo A"
    )


def test_fixture_notices_load_and_apply():
    files = sorted(FIXTURES.glob("*.yaml"))
    assert files
    cal = WorkCalendar.from_files(files)
    for notice in cal.notices:
        assert notice.days_off or notice.working_days
        for day in notice.days_off:
            assert not cal.is_working_day(day)
        for day in notice.working_days:
            assert cal.is_working_day(day)


def test_from_files_accepts_a_single_path():
    cal = WorkCalendar.from_files(FIXTURES / "tet-2027.yaml")
    assert len(cal.notices) == 1


def test_provenance(tmp_path):
    shipped = Path(__file__).resolve().parent.parent / "formgen" / "official_notices.yaml"
    assert WorkCalendar().provenance() == {
        "country": "VN",
        "holidays": holidays.__version__,
        "official_notices": {
            "dataset": "formgen/official_notices.yaml",
            "version": load_yaml(shipped)["version"],
            "sha256": hashlib.sha256(shipped.read_bytes()).hexdigest(),
        },
        "notices": [],
    }
    assert WorkCalendar(official=False).provenance()["official_notices"] is None
    path = write(tmp_path, NOTICE)
    prov = WorkCalendar.from_files([path]).provenance()
    assert prov["notices"] == [
        {
            "source": "Thông báo số 1234/TB-BNV ngày 01/12/2026",
            "file": str(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    ]
    built = WorkCalendar([Notice("Thông báo thử", None, {}, {})]).provenance()
    assert built["notices"] == [{"source": "Thông báo thử", "file": None, "sha256": None}]


def test_notice_with_bom_and_nfd_text_is_read_as_nfc(tmp_path):
    path = tmp_path / "bom.yaml"
    text = unicodedata.normalize("NFD", 'source: "Thông báo số 9/TB-BNV"\ndays_off: [2027-03-01]\n')
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    notice = load_notice(path)
    assert notice.source == "Thông báo số 9/TB-BNV"
    assert unicodedata.is_normalized("NFC", notice.source)


# --- bad notice files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ('days_off: [2027-01-04]\n', "source", "Thiếu trường bắt buộc"),
        ('source: ""\ndays_off: [2027-01-04]\n', "source", "không rỗng"),
        ('source: "TB"\nday_off: [2027-01-04]\n', "day_off", "không được hỗ trợ"),
        ('source: "TB"\ndays_off: [31/02/2027]\n', "days_off[0]", "31/02/2027"),
        ('source: "TB"\ndays_off: [2027-02-31]\n', "days_off[0]", "2027-02-31"),
        ('source: "TB"\ndays_off: [2027-13-01]\n', "days_off[0]", "tháng 13"),
        ('source: "TB"\ndays_off: [4/1/27]\n', "days_off[0]", "4/1/27"),
        ('source: "TB"\ndays_off: [20270104]\n', "days_off[0]", "Phải là một ngày"),
        ('source: "TB"\ndays_off: 2027-01-04\n', "days_off", "danh sách"),
        ('source: "TB"\nworking_days:\n  - {date: 2027-02-30}\n', "working_days[0].date", "2027-02-30"),
        ('source: "TB"\nworking_days:\n  - {name: "Làm bù"}\n', "working_days[0].date", "Thiếu trường bắt buộc"),
        ('source: "TB"\nworking_days:\n  - {date: 2027-01-09, ngay: 1}\n', "working_days[0].ngay", "không được hỗ trợ"),
        ('source: "TB"\nworking_days:\n  - {date: 2027-01-09, name: 5}\n', "working_days[0].name", "chuỗi ký tự"),
        (
            'source: "TB"\ndays_off: [2027-01-04]\nworking_days: [04/01/2027]\n',
            "working_days[0]",
            "vừa là ngày nghỉ (days_off[0]) vừa là ngày làm việc",
        ),
        ('source: "TB"\ndays_off: [2027-01-04, 04/01/2027]\n', "days_off[1]", "đã nêu ở days_off[0]"),
    ],
)
def test_bad_notice_names_the_field(tmp_path, text, field, words):
    path = write(tmp_path, text)
    with pytest.raises(InvalidInput) as caught:
        load_notice(path)
    error = caught.value
    assert error.exit_code == 2
    assert error.source == str(path)
    assert error.message == "Thông báo lịch nghỉ không hợp lệ."
    matching = [p for p in error.problems if p.path == field]
    assert matching, [p.line() for p in error.problems]
    assert words in matching[0].message
    assert all(str(path) in line for line in error.lines())


def test_bad_notice_reports_every_problem_at_once(tmp_path):
    path = write(tmp_path, 'extra: 1\ndays_off: [31/02/2027]\nworking_days: [2027-02-30]\n')
    with pytest.raises(InvalidInput) as caught:
        load_notice(path)
    assert {p.path for p in caught.value.problems} == {"extra", "source", "days_off[0]", "working_days[0]"}


def test_notice_that_is_not_a_mapping(tmp_path):
    path = write(tmp_path, "- 2027-01-04\n")
    with pytest.raises(InvalidInput, match="phải là một mục") as caught:
        load_notice(path)
    assert caught.value.source == str(path)


def test_missing_notice_file(tmp_path):
    path = tmp_path / "khong-co.yaml"
    with pytest.raises(InvalidInput, match="không tìm thấy tệp") as caught:
        WorkCalendar.from_files([path])
    assert "khong-co.yaml" in caught.value.message


def test_broken_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, 'source: "TB"\ndays_off: [2027-01-04\nworking_days: []\n')
    with pytest.raises(InvalidInput) as caught:
        load_notice(path)
    assert caught.value.exit_code == 2
    assert str(path) in caught.value.message
    assert "dòng 3" in caught.value.message


def test_undecodable_notice(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes('source: "TB"\n# Thông báo\n'.encode("cp1258", errors="replace") + b"\xff\n")
    with pytest.raises(InvalidInput, match="UTF-8") as caught:
        load_notice(path)
    assert str(path) in caught.value.message


# --- helpers the notice reader relies on ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-02", date(2027, 1, 2)),
        ("02/01/2027", date(2027, 1, 2)),
        ("2/1/2027", date(2027, 1, 2)),
        (" 29/02/2024 ", date(2024, 2, 29)),
        ("02-01-2027", date(2027, 1, 2)),
    ],
)
def test_parse_date_accepts(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2027", "29/02/2027", "2027-02-31", "00/01/2027", "01/13/2027", "2027/01/02", "", "hôm nay"])
def test_parse_date_refuses_and_names_the_value(text):
    with pytest.raises(ValueError) as caught:
        parse_date(text)
    message = str(caught.value)
    assert f"“{text.strip()}”" in message
    assert unicodedata.is_normalized("NFC", message)


def test_load_yaml_keeps_dates_as_text(tmp_path):
    path = write(tmp_path, "a: 2027-01-02\nb: 2027-02-31\nc: 02/01/2027\n")
    assert load_yaml(path) == {"a": "2027-01-02", "b": "2027-02-31", "c": "02/01/2027"}


# --- the official notices shipped with formgen -----------------------------------------------

SHIPPED = load_yaml(Path(__file__).resolve().parent.parent / "formgen" / "official_notices.yaml")


def test_new_year_2026_swap_applies_by_default(cal):
    # Văn bản 12729/VPCP-KGVX ngày 25/12/2025: Friday 02/01/2026 off, worked back on Saturday 10/01/2026.
    off, worked = cal.day(date(2026, 1, 2)), cal.day(date(2026, 1, 10))
    assert not off.working and worked.working
    assert off.reason == "Ngày nghỉ (thay cho ngày 10/01/2026)"
    assert worked.reason == "Ngày làm việc bù (thay cho ngày 02/01/2026)"
    assert off.source.startswith("Văn bản số 12729/VPCP-KGVX ngày 25/12/2025")
    assert worked.source == off.source
    assert cal.kind(off) == "swapped_off" and cal.kind(worked) == "make_up"


def test_departure_19_01_2026_latest_request_06_01_2026(cal):
    # Counted back: 16, 15, 14, 13, 12, Saturday 10 (make-up), 09, 08, 07, 06.
    assert workday(cal, "2026-01-19", -10) == "2026-01-06"
    # holidays alone lacks the swap: it would say 05/01.
    assert workday(WorkCalendar(official=False), "2026-01-19", -10) == "2026-01-05"


def test_every_shipped_entry_cites_a_dated_document_and_applies(cal):
    for notice in SHIPPED["notices"]:
        assert " ngày " in notice["source"] and re.search(r"số \d+/", notice["source"]), notice["source"]
        for swap in notice["swaps"]:
            day_off, working_day = parse_date(swap["day_off"]), parse_date(swap["working_day"])
            assert day_off.year >= 2024
            assert not cal.is_working_day(day_off), day_off
            assert cal.is_working_day(working_day), working_day
            assert cal.day(day_off).source == " ".join(notice["source"].split())


def test_shipped_entries_the_installed_holidays_already_carries_are_reported():
    """A note, not a failure: entries a later `holidays` carries the same way become redundant."""
    plain = WorkCalendar(official=False)
    redundant, missing = [], []
    for notice in SHIPPED["notices"]:
        for swap in notice["swaps"]:
            day_off, working_day = parse_date(swap["day_off"]), parse_date(swap["working_day"])
            same = (not plain.is_working_day(day_off) and plain.day(day_off).source == HOLIDAYS_SOURCE
                    and plain.is_working_day(working_day) and plain.day(working_day).source == HOLIDAYS_SOURCE)
            (redundant if same else missing).append(f"{day_off:%d/%m/%Y} ↔ {working_day:%d/%m/%Y}")
    if redundant:
        warnings.warn(f"holidays {holidays.__version__} đã có: {', '.join(redundant)}; "
                      f"chỉ dữ liệu formgen có: {', '.join(missing) or 'không'}", UserWarning)
    assert set(redundant) | set(missing)


def test_a_later_holidays_with_the_same_swap_counts_it_once(monkeypatch):
    import formgen.calendar as calendar_module

    real = calendar_module._public_days.__wrapped__

    def with_new_year_swap(year):
        days = dict(real(year))
        if year == 2026:
            days[date(2026, 1, 2)] = DayInfo(date(2026, 1, 2), False, "Ngày nghỉ (thay cho ngày 10/01/2026)",
                                             HOLIDAYS_SOURCE)
            days[date(2026, 1, 10)] = DayInfo(date(2026, 1, 10), True, "Ngày làm việc bù", HOLIDAYS_SOURCE)
        return days

    monkeypatch.setattr(calendar_module, "_public_days", with_new_year_swap)
    cal = WorkCalendar()
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 1, 31)) == 21
    assert workday(cal, "2026-01-19", -10) == "2026-01-06"


def test_a_later_holidays_with_another_make_up_day_does_not_count_two(monkeypatch):
    import formgen.calendar as calendar_module

    real_days, real_partners = calendar_module._public_days.__wrapped__, calendar_module._public_partners()

    def swap_on_the_17th(year):
        days = dict(real_days(year))
        if year == 2026:
            days[date(2026, 1, 2)] = DayInfo(date(2026, 1, 2), False, "Ngày nghỉ", HOLIDAYS_SOURCE)
            days[date(2026, 1, 17)] = DayInfo(date(2026, 1, 17), True, "Ngày làm việc bù", HOLIDAYS_SOURCE)
        return days

    partners = {**real_partners, date(2026, 1, 17): date(2026, 1, 2), date(2026, 1, 2): date(2026, 1, 17)}
    monkeypatch.setattr(calendar_module, "_public_days", swap_on_the_17th)
    monkeypatch.setattr(calendar_module, "_public_partners", lambda: partners)
    cal = WorkCalendar()
    assert not cal.is_working_day(date(2026, 1, 17))  # the notice says the 10th; the 17th stays a Saturday
    assert cal.day(date(2026, 1, 17)).source == "weekday"
    assert cal.is_working_day(date(2026, 1, 10))
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 1, 31)) == 21


def test_a_user_notice_that_swaps_differently_replaces_the_package_swap(tmp_path):
    # holidays: Monday 31/08/2026 off, worked back on Saturday 22/08. A notice moving the make-up day to
    # Saturday 05/09 leaves 22/08 an ordinary Saturday: one day off is worked back once.
    path = write(tmp_path, 'source: "Thông báo thử số 1/TB ngày 01/08/2026"\n'
                           'swaps:\n  - {day_off: 31/08/2026, working_day: 05/09/2026}\n')
    cal = WorkCalendar.from_files([path])
    assert not cal.is_working_day(date(2026, 8, 22))
    assert cal.day(date(2026, 8, 22)).reason == "Thứ Bảy"
    assert cal.is_working_day(date(2026, 9, 5))
    assert workday(cal, "2026-08-21", 1) == "2026-08-24"
    assert cal.working_days_between(date(2026, 8, 1), date(2026, 9, 30)) == \
        WorkCalendar().working_days_between(date(2026, 8, 1), date(2026, 9, 30))


def test_user_notices_come_after_the_shipped_ones_and_win(tmp_path):
    path = write(tmp_path, 'source: "Thông báo thử số 2/TB ngày 05/01/2026"\ndays_off: [10/01/2026]\n')
    cal = WorkCalendar.from_files([path])
    assert not cal.is_working_day(date(2026, 1, 10))
    assert cal.day(date(2026, 1, 10)).source == f"Thông báo thử số 2/TB ngày 05/01/2026 ({path})"
    assert not cal.is_working_day(date(2026, 1, 2))  # the shipped notice still applies to the rest


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ('source: "TB"\nswaps: 2027-01-04\n', "swaps", "danh sách"),
        ('source: "TB"\nswaps: [2027-01-04]\n', "swaps[0]", "day_off"),
        ('source: "TB"\nswaps:\n  - {day_off: 2027-01-04}\n', "swaps[0].working_day", "Thiếu trường bắt buộc"),
        ('source: "TB"\nswaps:\n  - {day_off: 2027-01-04, working_day: 31/01/2027, ngay: 1}\n', "swaps[0].ngay",
         "không được hỗ trợ"),
        ('source: "TB"\nswaps:\n  - {day_off: 2027-02-30, working_day: 2027-01-09}\n', "swaps[0].day_off",
         "2027-02-30"),
        ('source: "TB"\ndays_off: [2027-01-04]\nswaps:\n  - {day_off: 04/01/2027, working_day: 09/01/2027}\n',
         "swaps[0].day_off", "đã nêu ở days_off[0]"),
    ],
)
def test_bad_swap_names_the_field(tmp_path, text, field, words):
    path = write(tmp_path, text)
    with pytest.raises(InvalidInput) as caught:
        load_notice(path)
    matching = [p for p in caught.value.problems if p.path == field]
    assert matching, [p.line() for p in caught.value.problems]
    assert words in matching[0].message


def moved_to_january_2026(data: dict) -> dict:
    """The fixture delegation leaving on Monday 19/01/2026, its request dated Tuesday 06/01/2026."""
    d = data["delegation"]
    d["depart_on"], d["return_on"] = "2026-01-19", "2026-01-23"
    d["stops"][0].update(start="2026-01-20", end="2026-01-21")
    d["stops"][1].update(start="2026-01-22", end="2026-01-22")
    data["request"]["date"] = "2026-01-06"
    return data


def test_request_dated_06_01_2026_for_19_01_2026_is_accepted_by_r01(run_formgen, trip_data, write_trip, tmp_path):
    path = write_trip(tmp_path, moved_to_january_2026(trip_data))
    result = run_formgen("check", str(path), "--json")
    data = json.loads(result.stdout)
    assert [f["code"] for f in data["findings"] if f["code"] == "R01"] == []
    assert data["deadlines"]["latest_request_date"] == "2026-01-06"
    assert data["deadlines"]["calendar"]["official_notices"]["dataset"] == "formgen/official_notices.yaml"
    assert result.exit_code == 0, result.stdout


def test_request_dated_07_01_2026_for_19_01_2026_is_refused_by_r01(run_formgen, trip_data, write_trip, tmp_path):
    data = moved_to_january_2026(trip_data)
    data["request"]["date"] = "2026-01-07"
    result = run_formgen("check", str(write_trip(tmp_path, data)))
    assert result.exit_code == 1
    assert "muộn hơn hạn chót 06/01/2026" in result.stdout


# --- formgen deadlines / check --explain ----------------------------------------------------

WEEKLY = ("Quyết định số 188/1999/QĐ-TTg ngày 17/09/1999 của Thủ tướng Chính phủ "
          "về chế độ tuần làm việc 40 giờ")
NEW_YEAR_2026 = ("Văn bản số 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ và thông báo của Bộ Nội vụ "
                 "ngày 25/12/2025 về việc nghỉ Tết Dương lịch năm 2026")


def test_explain_counts_back_day_by_day_with_the_make_up_saturday(run_formgen):
    result = run_formgen("deadlines", "--depart", "19/01/2026", "--explain")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("Cách đếm hạn R01: lùi 10 ngày làm việc từ ngày đi 19/01/2026 (không tính ngày đi):")
    assert lines[0] == "Hạn gửi văn bản trình (R01): 06/01/2026 (10 ngày làm việc trước ngày đi 19/01/2026)"
    assert lines[start + 1:] == [
        f"  18/01/2026 Chủ nhật: không tính — ngày nghỉ hằng tuần; nguồn: {WEEKLY}",
        f"  17/01/2026 Thứ Bảy: không tính — ngày nghỉ hằng tuần; nguồn: {WEEKLY}",
        "  16/01/2026 Thứ Sáu: ngày làm việc thứ 1",
        "  15/01/2026 Thứ Năm: ngày làm việc thứ 2",
        "  14/01/2026 Thứ Tư: ngày làm việc thứ 3",
        "  13/01/2026 Thứ Ba: ngày làm việc thứ 4",
        "  12/01/2026 Thứ Hai: ngày làm việc thứ 5",
        f"  11/01/2026 Chủ nhật: không tính — ngày nghỉ hằng tuần; nguồn: {WEEKLY}",
        "  10/01/2026 Thứ Bảy: ngày làm việc thứ 6 — ngày làm bù: Ngày làm việc bù (thay cho ngày 02/01/2026); "
        f"nguồn: {NEW_YEAR_2026}",
        "  09/01/2026 Thứ Sáu: ngày làm việc thứ 7",
        "  08/01/2026 Thứ Năm: ngày làm việc thứ 8",
        "  07/01/2026 Thứ Tư: ngày làm việc thứ 9",
        "  06/01/2026 Thứ Ba: ngày làm việc thứ 10",
    ]


def test_explain_names_the_holiday_and_the_swapped_day_off_with_their_sources(run_formgen):
    result = run_formgen("deadlines", "--depart", "05/01/2026", "--explain")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Hạn gửi văn bản trình (R01): 18/12/2025 (")
    assert ("  02/01/2026 Thứ Sáu: không tính — ngày nghỉ hoán đổi: Ngày nghỉ (thay cho ngày 10/01/2026); "
            f"nguồn: {NEW_YEAR_2026}") in lines
    assert f"  01/01/2026 Thứ Năm: không tính — ngày nghỉ lễ, Tết: Tết Dương lịch; nguồn: {HOLIDAYS_SOURCE}" in lines
    assert "  31/12/2025 Thứ Tư: ngày làm việc thứ 1" in lines
    assert not any("Cách đếm hạn R07" in line for line in lines)  # no return date, no report count


def test_explain_counts_the_report_forward_from_the_return(run_formgen):
    result = run_formgen("deadlines", "--depart", "2026-08-17", "--return", "2026-08-21", "--explain")
    lines = result.stdout.splitlines()
    assert "Hạn gửi báo cáo kết quả (R07): 08/09/2026 (10 ngày làm việc sau ngày về 21/08/2026)" in lines
    start = lines.index("Cách đếm hạn R07: đếm tiếp 10 ngày làm việc từ ngày về 21/08/2026 (không tính ngày về):")
    report = lines[start + 1:]
    assert report[0] == ("  22/08/2026 Thứ Bảy: ngày làm việc thứ 1 — ngày làm bù: Ngày làm việc bù (thay cho ngày "
                         "31/08/2026); nguồn: Thông báo số 9441/TB-BNV ngày 16/10/2025 của Bộ Nội vụ về lịch nghỉ "
                         "Tết Âm lịch và nghỉ lễ Quốc khánh năm 2026")
    assert f"  01/09/2026 Thứ Ba: không tính — ngày nghỉ lễ, Tết: Quốc khánh; nguồn: {HOLIDAYS_SOURCE}" in report
    assert report[-1] == "  08/09/2026 Thứ Ba: ngày làm việc thứ 10"


def test_explain_in_json_is_a_list_of_days_in_the_deadlines(run_formgen):
    data = json.loads(run_formgen("deadlines", "--depart", "19/01/2026", "--return", "23/01/2026",
                                  "--explain", "--json").stdout)["deadlines"]
    days = data["explanation"]
    request = [d for d in days if d["rule"] == "R01"]
    report = [d for d in days if d["rule"] == "R07"]
    assert [d["count"] for d in request if d["counted"]] == list(range(1, 11))
    assert request[-1]["date"] == data["latest_request_date"] == "2026-01-06"
    assert report[-1]["date"] == data["latest_report_date"] == "2026-02-06"
    saturday = next(d for d in request if d["date"] == "2026-01-10")
    assert saturday == {"rule": "R01", "date": "2026-01-10", "weekday": "Thứ Bảy", "working": True,
                        "kind": "make_up", "reason": "Ngày làm việc bù (thay cho ngày 02/01/2026)",
                        "source": NEW_YEAR_2026, "counted": True, "count": 6}
    sunday = next(d for d in request if d["date"] == "2026-01-18")
    assert (sunday["kind"], sunday["counted"], sunday["count"], sunday["source"]) == ("weekend", False, None, WEEKLY)


def test_without_explain_there_is_no_count(run_formgen):
    result = run_formgen("deadlines", "--depart", "19/01/2026")
    assert not any("Cách đếm" in line for line in result.stdout.splitlines())
    assert "explanation" not in json.loads(run_formgen("deadlines", "--depart", "19/01/2026", "--json").stdout)["deadlines"]


def test_check_explain_shows_the_same_count(run_formgen, trip_data, write_trip, tmp_path):
    path = write_trip(tmp_path, moved_to_january_2026(trip_data))
    text = run_formgen("check", str(path), "--explain")
    alone = run_formgen("deadlines", "--depart", "19/01/2026", "--return", "23/01/2026", "--explain")
    count = [line for line in alone.stdout.splitlines() if line.startswith(("Cách đếm", "  "))]
    assert len(count) == 29
    assert [line for line in text.stdout.splitlines() if line.startswith(("Cách đếm", "  "))] == count
    assert text.exit_code == 0
    data = json.loads(run_formgen("check", str(path), "--explain", "--json").stdout)
    assert data["deadlines"]["explanation"] == json.loads(
        run_formgen("deadlines", "--depart", "19/01/2026", "--return", "23/01/2026", "--explain", "--json").stdout
    )["deadlines"]["explanation"]


# --- --ics ----------------------------------------------------------------------------------


def read_ics(path: Path):
    from icalendar import Calendar

    raw = path.read_bytes()
    return raw, Calendar.from_ical(raw)


def events_by_summary(cal) -> dict:
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


def test_ics_has_all_day_events_for_deadlines_departure_and_return(run_formgen, tmp_path):
    out = tmp_path / "doan.ics"
    result = run_formgen("deadlines", "--depart", "19/01/2026", "--return", "23/01/2026", "--ics", out)
    assert result.exit_code == 0, result.stderr
    assert f"Đã tạo / written: {out}" in result.stdout
    raw, cal = read_ics(out)
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"]).startswith("-//formgen//formgen ")
    events = events_by_summary(cal)
    expected = {
        "Hạn gửi văn bản trình (R01)": date(2026, 1, 6),
        "Hạn gửi báo cáo kết quả (R07)": date(2026, 2, 6),
        "Đoàn đi": date(2026, 1, 19),
        "Đoàn về": date(2026, 1, 23),
    }
    assert {k: e.decoded("DTSTART") for k, e in events.items()} == expected
    for summary, event in events.items():
        start = event.decoded("DTSTART")
        assert type(start) is date  # all-day: VALUE=DATE, not a date-time
        assert event.decoded("DTEND") == start + timedelta(days=1)
        assert event["DTSTAMP"].dt.tzinfo is not None
        alarm = event.walk("VALARM")[0]
        assert str(alarm["ACTION"]) == "DISPLAY" and alarm.decoded("TRIGGER") == timedelta(hours=-16)
    assert len({str(e["UID"]) for e in events.values()}) == 4
    assert b"DTSTART;VALUE=DATE:20260106\r\n" in raw and b"DTEND;VALUE=DATE:20260107\r\n" in raw
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # RFC 5545 folds lines at 75 octets
    request = str(events["Hạn gửi văn bản trình (R01)"]["DESCRIPTION"])
    assert request.splitlines()[0] == ("Hạn gửi văn bản trình (R01): 06/01/2026 "
                                       "(10 ngày làm việc trước ngày đi 19/01/2026)")
    assert "R01: “Văn bản phải gửi trước 10 ngày làm việc tính đến ngày dự kiến đi.”" in request
    assert "thông báo chính thức formgen 2026-12-01" in request
    report = str(events["Hạn gửi báo cáo kết quả (R07)"]["DESCRIPTION"])
    assert "R07: “Sau chuyến đi, trưởng đoàn có nhiệm vụ" in report


def test_ics_uids_are_stable_so_a_second_import_updates(run_formgen, tmp_path):
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    run_formgen("deadlines", "--depart", "19/01/2026", "--ics", first)
    run_formgen("deadlines", "--depart", "19/01/2026", "--ics", second)
    uids = [sorted(str(e["UID"]) for e in read_ics(p)[1].walk("VEVENT")) for p in (first, second)]
    assert uids[0] == uids[1] and len(uids[0]) == 2  # no return date: the request deadline and the departure


def test_ics_is_not_overwritten_without_overwrite(run_formgen, tmp_path):
    out = tmp_path / "doan.ics"
    out.write_bytes(b"mine")
    result = run_formgen("deadlines", "--depart", "19/01/2026", "--ics", out)
    assert result.exit_code == 2
    assert result.err_lines == [f"Đã có tệp {out}: không ghi đè (thêm --overwrite để ghi đè)."]
    assert out.read_bytes() == b"mine" and [p.name for p in tmp_path.iterdir()] == ["doan.ics"]
    assert run_formgen("deadlines", "--depart", "19/01/2026", "--ics", out, "--overwrite").exit_code == 0
    assert read_ics(out)[1].walk("VEVENT")


def test_check_ics_writes_the_trip_deadlines(run_formgen, write_trip, trip_data, tmp_path):
    path, out = write_trip(tmp_path, moved_to_january_2026(trip_data)), tmp_path / "doan.ics"
    result = run_formgen("check", str(path), "--ics", out, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["outputs"] == [str(out)]
    starts = sorted(e.decoded("DTSTART") for e in read_ics(out)[1].walk("VEVENT"))
    assert starts == [date(2026, 1, 6), date(2026, 1, 19), date(2026, 1, 23), date(2026, 2, 6)]


def test_check_ics_is_written_even_when_the_file_breaks_a_rule(run_formgen, write_trip, trip_data, tmp_path):
    data = moved_to_january_2026(trip_data)
    data["request"]["date"] = "2026-01-07"
    out = tmp_path / "doan.ics"
    result = run_formgen("check", str(write_trip(tmp_path, data)), "--ics", out)
    assert result.exit_code == 1
    assert date(2026, 1, 6) in [e.decoded("DTSTART") for e in read_ics(out)[1].walk("VEVENT")]


# --- formgen calendar YEAR ------------------------------------------------------------------


def test_calendar_year_lists_days_off_and_make_up_days_with_sources(run_formgen):
    result = run_formgen("calendar", "2026")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Lịch làm việc năm 2026 (holidays 0.109, thông báo chính thức formgen 2026-12-01):".replace(
        "0.109", holidays.__version__)
    assert f"  01/01/2026 Thứ Năm: nghỉ — ngày nghỉ lễ, Tết: Tết Dương lịch; nguồn: {HOLIDAYS_SOURCE}" in lines
    assert ("  02/01/2026 Thứ Sáu: nghỉ — ngày nghỉ hoán đổi: Ngày nghỉ (thay cho ngày 10/01/2026); "
            f"nguồn: {NEW_YEAR_2026}") in lines
    assert ("  10/01/2026 Thứ Bảy: làm việc — ngày làm bù: Ngày làm việc bù (thay cho ngày 02/01/2026); "
            f"nguồn: {NEW_YEAR_2026}") in lines
    assert f"  24/11/2026 Thứ Ba: nghỉ — ngày nghỉ lễ, Tết: Ngày Văn hóa Việt Nam; nguồn: {HOLIDAYS_SOURCE}" in lines
    # 261 weekdays, 14 of them off, 2 Saturdays worked.
    assert lines[-2] == "Năm 2026 có 249 ngày làm việc."
    assert lines[-3] == f"Ngoài các ngày trên: thứ Bảy, Chủ nhật nghỉ hằng tuần ({WEEKLY})."
    assert lines[-1] == (  # after 02/09/2026, the day formgen's notices were checked to
        "Lưu ý: chưa có thông báo chính thức về lịch nghỉ các dịp 24/11/2026 (Ngày Văn hóa Việt Nam) (formgen đã đối "
        "chiếu đến ngày 02/09/2026): các ngày nghỉ trên là của thư viện holidays; có thể có nghỉ thêm, hoán đổi ngày "
        "làm việc hay làm bù (thêm thông báo bằng --notices).")
    assert len(lines) == 2 + 17 + 2


def test_a_year_whose_holidays_were_all_checked_has_no_such_line_and_2027_names_each(run_formgen):
    assert run_formgen("calendar", "2025").stdout.splitlines()[-1] == "Năm 2025 có 250 ngày làm việc."
    data = json.loads(run_formgen("calendar", "2027", "--json").stdout)["calendar"]
    assert [(o["first"], o["last"]) for o in data["unchecked"]] == [
        ("2027-01-01", "2027-01-01"), ("2027-02-04", "2027-02-10"), ("2027-04-16", "2027-04-16"),
        ("2027-04-30", "2027-05-03"), ("2027-09-02", "2027-09-03"), ("2027-11-24", "2027-11-24")]


def test_calendar_year_json(run_formgen):
    data = json.loads(run_formgen("calendar", "2024", "--json").stdout)["calendar"]
    assert data["working_days"] == 366 - 104 - 12 + 1
    kinds = {d["date"]: (d["kind"], d["working"]) for d in data["days"]}
    assert kinds["2024-04-29"] == ("swapped_off", False) and kinds["2024-05-04"] == ("make_up", True)
    assert kinds["2024-02-10"] == ("holiday", False)  # Tết on a Saturday is named too
    swap = next(d for d in data["days"] if d["date"] == "2024-05-04")
    assert swap["source"].startswith("Văn bản số 2450/VPCP-KGVX ngày 12/04/2024")
    assert data["calendar"]["official_notices"]["version"] == SHIPPED["version"]


def test_calendar_year_with_a_user_notice(run_formgen, tmp_path):
    path = write(tmp_path, NOTICE)
    result = run_formgen("calendar", "2027", "--notices", path)
    lines = result.stdout.splitlines()
    assert "Thông báo số 1234/TB-BNV ngày 01/12/2026" in lines[0]
    assert (f"  04/01/2027 Thứ Hai: nghỉ — ngày nghỉ theo thông báo: Ngày nghỉ theo thông báo; "
            f"nguồn: Thông báo số 1234/TB-BNV ngày 01/12/2026 ({path})") in lines
    assert (f"  09/01/2027 Thứ Bảy: làm việc — ngày làm bù: Làm bù cho ngày 04/01/2027; "
            f"nguồn: Thông báo số 1234/TB-BNV ngày 01/12/2026 ({path})") in lines


def test_calendar_year_the_package_does_not_cover_exits_2(run_formgen):
    result = run_formgen("calendar", "2101")
    assert result.exit_code == 2
    assert result.err_lines == ["Không tính được ngày làm việc năm 2101: thư viện holidays "
                                f"{holidays.__version__} chỉ có lịch nghỉ lễ Việt Nam từ năm 1901 đến năm 2100."]


# --- the table of what holidays says, read instead of importing holidays (issue 17 item 1) -------------------


def test_the_shipped_table_is_what_the_installed_holidays_says_of_every_year_it_covers():
    import formgen.calendar as calendar_module

    shipped = json.loads((Path(calendar_module.__file__).parent / calendar_module.PUBLIC_FILE).read_text("utf-8"))
    if shipped["holidays"] != holidays.__version__:  # a newer holidays from PyPI: formgen asks it (slower, as right)
        pytest.skip(f"the shipped table is holidays {shipped['holidays']}'s, {holidays.__version__} is installed: "
                    "run python tools/build_public_holidays.py")
    assert shipped == calendar_module.package_facts()
    assert calendar_module._facts() == shipped


def test_a_table_written_by_another_holidays_version_is_not_read(monkeypatch):
    import formgen.calendar as calendar_module

    cached = (calendar_module._facts, calendar_module._public_days, calendar_module._public_swaps,
              calendar_module._public_partners)
    monkeypatch.setattr(calendar_module, "HOLIDAYS_VERSION", "0.1")  # the table says 0.109: holidays is asked
    asked = []
    real = calendar_module.package_facts
    monkeypatch.setattr(calendar_module, "package_facts", lambda: asked.append(1) or real())
    for function in cached:
        function.cache_clear()
    try:
        assert workday(WorkCalendar(), "2026-09-03", -1) == "2026-08-28"  # 31/08, 01–02/09/2026 off (holidays)
        assert asked == [1]
    finally:
        for function in cached:
            function.cache_clear()
