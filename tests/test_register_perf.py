"""The register read fast and the same: a register the old code wrote (tests/register/, see make_old_register.py)
upgraded to the stored forms gives the old answers (listings, states, overdue dates, annual reports, findings),
stored trips are revived, not validated again, and listings come a page at a time — on SQLite, and on
PostgreSQL when FORMGEN_TEST_POSTGRES is set."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa

import formgen
from formgen import model
from formgen.annual import annual_report
from formgen.register import Register, records, storage

HERE = Path(__file__).parent / "register"
OLD = HERE / "old-register.sqlite"
ANSWERS = json.loads((HERE / "old-answers.json").read_text(encoding="utf-8"))
POSTGRES = os.environ.get("FORMGEN_TEST_POSTGRES")
TABLES = "delegations, delegation_topics, schema_version"
DAYS = [dt.date.fromisoformat(key.split()[1]) for key in ANSWERS["list"] if key.startswith("all ")]
UNITS = sorted({key.split()[0] for key in ANSWERS["annual"]})
SECTION = {"number": 7, "date": "2025-12-20", "signer": {"name": "Lê Văn Bình", "title": "Giám đốc"},
           "summary": "Các đoàn đúng quy định."}


def _drop(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLES}")
    engine.dispose()


def _copy_to_postgres(url: str) -> None:
    """The old register's rows, as they are, in a version 1 register on PostgreSQL."""
    _, old_rows = storage._schema_v1(sa.MetaData())
    source = sa.create_engine(sa.URL.create("sqlite", database=str(OLD)))
    with source.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(old_rows).order_by(old_rows.c.id))]
    source.dispose()
    target = sa.create_engine(url, json_serializer=storage.json_text)
    with target.begin() as conn:
        storage._create_v1(conn)
        conn.execute(sa.text("INSERT INTO schema_version (version) VALUES (1)"))
        conn.execute(sa.insert(old_rows), rows)
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('delegations', 'id'), (SELECT max(id) FROM delegations))")
    target.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def old_location(request, tmp_path):
    """Where the old register lives, still as the old code left it (schema version 1)."""
    if request.param == "sqlite":
        path = tmp_path / "old.sqlite"
        shutil.copyfile(OLD, path)
        yield path
        return
    if not POSTGRES:
        pytest.skip("PostgreSQL: set FORMGEN_TEST_POSTGRES to a database URL to run these against it")
    _drop(POSTGRES)
    _copy_to_postgres(POSTGRES)
    yield POSTGRES
    _drop(POSTGRES)


@pytest.fixture
def upgraded(old_location):
    with Register(old_location) as reg:
        yield reg


def _plain(value):
    return json.loads(json.dumps(value, default=str))


# --- the same answers as the old code ---------------------------------------------------------------


def test_an_upgraded_register_lists_the_same_records_in_the_same_order_and_states(upgraded):
    for day in DAYS:
        assert [r.as_dict() for r in upgraded.list(on=day)] == ANSWERS["list"][f"all {day}"]
        assert [r.as_dict() for r in upgraded.list(on=day, trip=False)] == ANSWERS["list"][f"all {day}"]


def test_the_state_filter_in_the_database_selects_what_the_old_one_did_on_each_day(upgraded):
    for day in DAYS:
        for state in records.STATES:
            assert [r.id for r in upgraded.list(state=state, on=day)] == ANSWERS["list"][f"{state} {day}"], (state, day)


def test_the_unit_and_year_filters_select_what_they_did_hostile_codes_and_case_included(upgraded):
    for key, expected in ANSWERS["list"].items():
        if key.startswith("unit "):
            _, unit, *year = key.split()
            assert [r.id for r in upgraded.list(unit=unit, year=int(year[0]) if year else None)] == expected, key


def test_overdue_reports_have_the_same_deadlines_and_working_days_around_tet(upgraded):
    for key, expected in ANSWERS["overdue"].items():
        day, within = key.split()
        found = [d.as_dict() for d in upgraded.overdue(dt.date.fromisoformat(day), int(within))]
        # the answers were recorded before Due said which holidays were unchecked (none of 2024–2025 are)
        assert [{k: d[k] for k in e} for d, e in zip(found, expected)] == expected and len(found) == len(expected), key
        assert all(d["unchecked"] == [] for d in found), key


def test_an_upgraded_register_gives_the_annual_report_its_same_delegations(upgraded):
    for key, expected in ANSWERS["trips"].items():
        unit, year = key.split()
        if isinstance(expected, dict):
            with pytest.raises(formgen.InvalidInput) as refused:
                upgraded.trips(unit, int(year))
            assert refused.value.message == expected["error"] and refused.value.source == "sổ đăng ký, đoàn số 9"
        else:
            assert _plain(upgraded.trips(unit, int(year))) == expected, key


def test_the_annual_reports_say_word_for_word_what_they_said(upgraded, tmp_path):
    for unit in UNITS:
        for year in (2025, 2026):
            expected = ANSWERS["annual"][f"{unit} {year}"]
            out = tmp_path / f"{unit}-{year}.docx".replace("%", "p")
            if isinstance(expected, dict):
                with pytest.raises(formgen.InvalidInput):
                    annual_report(upgraded, unit, year, SECTION, out)
                assert not out.exists()
                continue
            annual_report(upgraded, unit, year, SECTION, out)
            document = docx.Document(out)
            text = [p.text for p in document.paragraphs] + [c.text for t in document.tables for row in t.rows
                                                            for c in row.cells]
            assert [_but_report_words(t) for t in text] == [_but_report_words(t) for t in expected], (unit, year)


def _but_report_words(text: str) -> str:
    """A line of an annual report without what it says of missing reports: since these answers were recorded, a
    report missing past its deadline on the annual's date is said to be overdue (tests/test_documents.py)."""
    text = text.split("Sau chuyến đi, ")[0]
    return re.sub(r"^Chưa (báo cáo, đã quá hạn|đến hạn báo cáo) \(\d\d/\d\d/\d{4}\)$", "Chưa báo cáo", text)


def test_the_rules_find_the_same_quota_and_duplicates_from_the_narrowed_history(upgraded):
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_old_register", HERE / "make_old_register.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    for n, expected in ANSWERS["findings"].items():
        new = maker.trip(int(n))
        found = [f.as_dict() for f in formgen.check(new, "request", history=upgraded.history(new)).findings]
        assert [f for f in found if f["code"] != "R10"] == [f for f in expected if f["code"] != "R10"], n
        # the duplicates the old rule named one finding each are one finding a stop now: as many, the latest named
        for path in {f["path"] for f in expected if f["code"] == "R10"}:
            old = [re.search(r"Đã có đoàn (\d+) của .* \(ngày (\d\d)/(\d\d)/(\d{4})\)", f["message"]).groups()
                   for f in expected if f["code"] == "R10" and f["path"] == path]
            latest = sorted(old, key=lambda g: (g[3], g[2], g[1], int(g[0])), reverse=True)[:3]
            (now,) = [f for f in found if f["code"] == "R10" and f["path"] == path]
            assert now["message"].startswith(f"Đã có {len(old)} đoàn đi "), (n, now["message"])
            assert re.findall(r"đoàn (\d+) của", now["message"]) == [g[0] for g in latest], n
        # counted in the database, it says what the rule counting every delegation itself says
        everything = [f.as_dict() for f in formgen.check(new, "request", history=upgraded.history({})).findings]
        assert [f for f in found if f["code"] == "R10"] == [f for f in everything if f["code"] == "R10"], n


# --- the stored forms: validated once, revived after ----------------------------------------------------


def _forms(location) -> dict[int, int | None]:
    with Register(location) as reg, reg.transaction() as conn:
        return dict(conn.execute(sa.select(storage.D.id, storage.D.trip_form)).all())


def test_opening_an_old_register_stores_every_trip_in_todays_form_once(old_location):
    with Register(old_location) as reg:
        head = reg.get(5)
    forms = _forms(old_location)
    assert {form for n, form in forms.items() if n != 9} == {model.TRIP_FORM} and forms[9] is None
    assert head.trip_data["delegation"]["leader"]["key_leader"] is True  # read as today's rules read it, stored so


def test_a_stored_trip_that_no_longer_validates_is_refused_when_read_never_revived(upgraded):
    with pytest.raises(formgen.InvalidInput) as refused:
        upgraded.get(9).trip()
    assert refused.value.source == "sổ đăng ký, đoàn số 9" and refused.value.problems[0].path == "delegation.size_note"
    assert upgraded.get(9).trip_form is None


def test_reading_trips_stored_in_todays_form_validates_nothing_again(upgraded, monkeypatch):
    def no_validation(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(records, "validate_trip", no_validation)
    trips = upgraded.trips("STC", 2025)
    assert trips and all(isinstance(t, model.Valid) for t in trips)
    assert [t["delegation"]["depart_on"] for t in trips] == sorted(t["delegation"]["depart_on"] for t in trips)


def test_a_revived_trip_is_what_validating_it_again_gives(upgraded):
    for record in upgraded.list():
        if record.trip_form == model.TRIP_FORM:
            assert record.trip() == model.validate_trip(record.trip_data), record.id


def test_a_record_read_for_a_listing_has_no_trip_and_says_so(upgraded):
    (record, *_) = upgraded.list(trip=False)
    assert record.trip_data is None
    with pytest.raises(ValueError, match="without its trip"):
        record.trip()


def test_adding_to_an_upgraded_register_updates_the_same_record_and_keeps_its_topics(upgraded):
    record = upgraded.get(12)
    again = upgraded.add(record.trip(), force=True)
    assert again.id == 12 and upgraded.list(trip=False)[-1].id == max(r.id for r in upgraded.list(trip=False))
    with upgraded.transaction() as conn:
        topics = conn.execute(sa.select(storage.TOPICS.c.place_key).where(storage.TOPICS.c.delegation_id == 12)).all()
    assert len(topics) == len(record.places) * len(record.focus_areas)
    upgraded.remove(12)
    with upgraded.transaction() as conn:
        assert conn.execute(sa.select(storage.TOPICS).where(storage.TOPICS.c.delegation_id == 12)).first() is None


# --- pages ---------------------------------------------------------------------------------------


def test_the_pages_of_a_listing_are_the_whole_listing_in_order_with_its_total(upgraded):
    day = DAYS[-1]
    whole = [r.id for r in upgraded.list(on=day)]
    pages = [upgraded.page(on=day, page=n, limit=5) for n in range(1, 11)]
    assert [r.id for p in pages for r in p.records] == whole
    assert {(p.total, p.pages) for p in pages} == {(len(whole), 9)} and pages[-1].records == []


def test_a_page_of_one_state_counts_that_state_only(upgraded):
    day = DAYS[2]
    found = upgraded.page(state="done", on=day, page=2, limit=3)
    expected = ANSWERS["list"][f"done {day}"]
    assert found.total == len(expected) and [r.id for r in found.records] == expected[3:6]


def test_the_overdue_filter_lists_the_overdue_reports_by_departure(upgraded):
    for day in DAYS:
        late = {d["id"] for d in ANSWERS["overdue"][f"{day} 0"] if d["overdue"]}
        expected = [r["id"] for r in ANSWERS["list"][f"all {day}"] if r["id"] in late]
        assert [r.id for r in upgraded.list(overdue=True, on=day)] == expected, day
        assert upgraded.page(overdue=True, on=day, unit="SNV", limit=2).total == sum(
            r["unit_code"] == "SNV" for r in ANSWERS["list"][f"all {day}"] if r["id"] in late)


@pytest.fixture
def old_file(tmp_path):
    """The old register as a SQLite file (the command line reads the same Register on both backends)."""
    shutil.copyfile(OLD, tmp_path / "old.sqlite")
    return tmp_path / "old.sqlite"


def test_register_list_shows_one_page_and_tells_the_clerk_how_to_see_the_next(old_file, run_formgen):
    old_location = old_file
    result = run_formgen("register", "list", "--page", "2", "--limit", "5", "--register", old_location)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [int(line.split()[0]) for line in lines[1:-1]] == [r["id"] for r in ANSWERS["list"]["all 2026-12-01"][5:10]]
    assert lines[-1] == "Trang 2/9: đoàn 6–10 trong 44 đoàn. Trang sau: --page 3; cả danh sách: --all."
    everything = run_formgen("register", "list", "--all", "--register", old_location)
    assert everything.stdout.splitlines()[-1] == "44 đoàn." and len(everything.stdout.splitlines()) == 46


def test_register_list_beyond_the_last_page_says_there_is_nothing_there(old_file, run_formgen):
    result = run_formgen("register", "list", "--page", "10", "--limit", "5", "--register", old_file)
    assert result.exit_code == 0 and result.stdout.splitlines()[-1] == "Trang 10 không có đoàn nào: 44 đoàn, 9 trang."


@pytest.mark.parametrize("page, limit", [(0, 5), (-1, 5), (1, 0), (True, 5), ("2", 5), (1, 2.5)])
def test_a_page_or_page_size_below_one_or_not_a_whole_number_is_refused_naming_both(upgraded, page, limit):
    with pytest.raises(formgen.InvalidInput) as refused:
        upgraded.page(page=page, limit=limit)
    assert refused.value.message.startswith(f"Trang {page}, {limit} đoàn mỗi trang")
