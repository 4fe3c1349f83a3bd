"""The command line as a secretary or a pipeline meets it: exit statuses, messages, files written or not."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import docx
import holidays
import pytest

import formgen
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
FIXTURE_FILE = ROOT / "fixtures" / "request.yaml"

R06_CITATION = ("Không quá 7 người đối với đoàn do cấp phó người đứng đầu sở, ngành, địa phương làm trưởng đoàn.")
MEMBER_NAMES = ["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Phúc", "Phạm Minh Đức", "Võ Thị Thu Hương",
                "Huỳnh Quốc Bảo", "Đặng Ngọc Ánh"]


def eight_people_led_by_a_deputy(data: dict) -> dict:
    data["delegation"]["members"].append(
        {"name": "Ngô Thanh Tâm", "position": "Chuyên viên Văn phòng Sở", "unit": "Sở Nội vụ"})
    return data


def breaking_five_rules(data: dict) -> dict:
    """8 people under a deputy (R06), 3 days in Đà Nẵng (R04), 3 key leaders (R05),
    a request dated a week late (R01), a focus area the regulation does not know (R09)."""
    d = eight_people_led_by_a_deputy(data)["delegation"]
    d["members"][1]["key_leader"] = True
    d["stops"][0].update(start="2024-06-04", end="2024-06-06")
    d["stops"][1].update(start="2024-06-07", end="2024-06-07")
    d["focus_areas"] = ["du lịch"]
    data["request"]["date"] = "2024-05-27"
    return data


def no_traceback(result) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert "lỗi nội bộ" not in result.stderr  # formgen's own-bug line (exit 70)


# --- version and deadlines -----------------------------------------------------------------


def test_version_answers_with_the_package_version(run_formgen):
    result = run_formgen("--version")
    assert result.exit_code == 0
    assert result.stdout == f"formgen {formgen.__version__}\n"


def test_python_dash_m_formgen_answers_the_version():
    proc = subprocess.run([sys.executable, "-m", "formgen", "--version"], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("formgen ")
    assert proc.stdout.strip() == f"formgen {formgen.__version__}"


def test_python_dash_m_formgen_exits_2_without_traceback_on_a_missing_file(tmp_path):
    missing = tmp_path / "khong-co.yaml"
    proc = subprocess.run([sys.executable, "-m", "formgen", "check", str(missing)], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2
    assert proc.stderr == f"Không đọc được tệp “{missing}”: không tìm thấy tệp.\n"
    assert proc.stdout == ""


def test_deadlines_for_a_monday_departure(run_formgen):
    result = run_formgen("deadlines", "--depart", "2024-06-03")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "Hạn gửi văn bản trình (R01): 20/05/2024 (10 ngày làm việc trước ngày đi 03/06/2024)"]


def test_deadlines_with_a_return_date_give_the_report_deadline(run_formgen):
    result = run_formgen("deadlines", "--depart", "2024-06-03", "--return", "2024-06-07")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == (
        "Hạn gửi báo cáo kết quả (R07): 21/06/2024 (10 ngày làm việc sau ngày về 07/06/2024)")


def test_deadlines_as_json_carry_the_calendar_they_came_from(run_formgen):
    result = run_formgen("deadlines", "--depart", "2024-06-03", "--return", "2024-06-07", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)["deadlines"]
    assert data["latest_request_date"] == "2024-05-20"
    assert data["latest_report_date"] == "2024-06-21"
    assert data["rules"] == {"latest_request_date": "R01", "latest_report_date": "R07"}
    assert data["profile"] == "hau-giang-2024"
    assert data["calendar"]["country"] == "VN"
    assert data["calendar"]["holidays"] == holidays.__version__
    assert data["calendar"]["notices"] == []


def test_deadlines_accept_dd_mm_yyyy(run_formgen):
    iso = run_formgen("deadlines", "--depart", "2024-06-03", "--return", "2024-06-07", "--json")
    vietnamese = run_formgen("deadlines", "--depart", "03/06/2024", "--return", "7/6/2024", "--json")
    assert vietnamese.exit_code == 0
    assert json.loads(vietnamese.stdout) == json.loads(iso.stdout)


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("31/02/2024", "formgen: Giá trị không hợp lệ cho '--depart': Ngày “31/02/2024” không tồn tại: "
                       "tháng 2 năm 2024 chỉ có 29 ngày. (xem formgen --help)"),
        ("hôm qua", "formgen: Giá trị không hợp lệ cho '--depart': “hôm qua” không phải là ngày hợp lệ; "
                    "hãy viết dạng 2024-06-03 hoặc 03/06/2024. (xem formgen --help)"),
    ],
)
def test_a_bad_date_gives_exit_2_and_one_vietnamese_line(run_formgen, value, line):
    result = run_formgen("deadlines", "--depart", value)
    assert result.exit_code == 2
    assert result.err_lines == [line]
    assert result.stdout == ""
    no_traceback(result)


def test_a_return_before_the_departure_is_refused(run_formgen):
    result = run_formgen("deadlines", "--depart", "2024-06-07", "--return", "2024-06-03")
    assert result.exit_code == 2
    assert result.err_lines == ["Ngày về (--return) trước ngày đi (--depart)."]


# --- check ---------------------------------------------------------------------------------


def test_check_passes_the_compliant_fixture(run_formgen):
    result = run_formgen("check", FIXTURE_FILE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-1] == "Đạt: không vi phạm quy định."
    assert "Hạn gửi văn bản trình (R01): 20/05/2024 (10 ngày làm việc trước ngày đi 03/06/2024)" in lines
    assert result.stderr == ""


def test_check_refuses_eight_people_under_a_deputy_with_r06_and_its_citation(
        run_formgen, tmp_path, trip_data, write_trip):
    path = write_trip(tmp_path, eight_people_led_by_a_deputy(trip_data))
    result = run_formgen("check", path)
    assert result.exit_code == 1
    findings = [line for line in result.stdout.splitlines() if line.startswith(f"{path}: LỖI")]
    assert len(findings) == 1
    assert findings[0].startswith(f"{path}: LỖI R06 [delegation.members]: Đoàn có 8 người (kể cả trưởng đoàn), "
                                  "vượt mức 7 người")
    assert R06_CITATION in findings[0]
    assert "(Căn cứ: “" in findings[0]
    assert result.stdout.splitlines()[-1] == "Không đạt: 1 lỗi."


def test_check_lists_every_violation_at_once(run_formgen, tmp_path, trip_data, write_trip):
    path = write_trip(tmp_path, breaking_five_rules(trip_data))
    result = run_formgen("check", path)
    assert result.exit_code == 1
    findings = [line for line in result.stdout.splitlines() if line.startswith(f"{path}: LỖI")]
    heads = [re.match(rf"{re.escape(str(path))}: LỖI (\w+) \[(.+?)\]: ", line).groups() for line in findings]
    assert heads == [
        ("R01", "request.date"),
        ("R04", "delegation.stops[0]"),
        ("R05", "delegation.members"),
        ("R06", "delegation.members"),
        ("R09", "delegation.focus_areas[0]"),
    ]
    assert all("(Căn cứ: “" in line for line in findings)
    assert "Lĩnh vực “du lịch” không thuộc các lĩnh vực của quy định" in findings[4]
    assert "muộn hơn hạn chót 20/05/2024" in findings[0]
    assert result.stdout.splitlines()[-1] == "Không đạt: 5 lỗi."


def test_check_json_lists_every_violation_with_code_path_message_citation(
        run_formgen, tmp_path, trip_data, write_trip):
    path = write_trip(tmp_path, breaking_five_rules(trip_data))
    result = run_formgen("check", path, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert [(f["code"], f["path"]) for f in data["findings"]] == [
        ("P01", "policy"),          # the built-in regulation's number is not known: a warning
        ("R01", "request.date"),
        ("R04", "delegation.stops[0]"),
        ("R05", "delegation.members"),
        ("R06", "delegation.members"),
        ("R09", "delegation.focus_areas[0]"),
    ]
    for finding in data["findings"]:
        assert finding["severity"] == ("warning" if finding["code"] == "P01" else "error")
        assert finding["message"] and finding["citation"]
    r06 = data["findings"][4]
    assert R06_CITATION in r06["citation"]
    assert data["deadlines"]["latest_request_date"] == "2024-05-20"


def test_check_json_of_the_compliant_fixture(run_formgen):
    result = run_formgen("check", FIXTURE_FILE, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["ok"], data["kind"], [f["code"] for f in data["findings"]]) == (True, "request", ["P01"])


def test_check_reads_a_json_file_like_a_yaml_one(run_formgen, tmp_path, trip_data, write_trip):
    path = write_trip(tmp_path, eight_people_led_by_a_deputy(trip_data), "trip.json")
    result = run_formgen("check", path, "--json")
    assert result.exit_code == 1
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["P01", "R06"]


# --- render --------------------------------------------------------------------------------


def test_render_writes_the_request_letter(run_formgen, tmp_path):
    out = tmp_path / "to-trinh.docx"
    result = run_formgen("render", "request", FIXTURE_FILE, "-o", out)
    assert result.exit_code == 0, result.stderr
    warning, written = result.stdout.splitlines()
    assert warning.startswith(f"{FIXTURE_FILE}: CẢNH BÁO P01 [policy]") and written == f"Đã tạo / written: {out}"
    text = docx_lines(out)
    assert "Hậu Giang, ngày 20 tháng 5 năm 2024" in text
    assert "Số: 05/TTr-SNV" in text
    for name in MEMBER_NAMES:
        assert name in text, name
    body = "\n".join(text)
    assert "150.000.000 đồng" in body
    assert "Một trăm năm mươi triệu đồng" in body
    assert sorted(os.listdir(tmp_path)) == ["to-trinh.docx"]


def test_render_json_reports_the_output_and_deadlines(run_formgen, tmp_path):
    out = tmp_path / "to-trinh.docx"
    result = run_formgen("render", "request", FIXTURE_FILE, "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["outputs"] == [str(out)]
    assert data["deadlines"]["latest_request_date"] == "2024-05-20"
    assert data["deadlines"]["latest_report_date"] == "2024-06-21"
    assert out.is_file()


def test_a_refused_render_writes_nothing_and_lists_every_violation(run_formgen, tmp_path, trip_data, write_trip):
    path = write_trip(tmp_path, breaking_five_rules(trip_data))
    out = tmp_path / "to-trinh.docx"
    result = run_formgen("render", "request", path, "-o", out)
    assert result.exit_code == 1
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["trip.yaml"]  # no .part left behind either
    codes = [line.split(" [")[0] for line in result.err_lines]
    assert codes == [f"{path}: CẢNH BÁO P01"] + [f"{path}: LỖI {code}" for code in ("R01", "R04", "R05", "R06", "R09")]
    assert all("(Căn cứ: “" in line for line in result.err_lines)
    assert result.stdout == ""
    no_traceback(result)


def test_a_refused_render_as_json_lists_every_violation(run_formgen, tmp_path, trip_data, write_trip):
    path = write_trip(tmp_path, eight_people_led_by_a_deputy(trip_data))
    out = tmp_path / "to-trinh.docx"
    result = run_formgen("render", "request", path, "-o", out, "--json")
    assert result.exit_code == 1
    assert not out.exists()
    data = json.loads(result.stdout)
    assert (data["ok"], data["error"], data["source"]) == (False, "refused", str(path))
    assert [(p["code"], p["path"]) for p in data["findings"]] == [("P01", "policy"), ("R06", "delegation.members")]
    assert R06_CITATION in data["findings"][1]["citation"]


def test_a_refused_render_leaves_an_earlier_letter_untouched(run_formgen, tmp_path, trip_data, write_trip):
    out = tmp_path / "to-trinh.docx"
    out.write_bytes(b"the signed version")
    path = write_trip(tmp_path, eight_people_led_by_a_deputy(trip_data))
    assert run_formgen("render", "request", path, "-o", out).exit_code == 1
    assert out.read_bytes() == b"the signed version"


def test_render_into_a_missing_folder_is_refused(run_formgen, tmp_path):
    out = tmp_path / "chua-co" / "to-trinh.docx"
    result = run_formgen("render", "request", FIXTURE_FILE, "-o", out)
    assert result.exit_code == 2
    assert result.err_lines == [f"Thư mục đích không tồn tại: {out.parent}."]
    assert not out.parent.exists()


def test_render_onto_a_folder_is_refused(run_formgen, tmp_path):
    result = run_formgen("render", "request", FIXTURE_FILE, "-o", tmp_path)
    assert result.exit_code == 2
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith(f"formgen: Giá trị không hợp lệ cho '-o' / '--output': “{tmp_path}” là thư mục")
    assert os.listdir(tmp_path) == []


def test_render_with_a_templates_path_that_is_not_a_folder_is_refused(run_formgen, tmp_path):
    not_a_folder = tmp_path / "mau.docx"
    not_a_folder.write_bytes(b"")
    out = tmp_path / "to-trinh.docx"
    result = run_formgen("render", "request", FIXTURE_FILE, "-o", out, "--templates", not_a_folder)
    assert result.exit_code == 2
    assert result.err_lines == [f"Không tìm thấy thư mục mẫu “{not_a_folder}”."]
    assert not out.exists()


# --- bad files: exit 2, one line naming the file, never a traceback -------------------------


def _broken_yaml(tmp_path, data, write_trip):
    path = tmp_path / "trip.yaml"
    path.write_text("issuer:\n  name: [Sở Nội vụ\n  place: Hậu Giang\n", encoding="utf-8")
    return path, f"Không đọc được tệp “{path}”: lỗi cú pháp YAML ở dòng 3"


def _unknown_key(tmp_path, data, write_trip):
    data["delegation"]["leader"]["chuc_vu"] = "Phó Giám đốc"
    path = write_trip(tmp_path, data)
    return path, f"{path}: LỖI [delegation.leader.chuc_vu]: Khóa không có trong mẫu dữ liệu (kiểm tra chính tả)."


def _wrong_type(tmp_path, data, write_trip):
    data["delegation"]["members"] = "Trần Thị Bích Ngọc, Lê Hoàng Phúc"
    path = write_trip(tmp_path, data)
    return path, f"{path}: LỖI [delegation.members]: Phải là một danh sách."


def _missing_file(tmp_path, data, write_trip):
    path = tmp_path / "trip.yaml"
    return path, f"Không đọc được tệp “{path}”: không tìm thấy tệp."


def _empty_file(tmp_path, data, write_trip):
    path = tmp_path / "trip.yaml"
    path.write_text("# chưa điền\n", encoding="utf-8")
    return path, f"Không đọc được tệp “{path}”: tệp rỗng."


def _empty_json(tmp_path, data, write_trip):
    path = tmp_path / "trip.json"
    path.write_text("", encoding="utf-8")
    return path, f"Không đọc được tệp “{path}”: tệp rỗng."


def _missing_json(tmp_path, data, write_trip):
    path = tmp_path / "trip.json"
    return path, f"Không đọc được tệp “{path}”: không tìm thấy tệp."


def _broken_json(tmp_path, data, write_trip):
    path = tmp_path / "trip.json"
    path.write_text('{"issuer": {"name": "Sở Nội vụ",}}', encoding="utf-8")
    return path, f"Không đọc được tệp “{path}”: lỗi cú pháp JSON ở dòng 1, cột"


def _not_utf8(tmp_path, data, write_trip):
    path = tmp_path / "trip.yaml"
    path.write_bytes("issuer:\n  name: Sở Nội vụ\n".encode("utf-16"))
    return path, f"Không đọc được tệp “{path}”: dòng 1 có byte không phải UTF-8"


def _a_folder(tmp_path, data, write_trip):
    path = tmp_path / "hoso"
    path.mkdir()
    return path, f"Không đọc được tệp “{path}”: đây là thư mục, không phải tệp."


def _duplicate_key(tmp_path, data, write_trip):
    path = write_trip(tmp_path, data)
    path.write_text(path.read_text(encoding="utf-8") + "request:\n  number: 6\n", encoding="utf-8")
    return path, f"Không đọc được tệp “{path}”: lỗi cú pháp YAML ở dòng"


def _impossible_date(tmp_path, data, write_trip):
    data["delegation"]["depart_on"] = "31/02/2025"
    path = write_trip(tmp_path, data)
    return path, (f"{path}: LỖI [delegation.depart_on]: Ngày “31/02/2025” không tồn tại: "
                  "tháng 2 năm 2025 chỉ có 28 ngày.")


BAD_FILES = [_broken_yaml, _unknown_key, _wrong_type, _missing_file, _empty_file, _empty_json, _missing_json,
             _broken_json, _not_utf8, _a_folder, _duplicate_key, _impossible_date]


@pytest.mark.parametrize("make", BAD_FILES, ids=lambda f: f.__name__.strip("_"))
def test_check_of_a_bad_file_exits_2_with_one_line_naming_it(run_formgen, tmp_path, trip_data, write_trip, make):
    path, expected = make(tmp_path, trip_data, write_trip)
    result = run_formgen("check", path)
    assert result.exit_code == 2
    assert len(result.err_lines) == 1, result.stderr
    assert result.err_lines[0].startswith(expected), result.stderr
    assert str(path) in result.err_lines[0]
    assert result.stdout == ""
    no_traceback(result)


@pytest.mark.parametrize("make", BAD_FILES, ids=lambda f: f.__name__.strip("_"))
def test_render_of_a_bad_file_exits_2_and_writes_nothing(run_formgen, tmp_path, trip_data, write_trip, make):
    path, expected = make(tmp_path, trip_data, write_trip)
    before = set(os.listdir(tmp_path))
    out = tmp_path / "to-trinh.docx"
    result = run_formgen("render", "request", path, "-o", out)
    assert result.exit_code == 2
    assert len(result.err_lines) == 1 and result.err_lines[0].startswith(expected), result.stderr
    assert not out.exists()
    assert set(os.listdir(tmp_path)) == before
    no_traceback(result)


def test_check_json_of_a_bad_file_is_json_too(run_formgen, tmp_path, trip_data, write_trip):
    path, _ = _unknown_key(tmp_path, trip_data, write_trip)
    result = run_formgen("check", path, "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert (data["ok"], data["error"], data["source"]) == (False, "invalid_input", str(path))
    assert data["findings"] == [{"path": "delegation.leader.chuc_vu",
                                 "message": "Khóa không có trong mẫu dữ liệu (kiểm tra chính tả).",
                                 "code": None, "severity": "error", "citation": None}]


def test_check_of_a_file_without_a_request_section_says_so(run_formgen, tmp_path, trip_data, write_trip):
    del trip_data["request"]
    result = run_formgen("check", write_trip(tmp_path, trip_data))
    assert result.exit_code == 2
    assert result.err_lines == ["LỖI [request]: Thiếu mục bắt buộc để lập văn bản này."]


# --- usage mistakes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["gui"], "formgen: Lệnh không hợp lệ: No such command 'gui'. (xem formgen --help)"),
        (["check", "--bogus", FIXTURE_FILE], "formgen: Không có tùy chọn --bogus (xem formgen --help)"),
        (["check"], "formgen: Thiếu tham số 'FILE' (xem formgen --help)"),
        (["deadlines"], "formgen: Thiếu tùy chọn '--depart' (xem formgen --help)"),
        (["render", "request", FIXTURE_FILE], "formgen: Thiếu tùy chọn '-o' / '--output' (xem formgen --help)"),
        (["render", "to-trinh", FIXTURE_FILE, "-o", "x.docx"],
         f"formgen: Giá trị không hợp lệ cho '[{'|'.join(formgen.KINDS)}]': loại văn bản “to-trinh” không có; "
         f"chọn: {', '.join(formgen.KINDS)}. (xem formgen --help)"),
        (["check", "--as", "bao-cao", FIXTURE_FILE],
         f"formgen: Giá trị không hợp lệ cho '--as': loại văn bản “bao-cao” không có; "
         f"chọn: {', '.join(formgen.KINDS)}. (xem formgen --help)"),
    ],
)
def test_a_usage_mistake_exits_2_with_one_line(run_formgen, tmp_path, monkeypatch, args, line):
    monkeypatch.chdir(tmp_path)
    result = run_formgen(*args)
    assert result.exit_code == 2
    assert result.err_lines == [line]
    assert result.stdout == ""
    assert os.listdir(tmp_path) == []


def test_help_is_bilingual_and_lists_the_exit_statuses(run_formgen):
    result = run_formgen("--help")
    assert result.exit_code == 0
    assert "Mã thoát / exit status" in result.stdout
    assert "1 bị từ chối theo quy định / refused by the rules" in " ".join(result.stdout.split())
    for command in ("check", "deadlines", "render"):
        assert command in result.stdout


def test_formgen_alone_shows_the_help_and_exits_2(run_formgen):
    result = run_formgen()
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: formgen [OPTIONS] COMMAND [ARGS]...")
    assert "Mã thoát / exit status" in result.stderr
