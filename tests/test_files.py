"""Files a colleague can open: compressed, lean, truthful properties, the user's file mode, honest names."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from reportlab.pdfgen import canvas

import formgen
from formgen.batch import run_batch
from formgen.cli import main
from formgen.errors import EnvironmentFailed
from formgen.files import write_atomically
from formgen.register import Register
from formgen.templates import builtin_templates, export_templates

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"
# every kind in both formats: fixtures/<kind>.yaml is a state body, fixtures/party/<kind>.yaml a Party one
FIXTURES = sorted([*FIX.glob("*.yaml"), *(FIX / "party").glob("*.yaml")])
LETTER_LIMIT = 60 * 1024
from formgen import rendering as RENDER_MODULE
WORD_MEMBERS = {"word/stylesWithEffects.xml", "docProps/thumbnail.jpeg"}


def render_fixture(fixture: Path, out: Path, **kw) -> Path:
    data = formgen.load(fixture)
    return formgen.render(formgen.check(data).kind, data, out, **kw).outputs[0]


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder this process cannot write into: mode 0555, and for root (whom modes do not stop) immutable."""
    folder = tmp_path / "chi-doc"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = False
    if os.access(folder, os.W_OK):  # root
        immutable = shutil.which("chattr") is not None and subprocess.run(
            ["chattr", "+i", str(folder)], capture_output=True).returncode == 0
        if not immutable:
            folder.chmod(0o755)
            pytest.skip("running as root on a file system without chattr +i: no folder is read-only here")
    yield folder
    if immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


@pytest.fixture(params=[0o022, 0o027], ids=["umask-022", "umask-027"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def expected_mode(umask: int) -> int:
    return 0o666 & ~umask


# --- compression and lean templates -------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_rendered_letter_is_deflated_like_words_own_and_under_60_kb(tmp_path, fixture):
    out = render_fixture(fixture, tmp_path / "letter.docx")
    assert out.stat().st_size <= LETTER_LIMIT, f"{out.stat().st_size} bytes"
    with zipfile.ZipFile(out) as z:
        stored = [i.filename for i in z.infolist() if i.compress_type != zipfile.ZIP_DEFLATED]
        assert stored == [] and not WORD_MEMBERS & set(z.namelist())
    assert docx.Document(str(out)).paragraphs  # python-docx (as Word) opens it


@pytest.mark.parametrize("template", builtin_templates(), ids=lambda p: p.name)
def test_a_shipped_template_keeps_only_the_styles_its_document_uses(template):
    with zipfile.ZipFile(template) as z:
        names = set(z.namelist())
        styles = docx.oxml.parse_xml(z.read("word/styles.xml"))
        used = {el.get(qn("w:val")) for name in names if name.startswith("word/") and name.endswith(".xml")
                and name != "word/styles.xml"
                for el in docx.oxml.parse_xml(z.read(name)).iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))}
    assert not WORD_MEMBERS & names
    defined = {s.get(qn("w:styleId")): s for s in styles.iter(qn("w:style"))}
    needed = used | {i for i, s in defined.items() if s.get(qn("w:default")) == "1"}
    for style in [defined[i] for i in list(needed) if i in defined]:
        needed |= {ref.get(qn("w:val")) for ref in style.iter(qn("w:basedOn"), qn("w:link"), qn("w:next"))}
    assert set(defined) <= needed, f"unused styles: {sorted(set(defined) - needed)}"
    assert used <= set(defined)  # nothing the document names was dropped


# --- core properties ------------------------------------------------------------------------------


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "docxtpl"])
def test_the_letter_carries_its_title_its_issuer_as_author_and_the_time_it_was_rendered(tmp_path, monkeypatch,
                                                                                         compiled):
    if not compiled:  # the path of templates with column loops {%tc %} or images: docxtpl's own render
        monkeypatch.setattr(RENDER_MODULE, "_compiled", lambda *args: None)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    out = render_fixture(FIX / "request.yaml", tmp_path / "letter.docx")
    after = dt.datetime.now(dt.timezone.utc)
    props = docx.Document(str(out)).core_properties
    assert props.title == "Tờ trình về việc xin ý kiến tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh"
    assert props.author == props.last_modified_by == "Sở Nội vụ"
    assert before <= props.created.replace(tzinfo=dt.timezone.utc) <= after
    assert before <= props.modified.replace(tzinfo=dt.timezone.utc) <= after
    assert "python-docx" not in (props.comments or "") and props.revision == 1
    with zipfile.ZipFile(out) as z:  # either path, compressed
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
    assert out.stat().st_size <= LETTER_LIMIT


def test_a_party_report_is_titled_after_its_places_and_authored_by_its_committee(tmp_path):
    data = formgen.load(FIX / "party" / "report.yaml")
    props = docx.Document(str(render_fixture(FIX / "party" / "report.yaml", tmp_path / "bc.docx"))).core_properties
    assert props.title.startswith("Báo cáo kết quả đoàn đi học tập")
    assert props.author == data["issuer"]["name"]


# --- file modes -----------------------------------------------------------------------------------


def simple_pdf(path: Path) -> Path:
    c = canvas.Canvas(str(path))
    c.drawString(100, 700, "To trinh so 05/TTr-SNV")
    c.save()
    return path


def _register_export(tmp_path, suffix):
    with Register(tmp_path / "so.sqlite") as reg:
        reg.add(formgen.load(FIX / "report.yaml"), str(FIX / "report.yaml"))
        reg.export_table(tmp_path / f"so{suffix}")
    return [tmp_path / f"so{suffix}"]


def _batch(tmp_path):
    run_batch("request", FIX / "batch" / "requests.csv", tmp_path / "b", jobs=1)
    return sorted((tmp_path / "b").iterdir())  # the documents, manifest.json and manifest.csv


def _annual_all(tmp_path):
    db, meta = tmp_path / "so.sqlite", tmp_path / "meta.yaml"
    with Register(db) as reg:
        reg.add(formgen.load(FIX / "report.yaml"), str(FIX / "report.yaml"))
    meta.write_text("annual:\n  number: 245\n  date: 2024-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n",
                    encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["annual", "--year", "2024", "--all", "--meta", str(meta), "-o", str(tmp_path / "all"),
              "--register", str(db)])
    assert done.value.code == 0
    return sorted((tmp_path / "all").iterdir())  # the reports and the manifest


WRITERS = {
    "render docx": lambda tmp: [render_fixture(FIX / "request.yaml", tmp / "a.docx")],
    "stamp pdf": lambda tmp: [formgen.stamp(simple_pdf(tmp / "in.pdf"), tmp / "s.pdf",
                                            trip=formgen.load(FIX / "request.yaml"))],
    "register export csv": lambda tmp: _register_export(tmp, ".csv"),
    "register export xlsx": lambda tmp: _register_export(tmp, ".xlsx"),
    "batch documents and manifest": lambda tmp: _batch(tmp),
    "templates export": lambda tmp: export_templates(tmp / "mau"),
    "annual every unit and manifest": _annual_all,
}


@pytest.mark.parametrize("writer", WRITERS)
def test_every_file_formgen_writes_gets_the_mode_the_users_umask_gives(tmp_path, umask, writer):
    written = WRITERS[writer](tmp_path)
    assert written
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == expected_mode(umask), f"{path.name}: {oct(path.stat().st_mode)}"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_the_pdf_from_libreoffice_gets_the_umask_mode_as_well(tmp_path, umask):
    outputs = formgen.render("request", formgen.load(FIX / "request.yaml"), tmp_path / "a.docx", pdf=True).outputs
    assert [p.suffix for p in outputs] == [".docx", ".pdf"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in outputs} == {expected_mode(umask)}


def test_an_overwritten_file_gets_the_umask_mode_not_a_private_one(tmp_path, umask):
    out = tmp_path / "a.docx"
    out.write_bytes(b"old")
    write_atomically(out, lambda tmp: Path(tmp).write_bytes(b"new"), overwrite=True)
    assert out.read_bytes() == b"new" and stat.S_IMODE(out.stat().st_mode) == expected_mode(umask)


# --- a folder the machine will not let formgen write -----------------------------------------------


def test_writing_into_a_read_only_folder_is_an_environment_failure_naming_the_file(read_only_folder):
    out = read_only_folder / "a.docx"
    with pytest.raises(EnvironmentFailed) as err:
        write_atomically(out, lambda tmp: Path(tmp).write_bytes(b"x"))
    assert err.value.message == f"Không ghi được tệp {out}: không có quyền ghi vào thư mục {read_only_folder}."
    assert list(read_only_folder.iterdir()) == []
