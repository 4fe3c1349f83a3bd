"""formgen serve: the HTTP API and the form, through Flask's test client."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json

import pytest
import yaml

pytest.importorskip("flask_smorest", reason="the web extra is not installed: pip install \".[web]\"")
jsonschema = pytest.importorskip("jsonschema")

from formgen import validate  # noqa: E402
from formgen.envelope import schema as envelope_schema  # noqa: E402
from formgen.register import Register  # noqa: E402
from formgen.web import create_app  # noqa: E402

from helpers import docx_lines  # noqa: E402


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=lambda v: v.isoformat())


@pytest.fixture
def client():
    return create_app(testing=True).test_client()


def post(client, url, data, **kwargs):
    body = data if isinstance(data, (str, bytes)) else _json(data)
    return client.post(url, data=body, content_type=kwargs.pop("content_type", "application/json"), **kwargs)


def envelope_of(response, status: int) -> dict:
    """The response's JSON envelope, after checking its status and its shape against schemas/envelope.json."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    jsonschema.validate(response.json, envelope_schema())
    return response.json


def eleven_under_a_head(trip: dict) -> dict:
    trip["delegation"]["leader"].update(rank="head", position="Giám đốc Sở Nội vụ")
    trip["delegation"]["members"] += [{"name": f"Người Thứ {i}", "position": "Chuyên viên", "unit": "Sở Nội vụ"}
                                      for i in range(4)]
    return trip


# --- POST /api/check/{kind} -------------------------------------------------------------------


def test_check_of_a_compliant_request_is_ok_with_its_deadline(client, trip_data):
    found = envelope_of(post(client, "/api/check/request", trip_data), 200)
    assert found["ok"] is True and found["command"] == "check" and found["kind"] == "request"
    assert found["deadlines"]["latest_request_date"] == "2024-05-20"


def test_check_of_eleven_people_under_a_head_reports_r06_with_its_citation(client, trip_data):
    found = envelope_of(post(client, "/api/check/request", eleven_under_a_head(trip_data)), 200)
    assert found["ok"] is False and found["error"] == "refused"
    r06 = [f for f in found["findings"] if f["code"] == "R06"]
    assert r06 and "11 người" in r06[0]["message"] and "không quá 10 người" in r06[0]["citation"]


def test_check_with_explain_gives_the_count_day_by_day(client, trip_data):
    found = envelope_of(post(client, "/api/check/request?explain=1", trip_data), 200)
    days = found["deadlines"]["explanation"]
    r01 = [d["date"] for d in days if d["counted"] and d["rule"] == "R01"]
    assert r01[-1] == "2024-05-20" and len(r01) == found["deadlines"]["working_days"]["request"]


def test_check_of_an_unknown_kind_is_404_in_the_envelope(client, trip_data):
    found = envelope_of(post(client, "/api/check/memo", trip_data), 404)
    assert found["error"] == "invalid_input" and "memo" in found["message"]


def test_check_of_data_with_a_bad_date_is_422_naming_the_field(client, trip_data):
    trip_data["delegation"]["depart_on"] = "31/02/2024"
    found = envelope_of(post(client, "/api/check/request", trip_data), 422)
    assert [f["path"] for f in found["findings"]] == ["delegation.depart_on"]
    assert "chỉ có 29 ngày" in found["findings"][0]["message"]


def test_broken_json_is_400_with_the_line_and_column(client):
    found = envelope_of(post(client, "/api/check/request", '{"issuer": '), 400)
    assert "lỗi cú pháp JSON ở dòng 1" in found["message"]


def test_a_key_written_twice_in_json_is_400_not_the_last_one_kept(client):
    found = envelope_of(post(client, "/api/check/request", '{"policy": "a", "policy": "b"}'), 400)
    assert "“policy” được ghi hai lần" in found["message"]


def test_a_body_that_is_not_json_is_400(client, trip_data):
    found = envelope_of(post(client, "/api/check/request", "issuer: x", content_type="text/plain"), 400)
    assert "application/json" in found["message"]


def test_a_body_that_is_not_utf8_is_400(client):
    found = envelope_of(post(client, "/api/check/request", '{"issuer": "café"}'.encode("latin-1")), 400)
    assert "UTF-8" in found["message"]


def test_json_that_is_not_an_object_is_422(client):
    found = envelope_of(post(client, "/api/check/request", "[1, 2]"), 422)
    assert found["error"] == "invalid_input"


def test_a_body_over_the_size_limit_is_413_in_the_envelope(client, trip_data):
    trip_data["delegation"]["purpose"] = "x" * (2 * 1024 * 1024)
    found = envelope_of(post(client, "/api/check/request", trip_data), 413)
    assert "quá lớn" in found["message"]


def test_a_policy_file_named_in_a_request_is_refused_not_read(client, trip_data, tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text("id: x\n", encoding="utf-8")
    trip_data["policy"] = str(profile)
    found = envelope_of(post(client, "/api/check/request", trip_data), 422)
    assert found["findings"][0]["path"] == "policy" and "quy định có sẵn" in found["findings"][0]["message"]


def test_an_annual_file_naming_delegation_files_is_refused_not_read(client, tmp_path):
    annual = yaml.safe_load(open("fixtures/annual.yaml", encoding="utf-8"))
    annual["delegations"] = ["/etc/passwd"]
    found = envelope_of(post(client, "/api/check/annual", annual), 422)
    assert found["findings"][0]["path"] == "delegations[0]" and "không ghi tên tệp" in found["findings"][0]["message"]


def test_a_wrong_method_is_405_in_the_envelope(client):
    assert envelope_of(client.get("/api/check/request"), 405)["ok"] is False


def test_an_unknown_api_address_is_404_in_the_envelope(client):
    assert envelope_of(client.get("/api/nothing"), 404)["ok"] is False


def test_a_bug_is_a_500_envelope_without_a_traceback(client, trip_data, monkeypatch):
    from formgen.web import api

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(api, "check", broken)
    response = post(client, "/api/check/request", trip_data)
    found = envelope_of(response, 500)
    assert found["error"] == "internal" and "Traceback" not in response.get_data(as_text=True)


# --- POST /api/render/{kind} ------------------------------------------------------------------


def test_render_returns_the_docx_with_the_delegation_in_it(client, trip_data, tmp_path):
    response = post(client, "/api/render/request", trip_data)
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    assert 'filename=request.docx' in response.headers["Content-Disposition"]
    (tmp_path / "r.docx").write_bytes(response.data)
    text = "\n".join(docx_lines(tmp_path / "r.docx"))
    assert "Nguyễn Văn An" in text and "150.000.000" in text


def test_render_of_a_refused_delegation_is_409_with_the_findings(client, trip_data):
    found = envelope_of(post(client, "/api/render/request", eleven_under_a_head(trip_data)), 409)
    assert found["error"] == "refused" and found["command"] == "render" and found["kind"] == "request"
    assert "R06" in [f["code"] for f in found["findings"]]


def test_render_of_an_unknown_format_is_422(client, trip_data):
    found = envelope_of(post(client, "/api/render/request?format=odt", trip_data), 422)
    assert "odt" in found["message"]


def test_render_without_its_section_is_422(client, trip_data):
    found = envelope_of(post(client, "/api/render/report", trip_data), 422)
    assert found["findings"][0]["path"] == "report"


def test_render_leaves_no_file_behind(client, trip_data, tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert post(client, "/api/render/request", trip_data).status_code == 200
    assert list(tmp_path.iterdir()) == []


def test_render_as_pdf_returns_a_pdf(client, trip_data):
    import shutil
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed")
    try:
        response = post(client, "/api/render/request?format=pdf", trip_data)
    finally:
        client.application.extensions["formgen_pdf"].close()  # its LibreOffice profile goes now
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


# --- POST /api/deadlines ----------------------------------------------------------------------


def test_deadlines_from_dates_typed_day_first(client):
    found = envelope_of(post(client, "/api/deadlines", {"depart_on": "03/06/2024", "return_on": "07/06/2024"}), 200)
    assert (found["deadlines"]["latest_request_date"], found["deadlines"]["latest_report_date"]) == \
        ("2024-05-20", "2024-06-21")


def test_deadlines_explained_count_every_working_day(client):
    found = envelope_of(post(client, "/api/deadlines", {"depart_on": "2024-06-03", "explain": True}), 200)
    counted = [d for d in found["deadlines"]["explanation"] if d["counted"]]
    assert len(counted) == found["deadlines"]["working_days"]["request"]


def test_deadlines_as_ics_is_a_calendar_file(client):
    response = post(client, "/api/deadlines?format=ics", {"depart_on": "2024-06-03"})
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert b"DTSTART;VALUE=DATE:20240520" in response.data


def test_deadlines_without_a_departure_is_422_naming_it(client):
    found = envelope_of(post(client, "/api/deadlines", {"return_on": "2024-06-07"}), 422)
    assert [f["path"] for f in found["findings"]] == ["depart_on"]


def test_deadlines_with_an_unknown_key_is_422(client):
    found = envelope_of(post(client, "/api/deadlines", {"depart_on": "2024-06-03", "home": "/etc"}), 422)
    assert [f["path"] for f in found["findings"]] == ["home"]


def test_deadlines_returning_before_departing_is_422(client):
    found = envelope_of(post(client, "/api/deadlines", {"depart_on": "2024-06-07", "return_on": "2024-06-03"}), 422)
    assert "trước ngày đi" in found["message"]


# --- GET /api/register ------------------------------------------------------------------------


def test_register_listing_without_a_register_is_404(client):
    assert "--register" in envelope_of(client.get("/api/register"), 404)["message"]


@pytest.fixture
def register_app(tmp_path, trip_data):
    location = tmp_path / "register.sqlite"
    other = copy.deepcopy(trip_data)
    other["issuer"].update(name="Sở Tài chính", abbreviation="STC")
    other["delegation"]["leader"]["name"] = "Lê Văn Tài"
    with Register(location) as reg:
        reg.add(validate(trip_data))
        reg.add(validate(other))
    return create_app(register=str(location), testing=True)


def test_register_listing_gives_the_units_delegations(register_app):
    found = envelope_of(register_app.test_client().get("/api/register?unit=SNV"), 200)
    assert [r["unit_code"] for r in found["records"]] == ["SNV"] and found["counts"]["records"] == 1


def test_register_listing_with_a_bad_year_is_422(register_app):
    assert "2026" in envelope_of(register_app.test_client().get("/api/register?year=abc"), 422)["message"]


def test_register_listing_gives_one_page_and_says_how_many_there_are(register_app):
    found = envelope_of(register_app.test_client().get("/api/register?limit=1&page=2"), 200)
    assert [r["unit_code"] for r in found["records"]] == ["STC"]
    assert found["page"] == {"page": 2, "pages": 2, "limit": 1, "total": 2} and found["counts"]["total"] == 2


def test_register_listing_of_page_zero_is_422_naming_the_parameter(register_app):
    assert "page" in envelope_of(register_app.test_client().get("/api/register?page=0"), 422)["message"]


# --- GET /openapi.json ------------------------------------------------------------------------


def test_openapi_describes_every_endpoint_with_the_model_schemas(client):
    spec = client.get("/openapi.json").json
    assert set(spec["paths"]) == {"/api/check/{kind}", "/api/render/{kind}", "/api/deadlines", "/api/register"}
    schemas = spec["components"]["schemas"]
    assert {"Trip", "Delegation", "Leader", "Member", "Stop"} <= set(schemas)
    assert set(schemas["Trip"]["properties"]) == {"policy", "issuer", "delegation", "request", "escalation",
                                                  "approval", "report"}
    assert schemas["Stop"]["properties"]["start"]["format"] == "date"
    assert set(schemas["Envelope"]["required"]) == set(envelope_schema()["required"])


# --- formgen serve ----------------------------------------------------------------------------


def test_serve_on_every_address_without_users_refuses_in_one_line(run_formgen):
    result = run_formgen("serve", "--host", "0.0.0.0")
    assert result.exit_code == 2 and len(result.err_lines) == 1 and "0.0.0.0" in result.err_lines[0]


def test_serve_on_this_machine_starts_waitress_on_the_port(run_formgen, monkeypatch):
    import waitress
    seen = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: seen.update(kw, app=app))
    assert run_formgen("serve", "--port", "8123").exit_code == 0
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123) and seen["app"].config["MAX_CONTENT_LENGTH"]


# --- PDF through the pool of converters -------------------------------------------------------


class FakeConverter:
    """Stands for pdf.Converter: writes a PDF beside the .docx, or waits, or fails, as the test says."""

    made: list = []

    def __init__(self, soffice=None, timeout=None, **options):
        self.closed = False
        self.converted = 0
        FakeConverter.made.append(self)

    def convert(self, documents, out_dir=None):
        hold = getattr(FakeConverter, "hold", None)
        if hold is not None:
            FakeConverter.started.set()
            hold.wait(10)
        if getattr(FakeConverter, "fail", False):
            from formgen.errors import EnvironmentFailed
            raise EnvironmentFailed("LibreOffice thoát với mã 134.")
        self.converted += 1
        pdf = documents[0].with_suffix(".pdf")
        pdf.write_bytes(b"%PDF-1.7 fake\n%%EOF")
        return [pdf]

    def close(self):
        self.closed = True


@pytest.fixture
def fake_pool(monkeypatch):
    import threading
    from formgen.web import pool
    monkeypatch.setattr(pool, "make_converter", FakeConverter)
    FakeConverter.made, FakeConverter.hold, FakeConverter.fail = [], None, False
    FakeConverter.started = threading.Event()
    return pool


def test_pdfs_come_from_one_warm_converter_reused(fake_pool, trip_data):
    app = create_app(testing=True)
    app.extensions["formgen_pdf"] = fake_pool.PdfPool(workers=2)
    client = app.test_client()
    for _ in range(3):
        response = post(client, "/api/render/request?format=pdf", trip_data)
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert len(FakeConverter.made) == 1 and FakeConverter.made[0].converted == 3


def test_a_full_queue_answers_503_with_retry_after(fake_pool, trip_data):
    import threading
    app = create_app(testing=True)
    app.extensions["formgen_pdf"] = fake_pool.PdfPool(workers=1, waiting=0)
    FakeConverter.hold = threading.Event()
    first = threading.Thread(target=lambda: post(app.test_client(), "/api/render/request?format=pdf", trip_data))
    first.start()
    try:
        assert FakeConverter.started.wait(10)
        found = envelope_of(post(app.test_client(), "/api/render/request?format=pdf", trip_data), 503)
        assert found["error"] == "busy" and "bận" in found["message"]
    finally:
        FakeConverter.hold.set()
        first.join(10)


def test_a_converter_that_failed_is_replaced_by_a_fresh_one(fake_pool, trip_data):
    app = create_app(testing=True)
    app.extensions["formgen_pdf"] = fake_pool.PdfPool(workers=1)
    client = app.test_client()
    FakeConverter.fail = True
    assert envelope_of(post(client, "/api/render/request?format=pdf", trip_data), 503)["error"] == "environment"
    FakeConverter.fail = False
    assert post(client, "/api/render/request?format=pdf", trip_data).status_code == 200
    assert [c.closed for c in FakeConverter.made] == [True, False]


def test_a_converter_is_recycled_after_its_share_of_conversions(fake_pool, tmp_path):
    pool = fake_pool.PdfPool(workers=1, recycle=2)
    for i in range(3):
        (tmp_path / f"d{i}.docx").write_bytes(b"x")
        pool.convert(tmp_path / f"d{i}.docx")
    assert [c.converted for c in FakeConverter.made] == [2, 1] and FakeConverter.made[0].closed
