"""The request letter as a secretary gets it: the text inside the .docx, its page, its safety."""
from __future__ import annotations

import copy
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.shared import Mm

import formgen
from helpers import docx_lines
from formgen.errors import InvalidInput, Refused
from formgen.model import validate_trip
from formgen.templates import export_templates
from formgen.yamlio import load_yaml

ROOT = Path(__file__).parent.parent
FIXTURE = load_yaml(ROOT / "fixtures" / "request.yaml")


def rendered(tmp_path, edit=None) -> list[str]:
    data = copy.deepcopy(FIXTURE)
    if edit:
        edit(data)
    out = tmp_path / "letter.docx"
    formgen.render("request", validate_trip(data), out)
    return docx_lines(out)


def test_the_letter_holds_every_part_of_the_request(tmp_path):
    lines = rendered(tmp_path)
    text = "\n".join(lines)
    for expected in [
        "UBND TỈNH HẬU GIANG", "SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Số: 05/TTr-SNV", "Hậu Giang, ngày 20 tháng 5 năm 2024", "TỜ TRÌNH",
        "Về việc xin ý kiến tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh",
        "Kính gửi: Ban Thường vụ Tỉnh ủy.",
        "Căn cứ Quy định của Tỉnh ủy Hậu Giang về việc tổ chức và quản lý đoàn đi ngoài tỉnh học tập, trao đổi "
        "kinh nghiệm (ban hành tháng 5/2024);",
        "Lĩnh vực tập trung: cải cách hành chính.",
        "- Thành phố Đà Nẵng, làm việc với Sở Nội vụ thành phố Đà Nẵng: học tập mô hình chính quyền số",
        "Đoàn gồm 07 người (kể cả trưởng đoàn), do đồng chí Nguyễn Văn An, Phó Giám đốc Sở Nội vụ làm trưởng đoàn; "
        "trong đoàn có 02 lãnh đạo chủ chốt của đơn vị. Số người trong giới hạn 07 người theo quy định.",
        "Từ ngày 03/06/2024 đến ngày 07/06/2024 (kể cả thời gian đi và về), cụ thể:",
        "- Thành phố Đà Nẵng: từ ngày 04/06/2024 đến ngày 05/06/2024 (02 ngày tại địa phương",
        "- Tỉnh Quảng Ninh: ngày 06/06/2024 (01 ngày tại địa phương",
        "Nguồn kinh phí: Ngân sách nhà nước giao năm 2024 cho Sở Nội vụ (kinh phí không tự chủ).",
        "Dự toán: 150.000.000 đồng (Bằng chữ: Một trăm năm mươi triệu đồng).",
        "trong vòng 10 ngày làm việc, chậm nhất ngày 21 tháng 6 năm 2024.",
        "Sở Nội vụ kính trình Ban Thường vụ Tỉnh ủy xem xét, cho ý kiến./.",
        "Nơi nhận:", "- Như trên;", "- Thường trực Tỉnh ủy (để báo cáo);", "- Lưu: VT, CCHC.",
        "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
    ]:
        assert expected in text, expected
    assert lines.count("Nguyễn Văn An") == 2  # the members table and the signature
    assert "{{" not in text and "{%" not in text and "}}" not in text


def test_the_members_table_lists_everyone_with_the_leader_first(tmp_path):
    out = tmp_path / "letter.docx"
    formgen.render("request", validate_trip(copy.deepcopy(FIXTURE)), out)
    table = next(t for t in docx.Document(str(out)).tables if t.rows[0].cells[0].text == "STT")
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["STT", "Họ và tên", "Chức vụ", "Đơn vị công tác", "Ghi chú"]
    assert rows[1] == ["1", "Nguyễn Văn An", "Phó Giám đốc Sở Nội vụ", "Sở Nội vụ", "Trưởng đoàn; lãnh đạo chủ chốt"]
    assert rows[2][1:] == ["Trần Thị Bích Ngọc", "Trưởng phòng Cải cách hành chính", "Sở Nội vụ", "Lãnh đạo chủ chốt"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 8)]
    assert rows[-1][1] == "Đặng Ngọc Ánh"


def test_an_unnumbered_letter_leaves_the_number_for_the_van_thu(tmp_path):
    text = "\n".join(rendered(tmp_path, lambda d: d["request"].pop("number")))
    assert "Số:       /TTr-SNV" in text


def test_dates_and_authority_follow_the_decree(tmp_path):
    def edit(d):
        d["request"]["date"] = "2024-02-05"
        d["delegation"].update(depart_on="2024-02-26", return_on="2024-02-29")
        d["delegation"]["stops"] = [{"place": "tỉnh Đồng Tháp", "host": "Sở Nội vụ", "model": "chuyển đổi số",
                                     "start": "2024-02-27", "end": "2024-02-28"}]
        d["request"]["signer"] = {"name": "Lê Văn Bình", "title": "Giám đốc"}
    text = "\n".join(rendered(tmp_path, edit))
    assert "Hậu Giang, ngày 05 tháng 02 năm 2024" in text
    assert "KT." not in text and "GIÁM ĐỐC\n" in text + "\n"


def test_values_are_printed_literally_never_as_markup_or_template(tmp_path):
    hostile = "Tăng <b>năng suất</b> & hiệu quả {{ 7*7 }} {% if true %}x{% endif %} ]]>"
    text = "\n".join(rendered(tmp_path, lambda d: d["delegation"].update(purpose=hostile)))
    assert hostile in text
    assert "49" not in text


def test_the_page_is_a4_times_new_roman_with_the_decree_margins(tmp_path):
    out = tmp_path / "letter.docx"
    formgen.render("request", validate_trip(copy.deepcopy(FIXTURE)), out)
    document = docx.Document(str(out))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [20, 20, 30, 15]
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert section.different_first_page_header_footer  # page numbers from page 2 on
    assert "PAGE" in section.header._element.xml


def test_a_refused_letter_writes_nothing(tmp_path):
    data = copy.deepcopy(FIXTURE)
    data["delegation"]["members"].append({"name": "Người thứ tám", "position": "Chuyên viên", "unit": "Sở Nội vụ"})
    out = tmp_path / "letter.docx"
    with pytest.raises(Refused) as err:
        formgen.render("request", validate_trip(data), out)
    assert [p.code for p in err.value.problems if p.severity == "error"] == ["R06"]
    assert list(tmp_path.iterdir()) == []


def custom_templates(tmp_path, text: str) -> Path:
    """A folder with a one-paragraph request_state.docx, as a user might edit it."""
    custom = tmp_path / "templates"
    custom.mkdir()
    document = docx.Document()
    document.add_paragraph(text)
    document.save(custom / "request_state.docx")
    return custom


def test_a_custom_template_with_an_unknown_variable_is_refused_by_name(tmp_path):
    custom = custom_templates(tmp_path, "{{ issuer }} — {{ ten_khong_co }}")
    out = tmp_path / "letter.docx"
    with pytest.raises(InvalidInput) as err:
        formgen.render("request", validate_trip(copy.deepcopy(FIXTURE)), out, templates=custom)
    assert "ten_khong_co" in err.value.message
    assert not out.exists()


def test_a_custom_template_is_used_when_given(tmp_path):
    custom = tmp_path / "templates"
    export_templates(custom)
    edited = docx.Document(str(custom / "request_state.docx"))
    edited.add_paragraph("Mẫu riêng của Sở: {{ number }} {{ date_line }}")
    edited.save(str(custom / "request_state.docx"))
    out = tmp_path / "letter.docx"
    formgen.render("request", validate_trip(copy.deepcopy(FIXTURE)), out, templates=custom)
    assert docx_lines(out)[-1] == "Mẫu riêng của Sở: Số: 05/TTr-SNV Hậu Giang, ngày 20 tháng 5 năm 2024"


def test_the_template_ships_inside_the_package():
    names = {p.name for p in (Path(formgen.__file__).parent / "templates" / "docx").iterdir()}
    assert "request_state.docx" in names
    with zipfile.ZipFile(Path(formgen.__file__).parent / "templates" / "docx" / "request_state.docx") as z:
        assert "word/document.xml" in z.namelist()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_letter_and_prints_its_text(tmp_path):
    out = tmp_path / "letter.docx"
    formgen.render("request", validate_trip(copy.deepcopy(FIXTURE)), out)
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "txt:Text",
                    "--outdir", str(tmp_path), str(out)], check=True, capture_output=True, timeout=180)
    text = (tmp_path / "letter.txt").read_text(encoding="utf-8-sig")
    assert "Hậu Giang, ngày 20 tháng 5 năm 2024" in text
    assert "Đặng Ngọc Ánh" in text


def test_copies_are_listed_once_each_whatever_the_user_typed(tmp_path):
    lines = rendered(tmp_path, lambda d: d["request"].update(cc=["- Sở Tài chính;", "", "Như trên", "Ban Tổ chức Tỉnh ủy."]))
    start = lines.index("Nơi nhận:")
    assert lines[start + 1:start + 5] == ["- Như trên;", "- Sở Tài chính;", "- Ban Tổ chức Tỉnh ủy;", "- Lưu: VT, CCHC."]


@pytest.mark.parametrize("change, archive", [
    (dict(archive="VT"), "- Lưu: VT."),                                          # was “Lưu: VT, VT.”
    (dict(archive="Lưu: VT, CCHC."), "- Lưu: VT, CCHC."),                       # was “Lưu: VT, Lưu: VT, CCHC.”
    (dict(archive=None, cc=["Sở Tài chính", "- Lưu: VT, TCCB."]), "- Lưu: VT, TCCB."),  # typed as on paper
    (dict(archive="CCHC", cc=["Sở Tài chính", "Lưu: VT, CCHC"]), "- Lưu: VT, CCHC."),   # the same line twice
], ids=["vt-alone", "whole-line", "in-cc", "both-alike"])
def test_the_archive_line_is_printed_once_however_it_was_typed(tmp_path, change, archive):
    lines = rendered(tmp_path, lambda d: d["request"].update(
        **{"cc": ["Sở Tài chính"], **change}))
    start = lines.index("Nơi nhận:")
    assert lines[start + 1:start + 4] == ["- Như trên;", "- Sở Tài chính;", archive]


def test_an_archive_line_in_cc_that_contradicts_the_archive_is_refused_and_nothing_is_written(tmp_path):
    data = validate_trip(copy.deepcopy(FIXTURE))
    data["request"].update(archive="VP", cc=["Sở Tài chính", "Lưu: VT, CCHC"])
    with pytest.raises(formgen.InvalidInput, match="Dòng lưu văn bản được ghi 2 cách khác nhau"):
        formgen.render("request", data, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


def test_a_recipient_named_lưu_trữ_is_a_recipient(tmp_path):
    lines = rendered(tmp_path, lambda d: d["request"].update(cc=["Trung tâm Lưu trữ lịch sử", "Lưu trữ tỉnh"]))
    start = lines.index("Nơi nhận:")
    assert lines[start + 1:start + 5] == ["- Như trên;", "- Trung tâm Lưu trữ lịch sử;", "- Lưu trữ tỉnh;",
                                          "- Lưu: VT, CCHC."]


def test_the_compiled_template_renders_what_docxtpl_renders(tmp_path):
    """The once-compiled path (batch speed) must give the same document as docxtpl's own render."""
    from docxtpl import DocxTemplate
    from formgen.documents import KINDS, Inputs, template_name
    from formgen.rendering import CompiledTemplate, builtin_template, jinja_env
    profile, calendar = formgen.load_profile(), formgen.WorkCalendar()
    for fixture in ["request.yaml", "escalation.yaml", "report.yaml", "annual.yaml", "party/request.yaml"]:
        data = formgen.load(ROOT / "fixtures" / fixture)
        result = formgen.check(data)
        kind = result.kind
        context = KINDS[kind].context(Inputs(data, profile, calendar, result.deadlines, result.limits))
        template = builtin_template(template_name(kind, data["issuer"]["style"]))
        plain = DocxTemplate(str(template))
        plain.render(context, jinja_env=jinja_env(), autoescape=True)
        plain.save(tmp_path / "plain.docx")
        (tmp_path / "fast.docx").write_bytes(CompiledTemplate(template).render(context))
        assert docx_lines(tmp_path / "fast.docx") == docx_lines(tmp_path / "plain.docx"), fixture
        assert docx.Document(str(tmp_path / "fast.docx")).sections[0].different_first_page_header_footer
