"""formgen serve and signing: the PDF to sign from the form, a signed PDF uploaded into the register, verified."""
from __future__ import annotations

import io
import re

import pytest

pytest.importorskip("flask_smorest", reason="the web extra is not installed: pip install \".[web]\"")

from conftest import ROOT  # noqa: E402
from formgen import InvalidInput, sign  # noqa: E402
from formgen.stamping import TITLE  # noqa: E402
from formgen.web.signed import MAX_SIGNED_BYTES, SIGNED, SignedFiles  # noqa: E402
from test_sign import PASSWORD as P12_PASSWORD, Pki, _render  # noqa: E402
from test_web_auth import app_of, basic, province  # noqa: E402,F401

import sqlalchemy as sa  # noqa: E402


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signed_pdf(tmp_path_factory, pki) -> bytes:
    tmp = tmp_path_factory.mktemp("websign")
    src = _render(tmp, ROOT / "fixtures" / "request.yaml")
    out = tmp / "da-ky.pdf"
    sign(src, out, p12=pki.p12["person"], password=P12_PASSWORD, role="person")
    return out.read_bytes()


@pytest.fixture
def location(tmp_path):  # SQLite only: the upload is the same SQL as the users' tables
    return str(tmp_path / "register.sqlite")


def _upload(client, body: bytes, user="snv", record=1, name="to-trinh-da-ky.pdf"):
    return client.post("/register/signed", headers=basic(user),
                       data={"record": str(record), "kind": "request", "file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


def _stored(location) -> int:
    with SignedFiles(location) as files, files.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(SIGNED)).scalar_one()


def test_a_signed_pdf_uploaded_is_listed_and_downloaded_byte_for_byte(province, signed_pdf):
    client = app_of(province).test_client()
    assert _upload(client, signed_pdf).status_code == 302
    page = client.get("/register", headers=basic("snv")).get_data(as_text=True)
    assert "to-trinh-da-ky.pdf" in page and "1 chữ ký hợp lệ (Nguyễn Văn An)" in page
    assert "chưa cấu hình chứng thư gốc" in page
    link = re.search(r'href="(/register/signed/\d+)"', page).group(1)
    got = client.get(link, headers=basic("snv"))
    assert got.status_code == 200 and got.data == signed_pdf


def test_an_unsigned_or_tampered_pdf_is_refused_and_nothing_is_stored(province, signed_pdf):
    client = app_of(province).test_client()
    refused = _upload(client, _text_pdf("Tờ trình"))
    assert refused.status_code == 422 and "không có chữ ký số nào" in refused.get_data(as_text=True)
    for at in (len(signed_pdf) // 3, len(signed_pdf) // 2):  # bytes the signature covers, in the page streams
        tampered = signed_pdf[:at] + bytes([signed_pdf[at] ^ 1]) + signed_pdf[at + 1:]
        refused = _upload(client, tampered).get_data(as_text=True)
        assert "chữ ký số không hợp lệ hoặc tài liệu đã bị sửa sau khi ký" in refused, at
    later = _overwritten(signed_pdf)  # the page's text changed in an update after the signing
    refused = _upload(client, later).get_data(as_text=True)
    assert "chữ ký số không hợp lệ hoặc tài liệu đã bị sửa sau khi ký" in refused
    not_pdf = _upload(client, b"not a pdf at all")
    assert not_pdf.status_code == 422 and "không phải PDF" in not_pdf.get_data(as_text=True)
    big = _upload(client, signed_pdf + b" " * MAX_SIGNED_BYTES)
    assert big.status_code == 422 and "lớn quá" in big.get_data(as_text=True)
    assert _stored(province) == 0


def _text_pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(100, 700, text)
    c.save()
    return buf.getvalue()


def _overwritten(signed: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(io.BytesIO(signed), incremental=True)
    writer.pages[0].merge_page(PdfReader(io.BytesIO(_text_pdf("Số tiền: 999.000.000 đồng"))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_with_trust_roots_configured_a_pdf_of_another_ca_is_refused(province, signed_pdf, pki, tmp_path):
    stranger = Pki(tmp_path)
    refused = _upload(app_of(province, trust=[str(stranger.ca_pem)]).test_client(), signed_pdf)
    assert refused.status_code == 422 and "không hợp lệ" in refused.get_data(as_text=True)
    assert _stored(province) == 0
    client = app_of(province, trust=[str(pki.ca_pem)]).test_client()
    assert _upload(client, signed_pdf).status_code == 302
    page = client.get("/register", headers=basic("snv")).get_data(as_text=True)
    assert "đã kiểm tra chuỗi chứng thư" in page and "chưa cấu hình chứng thư gốc" not in page


def test_an_unreadable_trust_root_stops_the_server_at_start(province, tmp_path):
    (tmp_path / "ca.pem").write_text("không phải chứng thư", encoding="utf-8")
    with pytest.raises(InvalidInput, match="Không đọc được chứng thư gốc"):
        app_of(province, trust=[str(tmp_path / "ca.pem")])


def test_a_unit_cannot_upload_to_or_see_another_units_files(province, signed_pdf):
    client = app_of(province).test_client()
    assert _upload(client, signed_pdf).status_code == 302   # record 1 is SNV's
    assert _upload(client, signed_pdf, user="stc").status_code == 403
    assert _stored(province) == 1
    assert "to-trinh-da-ky.pdf" not in client.get("/register", headers=basic("stc")).get_data(as_text=True)
    assert client.get("/register/signed/1", headers=basic("stc")).status_code == 403
    assert client.get("/register/signed/1", headers=basic("btc")).data == signed_pdf


def test_the_form_offers_the_stamped_pdf_to_sign():
    from pypdf import PdfReader

    from formgen.web import create_app
    from test_web_form import opened, read_form, send
    client = create_app(testing=True).test_client()
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml"))
    assert "sign:request" in form.buttons
    got = send(client, "/download", form.fields, "sign:request")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    first = " ".join(PdfReader(io.BytesIO(got.data)).pages[0].extract_text().split())
    assert " ".join(TITLE.split()) in first and "20/05/2024" in first  # the stamp, with the R01 deadline
    plain = send(client, "/download", form.fields, "pdf:request").data
    assert " ".join(TITLE.split()) not in " ".join(PdfReader(io.BytesIO(plain)).pages[0].extract_text().split())

