"""Working days in Vietnam: public holidays from `holidays`, plus official notices read from YAML."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

from .dates import parse_date
from .errors import InvalidInput, Problem
from .installed import installed_version as _installed_version
from .yamlio import load_yaml

COUNTRY = "VN"
LANGUAGE = "vi"
HOLIDAYS_VERSION = _installed_version("holidays")  # what holidays.__version__ says, without importing holidays
HOLIDAYS_SOURCE = f"holidays {HOLIDAYS_VERSION} ({COUNTRY})"
# What the installed holidays says of Vietnam, every year it covers, written by tools/build_public_holidays.py: importing
# holidays imports its 250 countries (60 ms of a 150 ms letter). Read only when written by this very holidays version;
# tests/test_calendar.py checks it against holidays itself.
PUBLIC_FILE = "public_holidays.json"
WEEKDAY_SOURCE = "weekday"
OFFICIAL_FILE = "official_notices.yaml"  # in the package: the official notices applied by default
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

# What `DayInfo.reason` says when no holiday or notice names the day.
REASONS = {
    "working": "Ngày làm việc",
    "saturday": "Thứ Bảy",
    "sunday": "Chủ nhật",
    "swapped": "Ngày làm việc bù (thay cho ngày {day_off})",
    "swapped_unknown": "Ngày làm việc bù",
    "notice_off": "Ngày nghỉ theo thông báo",
    "notice_working": "Ngày làm việc theo thông báo",
    "swap_off": "Ngày nghỉ (thay cho ngày {working_day})",
}

# What a day is, in the words of an explanation: see WorkCalendar.kind().
KINDS = {
    "working": "ngày làm việc",
    "make_up": "ngày làm bù",
    "weekend": "ngày nghỉ hằng tuần",
    "holiday": "ngày nghỉ lễ, Tết",
    "swapped_off": "ngày nghỉ hoán đổi",
    "notice_off": "ngày nghỉ theo thông báo",
}

NOTICE_KEYS = ("source", "days_off", "working_days", "swaps")
NOTICE_DAY_KEYS = ("date", "name")
SWAP_KEYS = ("day_off", "working_day")
OFFICIAL_KEYS = ("version", "weekly_rest", "notices")

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
    "out_of_range": (
        "Không tính được ngày làm việc năm {year}: thư viện holidays {version} chỉ có lịch nghỉ lễ "
        "Việt Nam từ năm {first} đến năm {last}."
    ),
}


@dataclass(frozen=True)
class DayInfo:
    """Whether a day is a working day, why, and where that comes from."""

    date: dt.date
    working: bool
    reason: str
    source: str


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

    def provenance(self) -> dict:
        return {"dataset": f"formgen/{OFFICIAL_FILE}", "version": self.version, "sha256": self.sha256}


# --- the public holidays, one year at a time -------------------------------------------------


def _substitutions(vn) -> dict[dt.date, dt.date]:
    """Working Saturday -> the weekday given off in exchange, from the package's substitution table."""
    swaps = {}
    for year, entries in getattr(vn, "special_public_holidays", {}).items():
        entries = entries if entries and isinstance(entries[0], tuple) else (entries,)
        for entry in entries:
            if len(entry) not in (4, 5):  # (month, day, name) is a one-off holiday, not a swap
                continue
            to_month, to_day, from_month, from_day, *from_year = entry
            swaps[dt.date(from_year[0] if from_year else year, from_month, from_day)] = dt.date(year, to_month, to_day)
    return swaps


def package_facts() -> dict:
    """What holidays itself says of Vietnam, as PUBLIC_FILE holds it: the years covered, each year's holidays
    (date, name) and make-up Saturdays, and the swaps (make-up Saturday -> the weekday given off)."""
    import holidays
    vn_class = holidays.country_holidays(COUNTRY, language=LANGUAGE)
    first, last = vn_class.start_year, vn_class.end_year
    years = {}
    for year in range(first, last + 1):
        vn = holidays.country_holidays(COUNTRY, years=year, language=LANGUAGE)
        years[str(year)] = {"days": [[day.isoformat(), name] for day, name in vn.items()],
                            "weekend_workdays": sorted(d.isoformat() for d in vn.weekend_workdays if d.year == year)}
    return {"holidays": holidays.__version__, "country": COUNTRY, "language": LANGUAGE, "first": first, "last": last,
            "years": years, "swaps": sorted([a.isoformat(), b.isoformat()] for a, b in _substitutions(vn_class).items())}


@lru_cache(maxsize=None)
def _facts() -> dict:
    """package_facts(): from PUBLIC_FILE when the installed holidays wrote it, else from holidays (and slower)."""
    try:
        shipped = json.loads(resources.files(__package__).joinpath(PUBLIC_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        shipped = None
    if isinstance(shipped, dict) and (shipped.get("holidays"), shipped.get("country"), shipped.get("language")) == (
            HOLIDAYS_VERSION, COUNTRY, LANGUAGE):
        return shipped
    return package_facts()


@lru_cache(maxsize=None)
def _public_days(year: int) -> dict[dt.date, DayInfo]:
    """The days of `year` the package names: public holidays (off) and swapped Saturdays (working)."""
    facts = _facts()
    first, last = facts["first"], facts["last"]
    if not first <= year <= last:
        # Outside its range the package silently returns no holidays at all.
        raise InvalidInput(
            MESSAGES["out_of_range"].format(year=year, version=HOLIDAYS_VERSION, first=first, last=last)
        )
    entry = facts["years"][str(year)]
    days = {}
    for day, name in entry["days"]:
        day = dt.date.fromisoformat(day)
        days[day] = DayInfo(day, False, unicodedata.normalize("NFC", name), HOLIDAYS_SOURCE)
    swaps = _public_swaps()
    for day in map(dt.date.fromisoformat, entry["weekend_workdays"]):
        day_off = swaps.get(day)
        reason = (
            REASONS["swapped"].format(day_off=day_off.strftime("%d/%m/%Y")) if day_off else REASONS["swapped_unknown"]
        )
        days[day] = DayInfo(day, True, reason, HOLIDAYS_SOURCE)
    return days


@lru_cache(maxsize=None)
def _public_swaps() -> dict[dt.date, dt.date]:
    """Make-up Saturday -> the weekday given off for it, every swap the package knows."""
    return {dt.date.fromisoformat(a): dt.date.fromisoformat(b) for a, b in _facts()["swaps"]}


@lru_cache(maxsize=None)
def _public_partners() -> dict[dt.date, dt.date]:
    """Both sides of every swap the package knows: make-up Saturday <-> the weekday given off for it."""
    swaps = _public_swaps()
    return {**swaps, **{off: worked for worked, off in swaps.items()}}


# --- the calendar -----------------------------------------------------------------------------


class WorkCalendar:
    """Vietnam's working days: Mon–Fri, minus public holidays, plus swapped Saturdays, then notices on top."""

    def __init__(self, notices: Sequence[Notice] = (), *, official: bool = True):
        """`notices` come after the official ones shipped with formgen (official=False leaves those out)."""
        self.official: Official | None = load_official() if official else None
        self.notices: tuple[Notice, ...] = tuple(notices)
        self._notice_days: dict[dt.date, DayInfo] = {}
        self._notice_partners: dict[dt.date, dt.date] = {}  # both sides of every swap a notice makes
        for notice in (self.official.notices if self.official else ()) + self.notices:  # later notices win
            for day_off, working_day in notice.swaps.items():
                for day, partner in ((day_off, working_day), (working_day, day_off)):
                    earlier = self._notice_partners.pop(day, None)
                    if earlier is not None and earlier != partner:  # an earlier notice swapped it otherwise
                        self._notice_days.pop(earlier, None)
                        self._notice_partners.pop(earlier, None)
                    self._notice_partners[day] = partner
            for day, name in notice.days_off.items():
                self._notice_days[day] = DayInfo(day, False, name or REASONS["notice_off"], notice.reference)
            for day, name in notice.working_days.items():
                self._notice_days[day] = DayInfo(day, True, name or REASONS["notice_working"], notice.reference)
        self._working_by_year: dict[int, tuple[int, ...]] = {}  # year -> sorted ordinals of its working days

    @classmethod
    def from_files(cls, paths: Iterable[str | os.PathLike] | str | os.PathLike) -> WorkCalendar:
        """A calendar with the notices read from YAML files, in order (later files win)."""
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        return cls([load_notice(path) for path in paths])

    def day(self, d: dt.date) -> DayInfo:
        """Why `d` is or is not a working day, and the source that says so."""
        d = _as_date(d)
        if (info := self._notice_days.get(d)) is not None:
            return info
        if (info := _public_days(d.year).get(d)) is not None and not self._superseded(d):
            return info
        weekday = d.weekday()
        if weekday == 5:
            return DayInfo(d, False, REASONS["saturday"], WEEKDAY_SOURCE)
        if weekday == 6:
            return DayInfo(d, False, REASONS["sunday"], WEEKDAY_SOURCE)
        return DayInfo(d, True, REASONS["working"], WEEKDAY_SOURCE)

    def is_working_day(self, d: dt.date) -> bool:
        return self.day(d).working

    def kind(self, info: DayInfo) -> str:
        """What the day is, a key of KINDS: a working day, a make-up day, a weekend, a holiday, a swapped day off."""
        if info.working:
            return "make_up" if info.date.weekday() >= 5 else "working"
        if info.source == WEEKDAY_SOURCE:
            return "weekend"
        from_package = info.source == HOLIDAYS_SOURCE
        if (self._notice_partners if not from_package else _public_partners()).get(info.date) is not None:
            return "swapped_off" if info.date.weekday() < 5 else "holiday"
        return "holiday" if from_package else "notice_off"

    @property
    def weekly_rest(self) -> str:
        """The document that makes Saturday and Sunday the weekly days off (from the shipped dataset)."""
        return load_official().weekly_rest

    def source_of(self, info: DayInfo) -> str:
        """Where the day's status comes from, in words: the weekly rest days are cited, not named "weekday"."""
        return self.weekly_rest if info.source == WEEKDAY_SOURCE else info.source

    def note(self, info: DayInfo) -> str:
        """What the day is, its name and its source, in one phrase ("" for an ordinary working day)."""
        kind = self.kind(info)
        if kind == "working" and info.source == WEEKDAY_SOURCE:
            return ""
        named = "" if kind == "weekend" else f": {info.reason}"  # a weekend day is named by its weekday
        return f"{KINDS[kind]}{named}; nguồn: {self.source_of(info)}"

    def as_dict(self, info: DayInfo) -> dict:
        """One day as JSON: its date, weekday, status, kind, name and source."""
        return {"date": info.date.isoformat(), "weekday": WEEKDAYS[info.date.weekday()], "working": info.working,
                "kind": self.kind(info), "reason": info.reason, "source": self.source_of(info)}

    def special_days(self, year: int) -> list[DayInfo]:
        """The days of `year` that are not an ordinary weekday or weekend: holidays, days off, make-up days."""
        first, last = dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
        infos = (self.day(dt.date.fromordinal(o)) for o in range(first, last + 1))
        return [info for info in infos if info.source != WEEKDAY_SOURCE]

    def year_summary(self, year: int) -> dict:
        """A year as formgen counts it: its working days, every special day with its source, the calendar used."""
        return {
            "year": year,
            "working_days": len(self._working_days(year)),
            "weekly_rest": self.weekly_rest,
            "days": [self.as_dict(info) for info in self.special_days(year)],
            "calendar": self.provenance(),
        }

    def year_lines(self, year: int) -> list[str]:
        """The year for a person: a heading naming the calendar, a line per special day, the count."""
        summary = self.year_summary(year)
        lines = [f"Lịch làm việc năm {year} ({provenance_words(summary['calendar'])}):"]
        for info in self.special_days(year):
            lines.append(f"  {info.date:%d/%m/%Y} {WEEKDAYS[info.date.weekday()]}: "
                         f"{'làm việc' if info.working else 'nghỉ'} — {self.note(info)}")
        lines.append(f"Ngoài các ngày trên: thứ Bảy, Chủ nhật nghỉ hằng tuần ({self.weekly_rest}).")
        lines.append(f"Năm {year} có {summary['working_days']} ngày làm việc.")
        return lines

    def _superseded(self, d: dt.date) -> bool:
        """A swap the package knows that a notice makes differently: its other side is not counted twice.

        When a notice swaps day X for Saturday Y and the package swaps X (or Y) with another day Z, that Z
        goes back to an ordinary day: one day off is worked back once.
        """
        partner = _public_partners().get(d)
        if partner is None:
            return False
        mine = self._notice_partners.get(partner)
        return mine is not None and mine != d

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """Spreadsheet WORKDAY(start, n): the n-th working day after (n < 0: before) start, start not counted."""
        start = _as_date(start)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, not {type(n).__name__}")
        if n == 0:
            return start
        ordinal, year = start.toordinal(), start.year
        days = self._working_days(year)
        if n > 0:
            remaining, i = n, bisect_right(days, ordinal)  # days[i:] are after start
            while i + remaining > len(days):
                remaining -= len(days) - i
                year += 1
                days, i = self._working_days(year), 0
            return dt.date.fromordinal(days[i + remaining - 1])
        remaining, i = -n, bisect_left(days, ordinal)  # days[:i] are before start
        while remaining > i:
            remaining -= i
            year -= 1
            days = self._working_days(year)
            i = len(days)
        return dt.date.fromordinal(days[i - remaining])

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days after `a` up to and including `b` (0 if b <= a): add_working_days(a, n) == b gives n."""
        a, b = _as_date(a), _as_date(b)
        if b <= a:
            return 0
        count = 0
        for year in range(a.year, b.year + 1):
            days = self._working_days(year)
            low = bisect_right(days, a.toordinal()) if year == a.year else 0
            high = bisect_right(days, b.toordinal()) if year == b.year else len(days)
            count += high - low
        return count

    def provenance(self) -> dict:
        """What the calendar was built from, to record beside computed deadlines."""
        return {
            "country": COUNTRY,
            "holidays": HOLIDAYS_VERSION,
            "official_notices": self.official.provenance() if self.official else None,
            "notices": [
                {"source": n.source, "file": n.file, "sha256": n.sha256 or _file_sha256(n.file)} for n in self.notices
            ],
        }

    def _working_days(self, year: int) -> tuple[int, ...]:
        """The ordinals of `year`'s working days, computed once, when a walk first reaches the year."""
        cached = self._working_by_year.get(year)
        if cached is None:
            first = dt.date(year, 1, 1).toordinal()
            last = dt.date(year, 12, 31).toordinal()
            cached = tuple(o for o in range(first, last + 1) if self.day(dt.date.fromordinal(o)).working)
            self._working_by_year[year] = cached
        return cached


def provenance_words(provenance: dict) -> str:
    """A calendar's provenance in words: "holidays 0.109, thông báo chính thức formgen 2025-12-25, ..."."""
    official = provenance.get("official_notices")
    return (f"holidays {provenance.get('holidays')}"
            + (f", thông báo chính thức formgen {official['version']}" if official else "")
            + "".join(f", {n['source']}" for n in provenance.get("notices", [])))


def _as_date(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a datetime.date, not {type(value).__name__}")
    return value


def _file_sha256(file: str | None) -> str | None:
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
    return Official(version, weekly_rest, tuple(notices), hashlib.sha256(raw).hexdigest())


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
    days_off = _notice_days(data.get("days_off"), "days_off", REASONS["notice_off"], problems)
    working_days = _notice_days(data.get("working_days"), "working_days", REASONS["notice_working"], problems)
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
            (day_off, days_off, REASONS["swap_off"].format(working_day=f"{working_day:%d/%m/%Y}")),
            (working_day, working_days, REASONS["swapped"].format(day_off=f"{day_off:%d/%m/%Y}")),
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
