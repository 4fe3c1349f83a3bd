"""DOCX → PDF through LibreOffice: real conversions, and the failures a machine can have."""
from __future__ import annotations

import shutil
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

import formgen
from formgen.errors import EnvironmentFailed
from formgen.pdf import Converter, docx_to_pdf, find_soffice

ROOT = Path(__file__).parent.parent
needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                                       reason="LibreOffice (soffice) or poppler-utils (pdftotext) is not installed")


def pdf_text(path: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())


def letter(tmp_path: Path, name: str = "to-trinh.docx") -> Path:
    out = tmp_path / name
    formgen.render("request", formgen.load(ROOT / "fixtures" / "request.yaml"), out)
    return out


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its new parent to reap it."""
    for _ in range(20):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True


def fake_soffice(tmp_path: Path, body: str) -> Path:
    """A stand-in program for the failures real LibreOffice has rarely: hangs, crashes, half files."""
    script = tmp_path / "fake-soffice"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@needs_libreoffice
def test_the_pdf_holds_the_letter_text(tmp_path):
    pdf = docx_to_pdf(letter(tmp_path))
    assert pdf == tmp_path / "to-trinh.pdf"
    text = pdf_text(pdf)
    assert "Hậu Giang, ngày 20 tháng 5 năm 2024" in text
    for name in ("Nguyễn Văn An", "Trần Thị Bích Ngọc", "Đặng Ngọc Ánh"):
        assert name in text
    assert "Số: 05/TTr-SNV" in text


@needs_libreoffice
def test_many_documents_convert_in_one_libreoffice_run(tmp_path):
    docs = [letter(tmp_path, f"letter-{i}.docx") for i in range(4)]
    calls = []
    real = subprocess.Popen

    def counting(cmd, *a, **kw):
        calls.append(cmd)
        return real(cmd, *a, **kw)

    with Converter() as converter:
        subprocess.Popen, saved = counting, subprocess.Popen
        try:
            pdfs = converter.convert(docs, tmp_path / "pdf")
        finally:
            subprocess.Popen = saved
    assert len(calls) == 1
    assert [p.name for p in pdfs] == [f"letter-{i}.pdf" for i in range(4)]
    assert all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)


@needs_libreoffice
def test_two_converters_at_once_do_not_collide(tmp_path):
    docs = [letter(tmp_path, "a.docx"), letter(tmp_path, "b.docx")]
    results, errors = {}, []

    def work(doc):
        try:
            with Converter() as converter:
                results[doc.name] = converter.convert([doc], tmp_path / doc.stem)[0]
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(pdf_text(p).startswith("UBND TỈNH HẬU GIANG") for p in results.values())


def test_missing_libreoffice_is_an_environment_failure_naming_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("FORMGEN_SOFFICE", raising=False)
    monkeypatch.setattr("formgen.pdf.USUAL_PLACES", ())
    monkeypatch.setattr("formgen.pdf.Path.glob", lambda self, pattern: iter(()))
    with pytest.raises(EnvironmentFailed) as err:
        find_soffice()
    assert err.value.exit_code == 3
    assert "libreoffice-writer-nogui" in err.value.message


def test_an_explicit_soffice_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(EnvironmentFailed) as err:
        Converter(tmp_path / "khong-co-soffice")
    assert "khong-co-soffice" in err.value.message


def test_a_hung_conversion_is_killed_with_its_children_and_leaves_no_pdf(tmp_path):
    pids = tmp_path / "pids"
    fake = fake_soffice(tmp_path, f"sleep 300 &\necho $! > {pids}\nwait\n")
    doc = tmp_path / "letter.docx"
    doc.write_bytes(b"not used")
    started = time.monotonic()
    with pytest.raises(EnvironmentFailed) as err:
        Converter(fake, timeout=1).convert([doc])
    assert time.monotonic() - started < 30  # one try and one retry, each cut at one second
    assert "treo" in err.value.message and "letter.docx" in err.value.message
    child = int(pids.read_text().split()[0])
    assert not alive(child)  # the background child died with its group
    assert not (tmp_path / "letter.pdf").exists()


def test_a_crashed_run_is_retried_in_a_fresh_libreoffice(tmp_path):
    marker = tmp_path / "crashed-once"
    fake = fake_soffice(tmp_path, f"""
if [ ! -e {marker} ]; then touch {marker}; exit 134; fi
for last; do :; done
outdir=""; prev=""
for a; do [ "$prev" = "--outdir" ] && outdir="$a"; prev="$a"; done
name=$(basename "$last" .docx)
printf '%%PDF-1.4\\n%%%%EOF\\n' > "$outdir/$name.pdf"
""")
    doc = tmp_path / "letter.docx"
    doc.write_bytes(b"x")
    (pdf,) = Converter(fake).convert([doc])
    assert marker.exists() and pdf.read_bytes().startswith(b"%PDF-")


def test_a_half_written_pdf_is_never_delivered(tmp_path):
    fake = fake_soffice(tmp_path, """
prev=""; for a; do [ "$prev" = "--outdir" ] && outdir="$a"; prev="$a"; done
printf '%%PDF-1.4\\n1 0 obj' > "$outdir/letter.pdf"
""")
    doc = tmp_path / "letter.docx"
    doc.write_bytes(b"x")
    with pytest.raises(EnvironmentFailed):
        Converter(fake).convert([doc])
    assert not (tmp_path / "letter.pdf").exists()
    assert not list(tmp_path.glob("*.part"))


@needs_libreoffice
def test_render_pdf_writes_the_docx_and_its_pdf(tmp_path, run_formgen):
    result = run_formgen("render", "request", ROOT / "fixtures" / "request.yaml", "-o", tmp_path / "tt.docx", "--pdf")
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tt.docx", "tt.pdf"]
    assert "Độc lập - Tự do - Hạnh phúc" in pdf_text(tmp_path / "tt.pdf")


def test_render_pdf_without_libreoffice_exits_3_and_writes_nothing(tmp_path, run_formgen):
    result = run_formgen("render", "request", ROOT / "fixtures" / "request.yaml", "-o", tmp_path / "tt.docx", "--pdf",
                         "--soffice", tmp_path / "khong-co")
    assert result.exit_code == 3
    assert len(result.err_lines) == 1 and "libreoffice-writer-nogui" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@needs_libreoffice
def test_the_pdf_uses_one_serif_family_for_all_vietnamese_letters(tmp_path):
    """A font without Vietnamese letters makes LibreOffice patch them from another family: a văn thư sees it."""
    from pypdf import PdfReader
    pdf = docx_to_pdf(letter(tmp_path))
    fonts = set()
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts and all(f.startswith(("LiberationSerif", "TimesNewRoman")) for f in fonts), fonts
