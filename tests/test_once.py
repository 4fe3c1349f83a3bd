"""Each fact of a trip once: the deadlines, the limits and the dated numbers of the regulation, read by every step."""
from __future__ import annotations

import ast
import copy
import datetime as dt
from pathlib import Path

import pytest
from icalendar import Calendar

import formgen
from formgen.calendar import WorkCalendar
from formgen.documents import KINDS, Inputs
from formgen.errors import InvalidInput
from formgen.policy import Limits, load_profile
from formgen.stamping import stamp_lines
from formgen.yamlio import load_yaml

ROOT = Path(__file__).parent.parent
FIXTURE = load_yaml(ROOT / "fixtures" / "request.yaml")
REPORT = load_yaml(ROOT / "fixtures" / "report.yaml")

# A unit's profile: the lead time falls from 10 to 5 working days on 01/01/2025 and the head-led size
# rises from 10 to 12; before that the built-in values hold.
CHANGED = """\
extends: hau-giang-2024
id: don-vi-2025
valid_until: null
parameters:
  request_lead_working_days:
    values:
      2025-01-01: {value: 5, reference: "Quy định sửa đổi: gửi trước 5 ngày làm việc."}
  size_limits:
    by_leader_rank:
      head:
        values:
          2025-01-01: {value: 12, reference: "Quy định sửa đổi: đoàn do người đứng đầu tối đa 12 người."}
"""


def profile_file(tmp_path, text: str, name: str = "unit.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def trip(depart: dt.date, request_on: dt.date, **delegation) -> dict:
    """The fixture request moved to another departure, its stops inside the trip."""
    data = copy.deepcopy(FIXTURE)
    d = data["delegation"]
    shift = depart - dt.date(2024, 6, 3)
    d["depart_on"], d["return_on"] = depart, dt.date(2024, 6, 7) + shift
    for stop in d["stops"]:
        stop["start"] = dt.date.fromisoformat(str(stop["start"])) + shift
        stop["end"] = dt.date.fromisoformat(str(stop["end"])) + shift
    d.update(delegation)
    data["request"]["date"] = request_on
    return data


# --- one wording of the deadline lines ------------------------------------------------------------


def test_the_cli_the_stamp_and_the_calendar_word_the_deadlines_alike(run_formgen, tmp_path):
    ics = tmp_path / "doan.ics"
    result = run_formgen("deadlines", "--depart", "2024-06-03", "--return", "2024-06-07", "--ics", str(ics))
    assert result.exit_code == 0
    cli = result.stdout.splitlines()[:2]
    assert cli == ["Hạn gửi văn bản trình (R01): 20/05/2024 (10 ngày làm việc trước ngày đi 03/06/2024)",
                   "Hạn gửi báo cáo kết quả (R07): 21/06/2024 (10 ngày làm việc sau ngày về 07/06/2024)"]
    found = formgen.deadlines("2024-06-03", "2024-06-07")
    assert stamp_lines(found, codes=True).lines == cli
    assert [line.replace(" (R01)", "").replace(" (R07)", "") for line in cli] == stamp_lines(found).lines
    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    firsts = [str(events[s]["DESCRIPTION"]).splitlines()[0]
              for s in ("Hạn gửi văn bản trình (R01)", "Hạn gửi báo cáo kết quả (R07)")]
    assert firsts == cli


# --- computed once per trip -----------------------------------------------------------------------


@pytest.mark.parametrize("kind, data", [("request", FIXTURE), ("report", REPORT)])
def test_a_rendered_document_counts_each_deadline_once(tmp_path, monkeypatch, kind, data):
    """The rules, the document and the result read one computation: each deadline is counted once."""
    counted = []
    original = WorkCalendar.add_working_days

    def counting(self, start, n):
        counted.append((start, n))
        return original(self, start, n)

    monkeypatch.setattr(WorkCalendar, "add_working_days", counting)
    formgen.render(kind, formgen.validate(data), tmp_path / "out.docx")
    assert sorted(counted) == [(dt.date(2024, 6, 3), -10), (dt.date(2024, 6, 7), 10)]


# --- context building reads plain values ----------------------------------------------------------


def test_the_document_step_does_not_import_the_rule_checks():
    tree = ast.parse((ROOT / "formgen" / "documents.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "policy.rules" not in imported and "formgen.policy.rules" not in imported


def test_the_request_prints_the_limit_the_policy_gives():
    data = formgen.validate(FIXTURE)
    profile, calendar = load_profile(), WorkCalendar()
    found = formgen.check(data, "request")
    given = Limits(size=9, regulation_size=7, led_by="đoàn do cấp phó", approval=None, per_year=2,
                   earlier_this_year=({"depart_on": dt.date(2024, 2, 1)},))
    context = KINDS["request"].context(Inputs(data, profile, calendar, found.deadlines, given))
    assert context["size_limit"] == "09" and context["year_count"] == "02/02"


# --- dated values ---------------------------------------------------------------------------------


def test_the_lead_time_in_force_on_the_departure_is_used(run_formgen, tmp_path):
    unit = profile_file(tmp_path, CHANGED)
    before = run_formgen("deadlines", "--policy", unit, "--depart", "2024-12-30").stdout.splitlines()
    after = run_formgen("deadlines", "--policy", unit, "--depart", "2025-03-03").stdout.splitlines()
    assert before == ["Hạn gửi văn bản trình (R01): 16/12/2024 (10 ngày làm việc trước ngày đi 30/12/2024)"]
    assert after == ["Hạn gửi văn bản trình (R01): 24/02/2025 (5 ngày làm việc trước ngày đi 03/03/2025)"]


def test_r01_reads_the_lead_time_in_force_both_ways(tmp_path):
    unit = profile_file(tmp_path, CHANGED)
    on_time = formgen.check(trip(dt.date(2025, 3, 3), dt.date(2025, 2, 24)), "request", profile=unit)
    late = formgen.check(trip(dt.date(2025, 3, 3), dt.date(2025, 2, 25)), "request", profile=unit)
    assert "R01" not in {f.code for f in on_time.findings}
    [r01] = [f for f in late.findings if f.code == "R01"]
    assert "muộn hơn hạn chót 24/02/2025" in r01.message and "trước 5 ngày làm việc" in r01.message
    old = formgen.check(trip(dt.date(2024, 12, 30), dt.date(2024, 12, 17)), "request", profile=unit)
    assert "R01" in {f.code for f in old.errors}  # 10 working days still held then: latest 16/12/2024


def test_the_size_limit_in_force_on_the_departure_is_used(tmp_path):
    unit = profile_file(tmp_path, CHANGED)
    head = {"name": "Nguyễn Văn An", "position": "Giám đốc Sở Nội vụ", "rank": "head", "key_leader": True}
    members = FIXTURE["delegation"]["members"]
    eleven = [{**members[i % len(members)], "name": f"Thành viên {i}", "key_leader": False} for i in range(10)]
    later = formgen.check(trip(dt.date(2025, 3, 3), dt.date(2025, 2, 24), leader=head, members=eleven),
                          "request", profile=unit)
    earlier = formgen.check(trip(dt.date(2024, 12, 30), dt.date(2024, 12, 16), leader=head, members=eleven),
                            "request", profile=unit)
    assert "R06" not in {f.code for f in later.findings} and later.limits.size == 12
    assert "R06" in {f.code for f in earlier.errors} and earlier.limits.size == 10


def test_a_value_carries_its_date_and_reference():
    value = load_profile().on(dt.date(2024, 6, 3)).value_of("request_lead_working_days")
    assert (value.value, value.since) == (10, dt.date(2024, 5, 1))
    assert "10 ngày làm việc" in value.reference


def test_a_plain_number_still_reads_as_always_in_force(tmp_path):
    unit = profile_file(tmp_path, "extends: hau-giang-2024\nid: cu\nparameters:\n  request_lead_working_days: 3\n")
    assert formgen.deadlines("2024-06-03", profile=unit).latest_request_date == dt.date(2024, 5, 29)
    assert load_profile(unit).value_of("request_lead_working_days").since is None


@pytest.mark.parametrize("values, words", [
    ("{2024-13-01: {value: 5, reference: x}}", "2024-13-01"),
    ("{2025-01-01: {value: 5}}", "reference]: Thiếu trường bắt buộc"),
    ("{2025-01-01: {value: năm, reference: x}}", "value]: Phải là số nguyên"),
    ("{2025-01-01: {value: 5, reference: x, note: y}}", "note]: Khóa không có"),
    ("{2025-01-01: 5}", "Phải là một mục"),
    ("[5]", "ngày có hiệu lực"),
])
def test_a_broken_dated_value_is_named_and_exits_2(run_formgen, tmp_path, values, words):
    unit = profile_file(tmp_path, f"extends: hau-giang-2024\nid: sai\nparameters:\n"
                                  f"  max_key_leaders:\n    values: {values}\n")
    result = run_formgen("deadlines", "--policy", unit, "--depart", "2024-06-03")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "max_key_leaders" in result.stderr and words in result.stderr


# --- gating as data -------------------------------------------------------------------------------


def test_which_rules_gate_a_report_is_the_profiles_choice(tmp_path):
    late = copy.deepcopy(REPORT)
    late["report"]["date"] = "2024-07-31"
    late["report"]["delay_reason"] = ""
    assert "R07" in {f.code for f in formgen.check(formgen.validate(late), "report").errors}
    unit = profile_file(tmp_path, "extends: hau-giang-2024\nid: khong-han\ndocuments:\n  report: [P01, R08]\n")
    assert "R07" not in {f.code for f in formgen.check(formgen.validate(late), "report", profile=unit).findings}


def test_a_profile_without_documents_gates_as_the_builtin_one(tmp_path):
    text = (ROOT / "formgen" / "policy" / "profiles" / "hau-giang-2024.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("\ndocuments:\n")
    standalone = head + "\n" + rest[rest.index("\nrules:\n"):]
    unit = profile_file(tmp_path, standalone.replace("id: hau-giang-2024", "id: rieng"))
    assert load_profile(unit).documents == load_profile().documents
    late = formgen.check(trip(dt.date(2024, 6, 3), dt.date(2024, 5, 21)), "request", profile=unit)
    assert "R01" in {f.code for f in late.errors}


def test_a_gate_naming_a_rule_without_a_check_is_refused(tmp_path):
    unit = profile_file(tmp_path, "extends: hau-giang-2024\nid: x\ndocuments:\n  report: [P01, R99]\n")
    with pytest.raises(InvalidInput, match="R99"):
        load_profile(unit)


def test_a_kind_the_profile_does_not_gate_is_refused_not_let_through(tmp_path):
    text = (ROOT / "formgen" / "policy" / "profiles" / "hau-giang-2024.yaml").read_text(encoding="utf-8")
    text = text.replace("  annual: [P01, R11]\n", "").replace("id: hau-giang-2024", "id: thieu")
    unit = profile_file(tmp_path, text)
    annual = formgen.load(ROOT / "fixtures" / "annual.yaml")
    with pytest.raises(InvalidInput, match="“annual”") as err:
        formgen.check(annual, "annual", profile=unit)
    assert err.value.exit_code == 2
