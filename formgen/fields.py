"""Schema fields that speak Vietnamese and normalise what users type."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from marshmallow import ValidationError, fields

from .dates import parse_date
from .vn import WORDS_LIMIT

# XML 1.0 forbids these code points; a .docx holding one is broken.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _Vietnamese:
    """Mixin: the base messages of every field, in Vietnamese."""

    default_error_messages = {
        "required": "Thiếu trường bắt buộc.",
        "null": "Trường này không được để trống (null).",
        "validator_failed": "Giá trị không hợp lệ.",
    }


class Text(_Vietnamese, fields.String):
    """A string, stripped and stored as Unicode NFC; control characters refused; a required one not blank."""

    default_error_messages = {
        "invalid": "Phải là chuỗi ký tự.",
        "invalid_utf8": "Không phải chuỗi UTF-8 hợp lệ.",
        "forbidden": "Chứa {what} không được phép (mã U+{code:04X}).",  # XML 1.0, so Word, forbids it
        "blank": "Trường bắt buộc không được để trống.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # a spreadsheet cell typed as a number ("2024")
        text = super()._deserialize(value, attr, data, **kwargs)
        bad = _FORBIDDEN.search(text)
        if bad:
            code = ord(bad.group())
            what = ("nửa cặp UTF-16 (surrogate) đứng một mình" if 0xD800 <= code <= 0xDFFF
                    else "ký tự không phải chữ" if code >= 0xFFFE else "ký tự điều khiển")
            raise self.make_error("forbidden", code=code, what=what)
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
    """A whole number; digit strings accepted, booleans refused."""

    default_error_messages = {"invalid": "Phải là số nguyên.", "too_large": "Số quá lớn."}

    def __init__(self, **kwargs):
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        if isinstance(value, str):
            value = value.strip()
            if not value.isdigit():
                raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Amount(Count):
    """An amount in đồng: 150000000 or as typed, "150.000.000" (dots between thousands)."""

    default_error_messages = {
        "invalid": "Số tiền phải là số nguyên đồng, ví dụ 150000000 hoặc 150.000.000.",
        "negative": "Số tiền không được âm.",
        "too_large": "Số tiền quá lớn để viết bằng chữ.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            text = value.strip().removesuffix("đồng").removesuffix("đ").strip()
            if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
                text = text.replace(".", "")
            value = text
        amount = super()._deserialize(value, attr, data, **kwargs)
        if amount < 0:
            raise self.make_error("negative")
        if amount >= WORDS_LIMIT:  # the letter writes it in words too ("Bằng chữ: ...")
            raise self.make_error("too_large")
        return amount


class Flag(_Vietnamese, fields.Boolean):
    """Yes or no; "có"/"không" accepted beside true/false."""

    default_error_messages = {"invalid": "Phải là true/false (có/không)."}
    truthy = fields.Boolean.truthy | {"có", "Có", "x", "X"}
    falsy = fields.Boolean.falsy | {"không", "Không", ""}


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
