"""Vietnamese formatting: dates in figures and words, money, numbers in words, case."""
from __future__ import annotations

import unicodedata
from datetime import date

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# From 10^18 "tỷ" repeats ("bốn tỷ không trăm linh một tỷ") and the words become
# ambiguous; no amount on a form comes near, so larger numbers are refused.
WORDS_LIMIT = 10**18
_ODD_WORDS = ("linh", "lẻ")
_THOUSAND_WORDS = ("nghìn", "ngàn")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _check_count(n: int) -> None:
    """Refuse what is not a non-negative integer (bool is an int, but not a count)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"expected a non-negative number, got {n}")


# --- dates (SPEC §2, §3; NĐ 30/2020/NĐ-CP, Phụ lục I) ---------------------------


def two_digits(n: int) -> str:
    """A count with at least two digits: 5 -> "05", 12 -> "12" ("08 người")."""
    _check_count(n)
    return f"{n:02d}"


def dmy(d: date) -> str:
    """dd/mm/yyyy, always two-digit day and month: "05/02/2024" (tables, stamps)."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def date_words(d: date) -> str:
    """The date as a document writes it: "ngày 05 tháng 02 năm 2024".

    NĐ 30/2020/NĐ-CP, Phụ lục I: a day below 10 and the months 1 and 2 take a
    leading zero ("ngày 05 tháng 02", "ngày 20 tháng 5", "ngày 15 tháng 10"),
    so that no digit can be added by hand ("tháng 1" into "tháng 11").
    """
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def date_line(place: str, d: date) -> str:
    """Place and date line under the header: "Hậu Giang, ngày 05 tháng 02 năm 2024"."""
    place = _nfc(place).strip()
    if not place:
        raise ValueError("the date line needs a place name")
    return f"{place}, {date_words(d)}"


# --- money (Luật Kế toán: "." between thousands) --------------------------------


def group_thousands(n: int) -> str:
    """Digits grouped by three with ".": 150000000 -> "150.000.000"; 0 -> "0"."""
    _check_count(n)
    return f"{n:,}".replace(",", ".")


def money(amount: int) -> str:
    """An amount in đồng, in figures: "150.000.000 đồng"."""
    return f"{group_thousands(amount)} đồng"


# --- numbers in words -------------------------------------------------------------


def _unit_after_tens(units: int, tens: int) -> str:
    """The units word after "mười"/"mươi": 5 is "lăm", 1 is "mốt" after 20 and up."""
    if units == 5:
        return "lăm"
    if units == 1 and tens >= 2:
        return "mốt"
    # 4 stays "bốn" (not "tư"): less ambiguous, and what e-invoice software prints.
    return _DIGITS[units]


def _group_words(n: int, *, inner: bool, odd: str) -> list[str]:
    """Words for one group 1..999; an inner group reads its hundreds even when zero."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or inner:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(odd)
            words.append(_DIGITS[units])
    else:
        words += ["mười"] if tens == 1 else [_DIGITS[tens], "mươi"]
        if units:
            words.append(_unit_after_tens(units, tens))
    return words


def _below_billion(n: int, *, inner: bool, odd: str, thousand: str) -> list[str]:
    """Words for 1..999.999.999; groups of 000 are skipped."""
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words: list[str] = []
    for group, unit in ((millions, "triệu"), (thousands, thousand), (units, "")):
        if group:
            words += _group_words(group, inner=inner or bool(words), odd=odd)
            if unit:
                words.append(unit)
    return words


def _words(n: int, *, inner: bool, odd: str, thousand: str) -> list[str]:
    """Words for n >= 1: the part above a billion is read as a number, then "tỷ"."""
    billions, rest = divmod(n, 1_000_000_000)
    words: list[str] = []
    if billions:
        words += _words(billions, inner=inner, odd=odd, thousand=thousand)
        words.append("tỷ")
    if rest:
        words += _below_billion(rest, inner=inner or bool(words), odd=odd, thousand=thousand)
    return words


def _option(value: str, allowed: tuple[str, ...], name: str) -> str:
    value = _nfc(value)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def number_in_words(n: int, *, odd: str = "linh", thousand: str = "nghìn") -> str:
    """A non-negative integer in Vietnamese words, lower case, as accountants write it.

    Written by hand because num2words (lang="vi") is wrong for amounts on official
    documents (Luật Kế toán: amounts also in words): it reads 2024 as "hai nghìn lẻ
    hai mươi bốn" and 2.024.000 as "hai triệu hai mươi bốn nghìn", dropping the
    "không trăm" of an inner group, so the words no longer fix the figure.

    Conventions (common usage; no official rule fixes "linh/lẻ" or "nghìn/ngàn",
    hence the options `odd` and `thousand`):
    - groups of three digits, units "", nghìn, triệu, tỷ; above a billion the
      count of billions is read as a number and followed by "tỷ" ("một nghìn tỷ",
      "một triệu tỷ", "một nghìn năm trăm tỷ");
    - a group of 000 is skipped; any other group after the first reads its
      hundreds: 2.024.000 "hai triệu không trăm hai mươi bốn nghìn", 1.000.001
      "một triệu không trăm linh một";
    - "mười" for 10-19, "mươi" for 20-90; 1 after 20+ is "mốt", after "mười"
      "một"; 5 after any ten is "lăm"; 4 is always "bốn"; 105 "một trăm linh năm";
      110 "một trăm mười"; 0 "không".

    Numbers from WORDS_LIMIT (10^18) up raise ValueError.
    """
    _check_count(n)
    if n >= WORDS_LIMIT:
        raise ValueError(f"{n} is too large to write unambiguously in words (limit 10^18 - 1)")
    odd = _option(odd, _ODD_WORDS, "odd")
    thousand = _option(thousand, _THOUSAND_WORDS, "thousand")
    if n == 0:
        return _DIGITS[0]
    return " ".join(_words(n, inner=False, odd=odd, thousand=thousand))


def money_in_words(amount: int, *, odd: str = "linh", thousand: str = "nghìn") -> str:
    """An amount in words for "Bằng chữ:": "Một trăm năm mươi triệu đồng"."""
    return capitalize_first(number_in_words(amount, odd=odd, thousand=thousand)) + " đồng"


# --- case --------------------------------------------------------------------------


def upper(text: str) -> str:
    """Vietnamese upper case, NFC: "Sở Nội vụ" -> "SỞ NỘI VỤ", "đ" -> "Đ"."""
    return _nfc(_nfc(text).upper())


def without_diacritics(text: str) -> str:
    """Text as typed on a keyboard without Vietnamese input, lower case: "Phó Giám đốc" -> "pho giam doc"."""
    decomposed = unicodedata.normalize("NFD", " ".join(text.casefold().split()).replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def capitalize_first(text: str) -> str:
    """Upper-case the first letter, leave the rest as is; NFC ("(một)" -> "(Một)")."""
    text = _nfc(text)
    for i, char in enumerate(text):
        if char.isalpha():
            return _nfc(text[:i] + char.upper() + text[i + 1 :])
    return text
