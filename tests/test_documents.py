"""The four documents in both official formats, and the delegation's life cycle across them."""
from __future__ import annotations

import copy
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

import formgen
from formgen.documents import KINDS, Inputs, template_name
from formgen.errors import Refused
from formgen.model import validate_trip
from formgen.policy import load_profile
from formgen.policy.rules import CHECKS
from formgen.yamlio import load_yaml
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"
# (kind, style) -> the fixture that produces it
FIXTURES = {
    ("request", "state"): FIX / "request.yaml",
    ("request", "party"): FIX / "party" / "request.yaml",
    ("escalation", "state"): FIX / "escalation.yaml",
    ("escalation", "party"): FIX / "party" / "escalation.yaml",
    ("report", "state"): FIX / "report.yaml",
    ("report", "party"): FIX / "party" / "report.yaml",
    ("annual", "state"): FIX / "annual.yaml",
    ("annual", "party"): FIX / "party" / "annual.yaml",
}
FORMAT_WORDS = {
    "state": ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Nơi nhận:"],
    "party": ["ĐẢNG CỘNG SẢN VIỆT NAM", "*", "Nơi nhận:"],
}
NUMBERS = {
    ("request", "state"): "Số: 05/TTr-SNV", ("request", "party"): "Số 12-TTr/BTGTU",
    ("escalation", "state"): "Số: 06/TTr-SNV", ("escalation", "party"): "Số 13-TTr/BTGTU",
    ("report", "state"): "Số: 18/BC-SNV", ("report", "party"): "Số 47-BC/BTGTU",
    ("annual", "state"): "Số: 245/BC-SNV", ("annual", "party"): "Số 88-BC/BTGTU",
}
SECTIONS = {
    "request": ["TỜ TRÌNH", "1. Mục đích", "2. Địa phương đến và nội dung học tập", "3. Thành phần đoàn",
                "4. Thời gian", "5. Kinh phí"],
    "escalation": ["TỜ TRÌNH", "1. Người được bổ sung", "2. Lý do cần bổ sung", "3. Danh sách toàn đoàn"],
    "report": ["BÁO CÁO", "I. KẾT QUẢ ĐẠT ĐƯỢC", "II. KINH NGHIỆM HAY, CÁCH LÀM HIỆU QUẢ",
               "III. ĐỀ XUẤT, KIẾN NGHỊ"],
    "annual": ["BÁO CÁO", "1. Tình hình chung", "2. Danh sách các đoàn"],
}


def render(tmp_path, kind: str, data, name: str = "out.docx") -> list[str]:
    out = tmp_path / name
    formgen.render(kind, data, out)
    return docx_lines(out)


@pytest.mark.parametrize("kind, style", sorted(FIXTURES), ids=[f"{k}-{s}" for k, s in sorted(FIXTURES)])
def test_each_document_in_each_format(tmp_path, kind, style):
    lines = render(tmp_path, kind, formgen.load(FIXTURES[kind, style]))
    text = "\n".join(lines)
    for words in FORMAT_WORDS[style] + SECTIONS[kind] + [NUMBERS[kind, style]]:
        assert words in lines or words in text, words
    other = "party" if style == "state" else "state"
    assert FORMAT_WORDS[other][0] not in text
    assert "{{" not in text and "{%" not in text


def test_state_and_party_authority_words(tmp_path):
    state = render(tmp_path, "request", formgen.load(FIX / "request.yaml"), "s.docx")
    party = render(tmp_path, "request", formgen.load(FIX / "party" / "request.yaml"), "p.docx")
    assert state[state.index("KT. GIÁM ĐỐC") + 1] == "PHÓ GIÁM ĐỐC"
    assert party[party.index("K/T TRƯỞNG BAN") + 1] == "PHÓ TRƯỞNG BAN"
    assert "TỈNH ỦY HẬU GIANG" in party and "BAN TUYÊN GIÁO" in party
    assert "về việc xin ý kiến tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh" in party  # trích yếu
    assert "- Lưu Văn phòng." in party and "- Lưu: VT, CCHC." in state


def test_the_life_cycle_of_a_delegation_over_its_size(tmp_path):
    data = load_yaml(FIX / "escalation.yaml")
    trip = validate_trip(data)
    # 1. nine people under a deputy: the request is refused, and the message says what to do
    with pytest.raises(Refused) as err:
        formgen.render("request", trip, tmp_path / "request.docx")
    (finding,) = [p for p in err.value.problems if p.severity == "error"]
    assert finding.code == "R06" and "formgen render escalation" in finding.message
    assert not (tmp_path / "request.docx").exists()
    # 2. the escalation names the extra people and why
    lines = render(tmp_path, "escalation", trip, "escalation.docx")
    text = "\n".join(lines)
    assert "Kính gửi: Thường trực Tỉnh ủy." in lines
    assert "cho phép bổ sung 02 người, nâng tổng số thành viên đoàn lên 09 người" in text
    assert "Trương Minh Khôi" in lines and "Lâm Thị Kim Yến" in lines
    assert any(line.startswith("Huyện Long Mỹ có chỉ số SIPAS thấp nhất") for line in lines)
    assert "Sở Nội vụ đã có Tờ trình số 05/TTr-SNV ngày 20/05/2024" in text
    # 3. the Standing Committee approves 9 on 27/05: the request of 20/05 cannot cite it (R13) ...
    data["approval"] = {"number": "1234-CV/TU", "date": "2024-05-27", "approved_size": 9}
    with pytest.raises(Refused) as err:
        formgen.render("request", validate_trip(data), tmp_path / "request.docx")
    assert [(p.code, p.path) for p in err.value.problems if p.severity == "error"] == [("R13", "approval.date")]
    assert not (tmp_path / "request.docx").exists()
    # ... one approved on the day of the request and the escalation can: it renders and cites the approval
    data["approval"]["date"] = "2024-05-20"
    text = "\n".join(render(tmp_path, "request", validate_trip(data), "request.docx"))
    assert ("Số người theo Văn bản số 1234-CV/TU ngày 20/05/2024 của Thường trực Tỉnh ủy đồng ý đoàn 09 người."
            in text)
    data["approval"]["date"] = "2024-05-27"
    # 4. the report on time ...
    data["report"] = copy.deepcopy(load_yaml(FIX / "report.yaml")["report"])
    lines = render(tmp_path, "report", validate_trip(data), "report.docx")
    assert "IV. LÝ DO GỬI BÁO CÁO CHẬM" not in lines
    # ... and one late, with its reason printed
    data["report"].update(date="2024-06-28", delay_reason="Chờ tài liệu của Sở Nội vụ thành phố Đà Nẵng.")
    result = formgen.check(validate_trip(data))
    assert result.kind == "report" and result.ok and [w.code for w in result.warnings] == ["P01", "R07"]
    lines = render(tmp_path, "report", validate_trip(data), "late.docx")
    assert "IV. LÝ DO GỬI BÁO CÁO CHẬM" in lines
    assert "Chờ tài liệu của Sở Nội vụ thành phố Đà Nẵng." in lines
    assert any("hạn chót ngày 21 tháng 6 năm 2024" in line for line in lines)


def test_an_escalation_for_a_delegation_within_its_limit_is_refused(tmp_path):
    with pytest.raises(Refused) as err:
        formgen.render("escalation", formgen.load(FIX / "refused" / "escalation-not-needed.yaml"),
                       tmp_path / "out.docx")
    assert [p.code for p in err.value.problems] == ["P01", "R12"]  # P01: the regulation's number unknown
    assert "trong giới hạn 7 người" in err.value.problems[1].message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("edit, expected", [
    (lambda e: e.update(extra_members=[]), "chưa nêu những người được bổ sung"),
    (lambda e: e.update(extra_members=["Trương Minh Khôi"]), "vượt 2 người nhưng tờ trình chỉ nêu 1 người"),
    (lambda e: e.update(extra_members=["Trương Minh Khôi", "Người Lạ"]), "“Người Lạ” không có trong danh sách"),
    (lambda e: e.update(reason=""), "chưa nêu lý do"),
])
def test_an_escalation_must_name_the_extra_people_and_why(edit, expected):
    data = load_yaml(FIX / "escalation.yaml")
    edit(data["escalation"])
    errors = formgen.check(validate_trip(data), "escalation").errors
    assert [p.code for p in errors] == ["R12"]
    assert expected in errors[0].message


def test_a_late_report_without_a_reason_is_refused():
    errors = formgen.check(formgen.load(FIX / "refused" / "report-late-no-reason.yaml")).errors
    assert [(p.code, p.path) for p in errors] == [("R07", "report.date")]
    assert "quá hạn chót 21/06/2024" in errors[0].message


def test_a_report_on_its_last_day_is_on_time():
    data = load_yaml(FIX / "report.yaml")
    data["report"]["date"] = "2024-06-21"
    assert [f.code for f in formgen.check(validate_trip(data)).findings] == ["P01"]


@pytest.mark.parametrize("field, words", [("results", "kết quả"), ("good_practices", "kinh nghiệm hay"),
                                          ("proposals", "đề xuất, kiến nghị")])
def test_a_report_must_state_results_practices_and_proposals(field, words):
    data = load_yaml(FIX / "report.yaml")
    data["report"][field] = ""
    (error,) = formgen.check(validate_trip(data)).errors
    assert (error.code, error.path) == ("R08", f"report.{field}") and words in error.message


def test_the_annual_report_says_which_reports_are_overdue_and_which_not_yet_due_on_its_date(tmp_path):
    data = formgen.load(FIX / "annual.yaml")
    data["annual"]["date"] = dt.date(2024, 11, 1)   # the second trip's report (due 07/11/2024) is not late yet
    lines = render(tmp_path, "annual", data)
    assert "Chưa đến hạn báo cáo (07/11/2024)" in lines
    overview = next(line for line in lines if "Sau chuyến đi" in line)
    assert overview.endswith("Sau chuyến đi, 01 đoàn gửi báo cáo kết quả đúng hạn, không có báo cáo chậm, 01 đoàn "
                             "chưa gửi báo cáo.")


def test_the_annual_report_totals_its_delegations(tmp_path):
    lines = render(tmp_path, "annual", formgen.load(FIX / "annual.yaml"))
    text = "\n".join(lines)
    assert "Kính gửi: Ban Tổ chức Tỉnh ủy." in lines
    assert ("Trong năm 2024, đơn vị tổ chức 02 đoàn, 11 lượt người, đến 03 địa phương; tổng kinh phí "
            "198.000.000 đồng (Bằng chữ: Một trăm chín mươi tám triệu đồng). Sau chuyến đi, 01 đoàn gửi báo cáo "
            "kết quả đúng hạn, 01 đoàn đã quá hạn mà chưa gửi báo cáo.") in lines   # back 24/10, due 07/11/2024
    assert "Chưa báo cáo, đã quá hạn (07/11/2024)" in lines
    row = lines.index("03/06/2024 đến 07/06/2024")
    assert lines[row - 1:row + 6] == ["1", "03/06/2024 đến 07/06/2024", "thành phố Đà Nẵng, tỉnh Quảng Ninh", "7",
                                      "Nguyễn Văn An, Phó Giám đốc Sở Nội vụ", "150.000.000",
                                      "Đúng hạn (18/06/2024)"]
    total = lines.index("Tổng cộng: 02 đoàn")  # one cell over STT, thời gian, địa phương (read once per column)
    assert lines[total:total + 7] == ["Tổng cộng: 02 đoàn"] * 3 + ["11", "", "198.000.000", ""]


def test_the_annual_report_refuses_another_year_or_unit(tmp_path):
    data = load_yaml(FIX / "annual.yaml")
    data["year"] = 2025
    errors = formgen.check(formgen.loader.load_annual(data, FIX / "annual.yaml")).errors
    assert [p.code for p in errors] == ["R11", "R11"]
    assert errors[0].path == "delegations[0].delegation.depart_on"


def test_an_annual_file_names_the_broken_delegation_file(tmp_path):
    (tmp_path / "a.yaml").write_text("issuer: [không phải mục]\n", encoding="utf-8")
    data = load_yaml(FIX / "annual.yaml")
    data["delegations"] = ["a.yaml", "khong-co.yaml"]
    with pytest.raises(formgen.InvalidInput) as err:
        formgen.loader.load_annual(data, tmp_path / "annual.yaml")
    lines = err.value.lines()
    assert any("delegations[0].issuer" in line and "a.yaml" in line for line in lines)
    assert any("delegations[1]" in line and "khong-co.yaml" in line for line in lines)


def test_every_kind_has_a_template_per_format_a_fixture_and_exact_variables():
    profile, calendar = load_profile(), formgen.WorkCalendar()
    for (kind, style), fixture in FIXTURES.items():
        assert (ROOT / "formgen" / "templates" / "docx" / template_name(kind, style)).is_file()
        data = formgen.load(fixture)
        assert data["issuer"]["style"] == style
        result = formgen.check(data, kind)
        assert result.ok, (kind, style, result.errors)
        context = KINDS[kind].context(Inputs(data, profile, calendar, result.deadlines, result.limits))
        assert set(context) == KINDS[kind].variables, kind
        assert KINDS[kind].required <= KINDS[kind].variables
    assert set(KINDS) == {k for k, _ in FIXTURES}


def test_every_rule_a_document_names_has_a_check_and_a_citation():
    profile = load_profile()
    assert set(profile.documents) == set(KINDS)
    for kind in KINDS:
        for code in profile.gates(kind):
            assert code in CHECKS, code
            if code in profile.rules:
                assert profile.rules[code].citation


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or poppler-utils (pdftotext) is not installed")
def test_every_document_converts_to_pdf_with_its_text(tmp_path):
    """One LibreOffice run converts all eight; the PDF text is read as a person reads it (pdftotext)."""
    from pypdf import PdfReader
    docs = []
    for (kind, style), fixture in FIXTURES.items():
        out = tmp_path / f"{kind}_{style}.docx"
        formgen.render(kind, formgen.load(fixture), out)
        docs.append(out)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), *map(str, docs)], check=True, capture_output=True, timeout=300)
    for (kind, style) in FIXTURES:
        pdf = tmp_path / f"{kind}_{style}.pdf"
        reader = PdfReader(pdf)
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        assert FORMAT_WORDS[style][0] in text, (kind, style)
        assert SECTIONS[kind][1].split(". ", 1)[1] in " ".join(text.split()), (kind, style)
        box = reader.pages[0].mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
