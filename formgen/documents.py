"""The document kinds: the section each needs, the rules that gate it, and its template context."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .calendar import WorkCalendar
from .deadlines import Deadlines
from .errors import InvalidInput, Problem
from .formats import authority_lines, document_number, load_format
from .policy import Profile
from .policy.rules import Context, delegation_size, key_leaders, same_unit, size_limit, stop_days
from .vn import capitalize_first, date_line, date_words, dmy, money, money_in_words, two_digits, upper


@dataclass(frozen=True)
class Kind:
    name: str
    section: str                 # the key of the input that holds this document's own data
    rules: tuple[str, ...]       # the rules that must pass before it is written
    type_abbr: str               # NĐ 30/2020 Phụ lục III
    type_title: str
    subject: str
    context: Callable[["Inputs"], dict]


@dataclass(frozen=True)
class Inputs:
    """Everything a context builder may read: validated trip, regulation, calendar, deadlines."""

    trip: dict
    profile: Profile
    calendar: WorkCalendar
    deadlines: Deadlines | None
    history: list[dict] | None


def template_name(kind: str, style: str) -> str:
    """Templates are named after their kind and format: request_state.docx."""
    return f"{kind}_{style}.docx"


def require_section(kind: Kind, trip: dict) -> dict:
    section = trip.get(kind.section)
    if not section:
        raise InvalidInput(f"Thiếu mục “{kind.section}” (thông tin của văn bản: số, ngày, người ký...).",
                           [Problem(kind.section, "Thiếu mục bắt buộc để lập văn bản này.")])
    return section


def _header(trip: dict, fmt: dict, kind: Kind, doc: dict) -> dict:
    issuer = trip["issuer"]
    signer = doc["signer"]
    return {
        "national": fmt["words"]["national"],
        "motto": fmt["words"]["motto"],
        "parent": upper(issuer["parent"] or ""),
        "issuer": upper(issuer["name"]),
        "issuer_name": issuer["name"],
        "number": document_number(fmt, doc["number"], kind.type_abbr, issuer["abbreviation"]),
        "date_line": date_line(issuer["place"], doc["date"]),
        "type_title": kind.type_title,
        "subject": kind.subject,
        "recipient_label": fmt["words"]["recipient"],
        "signer_lines": authority_lines(fmt, signer, issuer["name"], upper),
        "signer_name": signer["name"],
        "cc_heading": fmt["words"]["cc_heading"],
        "cc": _cc_lines(fmt, doc, issuer),
    }


def _cc_lines(fmt: dict, doc: dict, issuer: dict) -> list[str]:
    """“- Như trên;” ... “- Lưu: VT, VP.”: every item ends with “;”, the last with “.”."""
    given = [c.strip().lstrip("-").strip().rstrip(";.") for c in doc["cc"]]
    items = ["Như trên", *[c for c in given if c and c.casefold() != "như trên"]]
    unit = re.sub(r"^VT\s*,\s*", "", doc["archive"] or issuer["abbreviation"])  # "VT" is already there
    archive = f"{fmt['words']['archive']}, {unit}"
    return [f"- {item};" for item in items] + [f"- {archive}."]


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


def request_context(inp: Inputs) -> dict:
    trip, profile = inp.trip, inp.profile
    d, doc = trip["delegation"], trip["request"]
    fmt = load_format(trip["issuer"]["style"])
    limit, _, approval = size_limit(Context(trip, profile, inp.calendar))
    amount = d["funding"]["amount"]
    year = d["depart_on"].year
    earlier = None
    if inp.history is not None:
        earlier = sum(1 for h in inp.history
                      if same_unit(h["issuer"], trip["issuer"]) and h["depart_on"].year == year)
    return {
        **_header(trip, fmt, REQUEST, doc),
        "recipient": doc["recipient"].rstrip("."),
        "regulation": profile.regulation_name(),
        "purpose": d["purpose"],
        "weak_point": d["weak_point"],
        "focus_areas": "; ".join(profile.focus_area(a) or a for a in d["focus_areas"]),
        "stops": [_stop(i, s) for i, s in enumerate(d["stops"], 1)],
        "size": two_digits(delegation_size(d)),
        "size_limit": two_digits(limit),
        "leader_name": d["leader"]["name"],
        "leader_position": d["leader"]["position"],
        "key_leader_count": two_digits(len(key_leaders(d))),
        "members": _people(trip),
        "depart": dmy(d["depart_on"]),
        "return": dmy(d["return_on"]),
        "funding_source": d["funding"]["source"],
        "amount": money(amount) if amount is not None else "",
        "amount_words": money_in_words(amount) if amount is not None else "",
        "report_deadline": date_words(inp.deadlines.latest_report_date),
        "report_days": two_digits(profile["report_window_working_days"]),
        "year": str(year),
        "year_count": f"{two_digits(earlier + 1)}/{two_digits(profile['max_delegations_per_year'])}"
        if earlier is not None else "",
        "approval": (f"Văn bản số {approval['number']} ngày {dmy(approval['date'])} của "
                     f"{profile['escalation_to']} đồng ý đoàn {two_digits(approval['approved_size'])} người")
        if approval else "",
    }


REQUEST = Kind(
    name="request",
    section="request",
    rules=("P00", "R01", "R02", "R03", "R04", "R05", "R06", "R09", "R10"),
    type_abbr="TTr",
    type_title="TỜ TRÌNH",
    subject="Về việc xin ý kiến tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh",
    context=request_context,
)

KINDS: dict[str, Kind] = {k.name: k for k in (REQUEST,)}
