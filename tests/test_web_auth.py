"""formgen serve with users: logins, units that see only their own delegations, CSRF, who changed the register.

Run on SQLite, and on PostgreSQL too when FORMGEN_TEST_POSTGRES holds a database URL (workers share it)."""
from __future__ import annotations

import base64
import copy
import gc
import json
import os
import re

import pytest
import sqlalchemy as sa

pytest.importorskip("flask_smorest", reason="the web extra is not installed: pip install \".[web]\"")

from formgen import validate  # noqa: E402
from formgen.register import Register  # noqa: E402
from formgen.web import create_app  # noqa: E402
from formgen.web.users import MAX_FAILURES, USERS, Users  # noqa: E402

POSTGRES = os.environ.get("FORMGEN_TEST_POSTGRES")
PASSWORD = "mật-khẩu-dài"


def _drop(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS web_users, web_login_attempts, web_register_changes, web_user_changes, "
                             "web_secrets, web_signed_pdfs, delegations, delegation_topics, outgoing, schema_version")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "register.sqlite")
        return
    if not POSTGRES:
        pytest.skip("PostgreSQL: set FORMGEN_TEST_POSTGRES to a database URL to run these against it")
    _drop(POSTGRES)
    yield POSTGRES
    gc.collect()  # each app the test made keeps a pooled connection until collected: give them back to the server
    _drop(POSTGRES)


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=lambda v: v.isoformat())


def of_unit(trip: dict, name: str, code: str, leader: str) -> dict:
    trip = copy.deepcopy(trip)
    trip["issuer"].update(name=name, abbreviation=code)
    trip["delegation"]["leader"]["name"] = leader
    return trip


@pytest.fixture
def province(location, trip_data):
    """A register with one delegation of SNV and one of STC, a user of each unit and one of the Ban Tổ chức."""
    with Register(location) as reg:
        reg.add(validate(trip_data))
        reg.add(validate(of_unit(trip_data, "Sở Tài chính", "STC", "Lê Văn Tài")))
    with Users(location) as users:
        users.add("snv", PASSWORD, unit="SNV")
        users.add("stc", PASSWORD, unit="STC")
        users.add("btc", PASSWORD, role="province")
    return location


def basic(name: str, password: str = PASSWORD) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def app_of(location, **kwargs):
    return create_app(register=location, testing=True, **kwargs)


def test_without_a_login_the_api_is_401_with_the_envelope_and_basic_challenge(province):
    response = app_of(province).test_client().get("/api/register")
    assert response.status_code == 401 and response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_without_a_login_the_form_sends_to_the_login_page(province):
    response = app_of(province).test_client().get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_the_openapi_description_needs_no_login(province):
    assert app_of(province).test_client().get("/openapi.json").status_code == 200


def test_unit_a_cannot_read_unit_b(province):
    client = app_of(province).test_client()
    refused = client.get("/api/register?unit=STC", headers=basic("snv"))
    assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    assert "STC" not in json.dumps(refused.json["records"] if "records" in refused.json else [])
    own = client.get("/api/register", headers=basic("snv"))
    assert own.status_code == 200 and [r["unit_code"] for r in own.json["records"]] == ["SNV"]


def test_the_ban_to_chuc_sees_every_unit(province):
    found = app_of(province).test_client().get("/api/register", headers=basic("btc")).json
    assert sorted(r["unit_code"] for r in found["records"]) == ["SNV", "STC"]


def test_unit_a_cannot_check_or_render_unit_b_s_delegation(province, trip_data):
    client = app_of(province).test_client()
    stc = _json(of_unit(trip_data, "Sở Tài chính", "STC", "Lê Văn Tài"))
    for url in ("/api/check/request", "/api/render/request"):
        response = client.post(url, data=stc, content_type="application/json", headers=basic("snv"))
        assert response.status_code == 403 and response.json["error"] == "forbidden"


def test_unit_a_cannot_record_a_delegation_of_unit_b_and_nothing_is_written(province, trip_data):
    client = app_of(province).test_client()
    other = _json(of_unit(trip_data, "Sở Tài chính", "STC", "Trần Văn Mới"))
    response = client.post("/api/register", data=other, content_type="application/json", headers=basic("snv"))
    assert response.status_code == 403
    with Register(province) as reg:
        assert [r.leader_name for r in reg.list(unit="STC")] == ["Lê Văn Tài"]


def test_every_change_to_the_register_records_who_and_when(province, trip_data):
    client = app_of(province).test_client()
    trip_data["request"]["number"] = 9  # another letter: another delegation
    new = _json(of_unit(trip_data, "Sở Nội vụ", "SNV", "Phan Thị Mới"))
    response = client.post("/api/register", data=new, content_type="application/json", headers=basic("snv"))
    assert response.status_code == 200 and response.json["command"] == "register add"
    record_id = response.json["records"][0]["id"]
    with Users(province) as users:
        changes = users.changes(record_id)
    assert [(c["action"], c["user"]) for c in changes] == [("add", "snv")]
    assert changes[0]["at"][:4].isdigit()


def test_a_wrong_password_is_401(province):
    response = app_of(province).test_client().get("/api/register", headers=basic("snv", "sai-mat-khau"))
    assert response.status_code == 401 and "không đúng" in response.json["message"]


def test_failed_logins_are_limited_across_workers_sharing_the_database(province):
    first, second = app_of(province).test_client(), app_of(province).test_client()  # two workers
    for _ in range(MAX_FAILURES):
        assert first.post("/login", data={"name": "snv", "password": "sai"}).status_code == 401
    limited = second.post("/login", data={"name": "snv", "password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert "thử lại sau" in limited.get_data(as_text=True)
    api = second.get("/api/register", headers=basic("snv"))
    assert api.status_code == 429 and api.json["error"] == "rate_limited" and api.headers["Retry-After"]
    assert second.get("/api/register", headers=basic("stc")).status_code == 200  # another name is not held up


def test_logging_in_gives_an_httponly_samesite_session_and_the_form(province):
    client = app_of(province).test_client()
    response = client.post("/login", data={"name": "stc", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/")
    assert page.status_code == 200 and "stc (STC)" in page.get_data(as_text=True)


def test_behind_tls_the_session_cookie_is_secure(province):
    client = app_of(province, behind_tls=True).test_client()
    response = client.post("/login", data={"name": "stc", "password": PASSWORD},
                           headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]


def test_passwords_are_kept_as_argon2_hashes(province):
    engine = sa.create_engine(province if "://" in province else f"sqlite:///{province}")
    with engine.connect() as conn:
        hashes = [r.password_hash for r in conn.execute(sa.select(USERS))]
    engine.dispose()
    assert hashes and all(h.startswith("$argon2") and PASSWORD not in h for h in hashes)


def test_every_form_needs_its_csrf_token(province):
    client = create_app(register=province).test_client()  # not testing: CSRF on
    assert client.post("/login", data={"name": "snv", "password": PASSWORD}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"name": "snv", "password": PASSWORD, "csrf_token": token}).status_code == 302
    refused = client.post("/", data={"action": "check"})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    assert client.post("/", data={"action": "check", "csrf_token": token}).status_code == 200


def test_workers_of_one_register_share_the_session_key(province):
    assert create_app(register=province).secret_key == create_app(register=province).secret_key


def test_serve_everywhere_with_users_configured_starts(province, run_formgen, monkeypatch):
    import waitress
    seen = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: seen.update(kw))
    assert run_formgen("serve", "--host", "0.0.0.0", "--register", province).exit_code == 0
    assert seen["host"] == "0.0.0.0"


def test_users_add_keeps_the_user_and_refuses_a_short_password(tmp_path, run_formgen, monkeypatch):
    import io
    db = tmp_path / "r.sqlite"
    monkeypatch.setattr("sys.stdin", io.StringIO("ngắn\n"))
    short = run_formgen("users", "add", "a", "--unit", "SNV", "--password-stdin", "--register", db)
    assert short.exit_code == 2 and "ít nhất 8 ký tự" in short.stderr
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert run_formgen("users", "add", "a", "--unit", "SNV", "--password-stdin", "--register", db).exit_code == 0
    with Users(str(db)) as users:
        assert users.login("a", PASSWORD) is not None and users.list()[0].unit == "SNV"


def test_the_register_page_shows_the_units_delegations_overdue_reports_first(province, trip_data):
    late = of_unit(trip_data, "Sở Nội vụ", "SNV", "Phan Văn Trễ")
    late["request"]["number"] = 7
    late["delegation"].update(depart_on="2024-03-04", return_on="2024-03-08")
    for stop, day in zip(late["delegation"]["stops"], ("2024-03-05", "2024-03-06")):
        stop.update(start=day, end=day)
    with Register(province) as reg:
        reg.add(validate(late), force=True)
    client = app_of(province).test_client()
    page = client.get("/register", headers=basic("snv")).get_data(as_text=True)
    leaders = re.findall(r"<td>\d+</td><td>(\w+)</td><td>([^<]+)</td>", page)
    # never STC's; both reports are missing, the one due first (back in March) comes first
    assert leaders == [("SNV", "Phan Văn Trễ"), ("SNV", "Nguyễn Văn An")]
    assert re.findall(r'<tr class="(overdue|)"', page) == ["overdue", "overdue"]
    assert "quá hạn" in page and "hạn 22/03/2024" in page
    assert client.get("/register?unit=STC", headers=basic("snv")).status_code == 403
    everyone = client.get("/register", headers=basic("btc")).get_data(as_text=True)
    assert "STC" in everyone and "SNV" in everyone


def test_the_annual_report_of_a_unit_comes_from_the_register(province, tmp_path):
    from helpers import docx_lines
    client = app_of(province).test_client()
    form = {"unit": "SNV", "year": "2024", "number": "245", "date": "20/12/2024", "signer.name": "Lê Văn Bình",
            "signer.title": "Giám đốc", "format": "docx"}
    response = client.post("/register/annual", data=form, headers=basic("snv"))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    (tmp_path / "n.docx").write_bytes(response.data)
    text = "\n".join(docx_lines(tmp_path / "n.docx"))
    assert "Nguyễn Văn An" in text and "Lê Văn Tài" not in text and "Lê Văn Bình" in text
    other = client.post("/register/annual", data={**form, "unit": "STC"}, headers=basic("snv"))
    assert other.status_code == 403
    unsigned = client.post("/register/annual", data={**form, "signer.name": ""}, headers=basic("snv"))
    assert unsigned.status_code == 422 and "annual.signer.name" in unsigned.get_data(as_text=True)


# --- the register page, one page at a time (issue 17 item 4) ------------------------------------------


def _moved(trip: dict, depart: str, number: int, leader: str) -> dict:
    """The unit's delegation file moved to another departure (four days away, a day a stop), another request."""
    import datetime as dt
    trip = of_unit(trip, trip["issuer"]["name"], trip["issuer"]["abbreviation"], leader)
    day = dt.date.fromisoformat(depart)
    trip["delegation"].update(depart_on=day.isoformat(), return_on=(day + dt.timedelta(days=4)).isoformat())
    for i, stop in enumerate(trip["delegation"]["stops"]):
        stop.update(start=(day + dt.timedelta(days=i + 1)).isoformat(), end=(day + dt.timedelta(days=i + 1)).isoformat())
    trip["request"].update(number=number, date=(day - dt.timedelta(days=30)).isoformat())
    return trip


def _walk(client, url: str, user: str) -> list[list[tuple[str, str]]]:
    """Every page from `url` on, following the “Trang sau” links as a browser without JavaScript does."""
    pages = []
    while url:
        response = client.get(url, headers=basic(user))
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        pages.append(re.findall(r'<tr class="(overdue|)" data-id="(\d+)"', page))
        found = re.search(r'<a rel="next" href="([^"]+)">Trang sau</a>', page)
        url = found.group(1).replace("&amp;", "&") if found else None
        assert len(pages) < 20
    return pages


def test_the_register_page_is_paged_overdue_reports_first_each_delegation_once_and_the_unit_only(province, trip_data):
    with Register(province) as reg:
        late = [reg.add(validate(_moved(trip_data, day, n, f"Trưởng đoàn {n}")), force=True).id
                for n, day in ((11, "2025-03-03"), (12, "2023-09-04"))]
        later = [reg.add(validate(_moved(trip_data, f"{year}-03-01", n, f"Trưởng đoàn {n}")), force=True).id
                 for n, year in ((21, 2030), (22, 2028), (23, 2029), (24, 2031))]
        first = next(r.id for r in reg.list(unit="SNV") if r.depart_on.year == 2024)
    client = app_of(province).test_client()
    pages = _walk(client, "/register?limit=3", "snv")
    assert [len(p) for p in pages] == [3, 3, 1]
    rows = [(css, int(i)) for p in pages for css, i in p]
    # the three overdue reports first, earliest deadline first; then the rest by departure; never STC's
    assert rows == [("overdue", late[1]), ("overdue", first), ("overdue", late[0])] + \
        [("", later[i]) for i in (1, 2, 0, 3)]
    page = client.get("/register?limit=3&page=2", headers=basic("snv")).get_data(as_text=True)
    assert "Đoàn 4–6 trong tổng số 7 (3 đoàn quá hạn báo cáo, xếp trước); trang 2/3." in " ".join(page.split())
    assert 'rel="prev" href="/register?page=1&amp;limit=3"' in page
    # the province's user pages through every unit's, STC's included
    everyone = [int(i) for p in _walk(client, "/register?limit=4", "btc") for _, i in p]
    assert len(everyone) == len(set(everyone)) == 8


def test_a_register_page_past_the_last_or_not_a_number_says_so_in_vietnamese(province):
    client = app_of(province).test_client()
    beyond = client.get("/register?page=9", headers=basic("snv"))
    assert beyond.status_code == 404
    assert "Sổ có 1 trang (1 đoàn); trang 9 không có đoàn nào." in beyond.get_data(as_text=True)
    for query, words in (("page=0", "Tham số page “0” không hợp lệ"), ("limit=abc", "Tham số limit “abc” không hợp lệ"),
                         ("limit=100000", "mỗi trang tối đa 500 đoàn")):
        response = client.get(f"/register?{query}", headers=basic("snv"))
        assert response.status_code == 422 and words in response.get_data(as_text=True), query
        assert "Traceback" not in response.get_data(as_text=True)
