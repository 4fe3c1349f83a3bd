"""Every rule scenario as data: tests/scenarios/<kind>.yaml, each a sentence, an input, the findings expected.

A file is named after the document kind it checks and starts from fixtures/<kind>.yaml (a scenario
may name another `fixture`); register.yaml records delegations in a fresh register instead, as
`formgen register add` does, and expects what the register's rules (R03, R10) say. Keys:
  set:      dotted paths in the input file and their new values (numbers index lists)
  people:   resize the delegation to this many people (leader included), adding ordinary members
  history:  earlier delegations given to the check (issuer abbreviation, departure date, places, focus areas)
  register: (register.yaml) delegations recorded first: departure date, and unit, leader, place, focus area
  force:    (register.yaml) record even what the rules refuse
  expect:   the rule codes refused (errors);  warn: the codes only warned
  paths:    the data paths of all findings, when the scenario names them
  says:     words each found message of a code contains, by code (e.g. R10: [“Đã có 4 đoàn”])
  profile:  the regulation checked against; by default tests/profiles/unit-profile.yaml, the built-in one
            with its number and day set, as a unit sets them (without, P01 warns on every document)
  records:  (register.yaml) how many delegations the register holds afterwards
"""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest

import formgen
from formgen.errors import Refused
from formgen.register import Register
from formgen.yamlio import load_yaml

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures"
SCENARIO_FILES = sorted((HERE / "scenarios").glob("*.yaml"))
UNIT_PROFILE = str(HERE / "profiles" / "unit-profile.yaml")
SCENARIOS = [(path.stem, spec) for path in SCENARIO_FILES for spec in load_yaml(path)]


def apply(data: dict, path: str, value) -> None:
    """Set a dotted path (numbers index lists) in raw input data."""
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
    node[int(last) if last.isdigit() else last] = value


def resize(data: dict, people: int) -> None:
    members = data["delegation"]["members"]
    while 1 + len(members) < people:
        members.append({"name": f"Thành viên bổ sung {len(members) + 1}", "position": "Chuyên viên",
                        "unit": "Sở Nội vụ"})
    del members[people - 1:]


def fixture_path(kind: str, spec: dict) -> Path:
    return FIXTURES / spec.get("fixture", f"{'request' if kind == 'register' else kind}.yaml")


def scenario_input(kind: str, spec: dict) -> dict:
    """The scenario's input, validated as formgen.load() would (an annual file's delegation files found beside it)."""
    path = fixture_path(kind, spec)
    data = copy.deepcopy(load_yaml(path))
    for dotted, value in (spec.get("set") or {}).items():
        apply(data, dotted, value)
    if "people" in spec:
        resize(data, spec["people"])
    return formgen.validate(data, source=str(path))


def history(spec: dict) -> list[dict] | None:
    if "history" not in spec:
        return None
    issuer = scenario_input("request", {})["issuer"]
    return [{"id": f"D{i}", "issuer": {**issuer, "abbreviation": h["abbreviation"]},
             "depart_on": formgen.dates.parse_date(h["depart_on"]),
             "places": h.get("places", []), "focus_areas": h.get("focus_areas", [])}
            for i, h in enumerate(spec["history"], 1)]


def earlier(entry: dict) -> dict:
    """A delegation recorded before the scenario's: the request fixture moved to another date (and unit, leader,
    place, focus area), its request unnumbered so that it is another delegation."""
    depart = formgen.dates.parse_date(entry["depart_on"])
    data = copy.deepcopy(load_yaml(FIXTURES / "request.yaml"))
    if "unit" in entry:
        data["issuer"]["abbreviation"], data["issuer"]["name"] = entry["unit"], f"Đơn vị {entry['unit']}"
    d = data["delegation"]
    d.update(depart_on=depart, return_on=depart + dt.timedelta(days=4))
    d["leader"]["name"] = entry.get("leader", d["leader"]["name"])
    d["focus_areas"] = [entry.get("focus_area", d["focus_areas"][0])]
    d["stops"] = [{"place": entry.get("place", "tỉnh Bến Tre"), "host": "Sở Nội vụ", "model": "mô hình một cửa",
                   "start": depart + dt.timedelta(days=1), "end": depart + dt.timedelta(days=2)}]
    data["request"].update(date=depart - dt.timedelta(days=30), number=None)
    return formgen.validate(data)


def findings_of(kind: str, spec: dict, tmp_path: Path) -> list[formgen.Problem]:
    profile = spec.get("profile", UNIT_PROFILE)
    if kind != "register":
        return formgen.check(scenario_input(kind, spec), kind, history=history(spec), profile=profile).findings
    with Register(tmp_path / "so.sqlite") as reg:
        for entry in spec.get("register", []):
            reg.add(scenario_input("request", {}) if entry == "the same file" else earlier(entry), force=True,
                    profile=profile)
        before = len(reg.list())
        try:
            found = reg.add_all([(scenario_input(kind, spec), "doan.yaml")], force=spec.get("force", False),
                                profile=profile)[0].findings
        except Refused as exc:
            assert len(reg.list()) == before  # refused: nothing recorded
            found = exc.problems
        if "records" in spec:
            assert len(reg.list()) == spec["records"]
    return found


@pytest.mark.parametrize("kind, spec", SCENARIOS, ids=[f"{kind}: {spec['name']}" for kind, spec in SCENARIOS])
def test_scenario(kind, spec, tmp_path):
    found = findings_of(kind, spec, tmp_path)
    assert sorted(f.code for f in found if f.severity == "error") == sorted(spec["expect"])
    assert sorted(f.code for f in found if f.severity != "error") == sorted(spec.get("warn", []))
    if "paths" in spec:
        assert sorted(f.path for f in found) == sorted(spec["paths"])
    for code, words in (spec.get("says") or {}).items():
        messages = [f.message for f in found if f.code == code]
        assert messages and all(w in m for m in messages for w in words), messages


def test_every_kind_and_the_register_have_scenarios():
    assert {path.stem for path in SCENARIO_FILES} == {*formgen.KINDS, "register"}
    names = [spec["name"] for _, spec in SCENARIOS]
    assert len(names) == len(set(names))  # each sentence says one case
