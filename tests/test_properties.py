"""Property tests (hypothesis) over the schemas, the render path and the legacy-encoding converter.

Any text in a string field either is refused with InvalidInput naming that field, or is written
into a .docx that python-docx opens and that shows the text (NFC) literally. One LibreOffice run
(not one per example) checks that a document built from the nastiest accepted strings converts.
"""
from __future__ import annotations

import copy
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

import formgen
from formgen.errors import InvalidInput, Refused
from formgen.fields import Text, invisible_character
from formgen.legacy import TCVN3, VNI, detect, from_unicode, is_syllable, to_unicode
from formgen.model import validate_trip
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
REQUEST = yaml.safe_load((ROOT / "fixtures" / "request.yaml").read_text(encoding="utf-8"))
REPORT = yaml.safe_load((ROOT / "fixtures" / "report.yaml").read_text(encoding="utf-8"))
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text a secretary pastes, and text nobody should: every category, surrogates included (as a JSON
# escape gives them), bidi controls, zero-width marks, emoji, stacked combining marks, long runs.
NASTY = [
    "\u202eđảo chiều\u202c", "\u200f\u200e\u2066\u2069", "a\u200b\u200c\u200d\u2060b", "👨‍👩‍👧 🇻🇳 🏛️",
    "e\u0301\u0302\u0323\u0300\u0309", "\ufeffBOM", "\u00a0\u2028\u2029\x85", "\ufdd0\U0010fffd\ue000",
    "<w:t>&amp;</w:t> ]]> {{ x }} {% raw %}", "Nguyễn\tVăn\nAn\r\nHà", "ﬁ ﬂ Ⅻ ㎡ ½", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛",
]
ANY_TEXT = st.one_of(
    st.text(),                                                       # every category but surrogates
    st.text(st.characters(exclude_categories=())),                   # surrogates too
    st.text(st.characters(codec="latin-1")),                         # where TCVN3/VNI live
    st.lists(st.sampled_from(NASTY), min_size=1, max_size=4).map("".join),
    st.text(min_size=1, max_size=12).map(lambda s: s * 800),         # long: thousands of characters
)

# field path -> (where to put the value, what the document prints for it)
REQUEST_FIELDS = {
    "delegation.purpose": (lambda d, v: d["delegation"].__setitem__("purpose", v), lambda v: v),
    "delegation.weak_point": (lambda d, v: d["delegation"].__setitem__("weak_point", v), lambda v: v),
    "delegation.members[0].name": (lambda d, v: d["delegation"]["members"][0].__setitem__("name", v), lambda v: v),
    "delegation.stops[0].host": (lambda d, v: d["delegation"]["stops"][0].__setitem__("host", v), lambda v: v),
    "delegation.stops[0].model": (lambda d, v: d["delegation"]["stops"][0].__setitem__("model", v),
                                  lambda v: v.rstrip(".")),
    "request.cc[0]": (lambda d, v: d["request"]["cc"].__setitem__(0, v),
                      lambda v: v.lstrip("-").strip().rstrip(";.")),
}
REPORT_FIELDS = {
    f"report.{name}": ((lambda name: lambda d, v: d["report"].__setitem__(name, v))(name), lambda v: v)
    for name in ("results", "good_practices", "proposals")
}


def words(text: str) -> str:
    """Text with every run of white space as one space: paragraphs, line breaks and tabs are layout."""
    return " ".join(text.split())


def render_or_refuse(tmp_path: Path, kind: str, base: dict, fields: dict, field: str, value: str) -> None:
    place, printed = fields[field]
    data = copy.deepcopy(base)
    place(data, value)
    try:
        trip = validate_trip(data)
    except InvalidInput as exc:
        assert exc.problems and all(p.path == field for p in exc.problems), exc.lines()
        return
    stored = trip_value(trip, field)
    assert stored == unicodedata.normalize("NFC", value).strip() or \
        stored == to_unicode(value, detect(value) or TCVN3).strip()
    out = tmp_path / "out.docx"
    out.unlink(missing_ok=True)
    try:
        formgen.render(kind, trip, out)
    except Refused as exc:  # an empty answer breaks a rule (R02, R08, R09): the rule names the field
        assert any(f.path and (f.path == field or field.startswith(f.path)) for f in exc.problems), exc.lines()
        assert not out.exists()
        return
    expected = words(printed(stored))
    assert expected in words(" ".join(docx_lines(out)))


def trip_value(trip: dict, path: str):
    node = trip
    for part in path.replace("[", ".").replace("]", "").split("."):
        node = node[int(part)] if part.isdigit() else node[part]
    return node


@EXAMPLES
@given(field=st.sampled_from(sorted(REQUEST_FIELDS)), value=ANY_TEXT)
def test_any_text_in_a_request_field_is_refused_by_that_field_or_printed_literally(tmp_path, field, value):
    render_or_refuse(tmp_path, "request", REQUEST, REQUEST_FIELDS, field, value)


@EXAMPLES
@given(field=st.sampled_from(sorted(REPORT_FIELDS)), value=ANY_TEXT)
def test_any_text_in_a_report_field_is_refused_by_that_field_or_printed_literally(tmp_path, field, value):
    render_or_refuse(tmp_path, "report", REPORT, REPORT_FIELDS, field, value)


@settings(max_examples=300, deadline=None)
@given(value=st.text(st.characters(exclude_categories=())))
def test_a_text_field_gives_nfc_without_xml_forbidden_characters_or_refuses(value):
    try:
        text = Text().deserialize(value)
    except ValidationError as exc:
        assert "không được phép (mã U+" in exc.messages[0]
        return
    assert text == unicodedata.normalize("NFC", text) == text.strip()
    assert all(c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or ord(c) >= 0x10000
               for c in text)  # XML 1.0's Char production
    assert invisible_character(text) is None  # nothing stored that a reader cannot see


# --- the legacy converter -------------------------------------------------------------------------

VOCABULARY = ("Sở Nội vụ Ủy ban nhân dân tỉnh Hậu Giang Phó Giám đốc Trưởng đoàn Đảng Cộng sản Việt Nam học tập "
              "kinh nghiệm cải cách hành chính thành phố Đà Nẵng Quảng Ninh Trần Thị Bích Ngọc Lê Hoàng Phúc "
              "Nguyễn Văn An Phạm Minh Đức Huỳnh Quốc Bảo Võ Thu Hương chuyển đổi số ngân sách nhà nước").split()


@settings(max_examples=200, deadline=None)
@given(phrase=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=8).map(" ".join),
       encoding=st.sampled_from([TCVN3, VNI]))
def test_vietnamese_survives_any_round_trip_and_is_never_called_legacy_itself(phrase, encoding):
    assert detect(phrase) is None
    assert to_unicode(from_unicode(phrase, encoding), encoding) == phrase


@settings(max_examples=200, deadline=None)
@given(phrase=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=8).map(" ".join),
       encoding=st.sampled_from([TCVN3, VNI]))
def test_text_in_one_old_encoding_is_never_taken_for_the_other(phrase, encoding):
    assert detect(from_unicode(phrase, encoding)) in (encoding, None)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), encoding=st.sampled_from([TCVN3, VNI]))
def test_three_words_whose_old_form_is_no_vietnamese_word_are_recognised(data, encoding):
    # "vô" is both TCVN3 for "vụ" and a Unicode word: such words alone stay ambiguous, and pass
    telling = [w for w in VOCABULARY if not w.isascii() and not is_syllable(from_unicode(w, encoding))]
    phrase = " ".join(data.draw(st.lists(st.sampled_from(telling), min_size=3, max_size=8)))
    assert detect(from_unicode(phrase, encoding)) == encoding


# --- one LibreOffice run over the nastiest accepted strings -----------------------------------------


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
def test_libreoffice_converts_a_letter_full_of_the_nastiest_accepted_strings(tmp_path):
    data = copy.deepcopy(REQUEST)
    accepted = [s for s in NASTY if invisible_character(s) is None]  # invisible ones are refused (test_text.py)
    data["delegation"]["purpose"] = " ".join(accepted)
    data["delegation"]["weak_point"] = "עברית đảo chiều العربية " * 200 + "🇻🇳"  # right-to-left, no overrides
    data["delegation"]["members"][0]["name"] = "e\u0301\u0302\u0323 Ⅻ 𝔘"
    data["request"]["cc"][0] = "<b>&</b> {{ cc }}"
    trip = validate_trip(data)
    result = formgen.render("request", trip, tmp_path / "nasty.docx", pdf=True)
    pdf = result.outputs[-1]
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF-") and b"%%EOF" in pdf.read_bytes()[-1024:]
    assert words(trip["delegation"]["purpose"]) in words(" ".join(docx_lines(result.outputs[0])))
