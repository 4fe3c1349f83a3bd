"""Signing formgen's PDFs where NĐ 30/2020 puts the signatures, and verifying them (formgen/signing.py)."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT
from formgen import InvalidInput, sign, verify
from formgen.signing import ENV_PASSWORD

PASSWORD = "mật-khẩu-2024"
SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")


# --- a CA of the tests' own, a person and an agency ----------------------------------------------


class Pki:
    """A root CA and two end-entity certificates under it, each as a PKCS#12 file."""

    def __init__(self, folder: Path):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.serialization import pkcs12
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        self.folder = folder
        now = dt.datetime.now(dt.timezone.utc)

        def name(cn, org):
            return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                              x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                              x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        def cert(subject, key, issuer, issuer_key, ca):
            builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                       .public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                       .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                       .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
            if ca:
                builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                                              False), critical=True)
            else:
                builder = builder.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                                              False), critical=True)
                builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                                                critical=False)
            return builder.sign(issuer_key, hashes.SHA256())

        self.ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_name = name("CA thử nghiệm formgen", "Tổ chức chứng thực thử nghiệm")
        self.ca = cert(ca_name, self.ca_key, ca_name, self.ca_key, True)
        self.ca_pem = folder / "ca.pem"
        self.ca_pem.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))
        self.keys, self.certs, self.p12 = {}, {}, {}
        for role, cn in (("person", "Nguyễn Văn An"), ("agency", "Sở Nội vụ tỉnh Hậu Giang")):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.keys[role], self.certs[role] = key, cert(name(cn, "Sở Nội vụ tỉnh Hậu Giang"), key, ca_name,
                                                          self.ca_key, False)
            self.p12[role] = folder / f"{role}.p12"
            self.p12[role].write_bytes(pkcs12.serialize_key_and_certificates(
                role.encode(), key, self.certs[role], [self.ca],
                serialization.BestAvailableEncryption(PASSWORD.encode())))


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


def _render(tmp: Path, fixture: Path) -> Path:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: signing needs a rendered PDF")
    from formgen import load, render
    result = render("request", load(fixture), tmp / "to-trinh.docx", pdf=True)
    return result.outputs[-1]


@pytest.fixture(scope="module")
def state_pdf(tmp_path_factory) -> Path:
    """The state fixture's Tờ trình as formgen renders it (its signature block is on page 2)."""
    return _render(tmp_path_factory.mktemp("state"), ROOT / "fixtures" / "request.yaml")


@pytest.fixture(scope="module")
def party_pdf(tmp_path_factory) -> Path:
    return _render(tmp_path_factory.mktemp("party"), ROOT / "fixtures" / "party" / "request.yaml")


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, Path]:
    """A blue signature and a red round seal, PNG with a transparent background."""
    from PIL import Image, ImageDraw
    folder = tmp_path_factory.mktemp("images")
    signature = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(signature).line([(10, 90), (80, 20), (150, 100), (290, 30)], fill=(0, 40, 200, 255), width=8)
    seal = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(seal).ellipse([5, 5, 295, 295], outline=(220, 0, 0, 255), width=14)
    paths = {"person": folder / "chu-ky.png", "agency": folder / "con-dau.png"}
    signature.save(paths["person"])
    seal.save(paths["agency"])
    return paths


def _sign_both(tmp: Path, pki: Pki, src: Path, images=None) -> tuple[Path, Path]:
    first = tmp / "ca-nhan.pdf"
    sign(src, first, p12=pki.p12["person"], password=PASSWORD, role="person",
         image=images["person"] if images else None)
    both = tmp / "da-ky.pdf"
    sign(first, both, p12=pki.p12["agency"], password=PASSWORD, role="agency",
         image=images["agency"] if images else None)
    return first, both


def _pyhanko_statuses(path: Path, pki: Pki) -> list:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    with open(path, "rb") as f:
        reader = PdfFileReader(f)
        context = ValidationContext(trust_roots=[load_cert_from_pemder(str(pki.ca_pem))])
        return [validate_pdf_signature(s, context) for s in reader.embedded_signatures]


def _pdfsig(path: Path) -> str:
    if shutil.which("pdfsig") is None:
        pytest.skip("poppler's pdfsig is not installed (Debian: poppler-utils)")
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    return done.stdout + done.stderr


# --- signing as person, then agency --------------------------------------------------------------


def test_a_letter_signed_by_the_person_then_the_agency_has_two_valid_trusted_signatures(tmp_path, pki, state_pdf):
    first, both = _sign_both(tmp_path, pki, state_pdf)
    statuses = _pyhanko_statuses(both, pki)
    assert len(statuses) == 2
    assert all(s.intact and s.valid and s.trusted for s in statuses)
    assert both.read_bytes().startswith(first.read_bytes())  # the agency's signature is an incremental update
    report = _pdfsig(both)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert "Nguyễn Văn An" in report and "Sở Nội vụ tỉnh Hậu Giang" in report


def test_verify_names_each_signer_and_role_and_trusts_the_given_root(tmp_path, pki, state_pdf):
    _, both = _sign_both(tmp_path, pki, state_pdf)
    result = verify(both, trust=[pki.ca_pem])
    assert result.exit_code == 0
    checks = [(s.role, s.signer, s.intact, s.valid, s.trusted, s.changed_after) for s in result.signatures]
    assert checks == [("person", "Nguyễn Văn An", True, True, True, "signatures"),
                      ("agency", "Sở Nội vụ tỉnh Hậu Giang", True, True, True, "none")]
    assert all(s.time.endswith("+07:00") for s in result.signatures)


def test_a_signature_from_another_root_is_not_trusted(tmp_path, pki, state_pdf, tmp_path_factory):
    stranger = Pki(tmp_path_factory.mktemp("stranger"))
    signed = tmp_path / "ky.pdf"
    sign(state_pdf, signed, p12=stranger.p12["person"], password=PASSWORD, role="person")
    result = verify(signed, trust=[pki.ca_pem])
    assert (result.exit_code, result.signatures[0].trusted, result.signatures[0].intact) == (1, False, True)


def test_one_byte_changed_in_the_signed_letter_fails_verification(tmp_path, pki, state_pdf, run_formgen):
    _, both = _sign_both(tmp_path, pki, state_pdf)
    data = bytearray(both.read_bytes())
    at = data.index(b"stream", 2000) + 20  # a byte inside a signed content stream of the first revision
    data[at] ^= 0x01
    broken = tmp_path / "sua.pdf"
    broken.write_bytes(bytes(data))
    result = run_formgen("verify", broken, "--trust", pki.ca_pem)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "toàn vẹn: KHÔNG" in result.stdout
    assert "Signature is Valid" not in _pdfsig(broken).split("Signature #2")[0]


@pytest.mark.parametrize("tail", [b"garbage after the end\n", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
                                  b"\x00" * 16])
def test_bytes_appended_after_the_last_signature_fail_verification(tail, tmp_path, pki, state_pdf, run_formgen):
    _, both = _sign_both(tmp_path, pki, state_pdf)
    tampered = tmp_path / "them.pdf"
    tampered.write_bytes(both.read_bytes() + tail)
    result = run_formgen("verify", tampered, "--trust", pki.ca_pem)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stdout.count("sửa sau khi ký: CÓ — có dữ liệu lạ ghi thêm vào cuối tệp sau chữ ký") == 2
    assert "Không hợp lệ: 2 trong 2 chữ ký" in result.stdout


def test_line_ends_added_after_the_last_signature_are_padding_and_the_letter_stays_valid(tmp_path, pki, state_pdf,
                                                                                         run_formgen):
    _, both = _sign_both(tmp_path, pki, state_pdf)
    padded = tmp_path / "them-dong.pdf"
    padded.write_bytes(both.read_bytes() + b"\r\n\n  \n")
    result = run_formgen("verify", padded, "--trust", pki.ca_pem)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Hợp lệ: cả 2 chữ ký." in result.stdout


def test_the_agency_cannot_sign_before_the_person(tmp_path, pki, state_pdf, run_formgen):
    out = tmp_path / "ky.pdf"
    with pytest.raises(InvalidInput, match='ký với vai trò role="person" trước'):
        sign(state_pdf, out, p12=pki.p12["agency"], password=PASSWORD, role="agency")
    done = run_formgen("sign", state_pdf, "-o", out, "--p12", pki.p12["agency"], "--password", PASSWORD,
                       "--as", "agency")
    assert done.exit_code == 2 and done.err_lines[0].endswith("hãy ký --as person trước.")
    assert not out.exists()


def test_signing_twice_in_one_role_is_refused(tmp_path, pki, state_pdf):
    first = tmp_path / "1.pdf"
    sign(state_pdf, first, p12=pki.p12["person"], password=PASSWORD)
    with pytest.raises(InvalidInput, match="đã có chữ ký vai trò “person”"):
        sign(first, tmp_path / "2.pdf", p12=pki.p12["person"], password=PASSWORD)


# --- placement -----------------------------------------------------------------------------------


def _widget_rects(path: Path) -> dict[str, tuple[int, list[float]]]:
    reader = PdfReader(str(path))
    found = {}
    for number, page in enumerate(reader.pages, 1):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/FT") == "/Sig":
                found[str(annot["/T"])] = (number, [float(v) for v in annot["/Rect"]])
    return found


def _line(path: Path, page: int, text: str):
    from formgen.fonts import find_font, register_font
    from formgen.signing import page_lines
    lines = page_lines(PdfReader(str(path)).pages[page - 1], register_font(find_font()))
    return next(t for t in lines if t.text == text)


@pytest.mark.parametrize("fixture, title, name", [("state", "PHÓ GIÁM ĐỐC", "Nguyễn Văn An"),
                                                  ("party", "PHÓ TRƯỞNG BAN", "Nguyễn Thị Mỹ Linh")])
def test_the_person_signs_between_title_and_name_and_the_seal_covers_its_left_third(
        fixture, title, name, tmp_path, pki, state_pdf, party_pdf):
    src = {"state": state_pdf, "party": party_pdf}[fixture]
    _, both = _sign_both(tmp_path, pki, src)
    rects = _widget_rects(both)
    page, (px0, py0, px1, py1) = rects["formgen-person"]
    assert page == len(PdfReader(str(src)).pages) == 2   # the block is on page 2 in both fixtures
    above, below = _line(src, page, title), _line(src, page, name)
    assert below.y + below.size * 0.7 < py0 < py1 < above.y          # between the title and the name
    assert abs((px0 + px1) / 2 - below.centre) < 3                    # centred on the name
    apage, (ax0, ay0, ax1, ay1) = rects["formgen-agency"]
    assert apage == page
    assert ax0 < px0 < ax1                                            # the seal on the left of the signature...
    assert (ax1 - px0) / (px1 - px0) == pytest.approx(1 / 3, abs=0.02)  # ...over a third of it
    assert ay0 < (py0 + py1) / 2 < ay1


@pytest.mark.parametrize("kind, fixture, titles, name, page", [
    ("escalation", "escalation.yaml", ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"], "Nguyễn Văn An", 2),
    ("report", "report.yaml", ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"], "Nguyễn Văn An", 2),
    ("annual", "annual.yaml", ["GIÁM ĐỐC"], "Lê Văn Bình", 2),
    ("escalation", "party/escalation.yaml", ["TRƯỞNG BAN"], "Trần Quốc Hùng", 2),
    ("report", "party/report.yaml", ["TRƯỞNG BAN"], "Trần Quốc Hùng", 2),
    ("annual", "party/annual.yaml", ["TRƯỞNG BAN"], "Trần Quốc Hùng", 2),  # with its assessment and proposals
])
def test_every_kind_in_both_formats_has_its_signature_box_found(kind, fixture, titles, name, page, tmp_path):
    from formgen import load, render
    from formgen.fonts import find_font, register_font
    from formgen.signing import find_block
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: the box is found on the rendered PDF")
    pdf = render(kind, load(ROOT / "fixtures" / fixture), tmp_path / "v.docx", pdf=True).outputs[-1]
    reader = PdfReader(str(pdf))
    block = find_block(reader, register_font(find_font()), "Nơi nhận:")
    assert page == len(reader.pages)  # the block ends the document: the last page, wherever the layout puts it
    assert (block.page + 1, [t.text for t in block.titles], block.name.text) == (page, titles, name)
    x0, y0, x1, y1 = block.person_box()
    assert block.name.y < y0 < y1 < block.titles[-1].y and x0 < block.name.centre < x1


def test_an_attachment_is_signed_top_right_with_its_number_and_vietnam_time(tmp_path, pki, state_pdf):
    out = tmp_path / "phu-luc.pdf"
    when = dt.datetime(2024, 5, 20, 3, 4, 5, tzinfo=dt.timezone.utc)
    signed = sign(state_pdf, out, p12=pki.p12["agency"], password=PASSWORD, role="attachment", when=when)
    assert signed.time == "2024-05-20T10:04:05+07:00"
    page, (x0, y0, x1, y1) = _widget_rects(out)["formgen-attachment"]
    width, height = (float(v) for v in PdfReader(str(out)).pages[0].mediabox[2:])
    assert page == 1 and x0 > width / 2 and y0 > height - 20 * 72 / 25.4   # top right, in the top margin
    shown = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(out), "-"],
                           capture_output=True, text=True).stdout
    assert "05/TTr-SNV" in shown.splitlines()[0] and "2024-05-20T10:04:05+07:00" in shown.splitlines()[1]
    assert verify(out, trust=[pki.ca_pem]).signatures[0].role == "attachment"


@pytest.mark.parametrize("signed_first", [False, True], ids=["stamp drawn in the page", "stamp as an annotation"])
def test_an_attachment_with_the_deadline_stamp_where_its_signature_goes_is_refused(signed_first, tmp_path, pki,
                                                                                   state_pdf):
    src = state_pdf
    if signed_first:
        src = tmp_path / "ky.pdf"
        sign(state_pdf, src, p12=pki.p12["person"], password=PASSWORD)
    stamped = tmp_path / "dau.pdf"
    from formgen import stamp
    stamp(src, stamped, depart_on="2024-06-03")
    with pytest.raises(InvalidInput, match="trang đầu đã có dấu hạn chót ở góc trên bên phải"):
        sign(stamped, tmp_path / "out.pdf", p12=pki.p12["agency"], password=PASSWORD, role="attachment")
    assert not (tmp_path / "out.pdf").exists()


def test_a_pdf_without_a_signature_block_is_refused_for_the_person(tmp_path, pki):
    from reportlab.pdfgen import canvas
    src = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(src))
    page.drawString(100, 700, "không có khối chữ ký")
    page.save()
    with pytest.raises(InvalidInput, match="Không tìm thấy khối chữ ký"):
        sign(src, tmp_path / "out.pdf", p12=pki.p12["person"], password=PASSWORD)
    assert not (tmp_path / "out.pdf").exists()


# --- the command line ----------------------------------------------------------------------------


def test_sign_takes_the_password_from_the_environment_and_verify_exits_0(tmp_path, pki, state_pdf, run_formgen,
                                                                        monkeypatch, images):
    monkeypatch.setenv(ENV_PASSWORD, PASSWORD)
    first, both = tmp_path / "1.pdf", tmp_path / "2.pdf"
    done = run_formgen("sign", state_pdf, "-o", first, "--p12", pki.p12["person"], "--image", images["person"])
    assert done.exit_code == 0, done.stderr
    done = run_formgen("sign", first, "-o", both, "--p12", pki.p12["agency"], "--as", "agency",
                       "--image", images["agency"])
    assert done.exit_code == 0, done.stderr
    checked = run_formgen("verify", both, "--trust", pki.ca_pem, "--json")
    assert checked.exit_code == 0
    document = json.loads(checked.stdout)
    assert [s["role"] for s in document["signatures"]] == ["person", "agency"]
    assert all(s["ok"] for s in document["signatures"])


def test_a_wrong_password_is_one_vietnamese_line_and_exit_2(tmp_path, pki, state_pdf, run_formgen, monkeypatch):
    monkeypatch.setenv(ENV_PASSWORD, "sai")
    out = tmp_path / "ky.pdf"
    done = run_formgen("sign", state_pdf, "-o", out, "--p12", pki.p12["person"])
    assert done.exit_code == 2
    assert done.err_lines == [f"Không ký được bằng tệp khóa “{pki.p12['person']}”: sai mật khẩu, hoặc tệp không "
                              f"phải PKCS#12 (.p12, .pfx); mật khẩu lấy từ biến môi trường {ENV_PASSWORD} hoặc "
                              "được hỏi khi chạy."]
    assert not out.exists()


def test_a_p12_without_a_private_key_is_refused(tmp_path, pki, state_pdf, run_formgen):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    only_cert = tmp_path / "chi-chung-thu.p12"
    only_cert.write_bytes(pkcs12.serialize_key_and_certificates(b"x", None, pki.certs["person"], None,
                                                                BestAvailableEncryption(PASSWORD.encode())))
    done = run_formgen("sign", state_pdf, "-o", tmp_path / "k.pdf", "--p12", only_cert, "--password", PASSWORD)
    assert (done.exit_code, done.err_lines) == (2, [f"Không ký được bằng tệp khóa “{only_cert}”: tệp không có khóa "
                                                    "bí mật kèm chứng thư số."])


def test_without_the_environment_the_password_is_asked_hidden(tmp_path, pki, state_pdf, monkeypatch):
    from click.testing import CliRunner
    from formgen.cli import cli
    monkeypatch.delenv(ENV_PASSWORD, raising=False)
    out = tmp_path / "ky.pdf"
    result = CliRunner().invoke(cli, ["sign", str(state_pdf), "-o", str(out), "--p12", str(pki.p12["person"])],
                                input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output   # hidden: the typed password is not echoed
    assert out.is_file()


def test_verify_of_a_pdf_without_signatures_exits_2(state_pdf, run_formgen):
    done = run_formgen("verify", state_pdf)
    assert done.exit_code == 2
    assert done.err_lines == [f"Tệp “{state_pdf}” không có chữ ký số nào."]


def test_verify_of_a_file_that_is_not_a_pdf_exits_2(tmp_path, run_formgen):
    src = tmp_path / "ky.pdf"
    src.write_text("không phải PDF", encoding="utf-8")
    done = run_formgen("verify", src)
    assert done.exit_code == 2
    assert done.err_lines == [f"Không kiểm tra chữ ký được tệp “{src}”: đây không phải tệp PDF."]


def test_signing_a_file_that_is_not_a_pdf_exits_2_and_writes_nothing(tmp_path, pki, run_formgen, monkeypatch):
    monkeypatch.setenv(ENV_PASSWORD, PASSWORD)
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    src.write_bytes(b"PK\x03\x04 a docx")
    done = run_formgen("sign", src, "-o", out, "--p12", pki.p12["person"])
    assert (done.exit_code, done.err_lines) == (2, [f"Không ký được tệp “{src}”: đây không phải tệp PDF."])
    assert not out.exists()


# --- the deadline stamp and the signatures -------------------------------------------------------


def test_stamping_a_signed_letter_keeps_its_signatures_and_says_so(tmp_path, pki, state_pdf, run_formgen):
    _, both = _sign_both(tmp_path, pki, state_pdf)
    stamped = tmp_path / "dau.pdf"
    done = run_formgen("stamp", both, "-o", stamped, "--depart", "2024-06-03")
    assert done.exit_code == 0
    assert any("chú thích không ký" in line for line in done.stdout.splitlines())
    as_json = json.loads(run_formgen("stamp", both, "-o", tmp_path / "dau2.pdf", "--depart", "2024-06-03",
                                     "--json").stdout)
    assert as_json["ok"] and len(as_json["notes"]) == 1 and "chú thích không ký" in as_json["notes"][0]
    result = verify(stamped, trust=[pki.ca_pem])
    assert result.exit_code == 0
    assert [s.changed_after for s in result.signatures] == ["annotations", "annotations"]
    assert "Signature is Valid" in _pdfsig(stamped)


def test_a_page_rewritten_after_signing_is_reported_as_modified(tmp_path, pki, state_pdf, run_formgen):
    """Appending is not enough: an incremental update that changes what a page shows breaks the verdict."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject
    _, both = _sign_both(tmp_path, pki, state_pdf)
    writer = PdfWriter(str(both), incremental=True)
    forged = DecodedStreamObject()
    forged.set_data(b"BT /F1 12 Tf 100 100 Td (Da sua) Tj ET")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(forged)
    edited = tmp_path / "sua-noi-dung.pdf"
    writer.write(str(edited))
    assert edited.read_bytes().startswith(both.read_bytes())   # the signed bytes are all still there
    result = run_formgen("verify", edited, "--trust", pki.ca_pem)
    assert result.exit_code == 1
    assert result.stdout.count("sửa sau khi ký: CÓ — nội dung đã bị sửa") == 2


def test_the_stamp_comes_before_the_signatures(tmp_path, pki, state_pdf, run_formgen):
    stamped = tmp_path / "dau.pdf"
    done = run_formgen("stamp", state_pdf, "-o", stamped, "--depart", "2024-06-03")
    assert done.exit_code == 0 and "chú thích" not in done.stdout
    _, both = _sign_both(tmp_path, pki, stamped)
    result = verify(both, trust=[pki.ca_pem])
    assert result.exit_code == 0 and len(result.signatures) == 2
    assert "Thời hạn theo quy định" in PdfReader(str(both)).pages[0].extract_text()


# --- a PKCS#11 token (SoftHSM2) ------------------------------------------------------------------


@pytest.fixture
def token(tmp_path, pki, monkeypatch):
    """A SoftHSM2 token of its own (tmp SOFTHSM2_CONF) holding the person's key and certificate, label "an"."""
    if not SOFTHSM.is_file() or shutil.which("softhsm2-util") is None or shutil.which("pkcs11-tool") is None:
        pytest.skip("SoftHSM2 or OpenSC's pkcs11-tool is not installed (Debian: apt-get install softhsm2 opensc)")
    from cryptography.hazmat.primitives import serialization
    folder = tmp_path / "tokens"
    folder.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder}\nobjectstore.backend = file\n", encoding="utf-8")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    run = lambda *args: subprocess.run(args, check=True, capture_output=True, env=env)  # noqa: E731
    run("softhsm2-util", "--init-token", "--free", "--label", "formgen", "--so-pin", "87654321", "--pin", "123456")
    key = tmp_path / "key.der"
    key.write_bytes(pki.keys["person"].private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    cert = tmp_path / "cert.der"
    cert.write_bytes(pki.certs["person"].public_bytes(serialization.Encoding.DER))
    for kind, path in (("privkey", key), ("cert", cert)):
        run("pkcs11-tool", "--module", str(SOFTHSM), "--token-label", "formgen", "--login", "--pin", "123456",
            "--write-object", str(path), "--type", kind, "--label", "an", "--id", "01")
    return {"lib": SOFTHSM, "label": "formgen", "key": "an", "pin": "123456"}


def test_a_softhsm_token_signs_and_the_signature_verifies(tmp_path, pki, state_pdf, token, run_formgen, monkeypatch):
    monkeypatch.setenv(ENV_PASSWORD, token["pin"])
    out = tmp_path / "token.pdf"
    done = run_formgen("sign", state_pdf, "-o", out, "--pkcs11-lib", token["lib"], "--token-label", token["label"],
                       "--key-label", token["key"])
    assert done.exit_code == 0, done.stderr
    assert [(s.signer, s.trusted) for s in verify(out, trust=[pki.ca_pem]).signatures] == [("Nguyễn Văn An", True)]
    assert "Signature is Valid" in _pdfsig(out)


def test_a_wrong_pin_exits_2_and_a_missing_token_or_library_exits_3(tmp_path, state_pdf, token, run_formgen,
                                                                   monkeypatch):
    out = tmp_path / "token.pdf"
    monkeypatch.setenv(ENV_PASSWORD, "000000")
    args = ["sign", state_pdf, "-o", out, "--pkcs11-lib", token["lib"], "--key-label", token["key"]]
    done = run_formgen(*args, "--token-label", token["label"])
    assert (done.exit_code, done.err_lines) == (2, ["Không ký được bằng token “formgen”: sai mã PIN."])
    monkeypatch.setenv(ENV_PASSWORD, token["pin"])
    done = run_formgen(*args, "--token-label", "khong-co")
    assert (done.exit_code, done.err_lines) == (3, [f"Không thấy token nhãn “khong-co” qua thư viện “{token['lib']}”: "
                                                    "token đã cắm vào máy chưa, nhãn có đúng không?"])
    done = run_formgen("sign", state_pdf, "-o", out, "--pkcs11-lib", tmp_path / "nope.so", "--token-label", "x",
                       "--key-label", "y")
    assert done.exit_code == 3 and "Không có thư viện PKCS#11" in done.err_lines[0]
    done = run_formgen(*args[:-1], "khong-co", "--token-label", token["label"])
    assert (done.exit_code, done.err_lines) == (2, ["Không ký được bằng token “formgen”: token không có khóa bí mật "
                                                    "nhãn “khong-co”."])
    assert not out.exists()


# --- hostile input -------------------------------------------------------------------------------


def test_two_keys_at_once_are_refused_naming_the_flags(tmp_path, pki, state_pdf, run_formgen):
    done = run_formgen("sign", state_pdf, "-o", tmp_path / "k.pdf", "--p12", pki.p12["person"], "--password", "x",
                       "--pkcs11-lib", SOFTHSM, "--token-label", "t", "--key-label", "k")
    assert (done.exit_code, done.err_lines) == (2, ["Cần đúng một khóa: tệp PKCS#12 (--p12) hoặc token PKCS#11 "
                                                    "(--pkcs11-lib, --token-label, --key-label)."])


@pytest.fixture
def tsa(pki):
    """An RFC 3161 timestamp server on localhost, its certificate from the tests' CA (pyHanko's dummy TSA)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from asn1crypto import keys, tsp, x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA thử")]))
            .issuer_name(pki.ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(pki.ca_key, hashes.SHA256()))
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption())))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/tsa"
    server.shutdown()


def test_a_timestamped_signature_carries_the_servers_time(tmp_path, pki, state_pdf, tsa, run_formgen):
    out = tmp_path / "k.pdf"
    done = run_formgen("sign", state_pdf, "-o", out, "--p12", pki.p12["person"], "--password", PASSWORD,
                       "--timestamp", tsa)
    assert done.exit_code == 0, done.stderr
    [checked] = verify(out, trust=[pki.ca_pem]).signatures
    assert checked.ok and checked.timestamp is not None and checked.timestamp.endswith("+07:00")
    assert "Signature is Valid" in _pdfsig(out)


def test_an_unreachable_timestamp_server_exits_3_and_writes_nothing(tmp_path, pki, state_pdf, run_formgen):
    out = tmp_path / "k.pdf"
    done = run_formgen("sign", state_pdf, "-o", out, "--p12", pki.p12["person"], "--password", PASSWORD,
                       "--timestamp", "http://127.0.0.1:9/tsa")
    assert done.exit_code == 3
    assert done.err_lines[0].startswith("Không lấy được dấu thời gian từ “http://127.0.0.1:9/tsa”")
    assert not out.exists()


def test_an_encrypted_or_truncated_pdf_is_refused_for_signing(tmp_path, pki, state_pdf, run_formgen):
    from pypdf import PdfWriter
    locked = tmp_path / "khoa.pdf"
    writer = PdfWriter(clone_from=str(state_pdf))
    writer.encrypt("", "chu")
    writer.write(str(locked))
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(state_pdf.read_bytes()[:900])
    for src, why in ((locked, "tệp PDF được mã hóa"), (cut, "tệp PDF bị hỏng")):
        done = run_formgen("sign", src, "-o", tmp_path / "k.pdf", "--p12", pki.p12["person"], "--password", PASSWORD)
        assert done.exit_code == 2 and why in done.err_lines[0] and len(done.err_lines) == 1, done.stderr
    assert not (tmp_path / "k.pdf").exists()


def test_an_image_that_is_not_a_picture_is_refused(tmp_path, pki, state_pdf, run_formgen):
    done = run_formgen("sign", state_pdf, "-o", tmp_path / "k.pdf", "--p12", pki.p12["person"], "--password",
                       PASSWORD, "--image", state_pdf)
    assert (done.exit_code, done.err_lines) == (2, [f"Tệp “{state_pdf}” không phải ảnh đọc được (cần .png nền "
                                                    "trong suốt)."])
