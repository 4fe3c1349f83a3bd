"""What the documents say, as a văn thư reads them: the regulation's citation, counts in words, the report's
references and actuals, the escalation's extra people, and the format's own data rules (signature, diacritics)."""
from __future__ import annotations

import copy
import json
import re

import pytest

import formgen
from formgen.errors import Refused
from formgen.model import validate_trip
from formgen.yamlio import load_yaml
from helpers import docx_lines

from conftest import FIXTURE_FILE, ROOT

FIX = ROOT / "fixtures"
CITED = ("Quy định số 05-QĐ/TU ngày 10/05/2024 của Tỉnh ủy Hậu Giang về việc tổ chức và quản lý đoàn đi ngoài "
         "tỉnh học tập, trao đổi kinh nghiệm")


@pytest.fixture
def unit_profile(tmp_path):
    """The built-in regulation as a unit completes it: its number and day of signature."""
    path = tmp_path / "don-vi.yaml"
    path.write_text("extends: hau-giang-2024\nnumber: 05-QĐ/TU\nsigned: 2024-05-10\n", encoding="utf-8")
    return str(path)


def fixture(name: str) -> dict:
    return copy.deepcopy(load_yaml(FIX / name))


def rendered(tmp_path, kind: str, data: dict, profile=None, name: str = "out.docx") -> list[str]:
    out = tmp_path / name
    formgen.render(kind, validate_trip(data), out, profile=profile)
    return docx_lines(out)


def codes(result) -> list[tuple[str, str, str]]:
    return [(f.code, f.severity, f.path) for f in result.findings]


# --- 8. the regulation as a văn thư cites it ------------------------------------------------------------------

def test_the_built_in_regulation_without_its_number_is_cited_with_a_p01_warning(tmp_path):
    result = formgen.check(formgen.load(FIXTURE_FILE), "request")
    assert result.ok and codes(result) == [("P01", "warning", "policy")]
    assert "extends: hau-giang-2024" in result.warnings[0].message
    assert "NĐ-CP" in result.warnings[0].citation or "Nghị định 30/2020" in result.warnings[0].citation


@pytest.mark.parametrize("kind, fixture_file, prefix", [
    ("request", "request.yaml", "Căn cứ "), ("escalation", "escalation.yaml", "Căn cứ "),
    ("report", "report.yaml", "Thực hiện "), ("annual", "annual.yaml", "Thực hiện "),
])
def test_a_unit_profile_with_number_and_day_is_cited_by_type_number_date_body_subject(
        tmp_path, unit_profile, kind, fixture_file, prefix):
    data = formgen.load(FIX / fixture_file)
    assert "P01" not in [f.code for f in formgen.check(data, kind, profile=unit_profile).findings]
    out = tmp_path / f"{kind}.docx"
    formgen.render(kind, data, out, profile=unit_profile)
    assert any(line.startswith(prefix + CITED) for line in docx_lines(out))


def test_a_number_without_its_day_is_cited_and_warned_for_the_missing_day(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("extends: hau-giang-2024\nnumber: 05-QĐ/TU\n", encoding="utf-8")
    result = formgen.check(formgen.load(FIXTURE_FILE), "request", profile=str(path))
    (warning,) = result.warnings
    assert (warning.code, warning.path) == ("P01", "policy") and "ngày ban hành" in warning.message
    assert formgen.load_profile(str(path)).regulation_name().startswith(
        "Quy định số 05-QĐ/TU của Tỉnh ủy Hậu Giang về việc tổ chức")


@pytest.mark.parametrize("signed", ["2024-02-31", "10/05/2024", "2024-13"])
def test_a_signing_day_not_on_the_calendar_is_refused_naming_the_field(tmp_path, signed):
    path = tmp_path / "p.yaml"
    path.write_text(f"extends: hau-giang-2024\nnumber: 05-QĐ/TU\nsigned: '{signed}'\n", encoding="utf-8")
    with pytest.raises(formgen.InvalidInput) as err:
        formgen.load_profile(str(path))
    assert any(line.startswith(f"{path}: LỖI [signed]: ") for line in err.value.lines()), err.value.lines()


def test_the_cli_warns_of_the_citation_until_given_the_unit_profile(run_formgen, unit_profile):
    result = run_formgen("check", FIXTURE_FILE, "--json")
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["P01"]
    result = run_formgen("check", FIXTURE_FILE, "--policy", unit_profile, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["findings"] == []


# --- 9. counts in words -----------------------------------------------------------------------------------------

def test_a_request_without_key_leaders_says_there_are_none(tmp_path):
    data = fixture("request.yaml")
    data["delegation"]["leader"]["key_leader"] = False
    data["delegation"]["members"][0]["key_leader"] = False
    lines = rendered(tmp_path, "request", data)
    (line,) = [x for x in lines if x.startswith("Đoàn gồm 07 người")]
    assert "làm trưởng đoàn; trong đoàn không có lãnh đạo chủ chốt của đơn vị." in line
    assert " 00 " not in line


def test_the_annual_report_counts_in_words_and_each_place_once(tmp_path):
    data = fixture("annual.yaml")
    second = data["delegations"][1]
    second["report"] = {**copy.deepcopy(fixture("report.yaml")["report"]), "date": "2024-10-28"}
    second["delegation"]["stops"][0]["place"] = "Thành phố Đà Nẵng"  # the first delegation went there too
    out = tmp_path / "annual.docx"
    formgen.render("annual", formgen.loader.load_annual(data, FIX / "annual.yaml"), out)
    (overview,) = [x for x in docx_lines(out) if x.startswith("Trong năm 2024")]
    assert overview.startswith("Trong năm 2024, đơn vị tổ chức 02 đoàn, 11 lượt người, đến 02 địa phương;")
    assert overview.endswith("Sau chuyến đi, các đoàn đều gửi báo cáo kết quả đúng hạn.")
    assert not re.search(r"(?<![\d.])00(?![\d.])", overview)  # no “00 đoàn”; money keeps its zeros


def test_an_annual_report_of_a_year_without_delegations_says_so(tmp_path):
    data = fixture("annual.yaml")
    data["delegations"] = []
    out = tmp_path / "annual.docx"
    formgen.render("annual", formgen.loader.load_annual(data, FIX / "annual.yaml"), out)
    lines = docx_lines(out)
    assert ("Trong năm 2024, đơn vị không tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh." in lines)


# --- 10. the report -------------------------------------------------------------------------------------------

def approved_report() -> dict:
    data = fixture("escalation.yaml")
    data["approval"] = {"number": "1234-CV/TU", "date": "2024-05-27", "approved_size": 9}
    data["report"] = fixture("report.yaml")["report"]
    return data


def test_the_report_cites_the_request_and_the_approval_it_follows(tmp_path):
    (intro,) = [x for x in rendered(tmp_path, "report", approved_report()) if x.startswith("Thực hiện")]
    assert ("; Tờ trình số 05/TTr-SNV ngày 20/05/2024 của Sở Nội vụ về việc xin ý kiến tổ chức đoàn đi học tập, "
            "trao đổi kinh nghiệm ngoài tỉnh; Văn bản số 1234-CV/TU ngày 27/05/2024 của Thường trực Tỉnh ủy đồng ý "
            "bổ sung thành phần đoàn (09 người), đoàn đi học tập") in intro


def test_the_report_prints_actual_attendance_and_spending_when_given(tmp_path):
    data = fixture("report.yaml")
    lines = rendered(tmp_path, "report", data, name="none.docx")
    assert not any(x.startswith(("Thực tế đoàn", "Kinh phí thực hiện", "Đoàn đi đủ")) for x in lines)
    people = [data["delegation"]["leader"]["name"]] + [m["name"] for m in data["delegation"]["members"]]
    data["report"].update(actual_members=people[:-1], actual_spending="140.000.000")
    lines = rendered(tmp_path, "report", data)
    absent = people[-1]
    assert f"Thực tế đoàn đi 06 người (theo kế hoạch 07 người); không tham gia: đồng chí {absent}." in lines
    assert ("Kinh phí thực hiện: 140.000.000 đồng (Bằng chữ: Một trăm bốn mươi triệu đồng); dự toán "
            "150.000.000 đồng.") in lines
    data["report"].update(actual_members=[], actual_size=7)
    assert "Đoàn đi đủ 07 người theo kế hoạch." in rendered(tmp_path, "report", data, name="full.docx")


@pytest.mark.parametrize("fields, path, words", [
    ({"actual_members": ["Người Lạ"]}, "report.actual_members[0]", "không có trong đoàn"),
    ({"actual_members": ["Nguyễn Văn An", "nguyễn văn  an"]}, "report.actual_members[1]", "chỉ ghi một lần"),
    ({"actual_members": ["Nguyễn Văn An"], "actual_size": 2}, "report.actual_size", "khác số người nêu tên"),
    ({"actual_size": 8}, "report.actual_size", "nhiều hơn số người của đoàn (7"),
    ({"actual_size": 0}, "report.actual_size", "lớn hơn 0"),
    ({"actual_spending": "-5.000"}, "report.actual_spending", "số nguyên đồng"),
])
def test_actuals_that_do_not_fit_the_delegation_are_refused_naming_the_field(run_formgen, tmp_path, write_trip,
                                                                               fields, path, words):
    data = fixture("report.yaml")
    data["report"].update(fields)
    result = run_formgen("check", write_trip(tmp_path, data))
    assert result.exit_code == 2
    line = next(x for x in result.err_lines if f"[{path}]" in x)
    assert words in line


@pytest.mark.parametrize("typed, printed", [
    ("chờ tài liệu của Sở Nội vụ thành phố Đà Nẵng", "Chờ tài liệu của Sở Nội vụ thành phố Đà Nẵng."),
    ("chờ tài liệu;\nxe của đoàn hỏng trên đường về.\n", "Chờ tài liệu; xe của đoàn hỏng trên đường về."),
    ("Chờ tài liệu...", "Chờ tài liệu."),
])
def test_the_delay_reason_reads_as_one_sentence_however_typed(tmp_path, typed, printed):
    data = fixture("report.yaml")
    data["report"].update(date="2024-06-28", delay_reason=typed)
    lines = rendered(tmp_path, "report", data)
    at = lines.index("IV. LÝ DO GỬI BÁO CÁO CHẬM")
    assert lines[at + 2] == printed


# --- 11. the escalation's extra people ------------------------------------------------------------------------

def test_an_escalation_naming_more_people_than_are_over_the_limit_is_refused_with_both_numbers(tmp_path):
    data = fixture("escalation.yaml")
    data["escalation"]["extra_members"].append(data["delegation"]["members"][0]["name"])
    with pytest.raises(Refused) as err:
        formgen.render("escalation", validate_trip(data), tmp_path / "out.docx")
    (error,) = [p for p in err.value.problems if p.severity == "error"]
    assert (error.code, error.path) == ("R12", "escalation.extra_members")
    assert "vượt 2 người" in error.message and "nêu 3 người" in error.message
    assert list(tmp_path.iterdir()) == []


def test_each_extra_person_may_carry_their_own_reason(tmp_path):
    data = fixture("escalation.yaml")
    khoi, yen = data["escalation"]["extra_members"]
    data["escalation"]["extra_members"] = [{"name": khoi, "reason": "cán bộ Sở Thông tin và Truyền thông"},
                                           {"name": yen, "reason": "Lãnh đạo bộ phận một cửa huyện Long Mỹ."}]
    data["escalation"]["reason"] = ""
    lines = rendered(tmp_path, "escalation", data)
    text = "\n".join(lines)
    assert "cho phép bổ sung 02 người, nâng tổng số thành viên đoàn lên 09 người" in text
    at = lines.index("2. Lý do cần bổ sung")
    assert lines[at + 1:at + 3] == [f"- Đồng chí {khoi}: Cán bộ Sở Thông tin và Truyền thông.",
                                    f"- Đồng chí {yen}: Lãnh đạo bộ phận một cửa huyện Long Mỹ."]


def test_an_extra_person_without_a_reason_when_the_letter_gives_none_is_refused():
    data = fixture("escalation.yaml")
    khoi, yen = data["escalation"]["extra_members"]
    data["escalation"].update(extra_members=[{"name": khoi, "reason": "cần thiết"}, yen], reason="")
    errors = formgen.check(validate_trip(data), "escalation").errors
    assert [(e.code, e.path) for e in errors] == [("R12", "escalation.reason")]


@pytest.mark.parametrize("item, path", [
    ({"reason": "cần"}, "escalation.extra_members[0].name"),
    ({"name": "", "reason": "cần"}, "escalation.extra_members[0].name"),
    ({"name": "Trương Minh Khôi", "ly_do": "x"}, "escalation.extra_members[0].ly_do"),
])
def test_a_malformed_extra_person_is_refused_naming_the_field(run_formgen, tmp_path, write_trip, item, path):
    data = fixture("escalation.yaml")
    data["escalation"]["extra_members"][0] = item
    result = run_formgen("check", write_trip(tmp_path, data))
    assert result.exit_code == 2
    assert any(f"[{path}]" in line for line in result.err_lines), result.err_lines


# --- 12. the format's data rules ------------------------------------------------------------------------------

def signed(data: dict, section: str = "request", **signer) -> dict:
    data[section]["signer"] = {"name": "Nguyễn Văn An", **signer}
    return data


@pytest.mark.parametrize("style_file, signer, expected", [
    # a deputy signing as if the head, or for a body
    ("request.yaml", {"title": "Phó Giám đốc"}, ("F01", "request.signer.authority", "“KT.”")),
    ("request.yaml", {"title": "Phó Giám đốc", "authority": "TM", "on_behalf_of": "Ủy ban nhân dân tỉnh"},
     ("F01", "request.signer.authority", "“KT.”")),
    ("party/request.yaml", {"title": "Phó Trưởng Ban"}, ("F01", "request.signer.authority", "“K/T”")),
    # TM. only for a collective body
    ("request.yaml", {"title": "Giám đốc", "authority": "TM", "on_behalf_of": "Giám đốc Sở"},
     ("F02", "request.signer.on_behalf_of", "không phải tập thể")),
    ("request.yaml", {"title": "Giám đốc", "authority": "TM"}, ("F02", "request.signer.authority", "Sở Nội vụ")),
    # KT. with a title that is not a deputy's
    ("request.yaml", {"title": "Giám đốc", "authority": "KT", "on_behalf_of": "Giám đốc"},
     ("F03", "request.signer.title", "“Giám đốc”")),
    ("party/request.yaml", {"title": "Trưởng Ban", "authority": "K/T", "on_behalf_of": "Trưởng Ban"},
     ("F03", "request.signer.title", "“K/T”")),
])
def test_a_signature_that_breaks_the_format_is_refused_with_code_path_and_citation(style_file, signer, expected):
    data = signed(fixture(style_file), **signer)
    result = formgen.check(validate_trip(data), "request")
    assert [(e.code, e.path) for e in result.errors] == [expected[:2]]
    assert expected[2] in result.errors[0].message and result.errors[0].citation


def test_the_format_allows_the_signatures_it_prescribes_and_refuses_the_deputy_signing_alone():
    for style_file, signer in [
        ("request.yaml", {"title": "Chủ tịch", "authority": "TM", "on_behalf_of": "Ủy ban nhân dân tỉnh"}),
        ("request.yaml", {"title": "Giám đốc"}),
        ("request.yaml", {"title": "Phó Giám đốc", "authority": "KT.", "on_behalf_of": "Giám đốc"}),
        ("party/request.yaml", {"title": "Phó Bí thư", "authority": "T/M", "on_behalf_of": "Ban Thường vụ"}),
        ("party/request.yaml", {"title": "Bí thư", "authority": "T/M", "on_behalf_of": "Huyện ủy"}),
    ]:
        data = signed(fixture(style_file), **signer)
        assert formgen.check(validate_trip(data), "request").errors == [], signer
    data = signed(fixture("party/request.yaml"), title="Phó Bí thư")
    assert [e.code for e in formgen.check(validate_trip(data), "request").errors] == ["F01"]


def test_the_cli_reports_a_format_rule_like_a_policy_rule(run_formgen, tmp_path, write_trip):
    path = write_trip(tmp_path, signed(fixture("request.yaml"), title="Phó Giám đốc"))
    result = run_formgen("render", "request", path, "-o", tmp_path / "out.docx")
    assert result.exit_code == 1 and not (tmp_path / "out.docx").exists()
    (line,) = [x for x in result.err_lines if " LỖI " in x]
    assert line.startswith(f"{path}: LỖI F01 [request.signer.authority]: ") and "(Căn cứ: “" in line


def test_a_file_without_any_diacritics_is_warned_and_still_rendered(tmp_path):
    data = fixture("request.yaml")
    d = data["delegation"]
    d["leader"].update(name="Nguyen Van An", position="Pho Giam doc So Noi vu")
    d["members"] = [{"name": f"Nguyen Van {c}", "position": "Chuyen vien", "unit": "So Noi vu"} for c in "BCDEF"]
    data["issuer"]["name"] = "So Noi vu"
    data["request"]["signer"].update(name="Nguyen Van An", title="Pho Giam doc", on_behalf_of="Giam doc")
    result = formgen.check(validate_trip(data), "request")
    assert result.ok and ("F04", "warning", "delegation") in codes(result)
    assert "Nguyen" in next(w for w in result.warnings if w.code == "F04").message
    assert rendered(tmp_path, "request", data)  # a warning does not refuse
    data["delegation"]["members"][0]["name"] = "Trần Văn Bé"  # one name with diacritics is enough
    assert "F04" not in [f.code for f in formgen.check(validate_trip(data), "request").findings]


@pytest.mark.parametrize("typed, meant", [
    ("cai cach hanh chinh", "cải cách hành chính"),
    ("xây dựng Đảng - chính quền", "xây dựng Đảng - chính quyền"),
    ("phat trien kinh te xa hoi", "phát triển kinh tế - xã hội"),
])
def test_a_focus_area_typed_without_diacritics_or_with_a_typo_gets_did_you_mean(typed, meant):
    data = fixture("request.yaml")
    data["delegation"]["focus_areas"] = [typed]
    (error,) = formgen.check(validate_trip(data), "request").errors
    assert (error.code, error.path) == ("R09", "delegation.focus_areas[0]")
    assert f"có phải “{meant}”?" in error.message
    data["delegation"]["focus_areas"] = [meant]
    assert formgen.check(validate_trip(data), "request").errors == []


def test_a_focus_area_far_from_any_gets_the_list_without_a_guess():
    data = fixture("request.yaml")
    data["delegation"]["focus_areas"] = ["du lịch", "cai cach hanh chinh"]
    far, near = formgen.check(validate_trip(data), "request").errors
    assert "có phải" not in far.message and "chọn trong: xây dựng Đảng - chính quyền" in far.message
    assert "có phải “cải cách hành chính”?" in near.message


def test_every_authority_word_a_format_prints_is_accepted_as_input():
    from formgen.formats import format_styles, load_format
    for style in format_styles():
        for code, word in load_format(style)["authority"].items():
            data = signed(fixture("request.yaml"), title="Phó Giám đốc", authority=word, on_behalf_of="Giám đốc")
            assert validate_trip(data)["request"]["signer"]["authority"] == code, (style, word)


def test_a_report_table_carries_the_actuals_in_its_own_columns(tmp_path, run_formgen):
    from test_batch import BASE
    from test_tables import base_rows, csv_text, letter_text
    leader = BASE["Trưởng đoàn"]
    report = {"Số văn bản": "18", "Ngày văn bản": "18/06/2024", "Kết quả": "Đoàn đã làm việc.",
              "Kinh nghiệm hay": "Một đầu mối.", "Đề xuất, kiến nghị": "Thí điểm mô hình.",
              "Người đi thực tế": leader, "Kinh phí thực hiện (đồng)": "12.500.000"}
    (tmp_path / "bang.csv").write_text(csv_text(base_rows(**report)), encoding="utf-8-sig")
    result = run_formgen("batch", "report", tmp_path / "bang.csv", "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 0, result.stdout + result.stderr
    text = letter_text(tmp_path / "out")
    assert "Thực tế đoàn đi 01 người (theo kế hoạch" in text
    assert "Kinh phí thực hiện: 12.500.000 đồng (Bằng chữ: Mười hai triệu năm trăm nghìn đồng)" in text
