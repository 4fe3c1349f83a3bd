"""The request's findings in detail, for scenarios of tests/scenarios/request.yaml (all kinds run in test_scenarios.py)."""
from __future__ import annotations

from pathlib import Path

import formgen
from formgen.model import validate_trip
from formgen.yamlio import load_yaml
from test_scenarios import scenario_input

HERE = Path(__file__).parent
FIXTURE = load_yaml(HERE.parent / "fixtures" / "request.yaml")
SCENARIOS = load_yaml(HERE / "scenarios" / "request.yaml")
UNIT_PROFILE = str(HERE / "profiles" / "unit-profile.yaml")  # the regulation with its number and day


def scenario_trip(spec: dict) -> dict:
    return scenario_input("request", spec)


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
    assert "văn bản số 1234-CV/TU ngày 17/05/2024" in finding.message


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
