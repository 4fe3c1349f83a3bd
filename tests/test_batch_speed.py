"""What batch speed must not cost: each kind × format renders the same text as docxtpl's own render, new lines and
tabs in a value included, and the manifest a large run rewrites every second stays small in memory."""
from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import docx
import pytest

import formgen
from formgen.documents import KINDS, Inputs, template_name
from formgen.manifest import Entry, Manifest
from formgen.rendering import CompiledTemplate, builtin_template, jinja_env
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
FIXTURES = [f"{folder}{kind}.yaml" for folder in ("", "party/") for kind in ("request", "escalation", "report", "annual")]


def _context(fixture: str, change=None):
    data = formgen.load(ROOT / "fixtures" / fixture)
    result = formgen.check(data)
    profile, calendar = formgen.load_profile().on((data.get("delegation") or {}).get("depart_on")), formgen.WorkCalendar()
    context = KINDS[result.kind].context(Inputs(data, profile, calendar, result.deadlines, result.limits))
    if change:
        change(context)
    return builtin_template(template_name(result.kind, data["issuer"]["style"])), context


def _both(tmp_path: Path, template: Path, context: dict) -> tuple[list[str], list[str]]:
    from docxtpl import DocxTemplate
    plain = DocxTemplate(str(template))
    plain.render(context, jinja_env=jinja_env(), autoescape=True)
    plain.save(tmp_path / "plain.docx")
    (tmp_path / "fast.docx").write_bytes(CompiledTemplate(template).render(context))
    return docx_lines(tmp_path / "fast.docx"), docx_lines(tmp_path / "plain.docx")


@pytest.mark.parametrize("fixture", FIXTURES)
def test_each_kind_and_format_renders_the_text_docxtpl_renders(tmp_path, fixture):
    template, context = _context(fixture)
    fast, plain = _both(tmp_path, template, context)
    assert fast == plain and len(fast) > 20


def _with_breaks(context: dict) -> None:
    context["purpose"] = "Học tập mô hình chuyển đổi số\ttại Sở Nội vụ\nvà trao đổi kinh nghiệm"


@pytest.mark.parametrize("fixture", ["request.yaml", "party/request.yaml"])
def test_a_value_with_a_new_line_and_a_tab_still_breaks_the_line_as_docxtpl_does(tmp_path, fixture):
    template, context = _context(fixture, _with_breaks)
    fast, plain = _both(tmp_path, template, context)
    assert fast == plain
    body = docx.Document(str(tmp_path / "fast.docx")).element.body.xml
    assert "<w:br/>" in body and "<w:tab/>" in body  # the line break and the tab are Word's, not raw characters


def test_a_letter_without_breaks_in_its_values_has_no_raw_control_character(tmp_path):
    template, context = _context("request.yaml")
    (tmp_path / "fast.docx").write_bytes(CompiledTemplate(template).render(context))
    lines = docx_lines(tmp_path / "fast.docx")
    assert not [line for line in lines if any(c in line for c in "\a\f")]


def _entries(n: int) -> list[Entry]:
    warning = ("P01 [policy] Văn bản viện dẫn quy định “hau-giang-2024” mà không có số, ký hiệu và ngày ban hành của "
               "quy định. Ghi number và signed (năm-tháng-ngày) trong hồ sơ quy định của đơn vị.")
    return [Entry(i, "written", outputs=[f"/ho-so/request-snv-2024-06-03-nguyen-van-a-{i}.docx"], codes=["P01"],
                  messages=[warning]) for i in range(1, n + 1)]


def test_rewriting_the_manifest_of_10000_rows_takes_no_copy_of_them_in_memory(tmp_path):
    manifest = Manifest("request", "bang.csv", entries=_entries(10_000))
    manifest.write(tmp_path)  # joins the folder's record first
    tracemalloc.start()
    manifest.write(tmp_path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2 * 2**20, f"{peak / 2**20:.1f} MB"  # the whole text of the rows is ~4 MB; a copy of them more
    doc = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert len(doc["rows"]) == 10_000 and doc["rows"][-1]["row"] == 10_000
    assert doc["rows"][0] == {"run": 1, "row": 1, "status": "written", "codes": ["P01"],
                              "outputs": ["/ho-so/request-snv-2024-06-03-nguyen-van-a-1.docx"],
                              "messages": manifest.entries[0].messages}


def test_a_run_keeps_one_copy_of_a_warning_every_row_repeats(tmp_path):
    from formgen.manifest import Names, Recorder
    manifest = Manifest("request", "bang.csv").join(tmp_path)
    recorder = Recorder(manifest, tmp_path, tmp_path, Names(tmp_path), (".docx",), None)
    for chunk in range(4):  # each chunk comes from a worker: equal texts, distinct objects
        recorder.add([Entry(i, "written", codes=["P01"], messages=["".join(["Cảnh báo ", "P01"])])
                      for i in range(chunk * 25, chunk * 25 + 25)])
    assert len({id(e.messages[0]) for e in manifest.entries}) == 1
    assert {e.messages[0] for e in manifest.entries} == {"Cảnh báo P01"}


def test_a_file_written_from_its_bytes_holds_them_with_the_umask_mode_and_leaves_no_temporary_file(tmp_path):
    import os
    from formgen.files import write_atomically
    out = write_atomically(tmp_path / "to-trinh.docx", b"PK\x03\x04 letter")
    assert out.read_bytes() == b"PK\x03\x04 letter"
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["to-trinh.docx"]


def _fast(tmp_path: Path, name: str, template: Path, context: dict) -> Path:
    path = tmp_path / name
    path.write_bytes(CompiledTemplate(template).render(context))
    return path


def test_letters_rendered_in_the_same_second_each_carry_their_own_issuer_and_subject(tmp_path):
    template, context = _context("request.yaml")
    first = _fast(tmp_path, "a.docx", template, context)
    other = dict(context, issuer_name="Sở Tài chính tỉnh Hậu Giang", subject="Về việc học tập mô hình kho bạc số")
    second = _fast(tmp_path, "b.docx", template, other)
    props = [docx.Document(str(p)).core_properties for p in (first, second)]
    assert props[0].author == context["issuer_name"] and props[1].author == "Sở Tài chính tỉnh Hậu Giang"
    assert props[1].title.endswith("về việc học tập mô hình kho bạc số") and props[0].title != props[1].title


def test_every_member_of_a_fast_letter_is_deflated_listed_once_and_passes_its_checksum(tmp_path):
    import zipfile
    template, context = _context("party/request.yaml")
    _fast(tmp_path, "a.docx", template, context)  # the second letter reuses what the first compressed
    with zipfile.ZipFile(_fast(tmp_path, "b.docx", template, context)) as z:
        names = z.namelist()
        assert z.testzip() is None
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
    assert names[0] == "[Content_Types].xml" and len(names) == len(set(names))
    assert {"word/document.xml", "docProps/core.xml"} <= set(names)
