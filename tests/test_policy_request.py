"""The rules that gate the request letter, as scenarios read from tests/scenarios/request.yaml."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import formgen
from formgen.model import validate_trip
from formgen.yamlio import load_yaml

HERE = Path(__file__).parent
FIXTURE = load_yaml(HERE.parent / "fixtures" / "request.yaml")
SCENARIOS = load_yaml(HERE / "scenarios" / "request.yaml")
UNIT_PROFILE = str(HERE / "scenarios" / "unit-profile.yaml")  # the regulation with its number and day


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


def scenario_trip(spec: dict) -> dict:
    data = copy.deepcopy(FIXTURE)
    for path, value in (spec.get("set") or {}).items():
        apply(data, path, value)
    if "people" in spec:
        resize(data, spec["people"])
    return validate_trip(data)


def history(spec: dict) -> list[dict] | None:
    if "history" not in spec:
        return None
    trip = validate_trip(FIXTURE)
    return [{"id": f"D{i}", "issuer": {**trip["issuer"], "abbreviation": h["abbreviation"]},
             "depart_on": formgen.fields.parse_date(h["depart_on"]),
             "places": h.get("places", []), "focus_areas": h.get("focus_areas", [])}
            for i, h in enumerate(spec["history"], 1)]


@pytest.mark.parametrize("spec", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(spec):
    result = formgen.check(scenario_trip(spec), "request", history=history(spec),
                           profile=spec.get("profile", UNIT_PROFILE))
    assert sorted(f.code for f in result.errors) == sorted(spec["expect"])
    assert sorted(f.code for f in result.warnings) == sorted(spec.get("warn", []))
    assert result.ok == (not spec["expect"])


def test_every_finding_carries_code_path_message_and_citation():
    spec = next(s for s in SCENARIOS if s["name"] == "every violation is listed at once")
    findings = {f.code: f for f in formgen.check(scenario_trip(spec)).findings}
    assert findings["R06"].path == "delegation.members"
    assert findings["R06"].message.startswith("Đoàn có 8 người (kể cả trưởng đoàn), vượt mức 7 người")
    assert "Thường trực Tỉnh ủy" in findings["R06"].message
    assert "Không quá 7 người đối với đoàn do cấp phó" in findings["R06"].citation
    assert findings["R04"].path == "delegation.stops[0]"
    assert "3 ngày (04/06/2024 – 06/06/2024)" in findings["R04"].message
    assert findings["R01"].path == "request.date"
    assert "muộn hơn hạn chót 20/05/2024" in findings["R01"].message
    assert findings["R01"].citation == "Văn bản phải gửi trước 10 ngày làm việc tính đến ngày dự kiến đi."
    assert findings["R05"].message.startswith("Đoàn có 3 lãnh đạo chủ chốt (Nguyễn Văn An, Trần Thị Bích Ngọc, Lê Hoàng Phúc)")
    assert findings["R09"].path == "delegation.focus_areas[0]"
    assert "“du lịch”" in findings["R09"].message


def test_approval_message_cites_the_approval():
    spec = next(s for s in SCENARIOS if s["name"].startswith("a delegation larger than its approved size"))
    (finding,) = formgen.check(scenario_trip(spec)).errors
    assert "văn bản số 1234-CV/TU ngày 28/05/2024" in finding.message


def test_validity_warning_names_the_merger():
    spec = next(s for s in SCENARIOS if s["name"].startswith("a departure after Hậu Giang"))
    (warning,) = formgen.check(scenario_trip(spec), profile=UNIT_PROFILE).warnings
    assert warning.severity == "warning"
    assert "30/06/2025" in warning.message and "Cần Thơ" in warning.message


def test_deadlines_come_with_the_check():
    result = formgen.check(validate_trip(FIXTURE))
    assert result.deadlines.latest_request_date.isoformat() == "2024-05-20"
    assert result.deadlines.latest_report_date.isoformat() == "2024-06-21"
    assert result.deadlines.calendar["holidays"] == __import__("holidays").__version__
