"""Policy profiles: the built-in regulation as data, and another issuer's numbers from a YAML file."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import formgen
from formgen.errors import InvalidInput
from formgen.model import validate_trip
from formgen.policy import load_profile
from formgen.policy.rules import CHECKS
from formgen.yamlio import load_yaml

FIXTURE = load_yaml(Path(__file__).parent.parent / "fixtures" / "request.yaml")

CITY = """\
# A city that caps delegations at 10 under the head, 7 under a deputy, 5 for inter-sector
# delegations, and 3 days per destination.
extends: hau-giang-2024
id: thanh-pho-x-2025
title: Quy chế quản lý đoàn đi công tác
issued_by: Thành ủy X
number: 12-QC/TU
valid_from: 2025-01-01
valid_until: null
parameters:
  max_days_per_stop: 3
  size_limits:
    by_delegation_type: {liên ngành: 5}
rules:
  R04:
    citation: Mỗi điểm đến không quá 3 ngày.
"""


@pytest.fixture
def city(tmp_path) -> str:
    path = tmp_path / "city.yaml"
    path.write_text(CITY, encoding="utf-8")
    return str(path)


def trip(**changes) -> dict:
    data = copy.deepcopy(FIXTURE)
    d = data["delegation"]
    for key, value in changes.items():
        d[key] = value
    return validate_trip(data)


def test_builtin_profile_carries_the_regulation_numbers():
    p = load_profile("hau-giang-2024")
    assert p["request_lead_working_days"] == 10
    assert p["report_window_working_days"] == 10
    assert p["max_delegations_per_year"] == 2
    assert p["max_days_per_stop"] == 2
    assert p["max_key_leaders"] == 2
    assert p.size_limit("head", None)[0] == 10
    assert p.size_limit("deputy", None)[0] == 7
    assert p.size_limit("other", None)[0] == 7
    assert p.issued_by == "Tỉnh ủy Hậu Giang"
    assert p.valid_until.isoformat() == "2025-06-30"


SEED_ARTICLE = Path("shared") / "seeds" / "000_00e0c335777a146c.txt"


def _seed_article() -> Path | None:
    """The regulation's article as the project was seeded with it: beside the checkout (or a worktree's parent)."""
    for folder in Path(__file__).resolve().parents:
        if (folder / SEED_ARTICLE).is_file():
            return folder / SEED_ARTICLE
    return None


def test_every_rule_has_a_citation_and_a_check():
    p = load_profile()
    for code, rule in p.rules.items():
        assert code in CHECKS
        assert rule.citation and rule.messages


def test_every_citation_is_a_sentence_of_the_regulation():
    source = _seed_article()
    if source is None:
        pytest.skip(f"the seed article {SEED_ARTICLE} is not beside this checkout: the citations cannot be compared")
    text = " ".join(source.read_text(encoding="utf-8").split())
    p = load_profile()
    for code, rule in p.rules.items():
        if code.startswith("R"):
            for sentence in rule.citation.split(". "):
                assert sentence.rstrip(".").casefold() in text.casefold(), (code, sentence)


def test_a_second_profile_from_yaml_changes_the_numbers(city):
    three_days = [{"place": "tỉnh Quảng Ninh", "host": "Sở Nội vụ", "model": "một cửa liên thông",
                   "start": "2025-06-03", "end": "2025-06-05"}]
    t = trip(depart_on="2025-06-02", return_on="2025-06-06", stops=three_days)
    t["request"]["date"] = t["request"]["date"].replace(year=2025, month=5, day=9)
    assert [f.code for f in formgen.check(t, profile="hau-giang-2024").errors] == ["R04"]
    under_city = formgen.check(t, profile=city)
    assert under_city.ok and under_city.profile == "thanh-pho-x-2025"


def test_inter_sector_delegations_take_their_own_limit(city):
    members = FIXTURE["delegation"]["members"][:5]  # 6 people with the leader
    refused = formgen.check(trip(type="liên ngành", members=members,
                                 depart_on="2025-06-02", return_on="2025-06-06",
                                 stops=[{"place": "tỉnh Bình Dương", "host": "Sở Nội vụ", "model": "chính quyền số",
                                         "start": "2025-06-03", "end": "2025-06-04"}]), profile=city)
    (finding,) = refused.errors
    assert finding.code == "R06"
    assert "vượt mức 5 người đối với đoàn liên ngành" in finding.message


def test_extends_keeps_what_it_does_not_override(city):
    p = load_profile(city)
    assert p["max_key_leaders"] == 2
    assert p.size_limit("head", None)[0] == 10
    assert p.rules["R04"].citation == "Mỗi điểm đến không quá 3 ngày."
    assert p.rules["R04"].messages == load_profile().rules["R04"].messages
    assert p.regulation_name() == "Quy chế quản lý đoàn đi công tác số 12-QC/TU của Thành ủy X"


def test_the_regulation_number_can_be_filled_in(tmp_path):
    path = tmp_path / "hg.yaml"
    path.write_text("extends: hau-giang-2024\nnumber: 05-QĐ/TU\n", encoding="utf-8")
    assert "số 05-QĐ/TU của Tỉnh ủy Hậu Giang" in load_profile(str(path)).regulation_name()
    assert "(ban hành tháng 5/2024)" in load_profile().regulation_name()


@pytest.mark.parametrize("text, expected", [
    ("extends: hau-giang-2024\nrules:\n  R77: {name: x, severity: error, citation: c, messages: {a: b}}\n",
     "R77"),
    ("extends: hau-giang-2024\nparameters: {max_key_leaders: hai}\n", "parameters.max_key_leaders"),
    ("extends: khong-co\n", "khong-co"),
    ("- a list\n", "mục"),
])
def test_a_broken_profile_is_refused_with_a_clear_message(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load_profile(str(path))
    assert expected in " ".join(err.value.lines())
    assert err.value.exit_code == 2


def _standalone(tmp_path, edit) -> str:
    """A complete profile file (no extends), edited."""
    data = load_yaml(Path(formgen.policy.__file__).parent / "profiles" / "hau-giang-2024.yaml")
    edit(data)
    path = tmp_path / "standalone.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_a_profile_missing_a_message_a_check_needs_is_refused(tmp_path):
    path = _standalone(tmp_path, lambda d: d["rules"]["R06"]["messages"].pop("over_approved"))
    with pytest.raises(InvalidInput) as err:
        load_profile(path)
    assert "R06" in err.value.message and "over_approved" in err.value.message


def test_a_message_with_an_unknown_placeholder_is_reported_not_crashed(tmp_path):
    def edit(d):
        d["rules"]["R06"]["messages"]["over"] = "Đoàn {so_nguoi} người."
    data = copy.deepcopy(FIXTURE)
    data["delegation"]["members"].append({"name": "Người thứ tám", "position": "Chuyên viên", "unit": "Sở"})
    with pytest.raises(InvalidInput) as err:
        formgen.check(validate_trip(data), profile=load_profile(_standalone(tmp_path, edit)))
    assert "R06" in err.value.message and "so_nguoi" in err.value.message


def test_a_standalone_profile_loads_as_the_builtin_one(tmp_path):
    p = load_profile(_standalone(tmp_path, lambda d: None))
    assert p.parameters == load_profile().parameters


def test_unknown_profile_name_lists_the_builtin_ones():
    with pytest.raises(InvalidInput) as err:
        load_profile("ha-noi-2030")
    assert "hau-giang-2024" in err.value.message
