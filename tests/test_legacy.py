"""Vietnamese text in the old TCVN3 (ABC) and VNI encodings: recognised, refused by field, converted on request."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml

import formgen
from formgen.errors import InvalidInput
from formgen.legacy import TCVN3, VNI, detect, from_unicode, is_syllable, to_unicode
from formgen.model import validate_trip

ROOT = Path(__file__).parent.parent
PHRASES = ["Sở Nội vụ", "Ủy ban nhân dân tỉnh Hậu Giang", "Phó Giám đốc", "Trưởng đoàn",
           "Nguyễn Thị Ánh Tuyết", "Học tập kinh nghiệm nâng cao Chỉ số cải cách hành chính",
           "ĐẢNG CỘNG SẢN VIỆT NAM", "Ngân sách nhà nước", "Thường trực Tỉnh ủy", "Lê Hoàng Phúc"]

# As the text arrives when copied out of an old .doc typed in a .VnTime / VNI-Times font (written by hand,
# not by from_unicode, so a mistake shared by the two directions of the tables would still show).
PASTED = [
    (TCVN3, "Së Néi vô", "Sở Nội vụ"),
    (TCVN3, "Uû ban nh©n d©n tØnh HËu Giang", "Uỷ ban nhân dân tỉnh Hậu Giang"),
    (TCVN3, "Phã Gi¸m ®èc", "Phó Giám đốc"),
    (TCVN3, "Tr\u00adëng ®oµn", "Trưởng đoàn"),  # ư is U+00AD in TCVN3: a soft hyphen in Latin-1
    (TCVN3, "Häc tËp kinh nghiÖm", "Học tập kinh nghiệm"),
    (VNI, "Sôû Noäi vuï", "Sở Nội vụ"),
    (VNI, "UÛy ban nhaân daân tænh Haäu Giang", "Ủy ban nhân dân tỉnh Hậu Giang"),
    (VNI, "Phoù Giaùm ñoác", "Phó Giám đốc"),
    (VNI, "Tröôûng ñoaøn", "Trưởng đoàn"),
    (VNI, "Hoïc taäp kinh nghieäm", "Học tập kinh nghiệm"),
]

# Text that must pass untouched: Vietnamese Unicode (some of it only in Latin-1 letters), ASCII,
# foreign names with Latin-1 letters, decomposed (NFD) Vietnamese.
NOT_LEGACY = ["Sở Nội vụ", "Võ Thành Tâm", "Hoà Bình", "Tô Lâm", "Phó Giám", "Thùy", "vô", "Hà",
              "plain ASCII text, 2024", "François Müller", "José Núñez", "Zoë Renée", "Søren Kierkegaard",
              "Björk Guðmundsdóttir", "Ångström", "Jürgen Gödel", "Chloé Noël", "Çelik", "Ole Bø", "São Paulo",
              "café au lait", unicodedata.normalize("NFD", "Phó Giám đốc Sở Nội vụ"), ""]


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
@pytest.mark.parametrize("phrase", PHRASES)
def test_a_phrase_survives_the_round_trip_through_the_old_encoding(phrase, encoding):
    legacy = from_unicode(phrase, encoding)
    assert legacy != phrase
    assert to_unicode(legacy, encoding) == phrase
    assert detect(legacy) == encoding


@pytest.mark.parametrize("encoding, pasted, meant", PASTED, ids=[p for _, p, _ in PASTED])
def test_text_pasted_from_an_old_document_is_recognised_and_converted(encoding, pasted, meant):
    assert detect(pasted) == encoding
    assert to_unicode(pasted, encoding) == meant


@pytest.mark.parametrize("text", NOT_LEGACY)
def test_ordinary_text_is_not_called_legacy(text):
    assert detect(text) is None


def test_the_syllable_shape_accepts_vietnamese_and_refuses_what_legacy_text_looks_like():
    assert all(is_syllable(w) for w in ["nghiêng", "quốc", "giám", "trưởng", "khuya", "người", "oải", "Ủy"])
    assert not any(is_syllable(w) for w in ["Së", "Néi", "Müller", "ñoaøn", "Sôû", "Josộ", "thànhh", "áà"])


def test_a_legacy_field_is_refused_naming_the_encoding_and_the_field(trip_data):
    trip_data["delegation"]["leader"]["name"] = "NguyÔn V¨n An"
    trip_data["delegation"]["members"][1]["unit"] = "Sôû Noäi vuï"
    with pytest.raises(InvalidInput) as caught:
        validate_trip(trip_data)
    found = {p.path: p.message for p in caught.value.problems}
    assert found.keys() == {"delegation.leader.name", "delegation.members[1].unit"}
    assert found["delegation.leader.name"].startswith("có vẻ là chữ TCVN3 (ABC) dán từ văn bản cũ")
    assert "“Nguyễn Văn An”" in found["delegation.leader.name"] and "convert_legacy=True" in found["delegation.leader.name"]
    assert found["delegation.members[1].unit"].startswith("có vẻ là chữ VNI")


def test_legacy_fields_are_listed_together_with_the_other_errors(trip_data):
    trip_data["delegation"]["purpose"] = "Häc tËp kinh nghiÖm"
    trip_data["delegation"]["depart_on"] = "31/02/2025"
    with pytest.raises(InvalidInput) as caught:
        validate_trip(trip_data)
    assert [p.path for p in caught.value.problems] == ["delegation.depart_on", "delegation.purpose"]


def test_convert_legacy_converts_each_field_and_notes_which(trip_data, recwarn):
    trip_data["delegation"]["leader"]["name"] = "NguyÔn V¨n An"
    trip_data["request"]["cc"][0] = "Tröôûng ñoaøn"
    trip = validate_trip(trip_data, convert_legacy=True)
    assert trip["delegation"]["leader"]["name"] == "Nguyễn Văn An"
    assert trip["request"]["cc"][0] == "Trưởng đoàn"
    assert sorted((n.path, n.severity) for n in trip.notes) == [
        ("delegation.leader.name", "warning"), ("request.cc[0]", "warning")]
    assert "Đã chuyển chữ TCVN3 (ABC) sang Unicode: “Nguyễn Văn An”." in [n.message for n in trip.notes]
    assert any(VNI in n.message for n in trip.notes)
    assert not recwarn.list  # the notes are returned, never sent through the warnings machinery


def test_convert_legacy_leaves_the_callers_data_as_it_was(trip_data):
    trip_data["delegation"]["leader"]["name"] = "NguyÔn V¨n An"
    validate_trip(trip_data, convert_legacy=True)
    assert trip_data["delegation"]["leader"]["name"] == "NguyÔn V¨n An"


def test_load_refuses_or_converts_a_legacy_file(tmp_path, trip_data, write_trip):
    trip_data["issuer"]["name"] = "Së Néi vô"
    path = write_trip(tmp_path, trip_data)
    with pytest.raises(InvalidInput) as caught:
        formgen.load(path)
    assert [p.path for p in caught.value.problems] == ["issuer.name"]
    loaded = formgen.load(path, convert_legacy=True)
    assert loaded["issuer"]["name"] == "Sở Nội vụ"
    assert [n.path for n in loaded.notes] == ["issuer.name"]


def test_an_annual_file_reports_a_legacy_field_of_an_inline_delegation_once(tmp_path):
    annual = yaml.safe_load((ROOT / "fixtures" / "annual.yaml").read_text(encoding="utf-8"))
    annual["delegations"] = [d for d in annual["delegations"] if isinstance(d, dict)]
    annual["delegations"][0]["delegation"]["leader"]["name"] = "Lª V¨n B×nh"
    annual["issuer"]["name"] = "Së Néi vô"
    path = tmp_path / "annual.yaml"
    path.write_text(yaml.safe_dump(annual, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        formgen.load(path)
    assert [p.path for p in caught.value.problems] == ["issuer.name"]  # the delegations wait for a valid issuer
    annual["issuer"]["name"] = "Sở Nội vụ"
    path.write_text(yaml.safe_dump(annual, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        formgen.load(path)
    assert [p.path for p in caught.value.problems] == ["delegations[0].delegation.leader.name"]
    loaded = formgen.load(path, convert_legacy=True)
    assert loaded["delegations"][0]["delegation"]["leader"]["name"] == "Lê Văn Bình"
    assert [n.path for n in loaded.notes] == ["delegations[0].delegation.leader.name"]
