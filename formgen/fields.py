"""Schema fields that speak Vietnamese and normalise what users type."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from marshmallow import ValidationError, fields

from .dates import parse_date
from .vn import WORDS_LIMIT, group_thousands
from .yamlio import LiteralBool, LiteralFloat, literal_text

# XML 1.0 forbids these code points; a .docx holding one is broken.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Characters that show nothing, yet make two equal-looking texts differ or reorder what is printed:
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt) and the braille blank; with the
# format (Cf), private-use (Co) and unassigned (Cn) categories checked beside them.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INVISIBLE_NAMES = {
    "\u200b": "khoảng trắng độ rộng 0", "\u200c": "ký tự ngắt độ rộng 0", "\u200d": "ký tự nối độ rộng 0",
    "\u2060": "ký tự nối từ", "\ufeff": "dấu BOM", "\u00ad": "gạch nối mềm",
}


def name_key(text: str) -> str:
    """Names compared as a person reads them: composed or decomposed, case and spacing (NBSP too) aside."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def invisible_character(text: str) -> tuple[int, str] | None:
    """(position, message) of the first invisible, bidi, private-use or unassigned character; None if none."""
    if text.isascii():  # none of them is ASCII: most values are done here
        return None
    bad = {c for c in set(text) if c > "\x7f" and _hidden(c)}
    if not bad:
        return None
    at = min(text.index(c) for c in bad)
    char, code = text[at], ord(text[at])
    before = " ".join(text[max(0, at - 20):at].split())
    where = f"ngay sau “{before}”" if before else "ở đầu giá trị"
    if _BIDI.match(char):
        what, advice = "ký tự đổi chiều hiển thị", ": chữ in ra sẽ khác chữ đã gõ; hãy xóa ký tự này"
    elif unicodedata.category(char) == "Co":
        what = "ký tự vùng dùng riêng (Private Use)"
        advice = ": mỗi phông chữ hiện nó một kiểu; hãy gõ lại bằng Unicode"
    elif unicodedata.category(char) == "Cn":
        what, advice = "ký tự chưa có trong bảng mã Unicode", "; hãy xóa ký tự này"
    else:
        what = f"ký tự vô hình “{_INVISIBLE_NAMES.get(char) or unicodedata.name(char, '?')}”"
        advice = "; hãy xóa ký tự này"
    return at, f"Chứa {what} không được phép (mã U+{code:04X}) {where}{advice}."


@lru_cache(maxsize=4096)
def _hidden(c: str) -> bool:
    """Whether a character is one invisible_character refuses (asked once per character: a text repeats its letters)."""
    return bool(_INVISIBLE.match(c)) or unicodedata.category(c) in ("Cf", "Co", "Cn")


class _Vietnamese:
    """Mixin: the base messages of every field, in Vietnamese."""

    default_error_messages = {
        "required": "Thiếu trường bắt buộc.",
        "null": "Trường này không được để trống (null).",
        "validator_failed": "Giá trị không hợp lệ.",
    }


class Text(_Vietnamese, fields.String):
    """A string, stripped and stored as Unicode NFC; control and invisible characters refused; a required one
    not blank. A number or truth value read from a file is its text as written ("010", "1:30", "No")."""

    default_error_messages = {
        "invalid": "Phải là chuỗi ký tự.",
        "invalid_utf8": "Không phải chuỗi UTF-8 hợp lệ.",
        "forbidden": "Chứa {what} không được phép (mã U+{code:04X}).",  # XML 1.0, so Word, forbids it
        "blank": "Trường bắt buộc không được để trống.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if literal_text(value) is not None:
            value = literal_text(value)  # YAML's 010 is 8, its 1:30 is 90, its No is False: keep what was typed
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # a spreadsheet cell typed as a number ("2024")
        text = super()._deserialize(value, attr, data, **kwargs)
        bad = _FORBIDDEN.search(text)
        if bad:
            code = ord(bad.group())
            what = ("nửa cặp UTF-16 (surrogate) đứng một mình" if 0xD800 <= code <= 0xDFFF
                    else "ký tự không phải chữ" if code >= 0xFFFE else "ký tự điều khiển")
            raise self.make_error("forbidden", code=code, what=what)
        invisible = invisible_character(text)
        if invisible:
            raise ValidationError(invisible[1])
        text = unicodedata.normalize("NFC", text).strip()
        if self.required and not text:
            raise self.make_error("blank")  # a letter with "Kính gửi: ." is worse than no letter
        return text


class Choice(Text):
    """A text among fixed values, with aliases (so Vietnamese words are accepted)."""

    default_error_messages = {"choice": "Giá trị “{value}” không hợp lệ; chọn một trong: {choices}."}

    def __init__(self, choices: dict[str, str], **kwargs):
        # choices: accepted spelling (case-insensitive) -> canonical value
        self.choices = {k.casefold(): v for k, v in choices.items()}
        self.canonical = list(dict.fromkeys(choices.values()))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self.choices[text.casefold()]
        except KeyError:
            raise self.make_error("choice", value=text, choices=", ".join(self.canonical)) from None


class Date(_Vietnamese, fields.Field):
    """A calendar date: ISO (2024-06-03) or as Vietnamese users type it (03/06/2024)."""

    default_error_messages = {"invalid": "{reason}"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, str):
            raise self.make_error("invalid", reason="Phải là ngày dạng 2024-06-03 hoặc 03/06/2024.")
        try:
            return parse_date(value)
        except ValueError as exc:
            raise self.make_error("invalid", reason=str(exc)) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


class Count(_Vietnamese, fields.Integer):
    """A whole number; digit strings accepted, booleans refused; from a file, only decimal digits as written."""

    default_error_messages = {
        "invalid": "Phải là số nguyên.",
        "too_large": "Số quá lớn.",
        "not_decimal": "“{literal}” không phải số nguyên viết bằng chữ số 0–9 (YAML đọc nó thành {read}); "
                       "hãy viết số bằng chữ số 0–9.",
        "not_whole": "“{literal}” không phải số nguyên; hãy viết số nguyên bằng chữ số 0–9.",
    }
    # Decimal digits as a person reads them: "010" is ten (YAML 1.1 would say eight).
    written = re.compile(r"-?\d+")

    def __init__(self, **kwargs):
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        literal = literal_text(value)
        if literal is not None:
            value = self._as_written(value, literal)
        if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        if isinstance(value, str):
            value = value.strip()
            if not value.isdigit():
                raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)

    def _as_written(self, value, literal: str) -> int:
        """The number a file's literal means to a person, or a refusal that says what YAML made of it."""
        if isinstance(value, LiteralBool):
            raise self.make_error("invalid")
        if isinstance(value, LiteralFloat):
            raise self.make_error("not_whole", literal=literal)
        if not self.written.fullmatch(literal.strip()):
            raise self.make_error("not_decimal", literal=literal, read=int(value))  # 0x1A, 1:30, 0b11, +5
        return int(literal.strip())


# Thousands in groups of three, one separator throughout: dots (Luật Kế toán), spaces, or commas (refused).
_GROUPED = re.compile("\\d{1,3}(?:([.,\u0020\u00a0\u202f\u2009])\\d{3})(?:\\1\\d{3})*")


class Amount(Count):
    """An amount in đồng: 150000000 or as typed, "150.000.000" (dots, or spaces, between thousands).

    A number with a decimal point in YAML or JSON is refused, whole or not: `150.000` there is 150.0,
    never 150000 (the thousands dot of the accounting law needs quotes).
    """

    default_error_messages = {
        "invalid": "Số tiền phải là số nguyên đồng, ví dụ 150000000 hoặc 150.000.000.",
        "negative": "Số tiền không được âm.",
        "too_large": "Số tiền quá lớn để viết bằng chữ.",
        "float": "Số tiền “{literal}” được đọc là số thập phân, không phải số nguyên đồng; hãy viết {how}.",
        "comma": "Số tiền “{written}” dùng dấu phẩy, mà dấu phẩy là dấu thập phân (Luật Kế toán: dấu chấm ngăn "
                 "cách hàng nghìn); hãy viết {how}.",
        "not_decimal": "Số tiền “{literal}” không phải số viết bằng chữ số 0–9 (YAML đọc nó thành {read}); "
                       "hãy viết 150000000 hoặc \"150.000.000\" (có dấu ngoặc kép).",
    }
    # YAML 1.1 also allows 150_000_000: accepted when the groups are thousands.
    written = re.compile(r"-?(\d+|\d{1,3}(_\d{3})+)")

    def _as_written(self, value, literal: str) -> int:
        if isinstance(value, LiteralFloat):
            if re.fullmatch(r"\d{1,3}(\.\d{3})+", literal):  # 150.000: thousands as the accounting law writes them
                how = _both_ways(int(literal.replace(".", "")))
            elif value.is_integer():  # 150000000.0, 1.5e8
                how = _both_ways(int(value))
            else:
                how = "số nguyên, ví dụ " + _both_ways(150_000_000)
            raise self.make_error("float", literal=literal, how=how)
        return super()._as_written(value, literal)  # int() reads 150_000_000 as Python does

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            text = value.strip().removesuffix("đồng").removesuffix("đ").strip()
            grouped = _GROUPED.fullmatch(text)
            if grouped and grouped.group(1) != ",":  # 150.000.000, or spaced as some tools print it: 150 000 000
                text = re.sub(r"\D", "", text)
            elif grouped:  # English grouping; to a Vietnamese reader the comma is the decimal sign
                amount = int(text.replace(",", ""))
                raise self.make_error("comma", written=text, how=f"{amount} hoặc {group_thousands(amount)}")
            value = text
        amount = super()._deserialize(value, attr, data, **kwargs)
        if amount < 0:
            raise self.make_error("negative")
        if amount >= WORDS_LIMIT:  # the letter writes it in words too ("Bằng chữ: ...")
            raise self.make_error("too_large")
        return amount


def _both_ways(amount: int) -> str:
    """How to write an amount in a file: 150000000 or, with the thousands dots, in quotes."""
    return f'{amount} hoặc "{group_thousands(amount)}" (có dấu ngoặc kép)'


class Flag(_Vietnamese, fields.Boolean):
    """Yes or no; "có"/"không" accepted beside true/false; from a file, judged by its text (0x1 is not yes)."""

    default_error_messages = {"invalid": "Phải là true/false (có/không)."}
    truthy = fields.Boolean.truthy | {"có", "Có", "x", "X"}
    falsy = fields.Boolean.falsy | {"không", "Không", ""}

    def _deserialize(self, value, attr, data, **kwargs):
        literal = literal_text(value)
        return super()._deserialize(value if literal is None else literal, attr, data, **kwargs)


class Nested(_Vietnamese, fields.Nested):
    default_error_messages = {"type": "Phải là một mục (khóa: giá trị)."}


class Entry(_Vietnamese, fields.Field):
    """A file path (text) or an inline mapping, resolved later by the loader."""

    default_error_messages = {"invalid": "Phải là đường dẫn tệp hoặc một mục (khóa: giá trị)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip():
            return unicodedata.normalize("NFC", value.strip())
        if isinstance(value, dict):
            return value
        raise self.make_error("invalid")


class List(_Vietnamese, fields.List):
    default_error_messages = {"invalid": "Phải là một danh sách."}


def check_positive(value: int) -> int:
    if value < 1:
        raise ValidationError("Phải lớn hơn 0.")
    return value
