"""The deadlines the regulation implies for a trip, with the calendar they came from."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .calendar import HOLIDAYS_SOURCE, Occasion, WorkCalendar, provenance_words
from .vn import dmy

if TYPE_CHECKING:  # the policy package reads Deadlines; only the type is needed here
    from .policy import Profile

RULES = {"request": "R01", "report": "R07"}
RULE_OF = {"latest_request_date": RULES["request"], "latest_report_date": RULES["report"]}

# The deadlines as an office names them: the lines of the CLI, the stamp and the documents, and the calendar's.
NAMES = {"latest_request_date": "Hạn gửi văn bản trình", "latest_report_date": "Hạn gửi báo cáo kết quả"}

# The events of the .ics calendar: what each date is, in the words of its summary.
EVENTS = {
    "latest_request_date": NAMES["latest_request_date"] + " ({rule})",
    "latest_report_date": NAMES["latest_report_date"] + " ({rule})",
    "depart_on": "Đoàn đi",
    "return_on": "Đoàn về",
}
# What a deadline counted near a public holiday whose official notice formgen has not checked says of itself.
UNCHECKED = ("{subject} được đếm gần dịp nghỉ {occasion}, mà formgen chưa có thông báo chính thức về lịch nghỉ "
             "dịp này ({checked}): các ngày nghỉ đang tính là của thư viện {holidays}. Nếu có nghỉ thêm, hoán đổi "
             "ngày làm việc hay làm bù, hạn có thể khác: hãy đối chiếu thông báo của cơ quan có thẩm quyền và thêm "
             "vào lịch (tùy chọn --notices).")
# The same on the stamp, in one short line for all of them (the box is 17 mm tall, six lines at most).
STAMP_UNCHECKED = "Lịch nghỉ {days} chưa có thông báo chính thức: hạn có thể khác."
CHECKED = {True: "thông báo đã đối chiếu đến ngày {through}", False: "không dùng thông báo chính thức của formgen"}
PATHS = {"latest_request_date": "delegation.depart_on", "latest_report_date": "delegation.return_on"}

REMINDER = dt.timedelta(hours=-16)  # 08:00 the day before an all-day event
PRODID = "-//formgen//formgen {version}//VI"


@dataclass(frozen=True)
class CountedDay:
    """One day of a deadline's count: counted as a working day, or skipped, and why."""

    rule: str
    count: int | None  # the working day's number in the count; None when skipped
    day: dict          # WorkCalendar.as_dict(): date, weekday, working, kind, reason, source
    note: str          # WorkCalendar.note(): what the day is and its source ("" for an ordinary working day)

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.day["date"])

    @property
    def kind(self) -> str:
        return self.day["kind"]

    def line(self) -> str:
        head = f"{dmy(self.date)} {self.day['weekday']}: "
        head += f"ngày làm việc thứ {self.count}" if self.count else "không tính"
        return f"{head} — {self.note}" if self.note else head

    def as_dict(self) -> dict:
        return {"rule": self.rule, **self.day, "counted": self.count is not None, "count": self.count}


@dataclass(frozen=True)
class Deadlines:
    """A trip's deadlines, computed once (compute_deadlines) and read by the rules, documents, stamp and register."""

    depart_on: dt.date | None           # None only inside check(), for a report whose departure is not written
    return_on: dt.date | None
    latest_request_date: dt.date | None  # R01: WORKDAY(depart, -n)
    latest_report_date: dt.date | None   # R07: WORKDAY(return, +n)
    request_working_days: int
    report_working_days: int
    profile: str
    calendar: dict                      # holidays version and notice files, to explain the dates later
    citations: dict = field(default_factory=dict)       # rule code -> the regulation's words
    regulation: str = ""                                # how documents cite the regulation
    explanation: tuple[CountedDay, ...] | None = None   # the count day by day, once explain() is called
    # (deadline key, holiday) for each deadline counted near a holiday whose notice nobody checked (calendar.unchecked)
    unchecked: tuple[tuple[str, Occasion], ...] = ()
    checked_through: dt.date | None = None              # the calendar's, to say so

    def caveats(self, rules=tuple(RULE_OF.values())) -> list[tuple[str, str]]:
        """(the field the deadline comes from, what to check) for each deadline of `rules` (R01, R07) counted near
        a holiday whose official notice formgen has not checked."""
        return [(PATHS[key], unchecked_words(f"{NAMES[key]} {dmy(getattr(self, key))}", occasion,
                                             self.checked_through))
                for key, occasion in self.unchecked if RULE_OF[key] in rules]

    def unchecked_notes(self) -> list[str]:
        """The stamp's short word of the holidays near a count whose notice formgen has not checked: one line."""
        occasions = dict.fromkeys(o for _, o in self.unchecked)
        return [STAMP_UNCHECKED.format(days="; ".join(o.days() for o in occasions))] if occasions else []

    def lines(self, *, codes: bool = False) -> list[str]:
        """The deadlines as an office writes them, one line each, for the CLI, the stamp and the calendar:
        “Hạn gửi văn bản trình: 20/05/2024 (10 ngày làm việc trước ngày đi 03/06/2024)”; with codes=True
        the rule's code follows its name (“Hạn gửi văn bản trình (R01): ...”)."""
        return [line for key in ("latest_request_date", "latest_report_date") if (line := self.line(key, codes=codes))]

    def line(self, key: str, *, codes: bool = False) -> str:
        """One deadline's line (lines()), "" when it is not known."""
        day = getattr(self, key)
        if day is None:
            return ""
        if key == "latest_request_date":
            rule = RULES["request"]
            count = f"{self.request_working_days} ngày làm việc trước ngày đi {dmy(self.depart_on)}"
        else:
            rule = RULES["report"]
            count = f"{self.report_working_days} ngày làm việc sau ngày về {dmy(self.return_on)}"
        return f"{NAMES[key]}{f' ({rule})' if codes else ''}: {dmy(day)} ({count})"

    def explain(self, calendar: WorkCalendar) -> Deadlines:
        """The same deadlines with their count day by day, from the calendar they were computed with."""
        days = _count(calendar, RULES["request"], self.depart_on, -self.request_working_days) if self.depart_on else []
        if self.return_on:
            days += _count(calendar, RULES["report"], self.return_on, self.report_working_days)
        return replace(self, explanation=tuple(days))

    def explanation_lines(self) -> list[str]:
        """The count day by day (after explain()), a heading per rule then one line per day."""
        if self.explanation is None:
            return []
        heads = {RULES["request"]: f"Cách đếm hạn R01: lùi {self.request_working_days} ngày làm việc từ ngày đi "
                                   f"{dmy(self.depart_on)} (không tính ngày đi):"}
        if self.return_on:
            heads[RULES["report"]] = (f"Cách đếm hạn R07: đếm tiếp {self.report_working_days} ngày làm việc từ "
                                      f"ngày về {dmy(self.return_on)} (không tính ngày về):")
        out: list[str] = []
        for day in self.explanation:
            if heads.get(day.rule):
                out.append(heads.pop(day.rule))
            out.append(f"  {day.line()}")
        return out

    def as_dict(self) -> dict:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        out = {
            "depart_on": iso(self.depart_on),
            "return_on": iso(self.return_on),
            "latest_request_date": iso(self.latest_request_date),
            "latest_report_date": iso(self.latest_report_date),
            "rules": dict(RULE_OF),
            "working_days": {"request": self.request_working_days, "report": self.report_working_days},
            "profile": self.profile,
            "calendar": self.calendar,
            "unchecked": [{"deadline": key, "rule": RULE_OF[key],
                           "first": occasion.first.isoformat(), "last": occasion.last.isoformat(),
                           "names": list(occasion.names), "message": message}
                          for (key, occasion), (_, message) in zip(self.unchecked, self.caveats())],
        }
        if self.explanation is not None:
            out["explanation"] = [day.as_dict() for day in self.explanation]
        return out

    def to_ics(self, *, version: str, now: dt.datetime | None = None) -> bytes:
        """The deadlines, departure and return as an RFC 5545 calendar of all-day events with a reminder."""
        from icalendar import Alarm, Calendar, Event

        now = now or dt.datetime.now(dt.timezone.utc)
        cal = Calendar()
        cal.add("prodid", PRODID.format(version=version))
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", f"Đoàn đi ngày {dmy(self.depart_on)}")
        for key, summary in EVENTS.items():
            day = getattr(self, key)
            if day is None:
                continue
            rule = RULE_OF.get(key)
            event = Event()
            event.add("uid", self._uid(key))
            event.add("dtstamp", now)
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
            event.add("summary", summary.format(rule=rule))
            event.add("description", self._description(key, rule))
            event.add("transp", "TRANSPARENT")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{summary.format(rule=rule)}: {dmy(day)}")
            alarm.add("trigger", REMINDER)
            event.add_component(alarm)
            cal.add_component(event)
        return cal.to_ical()

    def _uid(self, key: str) -> str:
        """The same trip gives the same UIDs: importing the file again updates the events, not doubles them."""
        seed = f"{self.profile}|{self.depart_on}|{self.return_on}|{key}".encode()
        return f"{hashlib.sha256(seed).hexdigest()[:32]}@formgen"

    def _description(self, key: str, rule: str | None) -> str:
        if rule:
            text = [self.line(key, codes=True)]
        else:
            text = [f"{EVENTS[key]}: {dmy(getattr(self, key))}."] + self.lines(codes=True)
        if rule and self.citations.get(rule):
            text.append(f"{rule}: “{self.citations[rule]}”")
        text += [message for _, message in self.caveats((rule,) if rule else tuple(RULE_OF.values()))]
        if self.regulation:
            text.append(f"Theo {self.regulation}.")
        text.append(f"Lịch làm việc: {provenance_words(self.calendar)}.")
        return "\n".join(text)


def unchecked_words(subject: str, occasion: Occasion, checked_through: dt.date | None) -> str:
    """What to check of `subject` (“Hạn gửi văn bản trình 01/02/2027”), counted near `occasion`."""
    checked = CHECKED[checked_through is not None].format(through=dmy(checked_through) if checked_through else "")
    return UNCHECKED.format(subject=subject, occasion=occasion.words(), checked=checked, holidays=HOLIDAYS_SOURCE)


def _count(calendar: WorkCalendar, rule: str, start: dt.date, n: int) -> list[CountedDay]:
    """Walk from start (not counted) until n working days are counted (n < 0: backwards)."""
    step = dt.timedelta(days=1 if n > 0 else -1)
    days, count, day = [], 0, start
    while count < abs(n):
        day += step
        info = calendar.day(day)
        count += info.working
        days.append(CountedDay(rule, count if info.working else None, calendar.as_dict(info), calendar.note(info)))
    return days


def compute_deadlines(depart_on: dt.date | None, return_on: dt.date | None,
                      profile: Profile, calendar: WorkCalendar) -> Deadlines:
    """The one place a trip's deadlines are computed, with the profile's values in force on the departure date."""
    profile = profile.on(depart_on)
    before = profile["request_lead_working_days"]
    after = profile["report_window_working_days"]
    request = calendar.add_working_days(depart_on, -before) if depart_on else None
    report = report_deadline(depart_on, return_on, profile, calendar) if return_on else None
    unchecked = [("latest_request_date", o) for o in calendar.unchecked(request, depart_on)] if request else []
    unchecked += [("latest_report_date", o) for o in calendar.unchecked(return_on, report)] if report else []
    return Deadlines(
        depart_on=depart_on,
        return_on=return_on,
        latest_request_date=request,
        latest_report_date=report,
        request_working_days=before,
        report_working_days=after,
        profile=profile.id,
        calendar=calendar.provenance(),
        citations={code: profile.rules[code].citation for code in RULES.values() if code in profile.rules},
        regulation=profile.regulation_name(),
        unchecked=tuple(unchecked),
        checked_through=calendar.checked_through,
    )


def report_deadline(depart_on: dt.date | None, return_on: dt.date, profile: Profile, calendar: WorkCalendar) -> dt.date:
    """R07's latest report date alone (compute_deadlines' latest_report_date): WORKDAY(return, +the report
    window in force on the departure date), without building the profile of that day."""
    window = (profile.dated["report_window_working_days"].on(depart_on).value
              if profile.dated and depart_on is not None else profile["report_window_working_days"])
    return calendar.add_working_days(return_on, window)


def trip_deadlines(trip: dict, profile: Profile, calendar: WorkCalendar) -> Deadlines | None:
    """A delegation's deadlines from its dates; None for a summary of many or a trip with neither date."""
    d = trip.get("delegation")
    if not d or (d["depart_on"] is None and d["return_on"] is None):
        return None
    return compute_deadlines(d["depart_on"], d["return_on"], profile, calendar)


def write_ics(deadlines: Deadlines, path, *, version: str, overwrite: bool = False):
    """Write the deadlines' .ics atomically; an existing file is refused unless overwrite."""
    from .files import write_atomically

    data = deadlines.to_ics(version=version)
    return write_atomically(path, data, overwrite=overwrite)
