"""Templates a secretary edits: exported to a folder, checked for what Word broke, refused before rendering."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate

import formgen
from formgen.documents import KINDS
from formgen.errors import InvalidInput
from formgen.formats import load_format
from formgen.rendering import jinja_env
from formgen.templates import builtin_templates, check_template, export_templates, template_variables
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"
FIXTURE_FILE = FIX / "request.yaml"
BUILTIN = {p.name: p for p in builtin_templates()}
# fixtures/<kind>.yaml is a state body, fixtures/party/<kind>.yaml a Party one: every built-in template renders
FIXTURES = sorted([*FIX.glob("*.yaml"), *(FIX / "party").glob("*.yaml")])


def paragraphs(document) -> list[Paragraph]:
    """Every paragraph, table cells included, in the order check_template numbers them (đoạn 1, 2...)."""
    return [Paragraph(p, document._body) for p in document.element.body.iter(qn("w:p"))]


def paragraph_with(document, text: str) -> tuple[int, Paragraph]:
    """The first paragraph whose text is exactly text, and its number."""
    return next((n, p) for n, p in enumerate(paragraphs(document), 1) if p.text == text)


def split_into_runs(paragraph: Paragraph, pieces: list[str]) -> None:
    """Rewrite a paragraph as Word leaves it after an edit: one run per piece, bold and normal in turn."""
    for run in paragraph.runs:
        run._element.getparent().remove(run._element)
    for i, piece in enumerate(pieces):
        paragraph.add_run(piece).bold = i % 2 == 0


def edited(tmp_path, edit, name: str = "request_state.docx") -> Path:
    """A copy of a built-in template in tmp_path/mau, changed by edit(document)."""
    folder = tmp_path / "mau"
    folder.mkdir(exist_ok=True)
    document = docx.Document(str(BUILTIN[name]))
    edit(document)
    out = folder / name
    document.save(str(out))
    return out


# --- export ------------------------------------------------------------------------------------


def test_export_copies_every_builtin_template_into_a_new_folder(tmp_path):
    folder = tmp_path / "mau" / "cua-so"
    written = export_templates(folder)
    assert [p.name for p in written] == sorted(BUILTIN)
    assert len(written) == 8  # four kinds, two formats
    for path in written:
        assert path.read_bytes() == BUILTIN[path.name].read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == sorted(BUILTIN)  # no temporary file left behind


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_exported_templates_render_as_the_builtin_ones(tmp_path, fixture):
    folder = tmp_path / "mau"
    export_templates(folder)
    data = formgen.load(fixture)
    formgen.render(fixture.stem, data, tmp_path / "builtin.docx")
    formgen.render(fixture.stem, data, tmp_path / "exported.docx", templates=folder)
    assert docx_lines(tmp_path / "exported.docx") == docx_lines(tmp_path / "builtin.docx")


def test_export_refuses_to_overwrite_a_file_and_writes_nothing(tmp_path):
    mine = tmp_path / "request_state.docx"
    mine.write_bytes(b"mau cua toi")
    with pytest.raises(InvalidInput) as err:
        export_templates(tmp_path)
    assert f"“{mine}”" in err.value.message and "overwrite=True" in err.value.message
    assert [p.name for p in tmp_path.iterdir()] == ["request_state.docx"]
    assert mine.read_bytes() == b"mau cua toi"


def test_export_overwrites_when_asked(tmp_path):
    (tmp_path / "request_state.docx").write_bytes(b"mau cua toi")
    export_templates(tmp_path, overwrite=True)
    assert (tmp_path / "request_state.docx").read_bytes() == BUILTIN["request_state.docx"].read_bytes()


def test_export_onto_a_file_is_refused(tmp_path):
    a_file = tmp_path / "mau"
    a_file.write_text("")
    with pytest.raises(InvalidInput, match="là một tệp, không phải thư mục"):
        export_templates(a_file)


# --- the built-in templates --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_builtin_template_passes_the_check(name):
    assert check_template(BUILTIN[name]) == []


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_the_variables_found_are_those_docxtpl_finds(name):
    """check_template reads part by part what get_undeclared_template_variables reads at once."""
    expected = DocxTemplate(str(BUILTIN[name])).get_undeclared_template_variables(jinja_env())
    assert template_variables(BUILTIN[name]) == expected


# --- the built-in templates against their format file (formgen/formats/<style>.yaml) ----------------

# The paragraphs that hold one header tag alone, and the size of the format file they are set in.
ROLES = {"parent": "parent", "issuer": "issuer", "national": "national", "motto": "motto", "number": "number",
         "date_line": "date_line", "type_title": "type", "subject": "subject", "signer_name": "signature",
         "purpose": "body"}
SCRIPTS = ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia")


def style_of(path: Path) -> str:
    return path.stem.rpartition("_")[2]


def format_mismatches(path: Path) -> list[str]:
    """Where a template differs from its format file: page and margins, fonts, the sizes of its roles."""
    fmt = load_format(style_of(path))
    document = docx.Document(str(path))
    found = []
    for n, section in enumerate(document.sections, 1):
        page = (round(section.page_width.mm), round(section.page_height.mm))
        if page != (210, 297):
            found.append(f"section {n}: page {page}, not A4")
        for side, mm in fmt["margins_mm"].items():
            got = getattr(section, f"{side}_margin").mm
            if abs(got - mm) > 0.1:
                found.append(f"section {n}: {side} margin {got:.2f} mm, format {mm} mm")
    normal = document.styles["Normal"]
    fonts = normal.element.rPr.rFonts
    for script in SCRIPTS:
        if fonts.get(qn(script)) != fmt["font"]:
            found.append(f"Normal style: {script} font {fonts.get(qn(script))}, format {fmt['font']}")
    if normal.font.size is None or normal.font.size.pt != fmt["sizes"]["body"]:
        found.append(f"Normal style: size {normal.font.size}, format {fmt['sizes']['body']}")
    parts = [document.element, *(s.header._element for s in document.sections),
             *(s.first_page_header._element for s in document.sections)]
    allowed = {float(v) for v in fmt["sizes"].values()} | {float(fmt["layout"]["annual_table_size"])}
    for part in parts:
        for element in part.iter(qn("w:rFonts")):
            named = {element.get(qn(a)) for a in SCRIPTS} - {None}
            themed = [a for a in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme") if element.get(qn(a))]
            if named - {fmt["font"]} or themed:
                found.append(f"a run in {sorted(named) + themed}, format {fmt['font']}")
        for element in part.iter(qn("w:sz")):
            size = int(element.get(qn("w:val"))) / 2
            if size not in allowed:
                found.append(f"a run of {size:g} pt, not a size of the format ({sorted(allowed)})")
    page_numbers = {r.font.size.pt for s in document.sections for p in s.header.paragraphs for r in p.runs if r.font.size}
    if page_numbers != {fmt["sizes"]["page_number"]}:
        found.append(f"page number {sorted(page_numbers)} pt, format {fmt['sizes']['page_number']}")
    for tag, role in ROLES.items():
        if role not in fmt["sizes"]:
            continue
        for _, paragraph in tag_paragraphs(document, tag):
            sizes = {r.font.size.pt for r in paragraph.runs if r.font.size}
            if sizes != {fmt["sizes"][role]}:
                found.append(f"“{paragraph.text}”: {sorted(sizes)} pt, format {role} {fmt['sizes'][role]}")
    return found


def tag_paragraphs(document, tag: str) -> list[tuple[int, Paragraph]]:
    """The paragraphs that hold the tag alone ({{ subject }}, {{ subject|keep_last_words }}), not its rule."""
    alone = re.compile(r"\{\{ %s(\|[a-z_]+)? \}\}" % tag)
    return [(n, p) for n, p in enumerate(paragraphs(document), 1) if alone.fullmatch(p.text)]


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_builtin_template_passes_templates_check(run_formgen, name):
    result = run_formgen("templates", "check", BUILTIN[name])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("không có lỗi.\n")


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_builtin_template_matches_its_format_file(name):
    assert format_mismatches(BUILTIN[name]) == []
    document = docx.Document(str(BUILTIN[name]))
    assert all(tag_paragraphs(document, tag) for tag in ("issuer", "number", "type_title", "signer_name"))


@pytest.mark.parametrize("edit, expected", [
    (lambda d: setattr(d.sections[0], "left_margin", Mm(25)), "left margin 24.99 mm, format 30 mm"),
    (lambda d: setattr(d.styles["Normal"].font, "name", "Arial"), "w:ascii font Arial"),
    (lambda d: setattr(tag_paragraphs(d, "type_title")[0][1].runs[0].font, "size", Pt(18)), "18 pt"),
    (lambda d: setattr(tag_paragraphs(d, "national")[0][1].runs[0].font, "size", Pt(14)),
     "“{{ national }}”: [14.0] pt, format national 13"),
], ids=["margin", "font", "a size outside the format", "a role at another size of the format"])
def test_a_template_that_leaves_its_format_is_caught(tmp_path, edit, expected):
    out = edited(tmp_path, edit)
    assert any(expected in line for line in format_mismatches(out)), format_mismatches(out)


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_builtin_template_renders_every_fixture_of_its_kind(tmp_path, name):
    """The state and the Party body of a kind, each through this template: every tag filled, the text there."""
    kind, style = name.removesuffix(".docx").rsplit("_", 1)
    fixtures = [f for f in FIXTURES if f.stem == kind]
    assert len(fixtures) == 2
    for fixture in fixtures:
        data = formgen.load(fixture)
        data["issuer"]["style"] = style
        out = formgen.render(kind, data, tmp_path / f"{fixture.parent.name}-{kind}.docx").outputs[0]
        lines = docx_lines(out)
        text = "\n".join(lines)
        assert "{{" not in text and "{%" not in text and "}}" not in text, fixture
        assert data["issuer"]["name"].upper() in lines, fixture
        assert any(line == data[KINDS[kind].section]["signer"]["name"] for line in lines), fixture


# --- tags Word broke ---------------------------------------------------------------------------


@pytest.mark.parametrize("pieces", [["{{ num", "ber }}"], ["{", "{ number }}"], ["{{ number }", "}"],
                                    ["{", "{ num", "ber }", "}"]])
def test_a_tag_split_across_runs_that_docxtpl_rejoins_is_fine(tmp_path, pieces):
    def edit(document):
        split_into_runs(paragraph_with(document, "{{ number }}")[1], pieces)

    template = edited(tmp_path, edit)
    assert check_template(template) == []
    out = tmp_path / "letter.docx"
    formgen.render("request", formgen.load(FIXTURE_FILE), out, templates=template.parent)
    assert "Số: 05/TTr-SNV" in docx_lines(out)


BROKEN_RUNS = [
    # a space typed between the braces: docxtpl prints the tag as text, no error at all
    (["{", " { number }}"], "Dấu ngoặc của thẻ bị tách: “{ {” phải viết liền “{{” (ở “{ { number }}”)."),
    # a brace lost while retyping: docxtpl prints “{ number }}” as text
    (["{ num", "ber }}"], "“}}” không có “{{” mở trước nó (ở “{ number }}”)."),
    # the other brace lost: a Jinja syntax error at render time
    (["{{ num", "ber }"], "Thẻ “{{ number }” thiếu “}}” để đóng."),
    (["{{ number }", " }"], "Dấu ngoặc của thẻ bị tách: “} }” phải viết liền “}}” (ở “{{ number } }”)."),
]


@pytest.mark.parametrize("pieces, message", BROKEN_RUNS, ids=["{ {", "{ x }}", "{{ x }", "} }"])
def test_a_tag_split_across_runs_that_docxtpl_cannot_rejoin_is_named(tmp_path, pieces, message):
    def edit(document):
        n, paragraph = paragraph_with(document, "{{ number }}")
        split_into_runs(paragraph, pieces)
        edit.where = f"đoạn {n}"

    template = edited(tmp_path, edit)
    problems = check_template(template)
    assert [(p.path, p.message) for p in problems] == [(edit.where, message)]


def test_docxtpl_alone_prints_a_spaced_tag_as_text(tmp_path):
    """Why the check reads the text and not only Jinja's verdict: “{ { number }}” is no error for Jinja."""
    document = docx.Document()
    split_into_runs(document.add_paragraph(), ["Số: {", " { number }}"])
    document.save(str(tmp_path / "mau.docx"))
    tpl = DocxTemplate(str(tmp_path / "mau.docx"))
    tpl.render({"number": "05"}, jinja_env=jinja_env(), autoescape=True)
    tpl.save(str(tmp_path / "out.docx"))
    assert docx_lines(tmp_path / "out.docx") == ["Số: { { number }}"]


def test_an_if_without_its_endif_is_named(tmp_path):
    def edit(document):
        n, paragraph = paragraph_with(document, "{{ signer_name }}")
        paragraph.insert_paragraph_before("{%p if approval %}")
        edit.where = f"đoạn {n}"  # the new paragraph takes the number

    problems = check_template(edited(tmp_path, edit))
    assert [(p.path, p.message) for p in problems] == [
        (edit.where, "Thẻ “{%p if approval %}” không có “{%p endif %}” đi kèm.")]


def test_an_end_tag_without_its_opening_is_named(tmp_path):
    def edit(document):
        n, paragraph = paragraph_with(document, "{{ signer_name }}")
        paragraph.insert_paragraph_before("{%p endif %}")
        edit.where = f"đoạn {n}"

    problems = check_template(edited(tmp_path, edit))
    assert [(p.path, p.message) for p in problems] == [
        (edit.where, "Thẻ “{%p endif %}” không có thẻ mở “{%p if ... %}” tương ứng.")]


def test_a_tag_broken_across_two_paragraphs_is_named(tmp_path):
    """Word's user pressed Enter inside the tag: docxtpl would silently merge the two paragraphs."""
    def edit(document):
        n, paragraph = paragraph_with(document, "{{ signer_name }}")
        paragraph.insert_paragraph_before("{{ signer_")
        split_into_runs(paragraph, ["name }}"])
        edit.where, edit.next = f"đoạn {n}", n + 1

    problems = check_template(edited(tmp_path, edit))
    assert [(p.path, p.message) for p in problems] == [
        (edit.where, f"Thẻ “{{{{ signer_” bị ngắt xuống đoạn {edit.next} (“name }}}}”): nối lại thành một đoạn.")]


def test_a_jinja_syntax_error_is_reported_with_its_line(tmp_path):
    template = edited(tmp_path, lambda d: d.add_paragraph("Ghi chú: {{ so van ban }}"))
    (problem,) = check_template(template)
    assert problem.path == f"đoạn {len(paragraphs(docx.Document(str(template))))}"
    assert problem.message == ("Lỗi cú pháp trong thẻ: expected token 'end of print statement', got 'van' "
                               "(ở “Ghi chú: {{ so van ban }}”).")


def test_every_broken_tag_is_reported_at_once(tmp_path):
    def edit(document):
        split_into_runs(paragraph_with(document, "{{ number }}")[1], ["{", " { number }}"])
        split_into_runs(paragraph_with(document, "{{ date_line }}")[1], ["{{ date_line }"])
        document.add_paragraph("{%p if approval %}")

    problems = check_template(edited(tmp_path, edit))
    assert len(problems) == 3
    assert ["{ {" in problems[0].message, "{{ date_line }" in problems[1].message,
            "{%p if approval %}" in problems[2].message] == [True, True, True]


# --- variables -------------------------------------------------------------------------------


def test_an_unknown_variable_is_named(tmp_path):
    def edit(document):
        document.add_paragraph("Số văn bản: {{ so_van_ban }}")
        edit.where = f"đoạn {len(paragraphs(document))}"

    problems = check_template(edited(tmp_path, edit))
    assert [(p.path, p.message) for p in problems] == [
        (edit.where, "Mẫu dùng biến “so_van_ban” không có trong dữ liệu của loại văn bản “request”.")]


def test_a_misspelt_variable_gets_a_suggestion(tmp_path):
    (problem,) = check_template(edited(tmp_path, lambda d: d.add_paragraph("{{ numbr }}")))
    assert problem.message.endswith("(có phải “number”?).")


def test_jinja_globals_and_loop_variables_are_not_unknown(tmp_path):
    template = edited(tmp_path, lambda d: d.add_paragraph("{% for i in range(2) %}{{ i }}{{ loop.index }}{% endfor %}"))
    assert check_template(template) == []


def test_a_variable_of_another_kind_is_unknown_to_this_one(tmp_path):
    (problem,) = check_template(edited(tmp_path, lambda d: d.add_paragraph("{{ results }}")))
    assert "“results”" in problem.message and "“request”" in problem.message


def test_a_template_without_the_members_table_is_reported(tmp_path):
    def edit(document):
        table = next(t for t in document.tables if t.rows[0].cells[0].text == "STT")
        table._element.getparent().remove(table._element)

    problems = check_template(edited(tmp_path, edit))
    assert [(p.path, p.message) for p in problems] == [("", "Mẫu thiếu nội dung bắt buộc: {{ members }}.")]


def test_headers_count_too(tmp_path):
    def edit(document):
        document.sections[0].header.paragraphs[0].add_run("{{ trang_so }}")

    problems = check_template(edited(tmp_path, edit))
    assert [p.path for p in problems] == ["đầu trang 1, đoạn 1"]
    assert "“trang_so”" in problems[0].message


def test_the_kind_comes_from_the_name_or_the_argument(tmp_path):
    renamed = tmp_path / "mau-cua-so.docx"
    renamed.write_bytes(BUILTIN["report_party.docx"].read_bytes())
    assert check_template(renamed, "report") == []
    assert "Mẫu thiếu nội dung bắt buộc: {{ members }}." in [p.message for p in check_template(renamed, "request")]
    with pytest.raises(InvalidInput, match="dùng cho loại văn bản nào"):
        check_template(renamed)
    with pytest.raises(InvalidInput, match="Loại văn bản “thu_moi” không có"):
        check_template(renamed, "thu_moi")


# --- files that are not templates ------------------------------------------------------------


def test_a_file_that_is_not_a_docx_is_refused(tmp_path):
    old_word = tmp_path / "request_state.docx"
    old_word.write_bytes(b"\xd0\xcf\x11\xe0 a Word 97 file")
    with pytest.raises(InvalidInput, match="không phải tệp .docx .*lưu lại dạng .docx"):
        check_template(old_word)


def test_a_zip_without_a_document_is_refused(tmp_path):
    archive = tmp_path / "request_state.docx"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InvalidInput, match=r"không có phần nội dung \(word/document.xml\)"):
        check_template(archive)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="Không tìm thấy tệp mẫu"):
        check_template(tmp_path / "request_state.docx")


# --- the command line ------------------------------------------------------------------------


def test_cli_export_then_refuse_then_overwrite(run_formgen, tmp_path):
    folder = tmp_path / "mau"
    result = run_formgen("templates", "export", folder)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"Đã chép / exported: {folder / name}" for name in sorted(BUILTIN)]
    again = run_formgen("templates", "export", folder)
    assert again.exit_code == 2 and len(again.err_lines) == 1
    assert again.err_lines[0].startswith(f"Đã có tệp “{folder / 'annual_party.docx'}”")
    assert run_formgen("templates", "export", folder, "--overwrite").exit_code == 0


def test_cli_check_a_clean_template(run_formgen, tmp_path):
    result = run_formgen("templates", "check", BUILTIN["escalation_state.docx"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"{BUILTIN['escalation_state.docx']}: Mẫu dùng được (loại “escalation”): "
                                          "không có lỗi."]
    as_json = json.loads(run_formgen("templates", "check", BUILTIN["annual_party.docx"], "--json").stdout)
    assert (as_json["ok"], as_json["template"], as_json["kind"], as_json["findings"]) == (
        True, str(BUILTIN["annual_party.docx"]), "annual", [])


def _two_problems(document):
    split_into_runs(paragraph_with(document, "{{ number }}")[1], ["{", " { number }}"])
    document.add_paragraph("{{ so_van_ban }}")


def test_cli_check_prints_one_line_per_problem_and_exits_2(run_formgen, tmp_path):
    template = edited(tmp_path, _two_problems)
    result = run_formgen("templates", "check", template)
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.err_lines) == 2
    assert all(line.startswith(f"{template}: LỖI [đoạn ") for line in result.err_lines)
    assert "“{ {”" in result.err_lines[0] and "“so_van_ban”" in result.err_lines[1]


def test_cli_check_json_lists_the_problems(run_formgen, tmp_path):
    result = run_formgen("templates", "check", edited(tmp_path, _two_problems), "--json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["ok"] is False and document["error"] == "invalid_input"
    assert [p["path"].split()[0] for p in document["findings"]] == ["đoạn", "đoạn"]
    assert "so_van_ban" in document["findings"][1]["message"]


def test_cli_check_as_another_kind(run_formgen, tmp_path):
    renamed = tmp_path / "mau.docx"
    renamed.write_bytes(BUILTIN["report_state.docx"].read_bytes())
    assert run_formgen("templates", "check", renamed, "--as", "report").exit_code == 0
    unknown = run_formgen("templates", "check", renamed, "--as", "thu-moi")
    assert unknown.exit_code == 2
    assert unknown.err_lines == ["formgen: Giá trị không hợp lệ cho '--as': loại văn bản “thu-moi” không có; "
                                 "chọn: request, escalation, report, annual. (xem formgen --help)"]


def test_cli_check_a_file_that_is_not_a_docx(run_formgen, tmp_path):
    text = tmp_path / "request_state.docx"
    text.write_text("Kính gửi: {{ recipient }}", encoding="utf-8")
    result = run_formgen("templates", "check", text)
    assert result.exit_code == 2
    assert result.err_lines == [f"“{text}” không phải tệp .docx (Word 2007 trở lên): hãy mở bằng Word hoặc "
                                "LibreOffice và lưu lại dạng .docx."]


def test_render_with_a_broken_custom_template_exits_2_and_writes_nothing(run_formgen, tmp_path):
    template = edited(tmp_path, _two_problems)
    out = tmp_path / "to-trinh.docx"
    result = run_formgen("render", "request", FIXTURE_FILE, "-o", out, "--templates", template.parent)
    assert result.exit_code == 2
    assert len(result.err_lines) == 2 and all(line.startswith(f"{template}: LỖI") for line in result.err_lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mau"]
    assert [p.name for p in template.parent.iterdir()] == ["request_state.docx"]


def test_render_checks_only_the_template_it_uses(tmp_path):
    folder = tmp_path / "mau"
    export_templates(folder)
    (folder / "report_state.docx").write_text("không phải docx", encoding="utf-8")
    out = tmp_path / "to-trinh.docx"
    formgen.render("request", formgen.load(FIXTURE_FILE), out, templates=folder)
    assert out.exists()
