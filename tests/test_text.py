"""Numbers, text and people as a Vietnamese user writes them: what YAML/JSON literals mean, invisible
characters, and each person counted once (issue 10, items 4–6)."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import formgen
from formgen.errors import InvalidInput
from formgen.loader import load
from formgen.model import validate_trip
from formgen.policy import load_profile
from formgen.register import Register
from helpers import docx_lines

MARK = "LITERAL_GOES_HERE"
EXAMPLE = "150000000 hoặc \"150.000.000\" (có dấu ngoặc kép)."
MONEY_HOW = "hãy viết " + EXAMPLE


def with_literal(tmp_path: Path, data: dict, put, literal: str, name: str = "trip.yaml") -> Path:
    """The delegation file with `literal` written, unquoted, where put(data, value) places a value."""
    put(data, MARK)
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data, ensure_ascii=False, default=str).replace(f'"{MARK}"', literal),
                        encoding="utf-8")
    else:
        import yaml
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        assert MARK in text
        path.write_text(text.replace(MARK, literal), encoding="utf-8")
    return path


def problems_of(path: Path) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        load(path)
    assert caught.value.exit_code == 2
    return {p.path: p.message for p in caught.value.problems}


def refusal_lines(data: dict) -> list[str]:
    """Every line validate_trip prints refusing data."""
    with pytest.raises(InvalidInput) as caught:
        validate_trip(data)
    return [p.line() for p in caught.value.problems]


def json_file_lines(tmp_path: Path, data: dict, mark: str, written: str) -> list[str]:
    """The lines load() prints refusing data saved as JSON, with the text `mark` replaced by `written`."""
    path = tmp_path / "trip.json"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str).replace(mark, written), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load(path)
    return [p.line() for p in caught.value.problems]


def amount(d, v):
    d["delegation"]["funding"]["amount"] = v


def number(d, v):
    d["request"]["number"] = v


# --- money -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("literal", "how"), [
    ("150.000", "hãy viết 150000 hoặc \"150.000\" (có dấu ngoặc kép)."),   # YAML's 150.0: never "150 đồng"
    ("150000000.0", MONEY_HOW),
    ("1.5e+8", MONEY_HOW),
    ("1.5", "hãy viết số nguyên, ví dụ " + EXAMPLE),
    (".inf", "hãy viết số nguyên, ví dụ " + EXAMPLE),
])
def test_money_with_a_decimal_point_in_yaml_is_refused_saying_how_to_write_it(tmp_path, trip_data, literal, how):
    found = problems_of(with_literal(tmp_path, trip_data, amount, literal))
    assert found == {"delegation.funding.amount":
                     f"Số tiền “{literal}” được đọc là số thập phân, không phải số nguyên đồng; {how}"}


@pytest.mark.parametrize(("literal", "how"), [
    ("150.000", "hãy viết 150000 hoặc \"150.000\" (có dấu ngoặc kép)."),
    ("1.5e8", MONEY_HOW),
    ("150000000.0", MONEY_HOW),
    ("15e7", MONEY_HOW),
])
def test_money_with_a_decimal_point_or_exponent_in_json_is_refused(tmp_path, trip_data, literal, how):
    found = problems_of(with_literal(tmp_path, trip_data, amount, literal, "trip.json"))
    assert found == {"delegation.funding.amount":
                     f"Số tiền “{literal}” được đọc là số thập phân, không phải số nguyên đồng; {how}"}


def test_money_with_a_leading_zero_is_read_in_decimal_as_written(tmp_path, trip_data):
    # YAML 1.1 reads 0150000000 as octal: 22 020 096 đồng
    trip = load(with_literal(tmp_path, trip_data, amount, "0150000000"))
    assert trip["delegation"]["funding"]["amount"] == 150_000_000


@pytest.mark.parametrize(("literal", "read"), [("0x8F0D180", 150_000_000), ("41:40:00", 150_000)])
def test_money_in_yaml_hexadecimal_or_sexagesimal_is_refused(tmp_path, trip_data, literal, read):
    found = problems_of(with_literal(tmp_path, trip_data, amount, literal))
    assert found == {"delegation.funding.amount": f"Số tiền “{literal}” không phải số viết bằng chữ số 0–9 "
                                                  f"(YAML đọc nó thành {read}); {MONEY_HOW}"}


def test_yaml_underscores_in_money_are_accepted_only_between_thousands(tmp_path, trip_data):
    assert load(with_literal(tmp_path, dict(trip_data), amount, "150_000_000"))["delegation"]["funding"][
        "amount"] == 150_000_000
    found = problems_of(with_literal(tmp_path, trip_data, amount, "1_500_00"))
    assert found == {"delegation.funding.amount": "Số tiền “1_500_00” không phải số viết bằng chữ số 0–9 "
                                                  f"(YAML đọc nó thành 150000); {MONEY_HOW}"}


@pytest.mark.parametrize("written", ["150 000 000", "150\u00a0000\u00a0000", "150\u202f000\u202f000"])
def test_money_typed_with_spaces_between_thousands_is_read_as_the_amount(trip_data, written):
    trip_data["delegation"]["funding"]["amount"] = written  # as some tools (and French-locale Excel) print it
    assert validate_trip(trip_data)["delegation"]["funding"]["amount"] == 150_000_000


@pytest.mark.parametrize(("written", "how"), [("150,000", "150000 hoặc 150.000"),
                                              ("150,000,000 đồng", "150000000 hoặc 150.000.000")])
def test_money_with_commas_between_thousands_is_refused_saying_the_comma_is_a_decimal_sign(trip_data, written, how):
    trip_data["delegation"]["funding"]["amount"] = written  # 150,000 is 150 to a Vietnamese reader
    assert refusal_lines(trip_data) == [
        f"LỖI [delegation.funding.amount]: Số tiền “{written.removesuffix(' đồng')}” dùng dấu phẩy, mà dấu phẩy là "
        f"dấu thập phân (Luật Kế toán: dấu chấm ngăn cách hàng nghìn); hãy viết {how}."]


# --- counts: document numbers, approved size, year, profile numbers ---------------------------------------


def test_a_document_number_written_010_is_ten_not_octal_eight(tmp_path, trip_data):
    assert load(with_literal(tmp_path, trip_data, number, "010"))["request"]["number"] == 10


@pytest.mark.parametrize(("put", "path", "literal", "message"), [
    (number, "request.number", "0x1A", "“0x1A” không phải số nguyên viết bằng chữ số 0–9 (YAML đọc nó thành 26); "
                                       "hãy viết số bằng chữ số 0–9."),
    (number, "request.number", "1:30", "“1:30” không phải số nguyên viết bằng chữ số 0–9 (YAML đọc nó thành 90); "
                                       "hãy viết số bằng chữ số 0–9."),
    (number, "request.number", "0b101", "“0b101” không phải số nguyên viết bằng chữ số 0–9 (YAML đọc nó thành 5); "
                                        "hãy viết số bằng chữ số 0–9."),
    (number, "request.number", "5.0", "“5.0” không phải số nguyên; hãy viết số nguyên bằng chữ số 0–9."),
    (lambda d, v: d.update(approval={"number": "12-CV/TU", "date": "2024-05-28", "approved_size": v}),
     "approval.approved_size", "0x0C", "“0x0C” không phải số nguyên viết bằng chữ số 0–9 (YAML đọc nó thành 12); "
                                       "hãy viết số bằng chữ số 0–9."),
    (lambda d, v: d.update(approval={"number": "12-CV/TU", "date": "2024-05-28", "approved_size": v}),
     "approval.approved_size", "12.0", "“12.0” không phải số nguyên; hãy viết số nguyên bằng chữ số 0–9."),
])
def test_a_count_written_in_yaml_octal_hex_sexagesimal_or_as_a_float_is_refused(tmp_path, trip_data, put, path,
                                                                                 literal, message):
    assert problems_of(with_literal(tmp_path, trip_data, put, literal)) == {path: message}


def test_the_year_of_an_annual_report_in_hexadecimal_is_refused(tmp_path):
    fixture = Path(__file__).parent.parent / "fixtures" / "annual.yaml"
    text = fixture.read_text(encoding="utf-8")
    assert "\nyear: 2024\n" in text
    path = tmp_path / "annual.yaml"
    path.write_text(text.replace("\nyear: 2024\n", "\nyear: 0x7E8\n"), encoding="utf-8")
    assert problems_of(path) == {"year": "“0x7E8” không phải số nguyên viết bằng chữ số 0–9 "
                                         "(YAML đọc nó thành 2024); hãy viết số bằng chữ số 0–9."}


@pytest.mark.parametrize(("put", "literal", "get", "expected"), [
    (lambda d, v: d.update(approval={"number": v, "date": "2024-05-28", "approved_size": 9}), "010",
     lambda t: t["approval"]["number"], "010"),                           # YAML 1.1: 8
    (lambda d, v: d["issuer"].update(abbreviation=v), "ON", lambda t: t["issuer"]["abbreviation"], "ON"),  # True
    (lambda d, v: d["request"]["cc"].append(v), "1:30", lambda t: t["request"]["cc"][-1], "1:30"),         # 90
    (lambda d, v: d["delegation"]["stops"][0].update(host=v), "No", lambda t: t["delegation"]["stops"][0]["host"],
     "No"),                                                                # False
])
def test_a_text_field_keeps_a_number_or_truth_word_as_written(tmp_path, trip_data, put, literal, get, expected):
    assert get(load(with_literal(tmp_path, trip_data, put, literal))) == expected


@pytest.mark.parametrize("literal", ["0x1", "1.0", "01"])
def test_key_leader_written_as_a_number_other_than_0_or_1_is_refused(tmp_path, trip_data, literal):
    found = problems_of(with_literal(tmp_path, trip_data, lambda d, v: d["delegation"]["members"][1].update(
        key_leader=v), literal))
    assert found == {"delegation.members[1].key_leader": "Phải là true/false (có/không)."}


def test_a_profile_number_010_is_ten_and_0x0A_is_refused(tmp_path):
    path = tmp_path / "city.yaml"
    path.write_text("extends: hau-giang-2024\nparameters:\n  max_days_per_stop: 010\n", encoding="utf-8")
    assert load_profile(str(path))["max_days_per_stop"] == 10
    path = tmp_path / "hex.yaml"  # another file: profiles are cached by path and modification time
    path.write_text("extends: hau-giang-2024\nparameters:\n  max_days_per_stop: 0x0A\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_profile(str(path))
    assert [p.line() for p in caught.value.problems] == [
        "LỖI [parameters.max_days_per_stop]: “0x0A” không phải số nguyên viết bằng chữ số 0–9 (YAML đọc nó thành "
        "10); hãy viết số bằng chữ số 0–9."]


# --- text that looks like what it is -----------------------------------------------------------------


@pytest.mark.parametrize(("char", "what"), [
    ("\u200b", "ký tự vô hình “khoảng trắng độ rộng 0” không được phép (mã U+200B)"),
    ("\u200c", "ký tự vô hình “ký tự ngắt độ rộng 0” không được phép (mã U+200C)"),
    ("\u200d", "ký tự vô hình “ký tự nối độ rộng 0” không được phép (mã U+200D)"),
    ("\u2060", "ký tự vô hình “ký tự nối từ” không được phép (mã U+2060)"),
    ("\ufeff", "ký tự vô hình “dấu BOM” không được phép (mã U+FEFF)"),
    ("\u00ad", "ký tự vô hình “gạch nối mềm” không được phép (mã U+00AD)"),
    ("\u034f", "ký tự vô hình “COMBINING GRAPHEME JOINER” không được phép (mã U+034F)"),
    ("\ufe0f", "ký tự vô hình “VARIATION SELECTOR-16” không được phép (mã U+FE0F)"),
    ("\u3164", "ký tự vô hình “HANGUL FILLER” không được phép (mã U+3164)"),
    ("\U000e0041", "ký tự vô hình “TAG LATIN CAPITAL LETTER A” không được phép (mã U+E0041)"),
    ("\ufff9", "ký tự vô hình “INTERLINEAR ANNOTATION ANCHOR” không được phép (mã U+FFF9)"),
])
def test_an_invisible_character_is_refused_with_the_field_path(trip_data, char, what):
    trip_data["delegation"]["members"][2]["name"] = f"Phạm Minh{char} Đức"
    assert refusal_lines(trip_data) == [
        f"LỖI [delegation.members[2].name]: Chứa {what} ngay sau “Phạm Minh”; hãy xóa ký tự này."]


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069", "\u200e", "\u200f", "\u061c"])
def test_a_bidi_control_is_refused_saying_the_print_would_differ(trip_data, char):
    trip_data["delegation"]["purpose"] = f"{char}Học tập kinh nghiệm"
    assert refusal_lines(trip_data) == [
        f"LỖI [delegation.purpose]: Chứa ký tự đổi chiều hiển thị không được phép (mã U+{ord(char):04X}) ở đầu "
        "giá trị: chữ in ra sẽ khác chữ đã gõ; hãy xóa ký tự này."]


@pytest.mark.parametrize(("char", "message"), [
    ("\ue000", "Chứa ký tự vùng dùng riêng (Private Use) không được phép (mã U+E000) ngay sau “Sở Nội”: mỗi phông "
               "chữ hiện nó một kiểu; hãy gõ lại bằng Unicode."),
    ("\U000f0000", "Chứa ký tự vùng dùng riêng (Private Use) không được phép (mã U+F0000) ngay sau “Sở Nội”: mỗi "
                   "phông chữ hiện nó một kiểu; hãy gõ lại bằng Unicode."),
    ("\u0378", "Chứa ký tự chưa có trong bảng mã Unicode không được phép (mã U+0378) ngay sau “Sở Nội”; hãy xóa "
               "ký tự này."),
])
def test_private_use_and_unassigned_characters_are_refused(trip_data, char, message):
    trip_data["issuer"]["name"] = f"Sở Nội{char} vụ"
    assert refusal_lines(trip_data) == [f"LỖI [issuer.name]: {message}"]


def test_an_invisible_character_in_a_key_is_one_problem_naming_it(trip_data):
    trip_data["delegation\u200b"] = trip_data.pop("delegation")
    assert refusal_lines(trip_data) == [
        "LỖI [delegation\u200b]: Khóa chứa ký tự vô hình “khoảng trắng độ rộng 0” không được phép (mã U+200B) "
        "ngay sau “delegation”; hãy xóa ký tự này."]


def test_a_lone_surrogate_in_a_json_key_is_the_one_problem_reported(tmp_path, trip_data):
    trip_data["delegation"]["@@"] = 1
    assert json_file_lines(tmp_path, trip_data, '"@@"', '"x\\ud800"') == [
        "LỖI [delegation.x\\ud800]: Khóa chứa nửa cặp UTF-16 (surrogate) đứng một mình (mã U+D800)."]


def test_a_lone_surrogate_in_a_value_is_the_one_problem_reported_beside_other_mistakes(tmp_path, trip_data):
    del trip_data["issuer"]                       # would be “Thiếu trường bắt buộc.”
    trip_data["request"]["number"] = "năm"        # would be “Phải là số nguyên.”
    trip_data["delegation"]["purpose"] = "@@"
    assert json_file_lines(tmp_path, trip_data, "@@", "\\udc00") == [
        "LỖI [delegation.purpose]: Chứa nửa cặp UTF-16 (surrogate) đứng một mình không được phép (mã U+DC00)."]


def test_a_soft_hyphen_is_refused_in_unicode_text_and_read_as_u_horn_in_tcvn3_text(trip_data):
    trip_data["delegation"]["leader"]["position"] = "Phó Giám\u00ad đốc"
    with pytest.raises(InvalidInput) as caught:
        validate_trip(trip_data)
    assert [p.message for p in caught.value.problems] == [
        "Chứa ký tự vô hình “gạch nối mềm” không được phép (mã U+00AD) ngay sau “Phó Giám”; hãy xóa ký tự này."]
    trip_data["delegation"]["leader"]["position"] = "Tr\u00adëng phßng Néi vô"  # TCVN3 for “Trưởng phòng Nội vụ”
    with pytest.raises(InvalidInput) as caught:
        validate_trip(trip_data)
    assert [p.path for p in caught.value.problems] == ["delegation.leader.position"]  # one line, not two
    assert "TCVN3" in caught.value.problems[0].message
    converted = validate_trip(trip_data, convert_legacy=True)
    assert converted["delegation"]["leader"]["position"] == "Trưởng phòng Nội vụ"
    assert [n.path for n in converted.notes] == ["delegation.leader.position"]


def test_a_leader_name_with_an_invisible_character_never_makes_a_second_register_record(tmp_path, trip_data,
                                                                                      write_trip, run_formgen):
    db = tmp_path / "so.sqlite"
    assert run_formgen("register", "add", write_trip(tmp_path, trip_data, "a.yaml"), "--register", db).exit_code == 0
    trip_data["delegation"]["leader"]["name"] = "Nguyễn Văn\u200b An"
    result = run_formgen("register", "add", write_trip(tmp_path, trip_data, "b.yaml"), "--register", db)
    assert result.exit_code == 2
    with Register(db) as reg:
        assert len(reg.list()) == 1


# --- people counted once ------------------------------------------------------------------------------


def test_the_leader_listed_again_among_the_members_is_refused_naming_both_paths(trip_data):
    # the same name typed decomposed, in lower case, with a double and a no-break space
    trip_data["delegation"]["members"][3]["name"] = unicodedata.normalize("NFD", "nguyễn  văn\u00a0an")
    trip_data["delegation"]["members"][3]["unit"] = "Sở Nội vụ"
    assert refusal_lines(trip_data) == [
        "LỖI [delegation.members[3].name]: “nguyễn  văn\u00a0an” đã có trong đoàn (trưởng đoàn, "
        "delegation.leader.name): mỗi người chỉ ghi một lần; danh sách thành viên (members) không ghi lại "
        "trưởng đoàn."]


def test_a_member_listed_twice_is_refused_naming_both_paths_but_namesakes_elsewhere_are_not(trip_data):
    members = trip_data["delegation"]["members"]
    members[5]["name"] = "TRẦN THỊ BÍCH NGỌC"
    members[5]["position"] = members[0]["position"]
    assert refusal_lines(trip_data) == [
        "LỖI [delegation.members[5].name]: “TRẦN THỊ BÍCH NGỌC” đã có trong đoàn (thành viên, "
        "delegation.members[0].name): mỗi người chỉ ghi một lần."]
    members[5]["position"] = "Phó Trưởng phòng Nội vụ"  # another person of the same name, in another unit
    assert validate_trip(trip_data)["delegation"]["members"][5]["unit"] == "UBND huyện Châu Thành A"


def test_a_head_leader_is_a_key_leader_and_a_file_saying_otherwise_is_refused(trip_data):
    leader = trip_data["delegation"]["leader"]
    leader.update(rank="head", position="Giám đốc Sở Nội vụ")
    del leader["key_leader"]
    assert validate_trip(trip_data)["delegation"]["leader"]["key_leader"] is True
    leader["key_leader"] = "không"
    assert refusal_lines(trip_data) == [
        "LỖI [delegation.leader.key_leader]: Trưởng đoàn là người đứng đầu (rank: head) nên là lãnh đạo chủ chốt; "
        "hãy bỏ key_leader: false, hoặc sửa cấp trưởng đoàn (rank) nếu người này không phải người đứng đầu."]


def test_the_head_counts_against_the_key_leader_limit(trip_data):
    d = trip_data["delegation"]
    d["leader"].update(rank="head", position="Giám đốc Sở Nội vụ")
    del d["leader"]["key_leader"]
    d["members"][1]["key_leader"] = True  # with members[0]: two key leaders besides the head
    result = formgen.check(validate_trip(trip_data), "request")
    assert [(f.code, f.message.split(";")[0]) for f in result.errors] == [
        ("R05", "Đoàn có 3 lãnh đạo chủ chốt (Nguyễn Văn An, Trần Thị Bích Ngọc, Lê Hoàng Phúc)")]


def test_a_letter_for_a_head_led_delegation_never_says_00_key_leaders(tmp_path, trip_data):
    d = trip_data["delegation"]
    d["leader"].update(rank="head", position="Giám đốc Sở Nội vụ")
    del d["leader"]["key_leader"]
    for member in d["members"]:
        member.pop("key_leader", None)
    result = formgen.render("request", validate_trip(trip_data), tmp_path / "tt.docx")
    text = "\n".join(docx_lines(result.outputs[0]))
    assert "trong đoàn có 01 lãnh đạo chủ chốt của đơn vị." in text and "00 lãnh đạo" not in text
    assert "Trưởng đoàn; lãnh đạo chủ chốt" in text


def test_a_head_led_delegation_stored_with_the_old_default_counts_its_head_as_key_leader(tmp_path, trip_data,
                                                                                      write_trip, run_formgen):
    import sqlite3
    d = trip_data["delegation"]
    d["leader"].update(rank="head", position="Giám đốc Sở Nội vụ", key_leader=True)
    db = tmp_path / "so.sqlite"
    assert run_formgen("register", "add", write_trip(tmp_path, trip_data), "--register", db).exit_code == 0
    with sqlite3.connect(db) as conn:  # as versions before the head counted by rank stored it (no stored form then)
        conn.execute("UPDATE delegations SET trip = json_set(trip, '$.delegation.leader.key_leader', json('false')), "
                     "trip_form = NULL")
    with Register(db) as reg:
        (trip,) = reg.trips("SNV", 2024)
        assert reg.issuer("SNV")["name"] == "Sở Nội vụ"
    assert trip["delegation"]["leader"]["key_leader"] is True


# Any nesting of mappings and lists, with keys and texts of every category (lone surrogates too): the
# quick look that lets most data through (model.unreadable_text, legacy.find_legacy) must miss nothing.
_ANY_STRING = st.one_of(st.text(max_size=6), st.text(st.characters(exclude_categories=()), max_size=4),
                        st.sampled_from(["Nguyễn Văn An", "Hµ Néi", "\u200bx", "a\ud800", "Sôû Noäi vuï"]))
_ANY_DATA = st.recursive(st.one_of(_ANY_STRING, st.integers(), st.none()),
                         lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                 st.dictionaries(st.one_of(_ANY_STRING, st.integers()), inner,
                                                                 max_size=3)), max_leaves=12)


def _strings(data, keys: bool):
    if isinstance(data, dict):
        for k, v in data.items():
            if keys:
                yield str(k)
            yield from _strings(v, keys)
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v, keys)
    elif isinstance(data, str) and not keys:
        yield data


def _all_keys(data):
    if isinstance(data, dict):
        for k, v in data.items():
            yield k, v
            yield from _all_keys(v)
    elif isinstance(data, list):
        for v in data:
            yield from _all_keys(v)


@settings(max_examples=300, deadline=None)
@given(_ANY_DATA)
def test_unreadable_text_and_legacy_text_are_found_at_any_depth(data):
    """A lone surrogate in any text, or in a key, or an invisible character in a key, is named wherever it is;
    a text in TCVN3/VNI too."""
    from formgen.fields import invisible_character
    from formgen.legacy import detect, find_legacy
    from formgen.model import _lone_surrogate, unreadable_text

    def key_problem(key) -> bool:
        return bool(_lone_surrogate(str(key)) or invisible_character(str(key)))

    hidden = any(_lone_surrogate(s) for s in _strings(data, keys=False)) or \
        any(key_problem(k) for k, _ in _all_keys(data))
    assert bool(unreadable_text(data)) == hidden
    legacy = [s for s in _strings(data, keys=False) if detect(s)]
    assert sorted(f.text for f in find_legacy(data)) == sorted(legacy)
