"""Tests for formgen.vn: dates, money and numbers in words as documents print them."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formgen.vn import (
    capitalize_first,
    date_line,
    date_words,
    dmy,
    group_thousands,
    money,
    money_in_words,
    number_in_words,
    two_digits,
    upper,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


# --- a strict reader of amounts in words, independent of the code under test ------

_DIGIT = {w: i for i, w in enumerate("không một hai ba bốn năm sáu bảy tám chín".split())}
_BARE = {w: i for w, i in _DIGIT.items() if i}  # 1..9 alone or after "linh"
_AFTER_MUOI = {"mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "lăm": 5,
               "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}  # after "hai mươi" .. "chín mươi"
_AFTER_MUOI_10 = {**_AFTER_MUOI, "một": 1}  # after "mười"
del _AFTER_MUOI_10["mốt"]


def _read_group(tokens: list[str], i: int, *, inner: bool, odd: str) -> tuple[int, int]:
    """Read one group 1..999 from tokens[i:]; an inner group must say its hundreds."""
    def at(k: int) -> str | None:
        return tokens[k] if k < len(tokens) else None

    value, has_hundreds = 0, False
    if at(i) in _DIGIT and at(i + 1) == "trăm":
        value, has_hundreds = 100 * _DIGIT[at(i)], True
        if value == 0 and not inner:
            raise ValueError(f"leading 'không trăm' at {i}")
        i += 2
    elif inner:
        raise ValueError(f"inner group without hundreds at {i}: {tokens}")
    word = at(i)
    if word == odd:
        if not has_hundreds or at(i + 1) not in _BARE:
            raise ValueError(f"misplaced {odd!r} at {i}")
        value += _BARE[at(i + 1)]
        i += 2
    elif word == "mười":
        value += 10
        i += 1
        if at(i) in _AFTER_MUOI_10:
            value += _AFTER_MUOI_10[at(i)]
            i += 1
    elif word in _DIGIT and _DIGIT[word] >= 2 and at(i + 1) == "mươi":
        value += 10 * _DIGIT[word]
        i += 2
        if at(i) in _AFTER_MUOI:
            value += _AFTER_MUOI[at(i)]
            i += 1
    elif word in _BARE:
        if has_hundreds:
            raise ValueError(f"units right after 'trăm' without {odd!r} at {i}")
        value += _BARE[word]
        i += 1
    if value == 0:
        raise ValueError(f"empty group at {i}: {tokens}")
    return value, i


def parse_words(text: str, *, odd: str = "linh", thousand: str = "nghìn") -> int:
    """Map Vietnamese number words back to the number, refusing malformed wording."""
    tokens = text.split(" ")
    if tokens == ["không"]:
        return 0
    scales = {thousand: 10**3, "triệu": 10**6, "tỷ": 10**9}
    parts: list[int] = []  # values read so far, strictly descending
    i, after_scale = 0, False

    def push(value: int) -> None:
        if parts and parts[-1] <= value:
            raise ValueError(f"parts out of order: {parts} then {value}")
        parts.append(value)

    while i < len(tokens):
        if tokens[i] in scales:
            if not after_scale:
                raise ValueError(f"scale word without a number at {i}")
            value = parts.pop()  # "nghìn tỷ": the new scale multiplies what was just read
        else:
            value, i = _read_group(tokens, i, inner=bool(parts), odd=odd)
            if i == len(tokens):
                push(value)
                break
            if tokens[i] not in scales:
                raise ValueError(f"unexpected {tokens[i]!r} at {i}: {tokens}")
        scale = scales[tokens[i]]
        i += 1
        # "một nghìn năm trăm tỷ": the scale takes in the smaller parts before it.
        while parts and parts[-1] < value * scale:
            value += parts.pop()
        push(value * scale)
        after_scale = True
    return sum(parts)


@pytest.mark.parametrize(
    "text, n",
    [
        ("hai triệu không trăm hai mươi bốn nghìn", 2_024_000),
        ("một nghìn năm trăm tỷ", 1_500_000_000_000),
        ("chín trăm chín mươi chín triệu tỷ", 999 * 10**15),
    ],
)
def test_the_test_parser_reads_known_wording(text, n):
    assert parse_words(text) == n


@pytest.mark.parametrize(
    "text",
    [
        "hai triệu hai mươi bốn nghìn",  # num2words: inner group without hundreds
        "hai nghìn lẻ hai mươi bốn",
        "hai mươi một",
        "mười năm",
        "một trăm năm",
        "không trăm năm",
        "nghìn",
    ],
)
def test_the_test_parser_refuses_wrong_wording(text):
    with pytest.raises(ValueError):
        parse_words(text, odd="linh")


# --- numbers in words: real amounts ---------------------------------------------


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (55, "năm mươi lăm"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (115, "một trăm mười lăm"),
        (1_000, "một nghìn"),
        (1_001, "một nghìn không trăm linh một"),
        (1_010, "một nghìn không trăm mười"),
        (1_100, "một nghìn một trăm"),
        (2_024, "hai nghìn không trăm hai mươi bốn"),
        (105_000, "một trăm linh năm nghìn"),
        (1_000_001, "một triệu không trăm linh một"),
        (1_005_000, "một triệu không trăm linh năm nghìn"),
        (2_024_000, "hai triệu không trăm hai mươi bốn nghìn"),
        (21_500_000, "hai mươi mốt triệu năm trăm nghìn"),
        (150_000_000, "một trăm năm mươi triệu"),
        (310_000_000, "ba trăm mười triệu"),
        (1_000_000_000, "một tỷ"),
        (1_000_005_000, "một tỷ không trăm linh năm nghìn"),
        (1_250_000_000, "một tỷ hai trăm năm mươi triệu"),
        (1_000_000_000_000, "một nghìn tỷ"),
        (1_000_000_000_001, "một nghìn tỷ không trăm linh một"),
        (1_500_000_000_000, "một nghìn năm trăm tỷ"),
        (10**15, "một triệu tỷ"),
        (10**15 + 5 * 10**12, "một triệu không trăm linh năm nghìn tỷ"),
        (10**18 - 1, "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn"
                     " chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu"
                     " chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    ],
)
def test_number_in_words(n, words):
    assert number_in_words(n) == words


@pytest.mark.parametrize(
    "n, odd, thousand, words",
    [
        (105, "lẻ", "nghìn", "một trăm lẻ năm"),
        (2_024, "lẻ", "nghìn", "hai nghìn không trăm hai mươi bốn"),
        (1_000_001, "lẻ", "nghìn", "một triệu không trăm lẻ một"),
        (2_024_000, "linh", "ngàn", "hai triệu không trăm hai mươi bốn ngàn"),
        (1_005_000, "lẻ", "ngàn", "một triệu không trăm lẻ năm ngàn"),
        (1_000_000_000_000, "linh", "ngàn", "một ngàn tỷ"),
    ],
)
def test_number_in_words_options(n, odd, thousand, words):
    assert number_in_words(n, odd=odd, thousand=thousand) == words


@pytest.mark.parametrize("func", [number_in_words, money_in_words])
def test_numbers_from_10_18_are_refused(func):
    # "bốn tỷ không trăm linh một tỷ" would be ambiguous
    with pytest.raises(ValueError):
        func(10**18)


def test_options_typed_in_nfd_still_give_nfc():
    words = number_in_words(1_005_000, odd=nfd("lẻ"), thousand=nfd("ngàn"))
    assert words == "một triệu không trăm lẻ năm ngàn"
    assert is_nfc(words)


@pytest.mark.parametrize("kwargs", [{"odd": "le"}, {"odd": "lẽ"}, {"thousand": "ngan"}, {"thousand": ""}])
def test_unknown_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        number_in_words(105, **kwargs)


@pytest.mark.parametrize(
    "amount, words",
    [
        (0, "Không đồng"),
        (150_000_000, "Một trăm năm mươi triệu đồng"),
        (21_500_000, "Hai mươi mốt triệu năm trăm nghìn đồng"),
        (1_250_000_000, "Một tỷ hai trăm năm mươi triệu đồng"),
        (2_024_000, "Hai triệu không trăm hai mươi bốn nghìn đồng"),
        (310_000_000, "Ba trăm mười triệu đồng"),
    ],
)
def test_money_in_words(amount, words):
    assert money_in_words(amount) == words


def test_money_in_words_options():
    assert money_in_words(1_005_000, odd="lẻ", thousand="ngàn") == "Một triệu không trăm lẻ năm ngàn đồng"


@pytest.mark.parametrize("func", [number_in_words, money_in_words, group_thousands, money, two_digits])
def test_negative_numbers_are_refused(func):
    with pytest.raises(ValueError):
        func(-1)


@pytest.mark.parametrize("func", [number_in_words, money_in_words, group_thousands, money, two_digits])
@pytest.mark.parametrize("value", [1.5, "100", True, None])
def test_non_integers_are_refused(func, value):
    with pytest.raises(TypeError):
        func(value)


# --- numbers in words: properties ---------------------------------------------------

OPTIONS = st.sampled_from([("linh", "nghìn"), ("lẻ", "nghìn"), ("linh", "ngàn"), ("lẻ", "ngàn")])

# Groups biased towards the hard cases: zeros, 1, 4, 5 after tens, 10..19, x0x.
HARD_GROUPS = st.one_of(
    st.sampled_from([0, 0, 0, 1, 4, 5, 10, 11, 14, 15, 20, 21, 24, 25, 100, 101, 104, 105, 110, 111, 115, 999]),
    st.integers(0, 999),
)


@st.composite
def grouped_numbers(draw, max_groups: int = 6) -> int:
    groups = draw(st.lists(HARD_GROUPS, min_size=1, max_size=max_groups))
    return sum(g * 1000**k for k, g in enumerate(groups))


def _check_words(n: int, odd: str, thousand: str) -> None:
    words = number_in_words(n, odd=odd, thousand=thousand)
    assert "  " not in words
    assert words == words.strip()
    assert is_nfc(words)
    assert words == words.lower()
    assert parse_words(words, odd=odd, thousand=thousand) == n


@settings(max_examples=1500)
@given(st.integers(0, 10**12), OPTIONS)
def test_words_read_back_to_the_number(n, options):
    _check_words(n, *options)


@settings(max_examples=1500)
@given(grouped_numbers(), OPTIONS)
def test_words_read_back_for_numbers_full_of_zeros(n, options):
    # up to 10^18 - 1: through "nghìn tỷ" and "triệu tỷ"
    _check_words(n, *options)


@given(st.integers(0, 10**15))
def test_money_in_words_is_the_number_capitalised_in_dong(amount):
    text = money_in_words(amount)
    assert text.endswith(" đồng")
    assert text[0].isupper()
    assert text[0].lower() + text[1:] == number_in_words(amount) + " đồng"
    assert is_nfc(text)


# --- figures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, text",
    [(0, "0"), (7, "7"), (999, "999"), (1_000, "1.000"), (105_000, "105.000"),
     (21_500_000, "21.500.000"), (150_000_000, "150.000.000"), (1_250_000_000, "1.250.000.000")],
)
def test_group_thousands(n, text):
    assert group_thousands(n) == text


@given(st.integers(0, 10**18))
def test_group_thousands_reads_back(n):
    text = group_thousands(n)
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", text)
    assert int(text.replace(".", "")) == n


def test_money():
    assert money(150_000_000) == "150.000.000 đồng"
    assert money(0) == "0 đồng"


@pytest.mark.parametrize("n, text", [(0, "00"), (5, "05"), (8, "08"), (9, "09"), (10, "10"), (12, "12"), (123, "123")])
def test_two_digits(n, text):
    assert two_digits(n) == text


# --- dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "d, words",
    [
        (date(2024, 2, 5), "ngày 05 tháng 02 năm 2024"),
        (date(2024, 5, 20), "ngày 20 tháng 5 năm 2024"),
        (date(2024, 10, 15), "ngày 15 tháng 10 năm 2024"),
        # day 9 vs 10
        (date(2024, 3, 9), "ngày 09 tháng 3 năm 2024"),
        (date(2024, 3, 10), "ngày 10 tháng 3 năm 2024"),
        (date(2024, 6, 1), "ngày 01 tháng 6 năm 2024"),
        # months 1 and 2 take the zero, 3 does not
        (date(2024, 1, 31), "ngày 31 tháng 01 năm 2024"),
        (date(2024, 2, 29), "ngày 29 tháng 02 năm 2024"),
        (date(2024, 3, 1), "ngày 01 tháng 3 năm 2024"),
        (date(2024, 9, 30), "ngày 30 tháng 9 năm 2024"),
        # months 10, 11, 12
        (date(2024, 10, 1), "ngày 01 tháng 10 năm 2024"),
        (date(2024, 11, 9), "ngày 09 tháng 11 năm 2024"),
        (date(2024, 12, 31), "ngày 31 tháng 12 năm 2024"),
    ],
)
def test_date_words(d, words):
    assert date_words(d) == words


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_date_words_follow_the_leading_zero_rule(d):
    m = re.fullmatch(r"ngày (\d+) tháng (\d+) năm (\d+)", date_words(d))
    assert m
    day, month, year = m.groups()
    assert date(int(year), int(month), int(day)) == d
    assert len(day) == 2
    assert month.startswith("0") == (d.month <= 2)


@pytest.mark.parametrize(
    "d, text",
    [(date(2024, 2, 5), "05/02/2024"), (date(2024, 3, 9), "09/03/2024"), (date(2024, 3, 10), "10/03/2024"),
     (date(2024, 10, 1), "01/10/2024"), (date(2024, 12, 31), "31/12/2024")],
)
def test_dmy(d, text):
    assert dmy(d) == text


@given(st.dates(min_value=date(1900, 1, 1)))
def test_dmy_reads_back(d):
    assert datetime.strptime(dmy(d), "%d/%m/%Y").date() == d


def test_date_line():
    assert date_line("Hậu Giang", date(2024, 2, 5)) == "Hậu Giang, ngày 05 tháng 02 năm 2024"
    assert date_line("Cần Thơ", date(2025, 7, 1)) == "Cần Thơ, ngày 01 tháng 7 năm 2025"


def test_date_line_accepts_a_datetime_and_nfd_place():
    line = date_line(nfd("Hậu Giang"), datetime(2024, 10, 15, 8, 30))
    assert line == "Hậu Giang, ngày 15 tháng 10 năm 2024"
    assert is_nfc(line)


@pytest.mark.parametrize("place", ["", "   "])
def test_date_line_needs_a_place(place):
    with pytest.raises(ValueError):
        date_line(place, date(2024, 2, 5))


# --- case ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Sở Nội vụ", "SỞ NỘI VỤ"),
        ("đ", "Đ"),
        ("Ban Tổ chức Tỉnh ủy Hậu Giang", "BAN TỔ CHỨC TỈNH ỦY HẬU GIANG"),
        ("Cộng hòa xã hội chủ nghĩa Việt Nam", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG CỘNG SẢN VIỆT NAM"),
    ],
)
def test_upper(text, expected):
    assert upper(text) == expected
    assert upper(nfd(text)) == expected


_BASES = "aăâeêioôơuưy"
_TONES = ["", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]
VIETNAMESE_LETTERS = sorted(
    {unicodedata.normalize("NFC", b + t) for b in _BASES for t in _TONES}
    | set("bcdđghklmnpqrstvx")
)
VIETNAMESE_TEXT = st.text(st.sampled_from(VIETNAMESE_LETTERS + [" ", "-", ","]), max_size=40)


@given(VIETNAMESE_TEXT)
def test_upper_is_nfc_and_keeps_the_letters(text):
    result = upper(nfd(text))
    assert is_nfc(result)
    assert upper(result) == result
    assert len(result) == len(text)
    assert result.lower() == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("một trăm", "Một trăm"),
        ("đồng", "Đồng"),
        ("ủy ban", "Ủy ban"),
        ("sở Nội vụ", "Sở Nội vụ"),
        ("(một) trăm", "(Một) trăm"),
        ("Đã", "Đã"),
        ("", ""),
        ("123", "123"),
    ],
)
def test_capitalize_first(text, expected):
    assert capitalize_first(text) == expected
    assert capitalize_first(nfd(text)) == expected


@given(VIETNAMESE_TEXT)
def test_capitalize_first_changes_one_letter_only(text):
    result = capitalize_first(nfd(text))
    assert is_nfc(result)
    assert result.lower() == text.lower()
    assert sum(a != b for a, b in zip(result, text)) <= 1
