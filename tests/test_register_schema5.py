"""Schema version 5 of the register (the duplicate rule fast where thousands share a place): a version 4 register
opened upgrades itself and finds the same duplicates, the counted sets follow every write, an interrupted upgrade
leaves the register at its old version — on SQLite, and on PostgreSQL when FORMGEN_TEST_POSTGRES is set."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

import formgen
from formgen import model
from formgen.policy.profile import focus_key
from formgen.register import Register, records, storage

from test_register import SKHDT, delegation, location  # noqa: F401  (location: the fixture, a fresh register)
from test_register_perf import ANSWERS, HERE, old_location  # noqa: F401  (old_location: schema version 1)


def _as_version_4(location) -> None:
    """The register opened (version 5), then as version 4 left it: version 5's additions taken off."""
    with Register(location) as reg, reg.transaction(write=True) as conn:
        conn.exec_driver_sql("DROP TABLE delegation_topic_sets")
        conn.exec_driver_sql("DROP INDEX delegation_topics_latest")
        conn.exec_driver_sql("ALTER TABLE delegation_topics DROP COLUMN depart_on")
        conn.exec_driver_sql("CREATE INDEX delegation_topics_key ON delegation_topics (place_key, area_key)")
        conn.execute(sa.update(storage.VERSION).values(version=4))


def _state(location) -> dict:
    """What the upgrade changes, read without opening (upgrading) the register."""
    url = storage._url(location)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        state = {"version": conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar(),
                 "tables": set(inspector.get_table_names()),
                 "delegation columns": {c["name"] for c in inspector.get_columns("delegations")}}
        if "delegation_topics" in state["tables"]:
            state["topic columns"] = {c["name"] for c in inspector.get_columns("delegation_topics")}
            state["topic indexes"] = {i["name"] for i in inspector.get_indexes("delegation_topics")}
    engine.dispose()
    return state


def _counted(reg: Register) -> dict:
    with reg.transaction() as conn:
        return {(r.place_key, r.area_keys): r.delegations for r in conn.execute(sa.select(storage.SETS))}


def _expected(reg: Register) -> dict:
    """The sets counted from the delegations themselves: each one once at each of its places, with its areas."""
    counts: dict = {}
    for record in reg.list(trip=False):
        places, areas = {focus_key(p) for p in record.places}, {focus_key(a) for a in record.focus_areas}
        for place in places if areas else ():
            key = (place, storage.area_set(areas))
            counts[key] = counts.get(key, 0) + 1
    return counts


def _findings(reg: Register) -> dict:
    """The rules' findings for the old register's test trips, from the register's narrowed history."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_old_register", HERE / "make_old_register.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    return {n: [f.as_dict() for f in formgen.check(maker.trip(int(n)), "request",
                                                   history=reg.history(maker.trip(int(n)))).findings]
            for n in ANSWERS["findings"]}


def test_a_version_4_register_opened_becomes_version_5_and_finds_the_same_duplicates(old_location):
    with Register(old_location) as reg:
        before = _findings(reg)
    _as_version_4(old_location)
    old = _state(old_location)
    assert old["version"] == 4 and "delegation_topic_sets" not in old["tables"] and "depart_on" not in old["topic columns"]
    with Register(old_location) as reg:
        assert _findings(reg) == before
        assert any(f["code"] == "R10" for found in before.values() for f in found)  # the rule had something to say
        assert _counted(reg) == _expected(reg) and _counted(reg)
        with reg.transaction() as conn:
            T, D = storage.TOPICS.c, storage.D
            moved = conn.execute(sa.select(sa.func.count()).select_from(storage.TOPICS.join(
                storage.DELEGATIONS, T.delegation_id == D.id)).where(T.depart_on != D.depart_on)).scalar()
            unset = conn.execute(sa.select(sa.func.count()).where(T.depart_on.is_(None))).scalar()
        assert (moved, unset) == (0, 0)
    new = _state(old_location)
    assert new["version"] == 5 and "delegation_topics_latest" in new["topic indexes"]
    assert "delegation_topics_key" not in new["topic indexes"]


def test_the_counted_sets_follow_every_add_update_move_and_removal(location):
    two = ["cải cách hành chính", "chuyển đổi số"]

    def on(trip, areas, *places):
        d = {**trip, "delegation": {**trip["delegation"], "focus_areas": areas}}
        if places:
            stop = d["delegation"]["stops"][0]
            d["delegation"]["stops"] = [{**stop, "place": p} for p in places]
        return model.validate_trip(d)

    with Register(location) as reg:
        steps = []
        a = reg.add(on(delegation(dt.date(2024, 2, 5)), two), force=True)
        steps.append(("add", _counted(reg) == _expected(reg)))
        b = reg.add(on(delegation(dt.date(2024, 4, 8), unit=SKHDT), two[1:], "tỉnh Cà Mau", "Thành phố Đà Nẵng"),
                    force=True)
        steps.append(("add another", _counted(reg) == _expected(reg)))
        reg.add(on(delegation(dt.date(2024, 2, 5)), ["Chuyển đổi số"]), force=True)  # a's areas changed
        steps.append(("update", _counted(reg) == _expected(reg)))
        reg.add(on(delegation(dt.date(2024, 2, 5)), ["Chuyển đổi số"]), force=True)  # the same file again
        steps.append(("same again", _counted(reg) == _expected(reg)))
        moved = on(delegation(dt.date(2024, 4, 8), unit=SKHDT), two[1:], "tỉnh Cà Mau")
        reg.add(moved, force=True, record_id=b.id)
        steps.append(("a place left out", _counted(reg) == _expected(reg)))
        reg.remove(a.id)
        steps.append(("remove", _counted(reg) == _expected(reg)))
        assert steps == [(name, True) for name, _ in steps]
        assert _counted(reg) == {("tỉnh cà mau", '["chuyển đổi số"]'): 1}
        trip = on(delegation(dt.date(2024, 9, 9)), two, "tỉnh Cà Mau")
        (warning,) = [f for f in formgen.check(trip, "request", history=reg.history(trip)).findings if f.code == "R10"]
        assert warning.message.startswith(f"Đã có đoàn {b.id} của Sở Kế hoạch và Đầu tư đi tỉnh Cà Mau "
                                          "(ngày 08/04/2024) về lĩnh vực “chuyển đổi số”")


def test_an_upgrade_to_version_5_interrupted_leaves_version_4_and_the_next_opening_upgrades(old_location,
                                                                                           monkeypatch):
    _as_version_4(old_location)
    old = _state(old_location)

    def power_cut(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(storage, "count_topic_sets", power_cut)  # after the column and the index are made
    with pytest.raises(KeyboardInterrupt):
        Register(old_location)
    assert _state(old_location) == old
    monkeypatch.undo()
    with Register(old_location) as reg:
        assert _counted(reg) == _expected(reg) and _state(old_location)["version"] == 5


def test_an_old_register_upgrade_interrupted_midway_leaves_it_at_version_1_and_opens_again(old_location,
                                                                                         monkeypatch):
    old = _state(old_location)
    validated = []
    real = records.upgraded_columns

    def cut_at_the_twentieth(stored):
        validated.append(stored)
        if len(validated) == 20:
            raise KeyboardInterrupt
        return real(stored)

    monkeypatch.setattr(records, "upgraded_columns", cut_at_the_twentieth)
    with pytest.raises(KeyboardInterrupt):
        Register(old_location)
    assert old["version"] == 1 and _state(old_location) == old and len(validated) == 20
    monkeypatch.undo()
    with Register(old_location) as reg:
        assert len(reg.list(trip=False)) == 44 and _counted(reg) == _expected(reg)
    assert _state(old_location)["version"] == 5
