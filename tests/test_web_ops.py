"""Running formgen serve for a province: user management, several gunicorn workers on PostgreSQL, reverse
proxies, the web tables under the register's schema versioning, and one register opened per process.

The PostgreSQL cases run when FORMGEN_TEST_POSTGRES holds a database URL."""
from __future__ import annotations

import copy
import datetime as dt
import http.cookiejar
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

pytest.importorskip("flask_smorest", reason="the web extra is not installed: pip install \".[web]\"")

from formgen import validate  # noqa: E402
from formgen.errors import InvalidInput  # noqa: E402
from formgen.register import Register, schema_version, storage  # noqa: E402
from formgen.web import create_app  # noqa: E402
from formgen.web.users import Users  # noqa: E402
from test_web_auth import PASSWORD, POSTGRES, _drop, basic, location  # noqa: E402,F401 (location: a fixture)

ROOT = Path(__file__).resolve().parent.parent
WEB = ("web_users", "web_login_attempts", "web_register_changes", "web_user_changes", "web_secrets", "web_signed_pdfs")


def _url(location) -> str:
    return location if "://" in str(location) else f"sqlite:///{location}"


@pytest.fixture
def users_of(location):
    with Users(location) as users:
        users.add("snv", PASSWORD, unit="SNV")
        users.add("btc", PASSWORD, role="province")
    return location


def logged_in(location, name="snv", **kwargs):
    client = create_app(register=location, testing=True, **kwargs).test_client()
    assert client.post("/login", data={"name": name, "password": PASSWORD}).status_code == 302
    assert client.get("/api/register").status_code == 200
    return client


# --- user management -----------------------------------------------------------------------------


def test_removing_a_user_ends_their_open_session(users_of):
    client = logged_in(users_of)
    with Users(users_of) as users:
        users.remove("snv", by="cli:admin")
    assert client.get("/api/register").status_code == 401
    assert client.get("/").headers["Location"].endswith("/login")


def test_a_user_removed_and_added_again_does_not_get_the_old_sessions_back(users_of):
    client = logged_in(users_of)
    with Users(users_of) as users:
        users.remove("snv")
        users.add("snv", PASSWORD, unit="SNV")
    assert client.get("/api/register").status_code == 401


def test_a_new_password_ends_the_users_sessions_and_the_old_password(users_of):
    client, other = logged_in(users_of), logged_in(users_of, "btc")
    with Users(users_of) as users:
        users.set_password("snv", "mật-khẩu-mới-dài", by="cli:admin")
    assert client.get("/api/register").status_code == 401
    assert other.get("/api/register").status_code == 200  # another user's session goes on
    fresh = create_app(register=users_of, testing=True).test_client()
    assert fresh.get("/api/register", headers=basic("snv")).status_code == 401
    assert fresh.get("/api/register", headers=basic("snv", "mật-khẩu-mới-dài")).status_code == 200


def test_a_user_moved_to_another_unit_sees_that_unit_from_the_next_request(users_of, trip_data):
    with Register(users_of) as reg:
        reg.add(validate(trip_data))  # a delegation of SNV
    client = logged_in(users_of)
    assert len(client.get("/api/register").json["records"]) == 1
    with Users(users_of) as users:
        users.set_role("snv", unit="STC")
    assert client.get("/api/register").json["records"] == []
    assert client.get("/api/register?unit=SNV").status_code == 403


def _cli_user(run_formgen, monkeypatch, db, *args, stdin=PASSWORD + "\n"):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run_formgen("users", *args, "--register", db)


def test_every_change_to_the_users_records_who_and_when(tmp_path, run_formgen, monkeypatch):
    db = tmp_path / "r.sqlite"
    assert _cli_user(run_formgen, monkeypatch, db, "add", "snv", "--unit", "SNV", "--password-stdin").exit_code == 0
    assert _cli_user(run_formgen, monkeypatch, db, "role", "snv", "--unit", "STC").exit_code == 0
    assert _cli_user(run_formgen, monkeypatch, db, "password", "snv", "--password-stdin",
                     stdin="mật-khẩu-mới-dài\n").exit_code == 0
    assert _cli_user(run_formgen, monkeypatch, db, "remove", "snv").exit_code == 0
    with Users(str(db)) as users:
        changes = users.user_changes("snv")
    assert [(c["action"], c["detail"]) for c in changes] == [
        ("add", "đơn vị SNV"), ("role", "đơn vị SNV → đơn vị STC"),
        ("password", "đổi mật khẩu; các phiên đăng nhập cũ đã kết thúc"), ("remove", "đơn vị STC")]
    assert all(c["by"].startswith("cli") and dt.datetime.fromisoformat(c["at"]).tzinfo for c in changes)
    assert "mật-khẩu" not in json.dumps(changes, ensure_ascii=False)


def test_users_list_names_each_user_and_unit(tmp_path, run_formgen, monkeypatch):
    db = tmp_path / "r.sqlite"
    _cli_user(run_formgen, monkeypatch, db, "add", "snv", "--unit", "SNV", "--password-stdin")
    _cli_user(run_formgen, monkeypatch, db, "add", "btc", "--province", "--password-stdin")
    listed = run_formgen("users", "list", "--register", db)
    assert listed.exit_code == 0 and listed.stdout.splitlines() == ["btc\tBan Tổ chức", "snv\tSNV"]
    document = json.loads(run_formgen("users", "list", "--register", db, "--json").stdout)
    assert document["users"] == [{"name": "btc", "role": "province", "unit": None},
                                 {"name": "snv", "role": "unit", "unit": "SNV"}]


@pytest.mark.parametrize("args", [("remove", "ai"), ("password", "ai", "--password-stdin"),
                                  ("role", "ai", "--province")])
def test_an_unknown_user_is_one_line_and_exit_2_and_nothing_is_asked(args, tmp_path, run_formgen, monkeypatch):
    db = tmp_path / "r.sqlite"
    _cli_user(run_formgen, monkeypatch, db, "add", "snv", "--unit", "SNV", "--password-stdin")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a password read would get nothing
    result = run_formgen("users", *args, "--register", db)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"Không có người dùng “ai” trong sổ “{db}” (xem formgen users list)."]
    with Users(str(db)) as users:
        assert [u.name for u in users.list()] == ["snv"] and len(users.user_changes()) == 1


def test_a_password_is_never_taken_from_the_command_line(tmp_path, run_formgen):
    result = run_formgen("users", "password", "snv", "--password", PASSWORD, "--register", tmp_path / "r.sqlite")
    assert result.exit_code == 2 and "Không có tùy chọn --password" in result.stderr


def test_a_short_new_password_is_refused_and_the_old_one_still_works(users_of):
    with Users(users_of) as users:
        with pytest.raises(InvalidInput, match="ít nhất 8 ký tự"):
            users.set_password("snv", "ngắn")
        assert users.login("snv", PASSWORD) is not None


# --- behind a reverse proxy ----------------------------------------------------------------------


@pytest.fixture
def few_failures(monkeypatch):
    """The address's limit of names lowered, so a test reaches it in a few argon2 hashes (it is the same code)."""
    monkeypatch.setattr("formgen.web.users.MAX_ADDRESS_NAMES", 3)
    return 3


def _fail_login(client, name: str, **headers):
    return client.post("/login", data={"name": name, "password": "sai"}, headers=headers)


def test_without_a_proxy_a_spoofed_forwarded_for_does_not_dodge_the_login_limit(users_of, few_failures):
    client = create_app(register=users_of, testing=True).test_client()
    for i in range(few_failures):  # a name each time, and a new address claimed each time
        assert _fail_login(client, f"doan-{i}", **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code == 401
    limited = _fail_login(client, "snv", **{"X-Forwarded-For": "10.9.9.9"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_claims(users_of, few_failures):
    client = create_app(register=users_of, testing=True, proxies=1).test_client()
    for i in range(few_failures):  # the proxy appends the real address after the client's claim
        assert _fail_login(client, f"doan-{i}", **{"X-Forwarded-For": f"10.0.0.{i}, 203.0.113.7"}).status_code == 401
    assert _fail_login(client, "snv", **{"X-Forwarded-For": "10.9.9.9, 203.0.113.7"}).status_code == 429
    other = client.post("/login", data={"name": "snv", "password": PASSWORD},
                        headers={"X-Forwarded-For": "203.0.113.8"})  # another office is not held up
    assert other.status_code == 302


def test_one_person_mistyping_from_the_office_address_does_not_hold_up_a_colleague(users_of, few_failures):
    """The address limit counts the names that failed there: the clerk who mistyped waits, the office does not."""
    client = create_app(register=users_of, testing=True).test_client()
    for _ in range(5):  # MAX_FAILURES of one name, more than the (lowered) address limit
        assert _fail_login(client, "snv").status_code == 401
    assert _fail_login(client, "snv").status_code == 429  # that name waits
    colleague = client.post("/login", data={"name": "btc", "password": PASSWORD})
    assert colleague.status_code == 302


def test_many_failures_on_few_names_from_one_address_still_hold_it_up(users_of, few_failures, monkeypatch):
    monkeypatch.setattr("formgen.web.users.MAX_ADDRESS_FAILURES", 7)
    client = create_app(register=users_of, testing=True).test_client()
    for name, times in (("doan-1", 5), ("doan-2", 2)):  # two names (under the names' limit), seven failures
        for _ in range(times):
            assert _fail_login(client, name).status_code == 401
    limited = _fail_login(client, "doan-3")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_forwarded_https_gives_secure_cookies_only_from_a_trusted_proxy(users_of):
    https = {"X-Forwarded-Proto": "https"}
    direct = create_app(register=users_of, testing=True).test_client()
    response = direct.post("/login", data={"name": "snv", "password": PASSWORD}, headers=https)
    assert "Secure" not in response.headers["Set-Cookie"]
    proxied = create_app(register=users_of, testing=True, proxies=1).test_client()
    response = proxied.post("/login", data={"name": "snv", "password": PASSWORD}, headers=https)
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    plain = proxied.post("/login", data={"name": "snv", "password": PASSWORD}, headers={"X-Forwarded-Proto": "http"})
    assert "Secure" not in plain.headers["Set-Cookie"]


def test_behind_a_proxy_under_a_prefix_the_redirects_stay_under_it(users_of):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "so.tinhuy.vn", "X-Forwarded-Prefix": "/formgen"}
    client = create_app(register=users_of, testing=True, proxies=1).test_client()
    assert client.get("/", headers=headers).headers["Location"] in ("/formgen/login",
                                                                    "https://so.tinhuy.vn/formgen/login")
    page = client.get("/login", headers=headers).get_data(as_text=True)
    assert 'action="/formgen/login"' in page
    ignored = create_app(register=users_of, testing=True).test_client()
    assert ignored.get("/", headers=headers).headers["Location"] == "/login"


def test_a_bad_number_of_proxies_is_one_line(users_of, run_formgen, monkeypatch):
    import waitress
    served = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.append(app))
    monkeypatch.setenv("FORMGEN_PROXIES", "hai")
    result = run_formgen("serve", "--register", users_of)
    assert result.exit_code == 2 and served == []
    assert result.stderr.splitlines()[-1].startswith("Số reverse proxy tin cậy “hai” không hợp lệ")


def test_serve_passes_the_number_of_proxies_to_the_application(users_of, run_formgen, monkeypatch):
    import waitress
    seen = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: seen.update(app=app))
    assert run_formgen("serve", "--proxies", "2", "--register", users_of).exit_code == 0
    assert seen["app"].config["FORMGEN_PROXIES"] == 2
    monkeypatch.setenv("FORMGEN_PROXIES", "1")
    assert run_formgen("serve", "--register", users_of).exit_code == 0
    assert seen["app"].config["FORMGEN_PROXIES"] == 1


# --- the web tables under the register's schema versioning ------------------------------------------


def _old_web_tables(metadata: sa.MetaData) -> None:
    """formgen serve's tables as the previous main made them at every start (metadata.create_all)."""
    sa.Table("web_users", metadata, sa.Column("name", sa.String(100), primary_key=True),
             sa.Column("role", sa.String(20), nullable=False), sa.Column("unit", sa.String(50)),
             sa.Column("password_hash", sa.String(200), nullable=False),
             sa.Column("created_at", sa.DateTime(timezone=True), nullable=False))
    sa.Table("web_login_attempts", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("name", sa.String(100), nullable=False, index=True), sa.Column("address", sa.String(64)),
             sa.Column("at", sa.DateTime(timezone=True), nullable=False), sa.Column("ok", sa.Boolean, nullable=False))
    sa.Table("web_register_changes", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("record_id", sa.Integer, nullable=False), sa.Column("action", sa.String(20), nullable=False),
             sa.Column("user", sa.String(100), nullable=False),
             sa.Column("at", sa.DateTime(timezone=True), nullable=False))
    sa.Table("web_secrets", metadata, sa.Column("name", sa.String(50), primary_key=True),
             sa.Column("value", sa.String(200), nullable=False))
    sa.Table("web_signed_pdfs", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("record_id", sa.Integer, nullable=False, index=True),
             sa.Column("kind", sa.String(20), nullable=False), sa.Column("file_name", sa.String(120), nullable=False),
             sa.Column("body", sa.LargeBinary, nullable=False), sa.Column("sha256", sa.String(64), nullable=False),
             sa.Column("summary", sa.Text, nullable=False), sa.Column("user", sa.String(100), nullable=False),
             sa.Column("at", sa.DateTime(timezone=True), nullable=False))


def _previous_main_register(location) -> None:
    """A register of version 1 with the web tables made the old way: a user, the session key, a change."""
    from argon2 import PasswordHasher
    engine = sa.create_engine(_url(location))
    metadata = sa.MetaData()
    _old_web_tables(metadata)
    now = dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        storage.MIGRATIONS[0](conn)
        conn.execute(sa.insert(storage.VERSION).values(version=1))
        metadata.create_all(conn)
        conn.execute(metadata.tables["web_users"].insert().values(
            name="snv", role="unit", unit="SNV", password_hash=PasswordHasher().hash(PASSWORD), created_at=now))
        conn.execute(metadata.tables["web_secrets"].insert().values(name="session", value="khoa-cu-" + "0" * 56))
        conn.execute(metadata.tables["web_register_changes"].insert().values(record_id=3, action="add", user="snv",
                                                                             at=now))
    engine.dispose()


def _stored_version(location) -> int:
    engine = sa.create_engine(_url(location))
    with engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.max(storage.VERSION.c.version))).scalar()
    engine.dispose()
    return found


def test_a_register_of_the_previous_main_with_its_web_tables_is_upgraded_once(location):
    _previous_main_register(location)
    old_session = create_app(register=location, secret_key="khoa-cu-" + "0" * 56, testing=True).test_client()
    assert _stored_version(location) == schema_version()  # opening it upgraded it
    app = create_app(register=location, testing=True)
    assert app.secret_key == "khoa-cu-" + "0" * 56      # the session key is kept: the same for every worker
    with old_session.session_transaction() as session:
        session["user"] = "snv"                         # a cookie as the previous main signed it (no token)
    assert old_session.get("/api/register").status_code == 401
    client = app.test_client()
    assert client.post("/login", data={"name": "snv", "password": PASSWORD}).status_code == 302  # the old hash
    assert client.get("/api/register").status_code == 200
    with Users(location) as users:
        assert users.changes(3)[0]["user"] == "snv"
        users.set_password("snv", "mật-khẩu-mới-dài")
        assert [c["action"] for c in users.user_changes()] == ["password"]
    assert _stored_version(location) == schema_version()
    inspector_columns = _columns(location, "web_users")
    assert inspector_columns == [c.name for c in storage.WEB_TABLES["web_users"].columns]


def _columns(location, table: str) -> list[str]:
    engine = sa.create_engine(_url(location))
    names = [c["name"] for c in sa.inspect(engine).get_columns(table)]
    engine.dispose()
    return names


def test_a_fresh_register_has_the_web_tables_the_code_reads_without_the_server(location):
    Register(location).close()  # the CLI alone (formgen register add ...): the same schema
    engine = sa.create_engine(_url(location))
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) >= set(WEB)
    for name in WEB:
        assert [c["name"] for c in inspector.get_columns(name)] == [c.name for c in storage.WEB_TABLES[name].columns]
    engine.dispose()


def test_the_server_refuses_a_register_newer_than_the_code(location):
    Register(location).close()
    engine = sa.create_engine(_url(location))
    with engine.begin() as conn:
        conn.execute(sa.update(storage.VERSION).values(version=schema_version() + 1))
    engine.dispose()
    with pytest.raises(InvalidInput, match=f"phiên bản {schema_version() + 1}, mới hơn"):
        create_app(register=location)


# --- one register opened per process ---------------------------------------------------------------


def test_requests_open_no_engine_and_check_no_schema(users_of, trip_data, monkeypatch):
    client = logged_in(users_of)
    counts = {"engines": 0, "checks": 0}
    create_engine, migrate = sa.create_engine, storage.Storage.migrate

    def counted_engine(*args, **kwargs):
        counts["engines"] += 1
        return create_engine(*args, **kwargs)

    def counted_migrate(self):
        counts["checks"] += 1
        return migrate(self)

    monkeypatch.setattr(storage.sa, "create_engine", counted_engine)
    monkeypatch.setattr(storage.Storage, "migrate", counted_migrate)
    body = json.dumps(trip_data, ensure_ascii=False, default=str)
    assert client.post("/api/register", data=body, content_type="application/json").status_code == 200
    assert client.post("/api/check/request", data=body, content_type="application/json").status_code == 200
    assert client.get("/api/register").status_code == 200
    assert client.get("/register").status_code == 200
    assert counts == {"engines": 0, "checks": 0}


# --- several gunicorn workers on one PostgreSQL register ----------------------------------------------

UNITS = ["SNV", "STC", "SYT", "SGD", "SXD", "SCT", "STP", "SNN", "SKH", "STN", "SLD", "SVH"]


class Browser:
    """One client with its own cookies, as a person with a browser is."""

    def __init__(self, base: str, address: str, tls=None):
        self.base = base
        self.address = address  # as the reverse proxy in front would say it saw this client
        self.jar = http.cookiejar.CookieJar()
        self.last: dict = {}   # the headers of the last answer
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect(),
                                                  urllib.request.HTTPSHandler(context=tls))

    def request(self, path: str, data: bytes | None = None, content_type: str | None = None) -> tuple[int, bytes]:
        headers = {"X-Forwarded-For": self.address, "Referer": self.base + "/login",  # as a browser sends it
                   **({"Content-Type": content_type} if content_type else {})}
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data, headers=headers),
                                  timeout=120) as answer:
                self.last = dict(answer.headers)
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            self.last = dict(exc.headers)
            return exc.code, exc.read()

    def login(self, name: str, password: str = PASSWORD) -> int:
        status, page = self.request("/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"name": name, "password": password, "csrf_token": token}).encode()
        return self.request("/login", form, "application/x-www-form-urlencoded")[0]

    def session_cookie(self) -> str:
        return next(c.value for c in self.jar if c.name == "session")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, not to follow


def _gunicorn(tmp_path, env):
    log = tmp_path / "access.log"
    errors = open(tmp_path / "gunicorn.err", "w+", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "3", "--bind", "127.0.0.1:0", "--preload",
         "--access-logfile", str(log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "formgen.web.wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        errors.seek(0)
        text = errors.read()
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if found and text.count("Booting worker") >= 3:
            return process, f"http://127.0.0.1:{found.group(1)}", log, errors
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    errors.seek(0)
    pytest.fail(f"gunicorn did not start: {errors.read()[-2000:]}")


def _delegation(trip_data, n: int) -> bytes:
    trip = copy.deepcopy(trip_data)
    trip["issuer"].update(name=f"Cơ quan {UNITS[n]}", abbreviation=UNITS[n])
    trip["delegation"]["leader"]["name"] = f"Trần Văn Số {n}"
    return json.dumps(trip, ensure_ascii=False, default=str).encode("utf-8")


@pytest.mark.slow
def test_several_gunicorn_workers_share_sessions_and_the_register_and_lose_nothing(tmp_path, trip_data):
    pytest.importorskip("gunicorn", reason="gunicorn is not installed: pip install \".[web]\"")
    if not POSTGRES:
        pytest.skip("PostgreSQL: set FORMGEN_TEST_POSTGRES to a database URL (workers share a PostgreSQL register)")
    _drop(POSTGRES)
    with Users(POSTGRES) as users:
        users.add("btc", PASSWORD, role="province")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORMGEN_")}
    env.update(FORMGEN_REGISTER=POSTGRES, FORMGEN_PROXIES="1", PYTHONPATH=str(ROOT))
    process, base, log, errors = _gunicorn(tmp_path, env)
    try:
        clients, each = 4, 3

        def work(i: int) -> list[tuple[str, int]]:
            browser = Browser(base, f"198.51.100.{i + 1}")
            done = [("login", browser.login("btc"))]
            for k in range(each):
                body = _delegation(trip_data, i * each + k)
                done.append(("add", browser.request("/api/register", body, "application/json")[0]))
                status, docx = browser.request("/api/render/request", body, "application/json")
                done.append(("render", status if docx[:2] == b"PK" else -status))
            done.append(("list", browser.request("/api/register")[0]))
            done.append(("cookie", browser.session_cookie()))
            return done

        with ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(work, range(clients)))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    statuses = [(what, s) for done in results for what, s in done if what != "cookie"]
    assert statuses.count(("login", 302)) == clients
    assert [s for what, s in statuses if what != "login"] == [200] * (clients * (2 * each + 1))
    with Register(POSTGRES) as reg:
        records = reg.list()
    assert sorted(r.unit_code for r in records) == sorted(UNITS[:clients * each])  # none lost
    with Users(POSTGRES) as users:
        assert [c["user"] for c in users.changes()] == ["btc"] * (clients * each)
        key = users.secret_key()
    engine = sa.create_engine(POSTGRES)
    with engine.connect() as conn:  # FORMGEN_PROXIES=1: each login counted at the address the proxy saw
        addresses = sorted(conn.exec_driver_sql("SELECT address FROM web_login_attempts").scalars())
    engine.dispose()
    assert addresses == [f"198.51.100.{i + 1}" for i in range(clients)]
    # the sessions are signed with the key kept in the register: any worker reads any other's
    signer = create_app(secret_key=key)
    cookie = next(s for what, s in results[0] if what == "cookie")
    assert signer.session_interface.get_signing_serializer(signer).loads(cookie)["user"] == "btc"
    served = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    assert not [line for line in served if line[-1].startswith("5")]
    workers = {pid for pid, method, path, status in served if path.startswith("/api/")}
    assert len(workers) >= 2, served  # the sessions one worker made were honoured by the others
    errors.seek(0)
    assert "Traceback" not in errors.read()
    errors.close()
    _drop(POSTGRES)


# --- through a real nginx with TLS (when Debian's nginx is installed) -------------------------------------


def _self_signed(folder: Path) -> None:
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))


def _answers(browser: Browser) -> bool:
    try:
        return browser.request("/login")[0] == 200
    except urllib.error.URLError:  # not listening yet
        return False


def _free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


NGINX_CONF = """{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {tmp}/cert.pem;
        ssl_certificate_key {tmp}/key.pem;
        client_max_body_size 2m;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;     # the README's $host, with this test's port
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


@pytest.mark.slow
def test_through_nginx_with_tls_cookies_are_secure_logins_work_and_a_spoofed_address_is_not_believed(tmp_path):
    import shutil
    import ssl
    import threading

    from werkzeug.serving import make_server

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx): the proxied run is shown by the ProxyFix tests")
    pytest.importorskip("cryptography", reason="the test certificate needs cryptography")
    db = str(tmp_path / "r.sqlite")
    with Users(db) as users:
        users.add("snv", PASSWORD, unit="SNV")
    server = make_server("127.0.0.1", 0, create_app(register=db, proxies=1), threaded=True)  # CSRF on
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _self_signed(tmp_path)
    port = _free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""  # nginx started by root would run its worker as nobody
    (tmp_path / "nginx.conf").write_text(NGINX_CONF.format(user=user, tmp=tmp_path, port=port,
                                                           upstream=server.server_port), encoding="utf-8")
    process = subprocess.Popen([nginx, "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c",
                                str(tmp_path / "nginx.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        tls = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        browser = Browser(f"https://127.0.0.1:{port}", "10.6.6.6", tls)  # the client claims another address
        deadline = time.monotonic() + 30
        while not _answers(browser):
            assert time.monotonic() < deadline and process.poll() is None, process.stderr.read().decode()
            time.sleep(0.2)
        assert browser.login("snv", "sai") == 401
        assert browser.login("snv") == 302                      # the form's CSRF check passes over https
        assert not browser.last["Location"].startswith("http:")
        (cookie,) = [c for c in browser.jar if c.name == "session"]
        assert cookie.secure and "HttpOnly" in browser.last["Set-Cookie"]
        assert browser.request("/api/register")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
        server.shutdown()
    engine = sa.create_engine(_url(db))
    with engine.connect() as conn:
        addresses = set(conn.exec_driver_sql("SELECT address FROM web_login_attempts").scalars())
    engine.dispose()
    assert addresses == {"127.0.0.1"}  # what nginx saw, not what the client claimed


def test_a_new_password_typed_at_the_prompt_twice_is_taken_and_a_mismatch_asked_again(tmp_path):
    from click.testing import CliRunner

    from formgen.cli import cli
    db = str(tmp_path / "r.sqlite")
    with Users(db) as users:
        users.add("snv", PASSWORD, unit="SNV")
    typed = "mật-khẩu-gõ-vào\nkhác-hẳn-đi\nmật-khẩu-gõ-vào\nmật-khẩu-gõ-vào\n"  # a mismatch, then the same twice
    result = CliRunner().invoke(cli, ["users", "password", "snv", "--register", db], input=typed)
    assert result.exit_code == 0, result.output
    assert "mật-khẩu-gõ-vào" not in result.output  # never echoed
    with Users(db) as users:
        assert users.login("snv", "mật-khẩu-gõ-vào") is not None and users.login("snv", PASSWORD) is None
