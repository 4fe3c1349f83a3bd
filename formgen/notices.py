"""Official notices on the working days of the state sector, read from YAML: the ones formgen ships
(formgen/official_notices.yaml, applied by default) and the ones a user adds (--notices)."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .dates import parse_date
from .errors import InvalidInput, Problem
from .yamlio import load_yaml

OFFICIAL_FILE = "official_notices.yaml"  # in the package: the official notices applied by default

# What `DayInfo.reason` says of a day a notice names without a name of its own, or swaps.
NOTICE_REASONS = {
    "swapped": "Ngày làm việc bù (thay cho ngày {day_off})",
    "notice_off": "Ngày nghỉ theo thông báo",
    "notice_working": "Ngày làm việc theo thông báo",
    "swap_off": "Ngày nghỉ (thay cho ngày {working_day})",
}
NOTICE_KEYS = ("source", "days_off", "working_days", "swaps")
NOTICE_DAY_KEYS = ("date", "name")
SWAP_KEYS = ("day_off", "working_day")
OFFICIAL_KEYS = ("version", "checked_through", "weekly_rest", "notices")

MESSAGES = {
    "not_mapping": "Thông báo lịch nghỉ phải là một mục (khóa: giá trị) với các trường: {keys}.",
    "invalid": "Thông báo lịch nghỉ không hợp lệ.",
    "unknown_key": "Trường “{key}” không được hỗ trợ; chỉ dùng: {keys}.",
    "source_missing": "Thiếu trường bắt buộc: số và ngày của thông báo, ví dụ “Thông báo số 1234/TB-BNV ngày 01/12/2026”.",
    "required": "Thiếu trường bắt buộc.",
    "text": "Phải là chuỗi ký tự không rỗng.",
    "list": "Phải là danh sách ngày.",
    "entry": "Phải là một ngày (2027-01-04 hoặc 04/01/2027) hoặc một mục {{date: ..., name: ...}}.",
    "duplicate": "Ngày {day} đã nêu ở {first}.",
    "both": "Ngày {day} vừa là ngày nghỉ ({off}) vừa là ngày làm việc.",
    "swap": "Phải là một mục {{day_off: ..., working_day: ...}} (ngày nghỉ và ngày làm bù).",
    "official": "Dữ liệu thông báo chính thức đi kèm formgen không hợp lệ (lỗi của bản cài đặt formgen).",
}


@dataclass(frozen=True)
class Notice:
    """An official notice the `holidays` package may not carry yet: extra days off and working days."""

    source: str
    file: str | None
    days_off: dict[dt.date, str]
    working_days: dict[dt.date, str]
    sha256: str | None = None  # of the file's bytes when loaded from a file
    swaps: dict[dt.date, dt.date] = field(default_factory=dict)  # day off -> the day worked for it

    @property
    def reference(self) -> str:
        """The notice as cited in `DayInfo.source`: its own words, then the file it was read from."""
        return f"{self.source} ({self.file})" if self.file else self.source


@dataclass(frozen=True)
class Official:
    """The official notices shipped with formgen, applied on top of `holidays` before any user notice."""

    version: str
    weekly_rest: str  # the source that makes Saturday and Sunday days off
    notices: tuple[Notice, ...]
    sha256: str
    checked_through: dt.date | None = None  # every public holiday up to this day checked against its notice

    def provenance(self) -> dict:
        return {"dataset": f"formgen/{OFFICIAL_FILE}", "version": self.version, "sha256": self.sha256}


def file_sha256(file: str | None) -> str | None:
    try:
        return hashlib.sha256(Path(file).read_bytes()).hexdigest() if file else None
    except OSError:
        return None


# --- notices from YAML ------------------------------------------------------------------------


def load_notice(path: str | os.PathLike) -> Notice:
    """An official notice from a YAML file; InvalidInput listing every problem with its field."""
    file = str(path)
    data = load_yaml(path)
    problems: list[Problem] = []
    notice = _parse_notice(data, file, "", problems)
    if notice is None and not problems:
        raise InvalidInput(MESSAGES["not_mapping"].format(keys=", ".join(NOTICE_KEYS)), source=file)
    if problems:
        raise InvalidInput(MESSAGES["invalid"], problems, source=file)
    return Notice(notice.source, file, notice.days_off, notice.working_days,
                  sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest(), swaps=notice.swaps)


@lru_cache(maxsize=None)
def load_official() -> Official:
    """The official notices shipped in the package (formgen/official_notices.yaml), read once."""
    resource = resources.files(__package__).joinpath(OFFICIAL_FILE)
    with resources.as_file(resource) as path:
        data, raw = load_yaml(path), path.read_bytes()
    file = f"formgen/{OFFICIAL_FILE}"
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise InvalidInput(MESSAGES["official"], source=file)
    for key in data:
        if key not in OFFICIAL_KEYS:
            problems.append(Problem(str(key), MESSAGES["unknown_key"].format(key=key, keys=", ".join(OFFICIAL_KEYS))))
    version = _text(data.get("version"), "version", problems)
    try:
        checked_through = parse_date(data.get("checked_through"))
    except (ValueError, TypeError) as exc:
        checked_through = None
        problems.append(Problem("checked_through", str(exc)))
    weekly_rest = _text(data.get("weekly_rest"), "weekly_rest", problems)
    notices = []
    for index, entry in enumerate(data.get("notices") or []):
        notice = _parse_notice(entry, None, f"notices[{index}].", problems)
        if notice is None:
            problems.append(Problem(f"notices[{index}]", MESSAGES["not_mapping"].format(keys=", ".join(NOTICE_KEYS))))
        else:
            notices.append(notice)
    if problems:
        raise InvalidInput(MESSAGES["official"], problems, source=file)
    return Official(version, weekly_rest, tuple(notices), hashlib.sha256(raw).hexdigest(), checked_through)


def _parse_notice(data, file: str | None, prefix: str, problems: list[Problem]) -> Notice | None:
    """One notice mapping; its problems are added to `problems` with `prefix` before each field path."""
    if not isinstance(data, dict):
        return None
    mark = len(problems)
    for key in data:
        if key not in NOTICE_KEYS:
            problems.append(Problem(str(key), MESSAGES["unknown_key"].format(key=key, keys=", ".join(NOTICE_KEYS))))
    source = None
    if "source" not in data:
        problems.append(Problem("source", MESSAGES["source_missing"]))
    else:
        source = _text(data["source"], "source", problems)
    days_off = _notice_days(data.get("days_off"), "days_off", NOTICE_REASONS["notice_off"], problems)
    working_days = _notice_days(data.get("working_days"), "working_days", NOTICE_REASONS["notice_working"], problems)
    swaps = _swaps(data.get("swaps"), days_off, working_days, problems)
    for day, (path_working, _) in working_days.items():
        if day in days_off:
            off = days_off[day][0]
            problems.append(Problem(path_working, MESSAGES["both"].format(day=f"{day:%d/%m/%Y}", off=off)))
    problems[mark:] = [Problem(prefix + p.path, p.message) for p in problems[mark:]]
    return Notice(
        source=source,
        file=file,
        days_off={day: name for day, (_, name) in days_off.items()},
        working_days={day: name for day, (_, name) in working_days.items()},
        swaps=swaps,
    )


def _swaps(value, days_off: dict, working_days: dict, problems: list[Problem]) -> dict[dt.date, dt.date]:
    """The `swaps` list: each {day_off, working_day} goes into both lists, named after the other day."""
    if value is None:
        return {}
    if not isinstance(value, list):
        problems.append(Problem("swaps", MESSAGES["list"]))
        return {}
    swaps = {}
    for index, entry in enumerate(value):
        path = f"swaps[{index}]"
        if not isinstance(entry, dict):
            problems.append(Problem(path, MESSAGES["swap"]))
            continue
        for extra in entry:
            if extra not in SWAP_KEYS:
                problems.append(Problem(f"{path}.{extra}", MESSAGES["unknown_key"].format(key=extra, keys=", ".join(SWAP_KEYS))))
        days = {}
        for key in SWAP_KEYS:
            if key not in entry:
                problems.append(Problem(f"{path}.{key}", MESSAGES["required"]))
                continue
            try:
                days[key] = parse_date(entry[key])
            except ValueError as exc:
                problems.append(Problem(f"{path}.{key}", str(exc)))
        if len(days) < len(SWAP_KEYS):
            continue
        day_off, working_day = days["day_off"], days["working_day"]
        for day, into, name in (
            (day_off, days_off, NOTICE_REASONS["swap_off"].format(working_day=f"{working_day:%d/%m/%Y}")),
            (working_day, working_days, NOTICE_REASONS["swapped"].format(day_off=f"{day_off:%d/%m/%Y}")),
        ):
            where = f"{path}.{'day_off' if into is days_off else 'working_day'}"
            if day in into:
                problems.append(Problem(where, MESSAGES["duplicate"].format(day=f"{day:%d/%m/%Y}", first=into[day][0])))
            else:
                into[day] = (where, name)
        swaps[day_off] = working_day
    return swaps


def _notice_days(value, key: str, default_name: str, problems: list[Problem]) -> dict[dt.date, tuple[str, str]]:
    """One list of a notice: date -> (its field path, its name)."""
    if value is None:
        return {}
    if not isinstance(value, list):
        problems.append(Problem(key, MESSAGES["list"]))
        return {}
    days: dict[dt.date, tuple[str, str]] = {}
    for index, entry in enumerate(value):
        path = f"{key}[{index}]"
        name = default_name
        if isinstance(entry, dict):
            for extra in entry:
                if extra not in NOTICE_DAY_KEYS:
                    problems.append(
                        Problem(
                            f"{path}.{extra}",
                            MESSAGES["unknown_key"].format(key=extra, keys=", ".join(NOTICE_DAY_KEYS)),
                        )
                    )
            if "name" in entry:
                name = _text(entry["name"], f"{path}.name", problems) or default_name
            if "date" not in entry:
                problems.append(Problem(f"{path}.date", MESSAGES["required"]))
                continue
            path, entry = f"{path}.date", entry["date"]
        elif not isinstance(entry, str):
            problems.append(Problem(path, MESSAGES["entry"]))
            continue
        try:
            day = parse_date(entry)
        except ValueError as exc:
            problems.append(Problem(path, str(exc)))
            continue
        if day in days:
            problems.append(Problem(path, MESSAGES["duplicate"].format(day=f"{day:%d/%m/%Y}", first=days[day][0])))
            continue
        days[day] = (path, name)
    return days


def _text(value, path: str, problems: list[Problem]) -> str | None:
    if isinstance(value, str) and value.strip():
        return unicodedata.normalize("NFC", value).strip()
    problems.append(Problem(path, MESSAGES["text"]))
    return None
