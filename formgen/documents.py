"""The document kinds: the section each needs and its template context (the profile says which rules gate it)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from .calendar import WorkCalendar
from .deadlines import Deadlines, trip_deadlines
from .errors import InvalidInput, Problem
from .formats import authority_lines, document_number, load_format, notation
from .policy import Limits, Profile
from .policy.limits import delegation_size, key_leaders, stop_days
from .policy.profile import focus_key
from .vn import (capitalize_first, date_line, date_words, dmy, group_thousands, money, money_in_words, two_digits,
                 upper)


@dataclass(frozen=True)
class Kind:
    name: str
    section: str                 # the key of the input that holds this document's own data
    type_abbr: str               # NĐ 30/2020 Phụ lục III
    type_title: str
    subject: str
    context: Callable[["Inputs"], dict]
    variables: frozenset[str]    # every name the context provides (a test keeps it exact)
    required: frozenset[str]     # what a template of this kind must show, edited or not


@dataclass(frozen=True)
class Inputs:
    """Everything a context builder may read: the validated trip and the policy's plain values for it."""

    trip: dict
    profile: Profile             # with the values in force on the departure date
    calendar: WorkCalendar       # a yearly summary's report statuses
    deadlines: Deadlines | None  # formgen.check(): computed once per trip
    limits: Limits | None        # formgen.check(): the size limit, approval, the unit's year so far


def template_name(kind: str, style: str) -> str:
    """Templates are named after their kind and format: request_state.docx."""
    return f"{kind}_{style}.docx"


def require_section(kind: Kind, trip: dict) -> dict:
    section = trip.get(kind.section)
    if not section:
        raise InvalidInput(f"Thiếu mục “{kind.section}” (thông tin của văn bản: số, ngày, người ký...).",
                           [Problem(kind.section, "Thiếu mục bắt buộc để lập văn bản này.")])
    return section


HEADER_VARIABLES = frozenset({
    "national", "motto", "parent", "issuer", "issuer_name", "number", "date_line", "type_title", "subject",
    "recipient_label", "signer_lines", "signer_name", "cc_heading", "cc",
})
DELEGATION_VARIABLES = frozenset({
    "regulation", "purpose", "weak_point", "focus_areas", "stops", "places", "size", "leader_name",
    "leader_position", "members", "depart", "return", "funding_source", "amount", "amount_words",
})
HEADER_REQUIRED = frozenset({"issuer", "number", "date_line", "type_title", "signer_lines", "signer_name", "cc"})


def _header(trip: dict, fmt: dict, kind: Kind, doc: dict, **subject) -> dict:
    issuer = trip["issuer"]
    signer = doc["signer"]
    title = kind.subject.format(**subject)
    if fmt["words"].get("subject_lowercase_first"):
        title = title[0].lower() + title[1:]
    return {
        "national": fmt["words"]["national"],
        "motto": fmt["words"]["motto"],
        "parent": upper(issuer["parent"] or ""),
        "issuer": upper(issuer["name"]),
        "issuer_name": issuer["name"],
        "number": document_number(fmt, doc["number"], kind.type_abbr, issuer["abbreviation"]),
        "date_line": date_line(issuer["place"], doc["date"]),
        "type_title": kind.type_title,
        "subject": title,
        "recipient_label": fmt["words"]["recipient"],
        "signer_lines": authority_lines(fmt, signer, issuer["name"], upper),
        "signer_name": signer["name"],
        "cc_heading": fmt["words"]["cc_heading"],
        "cc": _cc_lines(fmt, doc, issuer),
    }


def cc_recipients(fmt: dict, doc: dict, issuer: dict) -> tuple[list[str], str]:
    """What “Nơi nhận:” lists after “Như trên” (each item as printed, without its dash and “;”), and the archive
    line (“Lưu: VT, VP”); the metadata's recipients (formgen.metadata) are these items."""
    given = [c.strip().lstrip("-").strip().rstrip(";.") for c in doc["cc"]]
    typed = [c for c in given if _is_archive(c)]  # “Lưu: VT, CCHC” written as the last recipient, as on paper
    units = {_archive_unit(c) for c in typed + ([doc["archive"]] if doc["archive"] else [])}
    if len(units) > 1:
        raise InvalidInput(f"Dòng lưu văn bản được ghi {len(units)} cách khác nhau (archive và “Lưu: ...” trong cc: "
                           f"{', '.join(sorted(f'“{u}”' for u in units))}); hãy giữ một.")
    unit = units.pop() if units else fmt["words"].get("archive_default") or issuer["abbreviation"]
    pattern = fmt["words"]["archive"]
    archive = pattern.format(unit=unit) if unit else pattern.format(unit="").rstrip(", ")  # “Lưu: VT” alone
    if not unit and archive == pattern.format(unit="").strip():  # a pattern that needs a unit (“Lưu {unit}”)
        archive = pattern.format(unit=fmt["words"].get("archive_default") or issuer["abbreviation"])
    return [c for c in given if c and c.casefold() not in ("như trên", archive.casefold()) and not _is_archive(c)], archive


def _is_archive(item: str) -> bool:
    """A recipient line that is the archive line: “Lưu: VT, VP”, “Lưu VT” (not “Lưu trữ tỉnh”, a recipient)."""
    head, rest = item[:3].casefold(), item[3:].lstrip()
    return head == "lưu" and (rest.startswith(":") or _starts_with_vt(rest))


def _starts_with_vt(text: str) -> bool:
    """“VT” (văn thư) as a word of its own at the start: “VT, VP”, “VT” (not “VTTU”)."""
    return text[:2].upper() == "VT" and (len(text) == 2 or not text[2].isalnum())


def _archive_unit(text: str) -> str:
    """The unit kept after the archive pattern's own words: “Lưu: VT, VP”, “VT, VP” and “VP” give “VP”; “VT”,
    which the state pattern already prints, gives “”."""
    unit = text.strip()
    if unit[:3].casefold() == "lưu" and unit[3:].lstrip()[:1] == ":":
        unit = unit[3:].lstrip(" :")
    elif unit[:4].casefold() == "lưu ":
        unit = unit[4:].lstrip()
    if _starts_with_vt(unit):
        unit = unit[2:].lstrip(" ,")
    return unit.strip().rstrip(";.").strip()


def _cc_lines(fmt: dict, doc: dict, issuer: dict) -> list[str]:
    """“- Như trên;” ... “- Lưu: VT, VP.”: every item ends with “;”, the last with “.”."""
    items, archive = cc_recipients(fmt, doc, issuer)
    return [f"- {item};" for item in ["Như trên", *items]] + [f"- {archive}."]


def _people(trip: dict) -> list[dict]:
    d, issuer = trip["delegation"], trip["issuer"]
    leader = d["leader"]
    rows = [{"name": leader["name"], "position": leader["position"], "unit": leader["unit"] or issuer["name"],
             "note": "Trưởng đoàn" + ("; lãnh đạo chủ chốt" if leader["key_leader"] else "")}]
    rows += [{"name": m["name"], "position": m["position"], "unit": m["unit"] or issuer["name"],
              "note": "Lãnh đạo chủ chốt" if m["key_leader"] else ""} for m in d["members"]]
    return [{"stt": str(i), **row} for i, row in enumerate(rows, 1)]


def _stop(n: int, stop: dict) -> dict:
    start, end = dmy(stop["start"]), dmy(stop["end"])
    return {"n": str(n), "place": stop["place"], "place_cap": capitalize_first(stop["place"]),
            "host": stop["host"], "model": stop["model"].rstrip("."), "start": start, "end": end,
            "when": f"ngày {start}" if start == end else f"từ ngày {start} đến ngày {end}",
            "days": two_digits(stop_days(stop))}


def _places(d: dict) -> str:
    return ", ".join(dict.fromkeys(s["place"] for s in d["stops"]))


def _money_fields(amount: int | None) -> dict:
    return {"amount": money(amount) if amount is not None else "",
            "amount_words": money_in_words(amount) if amount is not None else ""}


def _paragraphs(text: str) -> list[str]:
    """Long answers keep the user's paragraphs: one document paragraph per non-empty line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _delegation(trip: dict, profile: Profile) -> dict:
    """What every document says of the delegation itself."""
    d = trip["delegation"]
    return {
        "regulation": profile.regulation_name(),
        "purpose": d["purpose"],
        "weak_point": d["weak_point"],
        "focus_areas": "; ".join(profile.focus_area(a) or a for a in d["focus_areas"]),
        "stops": [_stop(i, s) for i, s in enumerate(d["stops"], 1)],
        "places": _places(d),
        "size": two_digits(delegation_size(d)),
        "leader_name": d["leader"]["name"],
        "leader_position": d["leader"]["position"],
        "members": _people(trip),
        "depart": dmy(d["depart_on"]),
        "return": dmy(d["return_on"]),
        "funding_source": d["funding"]["source"],
        **_money_fields(d["funding"]["amount"]),
    }


def _key_leaders_words(d: dict) -> str:
    """“trong đoàn có 02 lãnh đạo chủ chốt của đơn vị”, or “không có” — never “có 00”."""
    count = len(key_leaders(d))
    return (f"trong đoàn có {two_digits(count)} lãnh đạo chủ chốt của đơn vị" if count
            else "trong đoàn không có lãnh đạo chủ chốt của đơn vị")


def _sentence(text: str) -> str:
    """The user's text as one sentence however it was typed: lines joined by “;”, capitalised, one full stop."""
    parts = [p.rstrip(" .;,:") for p in _paragraphs(text)]
    joined = "; ".join(p for p in parts if p)
    return capitalize_first(joined) + "." if joined else ""


def request_context(inp: Inputs) -> dict:
    trip, profile = inp.trip, inp.profile
    d, doc = trip["delegation"], trip["request"]
    fmt = load_format(trip["issuer"]["style"])
    limits, approval = inp.limits, inp.limits.approval
    year = d["depart_on"].year
    earlier = limits.earlier_this_year
    return {
        **_header(trip, fmt, REQUEST, doc),
        **_delegation(trip, profile),
        "recipient": doc["recipient"].rstrip("."),
        "size_limit": two_digits(limits.size),
        "key_leader_count": two_digits(len(key_leaders(d))),
        "key_leaders": _key_leaders_words(d),
        "report_deadline": date_words(inp.deadlines.latest_report_date),
        "report_days": two_digits(inp.deadlines.report_working_days),
        "year": str(year),
        "year_count": f"{two_digits(_place_in_year(earlier, d['depart_on']))}/{two_digits(limits.per_year)}"
        if earlier is not None else "",
        "approval": (f"Văn bản số {approval['number']} ngày {dmy(approval['date'])} của "
                     f"{profile['escalation_to']} đồng ý đoàn {two_digits(approval['approved_size'])} người")
        if approval else "",
    }


def _place_in_year(earlier: tuple[dict, ...], depart_on: dt.date) -> int:
    """“Đây là đoàn thứ n”: this delegation's place among the unit's departures of its year, counting only those
    that leave before it (a later one, already in the register, does not make this one later)."""
    return 1 + sum(h["depart_on"] < depart_on for h in earlier)


def escalation_context(inp: Inputs) -> dict:
    trip, profile = inp.trip, inp.profile
    doc = trip["escalation"]
    fmt = load_format(trip["issuer"]["style"])
    limit, led_by = inp.limits.regulation_size, inp.limits.led_by
    wanted = {focus_key(p["name"]): p["reason"] for p in doc["extra_members"]}
    extras = [row for row in _people(trip)[1:] if focus_key(row["name"]) in wanted]
    own = [f"- Đồng chí {row['name']}: {_sentence(wanted[focus_key(row['name'])])}"
           for row in extras if wanted[focus_key(row["name"])]]
    request = trip.get("request")
    return {
        **_header(trip, fmt, ESCALATION, doc),
        **_delegation(trip, profile),
        "recipient": (doc["recipient"] or profile["escalation_to"]).rstrip("."),
        "size_limit": two_digits(limit),
        "led_by": led_by,
        "extra_count": two_digits(len(extras)),
        "extras": [{**row, "stt": str(i)} for i, row in enumerate(extras, 1)],
        "reason": _paragraphs(doc["reason"]) + own,
        "request_ref": (f"{document_number(fmt, request['number'], REQUEST.type_abbr, trip['issuer']['abbreviation'])}"
                        f" ngày {dmy(request['date'])}").removeprefix("Số: ").removeprefix("Số ")
        if request else "",
    }


def report_context(inp: Inputs) -> dict:
    trip, profile = inp.trip, inp.profile
    d, doc = trip["delegation"], trip["report"]
    fmt = load_format(trip["issuer"]["style"])
    request = trip.get("request") or {}
    recipient = doc["recipient"] or request.get("recipient")
    if not recipient:
        raise InvalidInput("Báo cáo chưa ghi nơi nhận (report.recipient).",
                           [Problem("report.recipient", "Thiếu nơi nhận báo cáo (cấp có thẩm quyền).")])
    if inp.deadlines is None:  # the report prints the trip's dates and its deadline
        raise InvalidInput("Báo cáo chưa ghi ngày đi của đoàn (delegation.depart_on).",
                           [Problem("delegation.depart_on", "Thiếu ngày đi của đoàn.")])
    latest = inp.deadlines.latest_report_date
    return {
        **_header(trip, fmt, REPORT, doc, places=_places(d)),
        "basis": _report_basis(trip, profile),
        "actual": _actual(trip),
        **_delegation(trip, profile),
        "recipient": recipient.rstrip("."),
        "results": _paragraphs(doc["results"]),
        "good_practices": _paragraphs(doc["good_practices"]),
        "proposals": _paragraphs(doc["proposals"]),
        "report_days": two_digits(inp.deadlines.report_working_days),
        "report_deadline": date_words(latest),
        "late": doc["date"] > latest,
        "delay_reason": [_sentence(doc["delay_reason"])] if doc["delay_reason"] else [],
    }


def _report_basis(trip: dict, profile: Profile) -> str:
    """“Thực hiện Quy định ...; Tờ trình số ... ngày ...; Văn bản số ... ngày ... đồng ý ...”: what the trip followed."""
    cited = [profile.regulation_name()]
    request = trip.get("request")
    if request:
        fmt = load_format(trip["issuer"]["style"])
        number = notation(fmt, request["number"], REQUEST.type_abbr, trip["issuer"]["abbreviation"]) \
            if request["number"] else ""
        cited.append(f"Tờ trình{' số ' + number if number else ''} ngày {dmy(request['date'])} của "
                     f"{trip['issuer']['name']} {REQUEST.subject[0].lower()}{REQUEST.subject[1:]}")
    approval = trip.get("approval")
    if approval:
        cited.append(f"Văn bản số {approval['number']} ngày {dmy(approval['date'])} của {profile['escalation_to']} "
                     f"đồng ý bổ sung thành phần đoàn ({two_digits(approval['approved_size'])} người)")
    return "Thực hiện " + "; ".join(cited)


def _actual(trip: dict) -> list[str]:
    """What the report says of who actually went and what was spent, when it is given."""
    d, report = trip["delegation"], trip["report"]
    lines = []
    planned = delegation_size(d)
    went = report["actual_size"] or len(report["actual_members"]) or None
    if went is not None:
        gone = {focus_key(n) for n in report["actual_members"]}
        stayed = [p["name"] for p in (d["leader"], *d["members"]) if gone and focus_key(p["name"]) not in gone]
        if went == planned:
            lines.append(f"Đoàn đi đủ {two_digits(went)} người theo kế hoạch.")
        else:
            who = f"; không tham gia: {'các đồng chí' if len(stayed) > 1 else 'đồng chí'} {', '.join(stayed)}"
            lines.append(f"Thực tế đoàn đi {two_digits(went)} người (theo kế hoạch {two_digits(planned)} người)"
                         f"{who if stayed else ''}.")
    spent = report["actual_spending"]
    if spent is not None:
        planned_amount = d["funding"]["amount"]
        lines.append(f"Kinh phí thực hiện: {money(spent)} (Bằng chữ: {money_in_words(spent)})"
                     + (f"; dự toán {money(planned_amount)}." if planned_amount is not None else "."))
    return lines


def report_status(trip: dict, profile: Profile, calendar: WorkCalendar,
                  on: dt.date | None = None) -> tuple[str, str]:
    """("on_time" | "late" | "overdue" | "missing", the words for a table cell) for one delegation's report; `on`,
    the day a summary speaks of: a report not sent by a deadline before it is "overdue", one not yet due says so."""
    report, found = trip.get("report"), trip_deadlines(trip, profile, calendar)
    deadline = found.latest_report_date if found else None
    if not report and deadline is not None and on is not None:
        if deadline < on:
            return "overdue", f"Chưa báo cáo, đã quá hạn ({dmy(deadline)})"
        return "missing", f"Chưa đến hạn báo cáo ({dmy(deadline)})"
    if not report or deadline is None:
        return "missing", "Chưa báo cáo"
    if report["date"] > deadline:
        return "late", f"Trễ hạn ({dmy(report['date'])})"
    return "on_time", f"Đúng hạn ({dmy(report['date'])})"


def _annual_overview(year: int, trips: list[dict], statuses: list[str]) -> str:
    """The year in the words a văn thư writes: “02 đoàn, 11 lượt người”, “không có báo cáo chậm”."""
    if not trips:
        return f"Trong năm {year}, đơn vị không tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh."
    people = sum(delegation_size(t["delegation"]) for t in trips)
    places = {focus_key(s["place"]) for t in trips for s in t["delegation"]["stops"] if s["place"]}
    amounts = [t["delegation"]["funding"]["amount"] for t in trips if t["delegation"]["funding"]["amount"] is not None]
    text = (f"Trong năm {year}, đơn vị tổ chức {two_digits(len(trips))} đoàn, {two_digits(people)} lượt người, "
            f"đến {two_digits(len(places))} địa phương")
    if amounts:
        text += f"; tổng kinh phí {money(sum(amounts))} (Bằng chữ: {money_in_words(sum(amounts))})"
    on_time, late, overdue, missing = (statuses.count(s) for s in ("on_time", "late", "overdue", "missing"))
    if on_time == len(trips):
        reports = ("đoàn đã gửi báo cáo kết quả đúng hạn" if on_time == 1
                   else "các đoàn đều gửi báo cáo kết quả đúng hạn")
    else:
        said = [f"{two_digits(on_time)} đoàn gửi báo cáo kết quả đúng hạn"] if on_time else []
        if late:
            said.append(f"{two_digits(late)} đoàn gửi báo cáo chậm")
        if overdue:
            said.append(f"{two_digits(overdue)} đoàn đã quá hạn mà chưa gửi báo cáo")
        if not late and not overdue:
            said.append("không có báo cáo chậm")
        if missing:
            said.append(f"{two_digits(missing)} đoàn chưa gửi báo cáo")
        reports = ", ".join(said)
    return f"{text}. Sau chuyến đi, {reports}."


def annual_context(inp: Inputs) -> dict:
    data, profile = inp.trip, inp.profile
    doc = data["annual"]
    fmt = load_format(data["issuer"]["style"])
    trips = sorted(data["delegations"], key=lambda t: t["delegation"]["depart_on"] or dt.date.min)
    rows, statuses = [], []
    for i, trip in enumerate(trips, 1):
        d = trip["delegation"]
        status, words = report_status(trip, profile, inp.calendar, on=doc["date"])
        statuses.append(status)
        rows.append({"stt": str(i), "when": f"{dmy(d['depart_on'])} đến {dmy(d['return_on'])}",
                     "places": _places(d), "size": str(delegation_size(d)),
                     "leader": f"{d['leader']['name']}, {d['leader']['position']}".strip(", "),
                     "amount": group_thousands(d["funding"]["amount"] or 0), "report": words})
    total = sum(t["delegation"]["funding"]["amount"] or 0 for t in trips)
    return {
        **_header(data, fmt, ANNUAL, doc, year=data["year"]),
        "recipient": (doc["recipient"] or profile["annual_report_to"]).rstrip("."),
        "regulation": profile.regulation_name(),
        "year": str(data["year"]),
        "rows": rows,
        "total_delegations": two_digits(len(trips)),
        "total_people": str(sum(delegation_size(t["delegation"]) for t in trips)),
        "total_stops": str(sum(len(t["delegation"]["stops"]) for t in trips)),
        "total_amount": group_thousands(total),
        "total_amount_words": _money_fields(total)["amount_words"],
        "overview": _annual_overview(data["year"], trips, statuses),
        "on_time": two_digits(statuses.count("on_time")),
        "late": two_digits(statuses.count("late")),
        "missing": two_digits(statuses.count("missing") + statuses.count("overdue")),  # no report, due or not
        "summary": _paragraphs(doc["summary"]),
        "proposals": _paragraphs(doc["proposals"]),
    }


REQUEST = Kind(
    name="request",
    section="request",
    type_abbr="TTr",
    type_title="TỜ TRÌNH",
    subject="Về việc xin ý kiến tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh",
    context=request_context,
    variables=HEADER_VARIABLES | DELEGATION_VARIABLES | {
        "recipient", "size_limit", "key_leader_count", "key_leaders", "report_deadline", "report_days", "year",
        "year_count", "approval"},
    required=HEADER_REQUIRED | {"recipient", "purpose", "weak_point", "focus_areas", "stops", "members", "depart",
                                "return", "funding_source", "amount"},
)

ESCALATION = Kind(
    name="escalation",
    section="escalation",
    type_abbr="TTr",
    type_title="TỜ TRÌNH",
    subject="Về việc xin bổ sung thành phần đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh",
    context=escalation_context,
    variables=HEADER_VARIABLES | DELEGATION_VARIABLES | {
        "recipient", "size_limit", "led_by", "extra_count", "extras", "reason", "request_ref"},
    required=HEADER_REQUIRED | {"recipient", "size", "size_limit", "extras", "reason"},
)

REPORT = Kind(
    name="report",
    section="report",
    type_abbr="BC",
    type_title="BÁO CÁO",
    subject="Kết quả đoàn đi học tập, trao đổi kinh nghiệm tại {places}",
    context=report_context,
    variables=HEADER_VARIABLES | DELEGATION_VARIABLES | {
        "recipient", "results", "good_practices", "proposals", "report_days", "report_deadline", "late",
        "delay_reason", "basis", "actual"},
    required=HEADER_REQUIRED | {"results", "good_practices", "proposals", "delay_reason"},
)

ANNUAL = Kind(
    name="annual",
    section="annual",
    type_abbr="BC",
    type_title="BÁO CÁO",
    subject="Tổng hợp tình hình đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh năm {year}",
    context=annual_context,
    variables=HEADER_VARIABLES | {
        "recipient", "regulation", "year", "rows", "total_delegations", "total_people", "total_stops",
        "total_amount", "total_amount_words", "overview", "on_time", "late", "missing", "summary", "proposals"},
    required=HEADER_REQUIRED | {"year", "rows", "total_delegations", "total_people", "total_amount"},
)

KINDS: dict[str, Kind] = {k.name: k for k in (REQUEST, ESCALATION, REPORT, ANNUAL)}


def identity(kind: str, data: dict) -> str:
    """How a stamp names the document: “Tờ trình số 05/TTr-SNV ngày 20/05/2024”."""
    k = KINDS[kind]
    doc = data[k.section]
    fmt = load_format(data["issuer"]["style"])
    number = notation(fmt, doc["number"], k.type_abbr, data["issuer"]["abbreviation"])
    return f"{k.type_title.capitalize()} số {number} ngày {dmy(doc['date'])}"


def infer_kind(data: dict) -> str:
    """The document a file is at in its life cycle: annual, report, escalation (not yet approved), request."""
    if "delegations" in data:
        return "annual"
    if data.get("report"):
        return "report"
    if data.get("escalation") and not data.get("approval"):
        return "escalation"
    return "request"
