"""Calendar dates as users type them: ISO (2024-06-03) or Vietnamese style (03/06/2024)."""
from __future__ import annotations

import calendar as _gregorian
import datetime as dt
import re

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Day first, year last: "03/06/2024", "3/6/2024", "03-06-2024", "03.06.2024".
_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")

FORMAT_HINT = "viết dạng 2024-06-03 hoặc 03/06/2024"


def parse_date(text) -> dt.date:
    """The date written in `text`; ValueError with a Vietnamese message naming the value."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if not isinstance(text, str):
        raise ValueError(f"“{text}” không phải là ngày; hãy {FORMAT_HINT}.")
    value = text.strip()
    if match := _ISO.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.fullmatch(value):
        day, _, month, year = match.groups()
        year, month, day = int(year), int(month), int(day)
    else:
        raise ValueError(f"“{value}” không phải là ngày hợp lệ; hãy {FORMAT_HINT}.")
    if not 1 <= month <= 12:
        raise ValueError(f"Ngày “{value}” không tồn tại: không có tháng {month}.")
    if year < 1:
        raise ValueError(f"Ngày “{value}” không tồn tại: không có năm {year}.")
    last = _gregorian.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"Ngày “{value}” không tồn tại: tháng {month} năm {year} chỉ có {last} ngày.")
    return dt.date(year, month, day)
