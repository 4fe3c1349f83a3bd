"""The deadlines the regulation implies for a trip, with the calendar they came from."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .calendar import WorkCalendar
from .policy import Profile
from .vn import dmy


@dataclass(frozen=True)
class Deadlines:
    depart_on: dt.date
    return_on: dt.date | None
    latest_request_date: dt.date        # R01: WORKDAY(depart, -n)
    latest_report_date: dt.date | None  # R07: WORKDAY(return, +n)
    request_working_days: int
    report_working_days: int
    profile: str
    calendar: dict                      # holidays version and notice files, to explain the dates later

    def lines(self) -> list[str]:
        """Human lines, Vietnamese, dd/mm/yyyy."""
        out = [f"Hạn chót gửi văn bản trình (R01, {self.request_working_days} ngày làm việc trước ngày đi "
               f"{dmy(self.depart_on)}): {dmy(self.latest_request_date)}"]
        if self.latest_report_date:
            out.append(f"Hạn chót gửi báo cáo kết quả (R07, {self.report_working_days} ngày làm việc sau ngày về "
                       f"{dmy(self.return_on)}): {dmy(self.latest_report_date)}")
        return out

    def as_dict(self) -> dict:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {
            "depart_on": iso(self.depart_on),
            "return_on": iso(self.return_on),
            "latest_request_date": iso(self.latest_request_date),
            "latest_report_date": iso(self.latest_report_date),
            "rules": {"latest_request_date": "R01", "latest_report_date": "R07"},
            "working_days": {"request": self.request_working_days, "report": self.report_working_days},
            "profile": self.profile,
            "calendar": self.calendar,
        }


def compute_deadlines(depart_on: dt.date, return_on: dt.date | None,
                      profile: Profile, calendar: WorkCalendar) -> Deadlines:
    before = profile["request_lead_working_days"]
    after = profile["report_window_working_days"]
    return Deadlines(
        depart_on=depart_on,
        return_on=return_on,
        latest_request_date=calendar.add_working_days(depart_on, -before),
        latest_report_date=calendar.add_working_days(return_on, after) if return_on else None,
        request_working_days=before,
        report_working_days=after,
        profile=profile.id,
        calendar=calendar.provenance(),
    )
