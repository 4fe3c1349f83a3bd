"""The page as a văn thư checks it: what sits on which page, rules and marks, sizes, fonts (DOCX and PDF)."""
from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import docx
import pytest

import formgen
from formgen.deadlines import trip_deadlines
from formgen.documents import KINDS, Inputs, template_name
from formgen.policy import load_profile, trip_limits
from formgen.calendar import WorkCalendar
from formgen.pdf import Converter
from formgen.rendering import builtin_template, render_docx

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"
needs_pdf = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                               reason="LibreOffice (soffice) or poppler-utils (pdftotext) is not installed")
STYLES = {"state": FIX, "party": FIX / "party"}


def context(kind: str, data: dict) -> dict:
    """The template context of a document, with or without the rules' consent (the layout is under test)."""
    profile, calendar = load_profile(data["policy"]), WorkCalendar()
    return KINDS[kind].context(Inputs(trip=data, profile=profile, calendar=calendar,
                                      deadlines=trip_deadlines(data, profile, calendar),
                                      limits=trip_limits(data, profile)))


def sized(data: dict, members: int, stops: int) -> dict:
    """The fixture's delegation with `members` people besides the leader and `stops` destinations."""
    data = copy.deepcopy(data)
    d = data["delegation"]
    people = d["members"]
    d["members"] = [{**people[i % len(people)], "name": f"{people[i % len(people)]['name']} {i + 1}"}
                    for i in range(members)]
    d["stops"] = [d["stops"][i % len(d["stops"])] for i in range(stops)]
    return data


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, as pdftotext reads it."""
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout.replace("\u00a0", " ").split("\f")[:-1]


def last_page_with(pages: list[str], text: str) -> int:
    found = [i for i, page in enumerate(pages) if text in page]
    assert found, f"“{text}” is on no page"
    return found[-1] + 1


def variants(tmp_path: Path) -> dict[str, tuple[Path, dict]]:
    """Every kind in both formats: delegations of 1 to 10 members and 1 to 3 stops, annual reports of
    1 to 10 delegations."""
    docs = {}
    for style, folder in STYLES.items():
        for kind in ("request", "escalation", "report"):
            data = formgen.load(folder / f"{kind}.yaml")
            for members in range(1, 11):
                for stops in range(1, 4):
                    name = f"{kind}_{style}_{members:02d}_{stops}"
                    docs[name] = (kind, style, context(kind, sized(data, members, stops)))
        annual = formgen.load(folder / "annual.yaml")
        for count in range(1, 11):
            data = copy.deepcopy(annual)
            data["delegations"] = [copy.deepcopy(annual["delegations"][i % len(annual["delegations"])])
                                   for i in range(count)]
            docs[f"annual_{style}_{count:02d}"] = ("annual", style, context("annual", data))
    for style, folder in STYLES.items():  # the fixtures as they are, and a name that takes two lines
        for kind in KINDS:
            docs[f"fixture_{kind}_{style}"] = (kind, style, context(kind, formgen.load(folder / f"{kind}.yaml")))
        data = formgen.load(folder / "request.yaml")
        data["issuer"]["name"] = LONG_ISSUER
        docs[f"long_request_{style}"] = ("request", style, context("request", data))
    out = {}
    for name, (kind, style, ctx) in docs.items():
        path = render_docx(builtin_template(template_name(kind, style)), ctx, tmp_path / f"{name}.docx")
        out[name] = (path, ctx)
    return out


@pytest.fixture(scope="module")
def rendered_variants(tmp_path_factory):
    folder = tmp_path_factory.mktemp("variants")
    docs = variants(folder)
    with Converter() as converter:  # one LibreOffice run for all of them
        pdfs = converter.convert([path for path, _ in docs.values()])
    return {name: (pdf, ctx) for (name, (_, ctx)), pdf in zip(docs.items(), pdfs)}


LONG_ISSUER = "Sở Văn hóa, Thể thao và Du lịch"
CLOSING = "./."  # the body's last paragraph ends with it, in every kind


@needs_pdf
def test_the_signature_never_stands_alone_on_a_page(rendered_variants):
    alone = []
    for name, (pdf, ctx) in rendered_variants.items():
        pages = pdf_pages(pdf)
        where = (last_page_with(pages, CLOSING), last_page_with(pages, ctx["cc_heading"]),
                 last_page_with(pages, ctx["signer_name"]))
        if len(set(where)) != 1:
            alone.append(f"{name}: closing paragraph p.{where[0]}, Nơi nhận p.{where[1]}, signer p.{where[2]}")
    assert not alone, "\n".join(alone)


# --- marks, rules and sizes of the header (NĐ 30 Phụ lục I; HD 36) ------------------------------------


def pdf_lines(pdf: Path) -> list[tuple[str, float, float, float]]:
    """Every line of the first page as (text, left, right, top) in points, from pdftotext -bbox-layout."""
    done = subprocess.run(["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True, check=True)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", done.stdout))
    return [(" ".join(w.text or "" for w in line.findall("x:word", ns)), float(line.get("xMin")),
             float(line.get("xMax")), float(line.get("yMin"))) for line in root.iter(f"{{{ns['x']}}}line")]


def rule_under(lines, texts: list[str]) -> tuple[float, float]:
    """(the longest of the lines holding texts, the rule of low lines right under the last of them), in points."""
    rows = [line for line in lines if line[0].replace("\u00a0", " ") in texts]
    assert len(rows) == len(texts), (texts, [line[0] for line in lines])
    last = max(rows, key=lambda line: line[3])
    below = [line for line in lines if set(line[0]) == {"_"} and last[3] < line[3] < last[3] + 30
             and last[1] <= (line[1] + line[2]) / 2 <= last[2]]
    assert below, f"no rule under {texts[-1]!r}"
    rule = min(below, key=lambda line: line[3])
    return max(line[2] - line[1] for line in rows), rule[2] - rule[1]


def shown_lines(pdf: Path, start: str, stop: str) -> list[str]:
    """The lines of page 1 from the one starting with start to the one before the one starting with stop."""
    texts = [line[0].replace("\u00a0", " ") for line in pdf_lines(pdf)]
    first = next(i for i, t in enumerate(texts) if t.startswith(start))
    last = next(i for i, t in enumerate(texts) if i > first and t.startswith(stop))
    return texts[first:last]


@needs_pdf
@pytest.mark.parametrize("name", [f"fixture_{k}_state" for k in KINDS])
def test_state_rules_are_a_third_to_a_half_of_the_issuer_and_the_subject(rendered_variants, name):
    pdf, ctx = rendered_variants[name]
    lines = pdf_lines(pdf)
    issuer_lines = [t for t, *_ in lines if t and t in ctx["issuer"] and t not in ctx["parent"]]
    text, rule = rule_under(lines, issuer_lines)
    assert text / 3 <= rule <= text / 2, (issuer_lines, text, rule)
    subject = shown_lines(pdf, ctx["subject"].split()[0], "_")
    assert " ".join(subject) == ctx["subject"]
    text, rule = rule_under(lines, subject)
    assert text / 3 <= rule <= text / 2, (subject, text, rule)
    text, rule = rule_under(lines, [ctx["motto"]])  # under the Tiêu ngữ: as long as it
    assert abs(text - rule) <= 6, (text, rule)


@needs_pdf
def test_a_two_line_issuer_gets_a_rule_sized_to_its_longest_line(rendered_variants):
    pdf, ctx = rendered_variants["long_request_state"]
    lines = pdf_lines(pdf)
    names = [t for t, *_ in lines if t and t in ctx["issuer"]]
    assert len(names) == 2 and " ".join(names) == ctx["issuer"], names  # two lines in the issuer's column
    text, rule = rule_under(lines, names)
    assert text / 3 <= rule <= text / 2, (text, rule)
    whole = sum(right - left for t, left, right, _ in lines if t in names)
    assert rule < whole / 3  # measured on the longest line, not on the two lines end to end


@needs_pdf
@pytest.mark.parametrize("kind", list(KINDS))
def test_the_party_format_has_five_hyphens_under_the_subject_and_a_star_under_the_committee(rendered_variants,
                                                                                           kind):
    pdf, ctx = rendered_variants[f"fixture_{kind}_party"]
    texts = [line[0] for line in pdf_lines(pdf)]
    below = texts.index(ctx["issuer"]) + 1
    assert texts[below] == "*"
    subject = shown_lines(pdf, ctx["subject"].split()[0], "-----")
    assert " ".join(subject) == ctx["subject"]  # the trích yếu, then the hyphens right under it
    assert "-----" in texts
    document = docx.Document(str(pdf.with_suffix(".docx")))
    assert not document.element.body.xpath(".//w:pBdr"), "a ruled line instead of the hyphens"


@needs_pdf
def test_no_subject_line_ends_on_a_lone_word(rendered_variants):
    alone = []
    for name, (pdf, ctx) in rendered_variants.items():
        if not name.startswith(("fixture_", "long_")):
            continue
        mark = "-----" if "_party" in name else "_"
        subject = shown_lines(pdf, ctx["subject"].split()[0], mark)
        if len(subject) > 1 and len(subject[-1].split()) < 2:
            alone.append(f"{name}: {subject}")
    assert not alone, alone


def run_sizes(path: Path, text: str) -> set[float]:
    """The sizes, in points, of the runs of the paragraph that reads text (in the body or a table)."""
    found = set()
    for p in docx.Document(str(path)).element.body.iter(docx.oxml.ns.qn("w:p")):
        para = docx.text.paragraph.Paragraph(p, None)
        if para.text == text:
            found |= {r.font.size.pt for r in para.runs if r.text.strip()}
    assert found, f"no paragraph reads {text!r}"
    return found


@needs_pdf
@pytest.mark.parametrize("kind", list(KINDS))
def test_quoc_hieu_tieu_ngu_and_date_line_are_one_of_the_pairs_phu_luc_i_allows(rendered_variants, kind):
    pdf, ctx = rendered_variants[f"fixture_{kind}_state"]
    docx_path = pdf.with_suffix(".docx")
    (national,), (motto,), (date,) = (run_sizes(docx_path, ctx[k]) for k in ("national", "motto", "date_line"))
    assert (national, motto) in {(12, 13), (13, 14)} and date == motto, (national, motto, date)
    national_line = next(line for line in pdf_lines(pdf) if line[0] == ctx["national"])
    assert national_line  # the Quốc hiệu stays on one line at that size


# --- the annual report's table ---------------------------------------------------------------------


def table_with(path: Path, heading: str):
    return next(t for t in docx.Document(str(path)).tables if heading in [c.text for c in t.rows[0].cells])


@needs_pdf
@pytest.mark.parametrize("style", list(STYLES))
def test_annual_totals_stand_under_their_columns_and_money_is_right_aligned(rendered_variants, style):
    pdf, ctx = rendered_variants[f"annual_{style}_03"]
    table = table_with(pdf.with_suffix(".docx"), "Kinh phí (đồng)")
    heads = [c.text for c in table.rows[0].cells]
    total = [c.text for c in table.rows[-1].cells]
    assert total[heads.index("Số người")] == ctx["total_people"]
    assert total[heads.index("Kinh phí (đồng)")] == ctx["total_amount"]
    assert total[heads.index("STT")].startswith("Tổng cộng") and total[heads.index("Trưởng đoàn")] == ""
    lines = pdf_lines(pdf)
    amounts = [r["amount"] for r in ctx["rows"]] + [ctx["total_amount"]]
    right_edges = {round(right) for text, left, right, top in lines if text in amounts}
    assert len(right_edges) == 1, right_edges  # every amount, the total too, ends at the column's right edge
    head = next(line for line in lines if line[0] == "Số")  # "Số người", on two lines
    people = [line for line in lines if line[0] == ctx["total_people"]]
    assert people and head[1] - 20 <= people[-1][1] <= head[2] + 20  # the people total under "Số người"


@needs_pdf
@pytest.mark.parametrize("style", list(STYLES))
def test_the_annual_report_has_the_assessment_and_proposals_sections_in_both_formats(rendered_variants, style):
    pdf, ctx = rendered_variants[f"fixture_annual_{style}"]
    text = "\n".join(pdf_pages(pdf))
    assert "3. Đánh giá chung" in text and "4. Đề xuất, kiến nghị" in text
    assert ctx["summary"][0][:40] in text and ctx["proposals"][0][:40] in text


# --- fonts of the PDF ------------------------------------------------------------------------------


@needs_pdf
@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils (pdffonts) is not installed")
def test_the_pdf_embeds_a_serif_font_for_every_text(rendered_variants):
    for name in ("fixture_request_state", "fixture_annual_party"):
        pdf, _ = rendered_variants[name]
        rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
        assert rows
        for row in rows:
            family, emb = row.split()[0].split("+")[-1], row.split()[-5]
            assert family.startswith(("TimesNewRoman", "LiberationSerif")) and emb == "yes", row


def test_the_substitute_font_is_named_once_in_a_run_of_several_pdfs(tmp_path):
    """A batch of three letters with --pdf on two workers: one warning line, naming both fonts (none at all
    when Times New Roman is installed: then the PDF carries it)."""
    from formgen.pdf import house_font_substitute
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    table = tmp_path / "doan.csv"
    lines = (FIX / "batch" / "requests.csv").read_text(encoding="utf-8-sig").splitlines()
    table.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "FORMGEN_FONT_NOTED"}
    done = subprocess.run([sys.executable, "-m", "formgen", "batch", "request", str(table), "-o", str(tmp_path / "out"),
                           "--pdf", "--jobs", "2"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    assert len(list((tmp_path / "out").glob("*.pdf"))) >= 1
    noted = [line for line in done.stderr.splitlines() if "Times New Roman" in line]
    substitute = house_font_substitute()
    if substitute:
        assert len(noted) == 1 and substitute in noted[0], done.stderr
    else:
        assert noted == [], done.stderr


def test_no_warning_when_times_new_roman_is_installed(monkeypatch, caplog):
    from formgen import pdf
    monkeypatch.delenv(pdf.ENV_FONT_NOTED, raising=False)
    monkeypatch.setattr(pdf, "house_font_substitute", lambda: None)
    pdf.note_font_substitution()
    assert "Times New Roman" not in caplog.text


def test_the_warning_is_given_once_per_process(monkeypatch, caplog):
    from formgen import pdf
    monkeypatch.delenv(pdf.ENV_FONT_NOTED, raising=False)
    monkeypatch.setattr(pdf, "house_font_substitute", lambda: "Liberation Serif")
    for _ in range(3):
        pdf.note_font_substitution()
    assert caplog.text.count("Liberation Serif") == 1


# --- a new guideline is a format file ----------------------------------------------------------------


def test_a_new_party_guideline_is_a_format_file_and_renders_with_no_code_change(tmp_path, monkeypatch):
    guideline = Path(__file__).parent / "formats" / "party-2026"
    env = {**os.environ, "FORMGEN_FORMATS": str(guideline)}
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_templates.py"), str(tmp_path / "mau")], check=True,
                   capture_output=True, env=env)
    monkeypatch.setenv("FORMGEN_FORMATS", str(guideline))
    out = formgen.render("request", formgen.load(FIX / "party" / "request.yaml"), tmp_path / "tt.docx",
                         templates=tmp_path / "mau").outputs[0]
    document = docx.Document(str(out))
    paras = {p.text.replace("\u00a0", " "): p for p in document.paragraphs}
    cells = {p.text: p for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs}
    assert "Kính trình: Ban Thường vụ Tỉnh ủy." in paras
    assert not any(t.startswith("Kính gửi") for t in paras)
    for title in ("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"):                      # the signer's title, not bold
        assert [r.bold for r in cells[title].runs] in ([None], [False]), title
    assert [r.bold for r in cells["Nguyễn Thị Mỹ Linh"].runs] == [True]       # the name still bold
    assert "- Lưu Văn phòng." in cells and not any("Lưu:" in t for t in cells)
    body = paras["1. Mục đích"].paragraph_format
    assert body.line_spacing_rule == docx.enum.text.WD_LINE_SPACING.EXACTLY and body.line_spacing.pt == 18
    monkeypatch.delenv("FORMGEN_FORMATS")  # the shipped format is untouched
    shipped = docx.Document(str(formgen.render("request", formgen.load(FIX / "party" / "request.yaml"),
                                               tmp_path / "tt-hd36.docx").outputs[0]))
    assert "Kính gửi: Ban Thường vụ Tỉnh ủy." in [p.text for p in shipped.paragraphs]


# --- the widths of the machine's fonts, read without reportlab (issue 17 item 1) ------------------------------


def test_the_shipped_widths_of_every_installed_font_file_are_the_ones_reportlab_reads():
    from formgen import layout
    from formgen.fontconfig import fc_match as _fc_match
    from formgen.vn import upper
    checked = []
    for pattern in ("Times New Roman", "Times New Roman:bold"):
        found = _fc_match(pattern)
        known = layout._shipped().get(layout.file_digest(found.read_bytes()))
        if known is None:  # another font build than the table's: reportlab measures it (tested below)
            pytest.skip(f"{found} is not in formgen/font_widths.json: run python tools/build_font_widths.py")
        parsed = layout.parsed_widths(found)
        assert known == {"file": found.name, **json_roundtrip(parsed.as_dict())}
        shipped = layout.Widths({int(c): w for c, w in known["widths"].items()}, known["default"])
        for text in ("ỦY BAN NHÂN DÂN TỈNH HẬU GIANG", "Độc lập - Tự do - Hạnh phúc", "Về việc cử đoàn đi học tập “ngoài”",
                     upper("Sở Tài nguyên và Môi trường") + " \u00a0ẪẬẰẲẴẶ–—…", "_" * 40, "日本"):
            from reportlab.pdfbase.ttfonts import TTFont
            for size in (10, 13, 14):
                assert shipped.string_width(text, size) == TTFont("check", str(found)).stringWidth(text, size)
        checked.append(found)
    assert checked


def json_roundtrip(value):
    import json
    return json.loads(json.dumps(value))


def test_a_font_file_the_table_does_not_know_is_measured_by_reportlab(tmp_path, monkeypatch):
    from formgen import layout
    from formgen.fontconfig import fc_match as _fc_match
    real = _fc_match("Times New Roman:bold")
    other = tmp_path / "other.ttf"
    other.write_bytes(real.read_bytes() + b"\0\0\0\0")  # the same glyphs, other bytes: not the file in the table
    monkeypatch.setattr(layout, "fc_match_all", lambda *families: [other] * len(families))
    layout._metrics.cache_clear()
    layout._font_files.cache_clear()
    parsed = []
    monkeypatch.setattr(layout, "parsed_widths", lambda path: parsed.append(path) or layout.Widths({}, 500.0))
    try:
        assert layout.text_width("ABC", 10, bold=True) == 15.0 and parsed == [other]
    finally:
        layout._metrics.cache_clear()
        layout._font_files.cache_clear()


def test_fontconfig_asked_ahead_answers_the_first_rule_without_asking_again(tmp_path, monkeypatch):
    from formgen import layout
    from formgen.fontconfig import fc_match_all
    asked = []
    monkeypatch.setattr(layout, "fc_match_all", lambda *families: asked.append(families) or fc_match_all(*families))
    layout._metrics.cache_clear()
    layout._font_files.cache_clear()
    try:
        layout.prefetch_fonts()
        width = layout.text_width("ABC", 10, bold=True)
        assert asked == [("Times New Roman", "Times New Roman:bold")]
        layout._metrics.cache_clear()
        layout._font_files.cache_clear()
        assert layout.text_width("ABC", 10, bold=True) == width and len(asked) == 2  # the same answer asked now
    finally:
        layout._metrics.cache_clear()
        layout._font_files.cache_clear()


def test_fontconfig_asked_ahead_by_another_function_is_asked_again_the_current_way(tmp_path, monkeypatch):
    from formgen import layout
    layout._metrics.cache_clear()
    layout._font_files.cache_clear()
    try:
        layout.prefetch_fonts()  # the real fc-match
        other = tmp_path / "other.ttf"
        monkeypatch.setattr(layout, "fc_match_all", lambda *families: [other] * len(families))
        assert layout._font_files("Times New Roman") == (other, other)
    finally:
        layout._metrics.cache_clear()
        layout._font_files.cache_clear()
