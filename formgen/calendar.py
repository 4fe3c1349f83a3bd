"""Working days in Vietnam: public holidays from `holidays`, plus the official notices (formgen.notices) on top."""
from __future__ import annotations

import datetime as dt
import json
import os
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

from .errors import InvalidInput
from .installed import installed_version as _installed_version
from .notices import NOTICE_REASONS, Notice, Official, file_sha256, load_notice, load_official

COUNTRY = "VN"
LANGUAGE = "vi"
HOLIDAYS_VERSION = _installed_version("holidays")  # what holidays.__version__ says, without importing holidays
HOLIDAYS_SOURCE = f"holidays {HOLIDAYS_VERSION} ({COUNTRY})"
# What the installed holidays says of Vietnam, every year it covers, written by tools/build_public_holidays.py: importing
# holidays imports its 250 countries (60 ms of a 150 ms letter). Read only when written by this very holidays version;
# tests/test_calendar.py checks it against holidays itself.
PUBLIC_FILE = "public_holidays.json"
WEEKDAY_SOURCE = "weekday"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

# What `DayInfo.reason` says when no holiday or notice names the day.
REASONS = {
    "working": "Ngày làm việc",
    "saturday": "Thứ Bảy",
    "sunday": "Chủ nhật",
    "swapped_unknown": "Ngày làm việc bù",
    **NOTICE_REASONS,
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

# How far from a public holiday an official notice formgen has not checked could move a working day: a bridge
# day off beside it, or the Saturday worked for one (the make-up Saturdays of 2018–2026 came 5 to 9 days from the
# day given off). A deadline whose count comes this near such a holiday says so (WorkCalendar.unchecked).
NOTICE_REACH = dt.timedelta(days=10)
RUN_GAP = 3  # days: public holidays this close (a weekend between) are one occasion, as 30/4 and 1/5

MESSAGES = {
    "unchecked_year": ("Lưu ý: chưa có thông báo chính thức về lịch nghỉ các dịp {occasions} ({checked}): các ngày "
                       "nghỉ trên là của thư viện holidays; có thể có nghỉ thêm, hoán đổi ngày làm việc hay làm bù "
                       "(thêm thông báo bằng --notices)."),
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
class Occasion:
    """Public holidays close together, as `holidays` has them (one Tết, or 30/4 with 1/5): its days and names."""

    first: dt.date
    last: dt.date
    names: tuple[str, ...]

    def days(self) -> str:
        """“04/02/2027–10/02/2027”, or the one day."""
        return f"{self.first:%d/%m/%Y}" + (f"–{self.last:%d/%m/%Y}" if self.last != self.first else "")

    def words(self) -> str:
        """“04/02/2027–10/02/2027 (29 Tết, Tết Nguyên Đán)”: its days, then its names without their variants."""
        names = [n for n in self.names if not any(other != n and other in n for other in self.names)]
        return f"{self.days()} ({', '.join(names)})"


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
def _occasions(year: int) -> tuple[Occasion, ...]:
    """The public holidays of `year` (days off the package names), grouped into occasions."""
    days = sorted((day, info.reason) for day, info in _public_days(year).items() if not info.working)
    runs: list[list[tuple[dt.date, str]]] = []
    for day, name in days:
        if runs and (day - runs[-1][-1][0]).days <= RUN_GAP:
            runs[-1].append((day, name))
        else:
            runs.append([(day, name)])
    return tuple(Occasion(run[0][0], run[-1][0], tuple(dict.fromkeys(name for _, name in run))) for run in runs)


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
        self._noticed = sorted({*self._notice_days, *self._notice_partners})  # every day some notice names

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
            "unchecked": [{"first": o.first.isoformat(), "last": o.last.isoformat(), "names": list(o.names)}
                          for o in self._unchecked_between(dt.date(year, 1, 1), dt.date(year, 12, 31))],
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
        unchecked = self._unchecked_between(dt.date(year, 1, 1), dt.date(year, 12, 31))
        if unchecked:
            lines.append(MESSAGES["unchecked_year"].format(
                occasions="; ".join(o.words() for o in unchecked),
                checked=f"formgen đã đối chiếu đến ngày {self.checked_through:%d/%m/%Y}" if self.checked_through
                else "không dùng thông báo chính thức của formgen"))
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

    @property
    def checked_through(self) -> dt.date | None:
        """The day up to which formgen's official notices were checked against every public holiday."""
        return self.official.checked_through if self.official else None

    def unchecked(self, first: dt.date, last: dt.date) -> tuple[Occasion, ...]:
        """The public holidays within NOTICE_REACH of the days first..last whose official notice nobody checked:
        after checked_through, and with no notice (formgen's or the user's) naming a day near them. Their days
        off are the package's, which has the law's holidays; a notice can still add, swap or make up days."""
        return self._unchecked_between(first - NOTICE_REACH, last + NOTICE_REACH)

    def _unchecked_between(self, low: dt.date, high: dt.date) -> tuple[Occasion, ...]:
        """unchecked(), of the holidays from low to high themselves."""
        through = self.checked_through
        facts = _facts()
        found = []
        for year in range(max(low.year, facts["first"]), min(high.year, facts["last"]) + 1):
            for occasion in _occasions(year):
                if occasion.last < low or occasion.first > high or (through and occasion.first <= through):
                    continue
                near = bisect_left(self._noticed, occasion.first - NOTICE_REACH)
                if near < len(self._noticed) and self._noticed[near] <= occasion.last + NOTICE_REACH:
                    continue  # a notice speaks of it
                found.append(occasion)
        return tuple(found)

    def provenance(self) -> dict:
        """What the calendar was built from, to record beside computed deadlines."""
        return {
            "country": COUNTRY,
            "holidays": HOLIDAYS_VERSION,
            "official_notices": self.official.provenance() if self.official else None,
            "notices": [
                {"source": n.source, "file": n.file, "sha256": n.sha256 or file_sha256(n.file)} for n in self.notices
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
