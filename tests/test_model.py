"""The input schema (SPEC §5): what a delegation file may say, and every mistake reported at once with its path."""
from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formgen.errors import InvalidInput
from formgen.fields import Amount, Date, Text, invisible_character
from formgen.loader import load
from formgen.model import validate_trip

FIXTURE_FILE = Path(__file__).parent.parent / "fixtures" / "request.yaml"


def problems(data) -> dict[str, str]:
    """path -> message of every problem validate_trip reports; fails the test when the data is accepted."""
    with pytest.raises(InvalidInput) as caught:
        validate_trip(data)
    error = caught.value
    assert error.exit_code == 2
    found: dict[str, str] = {}
    for p in error.problems:
        found[p.path] = found[p.path] + " | " + p.message if p.path in found else p.message
    return found


def nfd(value):
    """The same data with every string decomposed (as some macOS and Windows tools save it)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFD", value)
    if isinstance(value, list):
        return [nfd(v) for v in value]
    if isinstance(value, dict):
        return {k: nfd(v) for k, v in value.items()}
    return value


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)


# --- the fixture ------------------------------------------------------------------------


def test_the_fixture_loads_into_typed_normalised_values(trip_data):
    trip = validate_trip(trip_data)
    d = trip["delegation"]
    assert d["depart_on"] == dt.date(2024, 6, 3)
    assert d["return_on"] == dt.date(2024, 6, 7)
    assert d["stops"][1]["start"] == dt.date(2024, 6, 6)
    assert d["funding"]["amount"] == 150_000_000
    assert d["leader"]["rank"] == "deputy"
    assert [m["key_leader"] for m in d["members"]] == [True, False, False, False, False, False]
    assert trip["request"]["number"] == 5
    assert trip["request"]["signer"]["authority"] == "KT"
    assert trip["issuer"]["style"] == "state"


def test_the_fixture_file_loads_from_disk_with_its_dates_as_dates():
    trip = load(FIXTURE_FILE)
    assert trip["request"]["date"] == dt.date(2024, 5, 20)
    assert trip["delegation"]["members"][3]["name"] == "Võ Thị Thu Hương"


# --- every error at once, each with its path ---------------------------------------------


def test_every_field_error_is_reported_at_once_with_its_path(trip_data):
    members = trip_data["delegation"]["members"]
    members[1]["name"] = ["Lê Hoàng Phúc"]          # a list where text is expected
    members[3]["name"] = "Võ Thị\x07 Thu Hương"      # a control character pasted from a PDF
    trip_data["delegation"]["depart_on"] = "31/02/2025"

    found = problems(trip_data)

    assert set(found) == {"delegation.members[1].name", "delegation.members[3].name", "delegation.depart_on"}
    assert found["delegation.members[1].name"] == "Phải là chuỗi ký tự."
    assert found["delegation.members[3].name"] == "Chứa ký tự điều khiển không được phép (mã U+0007)."
    assert found["delegation.depart_on"] == "Ngày “31/02/2025” không tồn tại: tháng 2 năm 2025 chỉ có 28 ngày."


def test_errors_in_different_sections_come_back_together(trip_data):
    del trip_data["issuer"]["place"]
    trip_data["delegation"]["stops"][1]["start"] = "hôm sau"
    trip_data["request"]["number"] = "số năm"

    found = problems(trip_data)

    assert set(found) == {"issuer.place", "delegation.stops[1].start", "request.number"}
    assert found["issuer.place"] == "Thiếu trường bắt buộc."
    assert "“hôm sau”" in found["delegation.stops[1].start"]
    assert found["request.number"] == "Phải là số nguyên."


def test_the_error_lines_name_the_file_and_the_path(trip_data):
    trip_data["delegation"]["members"][2]["key_leader"] = "chắc có"
    with pytest.raises(InvalidInput) as caught:
        validate_trip(trip_data, source="doan-da-nang.yaml")
    assert caught.value.lines() == [
        "doan-da-nang.yaml: LỖI [delegation.members[2].key_leader]: Phải là true/false (có/không)."
    ]


def test_messages_are_vietnamese_in_nfc(trip_data):
    trip_data["delegation"]["leader"]["rank"] = "sếp"
    trip_data["delegation"]["funding"]["amount"] = "một trăm triệu"
    trip_data["delegation"]["return_on"] = "2024-13-01"
    with pytest.raises(InvalidInput) as caught:
        validate_trip(trip_data)
    assert len(caught.value.problems) == 3
    for p in caught.value.problems:
        assert unicodedata.is_normalized("NFC", p.message), p
        assert not any(word in p.message for word in ("Not a valid", "Invalid", "Missing", "must be")), p


# --- unknown keys and wrong types -------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "key", "path"),
    [
        ((), "requests", "requests"),
        (("delegation",), "colour", "delegation.colour"),
        (("delegation", "leader"), "ranks", "delegation.leader.ranks"),
        (("delegation", "members", 4), "email", "delegation.members[4].email"),
        (("request", "signer"), "chuc_vu", "request.signer.chuc_vu"),
    ],
)
def test_an_unknown_key_is_refused_naming_the_key(trip_data, where, key, path):
    target = trip_data
    for step in where:
        target = target[step]
    target[key] = "x"
    found = problems(trip_data)
    assert found == {path: "Khóa không có trong mẫu dữ liệu (kiểm tra chính tả)."}


@pytest.mark.parametrize(
    ("edit", "path", "message"),
    [
        (lambda d: d["delegation"].update(members="Nguyễn Văn A, Trần Văn B"),
         "delegation.members", "Phải là một danh sách."),
        (lambda d: d["delegation"].update(focus_areas="cải cách hành chính"),
         "delegation.focus_areas", "Phải là một danh sách."),
        (lambda d: d["request"].update(cc="Ban Tổ chức Tỉnh ủy"), "request.cc", "Phải là một danh sách."),
        (lambda d: d["delegation"].update(leader=["Nguyễn Văn An", "Phó Giám đốc"]),
         "delegation.leader", "Phải là một mục (khóa: giá trị)."),
        (lambda d: d["delegation"].update(funding=["ngân sách", 150000000]),
         "delegation.funding", "Phải là một mục (khóa: giá trị)."),
        (lambda d: d["delegation"]["stops"].__setitem__(0, "Đà Nẵng"),
         "delegation.stops[0]", "Phải là một mục (khóa: giá trị)."),
        (lambda d: d["delegation"]["leader"].update(key_leader="hình như"),
         "delegation.leader.key_leader", "Phải là true/false (có/không)."),
        (lambda d: d["delegation"].update(depart_on=20240603),
         "delegation.depart_on", "Phải là ngày dạng 2024-06-03 hoặc 03/06/2024."),
    ],
)
def test_a_wrong_type_is_refused_with_its_path(trip_data, edit, path, message):
    edit(trip_data)
    assert problems(trip_data) == {path: message}


@pytest.mark.parametrize("data", [["issuer", "delegation"], "Sở Nội vụ", 42])
def test_a_file_that_is_not_a_mapping_is_refused(data):
    assert problems(data) == {"": "Phải là một mục (khóa: giá trị)."}


def test_missing_sections_are_named(trip_data):
    del trip_data["issuer"]
    del trip_data["delegation"]["leader"]
    assert problems(trip_data) == {"issuer": "Thiếu trường bắt buộc.", "delegation.leader": "Thiếu trường bắt buộc."}


@pytest.mark.parametrize(
    ("section", "field"),
    [("issuer", "name"), ("issuer", "abbreviation"), ("issuer", "place"), ("request", "recipient")],
)
@pytest.mark.parametrize("blank", ["", "   "])
def test_a_required_text_left_blank_is_refused(trip_data, section, field, blank):
    trip_data[section][field] = blank
    assert problems(trip_data) == {f"{section}.{field}": "Trường bắt buộc không được để trống."}


def test_a_signer_without_name_is_refused(trip_data):
    trip_data["request"]["signer"]["name"] = " "
    assert problems(trip_data) == {"request.signer.name": "Trường bắt buộc không được để trống."}


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2024-06-03", "03/06/2024", "3/6/2024", "03-06-2024", " 03/06/2024 ",
                                     dt.date(2024, 6, 3)])
def test_departure_dates_iso_and_vietnamese_style_are_the_same_day(trip_data, written):
    trip_data["delegation"]["depart_on"] = written
    assert validate_trip(trip_data)["delegation"]["depart_on"] == dt.date(2024, 6, 3)


def test_every_date_field_accepts_dd_mm_yyyy(trip_data):
    d = trip_data["delegation"]
    d["depart_on"], d["return_on"] = "03/06/2024", "07/06/2024"
    d["stops"][0].update(start="04/06/2024", end="05/06/2024")
    trip_data["request"]["date"] = "20/05/2024"
    trip = validate_trip(trip_data)
    assert trip["request"]["date"] == dt.date(2024, 5, 20)
    assert (trip["delegation"]["stops"][0]["start"], trip["delegation"]["stops"][0]["end"]) == (
        dt.date(2024, 6, 4), dt.date(2024, 6, 5))


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("31/02/2025", "Ngày “31/02/2025” không tồn tại: tháng 2 năm 2025 chỉ có 28 ngày."),
        ("2025-02-29", "Ngày “2025-02-29” không tồn tại: tháng 2 năm 2025 chỉ có 28 ngày."),
        ("06/13/2024", "Ngày “06/13/2024” không tồn tại: không có tháng 13."),
        ("2024/06/03", "“2024/06/03” không phải là ngày hợp lệ; hãy viết dạng 2024-06-03 hoặc 03/06/2024."),
    ],
)
def test_an_impossible_date_is_refused_naming_the_value(trip_data, written, message):
    trip_data["request"]["date"] = written
    assert problems(trip_data) == {"request.date": message}


def test_an_impossible_date_typed_unquoted_in_yaml_reaches_our_message(tmp_path, trip_data, write_trip):
    path = write_trip(tmp_path, trip_data)
    text = path.read_text(encoding="utf-8").replace("depart_on: 2024-06-03", "depart_on: 2024-02-30")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load(path)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("delegation.depart_on", "Ngày “2024-02-30” không tồn tại: tháng 2 năm 2024 chỉ có 29 ngày.")]
    assert caught.value.source == str(path)


def test_return_before_departure_is_refused(trip_data):
    trip_data["delegation"]["depart_on"] = "2024-06-07"
    trip_data["delegation"]["return_on"] = "2024-06-03"
    assert problems(trip_data) == {"delegation.return_on": "Ngày về trước ngày đi."}


def test_return_on_the_departure_day_is_accepted(trip_data):
    d = trip_data["delegation"]
    d["depart_on"] = d["return_on"] = "2024-06-04"
    d["stops"] = [dict(d["stops"][0], start="2024-06-04", end="2024-06-04")]
    assert validate_trip(trip_data)["delegation"]["return_on"] == dt.date(2024, 6, 4)


@pytest.mark.parametrize(
    ("index", "start", "end"),
    [(0, "2024-06-02", "2024-06-03"),   # starts the day before departure
     (1, "2024-06-07", "2024-06-08")],  # ends the day after return
)
def test_a_stop_outside_the_trip_is_refused(trip_data, index, start, end):
    trip_data["delegation"]["stops"][index].update(start=start, end=end)
    assert problems(trip_data) == {
        f"delegation.stops[{index}]": "Thời gian tại điểm đến nằm ngoài thời gian chuyến đi."}


def test_a_stop_on_the_departure_and_return_days_is_inside_the_trip(trip_data):
    trip_data["delegation"]["stops"][0].update(start="2024-06-03", end="2024-06-04")
    trip_data["delegation"]["stops"][1].update(start="2024-06-07", end="2024-06-07")
    assert len(validate_trip(trip_data)["delegation"]["stops"]) == 2


def test_a_stop_ending_before_it_starts_is_refused(trip_data):
    trip_data["delegation"]["stops"][0].update(start="2024-06-05", end="2024-06-04")
    assert problems(trip_data) == {"delegation.stops[0].end": "Ngày kết thúc trước ngày bắt đầu."}


# --- text: NFC, control characters ----------------------------------------------------------


def test_decomposed_text_is_stored_as_nfc(trip_data):
    decomposed = nfd(trip_data)
    assert decomposed["delegation"]["members"][0]["name"] != trip_data["delegation"]["members"][0]["name"]

    trip = validate_trip(decomposed)

    assert trip == validate_trip(trip_data)
    assert trip["delegation"]["members"][0]["name"] == "Trần Thị Bích Ngọc"
    assert trip["delegation"]["focus_areas"] == ["cải cách hành chính"]
    assert all(unicodedata.is_normalized("NFC", s) for s in strings(trip))


def test_text_is_stripped(trip_data):
    trip_data["issuer"]["name"] = "  Sở Nội vụ \n"
    assert validate_trip(trip_data)["issuer"]["name"] == "Sở Nội vụ"


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b", "\x0c"])
def test_a_control_character_in_a_name_is_refused_with_its_path(trip_data, char):
    trip_data["delegation"]["members"][2]["name"] = f"Phạm{char} Minh Đức"
    assert problems(trip_data) == {
        "delegation.members[2].name": f"Chứa ký tự điều khiển không được phép (mã U+{ord(char):04X})."}


def test_tabs_and_newlines_in_long_text_are_kept(trip_data):
    trip_data["delegation"]["purpose"] = "Dòng một\n\tDòng hai"
    assert validate_trip(trip_data)["delegation"]["purpose"] == "Dòng một\n\tDòng hai"


# --- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["150.000.000", 150000000, "150000000", "150.000.000 đồng", "150.000.000đ",
                                     "150.000.000 ₫", "150.000.000 Đồng", "150.000.000 VNĐ", "150.000.000 vnd.",
                                     "150.000.000,00", "150.000.000,0 đồng", "150000000,00"])
def test_amounts_as_typed_and_as_numbers_are_equal(trip_data, written):
    trip_data["delegation"]["funding"]["amount"] = written
    assert validate_trip(trip_data)["delegation"]["funding"]["amount"] == 150_000_000


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("150,000,000", "Số tiền “150,000,000” dùng dấu phẩy, mà dấu phẩy là dấu thập phân (Luật Kế toán: dấu chấm "
                        "ngăn cách hàng nghìn); hãy viết 150000000 hoặc 150.000.000."),
        ("1.50.000", "Số tiền phải là số nguyên đồng, ví dụ 150000000 hoặc 150.000.000."),
        ("150.000.000,50", "Số tiền phải là số nguyên đồng, ví dụ 150000000 hoặc 150.000.000."),  # not whole đồng
        ("150.000,000", "Số tiền phải là số nguyên đồng, ví dụ 150000000 hoặc 150.000.000."),  # ,000: no decimals
        ("150.000.000 USD", "Số tiền phải là số nguyên đồng, ví dụ 150000000 hoặc 150.000.000."),
        (1.5, "Số tiền phải là số nguyên đồng, ví dụ 150000000 hoặc 150.000.000."),
        (True, "Số tiền phải là số nguyên đồng, ví dụ 150000000 hoặc 150.000.000."),
        (-150000000, "Số tiền không được âm."),
        (10**18, "Số tiền quá lớn để viết bằng chữ."),
    ],
)
def test_an_amount_that_is_not_whole_dong_is_refused(trip_data, written, message):
    trip_data["delegation"]["funding"]["amount"] = written
    assert problems(trip_data) == {"delegation.funding.amount": message}


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_any_amount_reads_the_same_with_or_without_thousands_dots(n):
    dotted = f"{n:,}".replace(",", ".")
    assert Amount().deserialize(dotted) == Amount().deserialize(n) == Amount().deserialize(str(n)) == n


# --- signer and rank ------------------------------------------------------------------------


@pytest.mark.parametrize("authority", ["KT", "K/T", "kt.", "TL", "T/L", "TUQ"])
def test_signing_for_someone_without_naming_them_is_refused(trip_data, authority):
    trip_data["request"]["signer"]["authority"] = authority
    del trip_data["request"]["signer"]["on_behalf_of"]
    found = problems(trip_data)
    assert list(found) == ["request.signer.on_behalf_of"]
    assert "on_behalf_of" in found["request.signer.on_behalf_of"]
    assert "Ký thay" in found["request.signer.on_behalf_of"]


@pytest.mark.parametrize(("written", "code"), [("T/M", "TM"), ("TM.", "TM"), ("K/T", "KT"), ("t/l", "TL"), (None, None)])
def test_party_and_state_spellings_of_the_authority_are_one_code(trip_data, written, code):
    trip_data["request"]["signer"]["authority"] = written
    assert validate_trip(trip_data)["request"]["signer"]["authority"] == code


def test_the_head_signing_needs_no_on_behalf_of(trip_data):
    trip_data["request"]["signer"] = {"name": "Trần Văn Bình", "title": "Giám đốc", "authority": None}
    assert validate_trip(trip_data)["request"]["signer"]["on_behalf_of"] is None


@pytest.mark.parametrize(
    ("written", "rank"),
    [("deputy", "deputy"), ("cấp phó", "deputy"), ("Cấp phó", "deputy"), ("phó", "deputy"),
     ("head", "head"), ("người đứng đầu", "head"), ("Trưởng", "head"), ("other", "other"), ("khác", "other")],
)
def test_the_leader_rank_accepts_english_and_vietnamese(trip_data, written, rank):
    trip_data["delegation"]["leader"]["rank"] = written
    assert validate_trip(trip_data)["delegation"]["leader"]["rank"] == rank


def test_a_decomposed_vietnamese_rank_is_recognised(trip_data):
    trip_data["delegation"]["leader"]["rank"] = unicodedata.normalize("NFD", "cấp phó")
    assert validate_trip(trip_data)["delegation"]["leader"]["rank"] == "deputy"


def test_an_unknown_rank_is_refused_listing_the_choices(trip_data):
    trip_data["delegation"]["leader"]["rank"] = "phó phòng"
    assert problems(trip_data) == {
        "delegation.leader.rank": "Giá trị “phó phòng” không hợp lệ; chọn một trong: head, deputy, other."}


def test_key_leader_accepts_co_and_khong(trip_data):
    trip_data["delegation"]["members"][1]["key_leader"] = "có"
    trip_data["delegation"]["members"][0]["key_leader"] = "không"
    members = validate_trip(trip_data)["delegation"]["members"]
    assert (members[0]["key_leader"], members[1]["key_leader"]) == (False, True)


def test_document_number_must_be_positive(trip_data):
    trip_data["request"]["number"] = 0
    assert problems(trip_data) == {"request.number": "Phải lớn hơn 0."}


# --- files: YAML and JSON ------------------------------------------------------------------


def test_a_json_file_loads_the_same_as_the_yaml_file(tmp_path, trip_data, write_trip):
    from_yaml = load(write_trip(tmp_path, trip_data, "trip.yaml"))
    from_json = load(write_trip(tmp_path, trip_data, "trip.json"))
    assert from_json == from_yaml
    assert from_json["delegation"]["depart_on"] == dt.date(2024, 6, 3)


def test_a_key_written_twice_in_yaml_is_refused_naming_key_and_line(tmp_path):
    path = tmp_path / "trip.yaml"
    path.write_text("issuer:\n  name: Sở Nội vụ\n  name: Sở Tư pháp\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load(path)
    assert caught.value.message == (
        f"Không đọc được tệp “{path}”: lỗi cú pháp YAML ở dòng 3, cột 3 (khóa “name” được ghi hai lần).")


def test_a_key_written_twice_in_json_is_refused_naming_the_key(tmp_path):
    path = tmp_path / "trip.json"
    path.write_text('{"request": {}, "request": {}}', encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load(path)
    assert caught.value.message == f"Không đọc được tệp “{path}”: khóa “request” được ghi hai lần."


def test_yaml_merge_keys_may_still_be_overridden(tmp_path, trip_data, write_trip):
    path = write_trip(tmp_path, trip_data)
    text = path.read_text(encoding="utf-8")
    text = text.replace("issuer:\n", "issuer: &unit\n", 1).replace(
        "request:\n", "other_unit: {<<: *unit, name: Sở Tư pháp}\nrequest:\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:  # parsed fine; only the unknown key is refused
        load(path)
    assert [p.path for p in caught.value.problems] == ["other_unit"]


def test_a_utf8_bom_is_accepted(tmp_path, trip_data, write_trip):
    path = write_trip(tmp_path, trip_data)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load(path)["issuer"]["name"] == "Sở Nội vụ"


# --- properties ------------------------------------------------------------------------------


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)))
def test_any_date_reads_the_same_in_iso_and_dd_mm_yyyy(day):
    assert Date().deserialize(day.isoformat()) == Date().deserialize(day.strftime("%d/%m/%Y")) == day


_SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Co", "Cn"))).filter(
    lambda text: invisible_character(text) is None)  # what looks like nothing is refused, not stored


@given(_SAFE_TEXT)
def test_any_text_is_stored_the_same_whether_typed_composed_or_decomposed(text):
    stored = Text().deserialize(unicodedata.normalize("NFD", text))
    assert stored == Text().deserialize(unicodedata.normalize("NFC", text))
    assert unicodedata.is_normalized("NFC", stored)
