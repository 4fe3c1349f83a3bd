"""One small check per rule: each reads the trip and yields where and what, never the wording."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable, Iterator

from ..calendar import WorkCalendar
from ..deadlines import Deadlines
from ..vn import dmy, without_diacritics
from .limits import (Limits, approved_after_departure, days_at, delegation_size,  # noqa: F401 (read from here too)
                     key_leaders, overlapping, same_unit)
from .profile import Profile, focus_key


@dataclass(frozen=True)
class Hit:
    """A violation found by a check: which message, where in the data, and its values."""

    variant: str
    path: str
    params: dict


@dataclass(frozen=True)
class Context:
    """What a check reads: the trip, the profile in force on its departure, and the values computed once for it."""

    trip: dict
    profile: Profile
    calendar: WorkCalendar
    history: list[dict] | None = None   # earlier delegations from a register; None: no register
    deadlines: Deadlines | None = None  # compute_deadlines(), once per trip
    limits: Limits | None = None        # trip_limits(), once per trip
    kind: str | None = None             # the document the rules gate (its section's name); None: the register's


Check = Callable[[Context], Iterator[Hit]]
CHECKS: dict[str, Check] = {}
VARIANTS: dict[str, tuple[str, ...]] = {}  # the messages each check needs from a profile
HISTORY_RULES: list[str] = []              # the checks that read the register's earlier delegations


def check(code: str, *variants: str, history: bool = False) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        CHECKS[code] = fn
        VARIANTS[code] = variants
        if history:
            HISTORY_RULES.append(code)
        return fn
    return register


@check("P00", "before", "after")
def profile_validity(ctx: Context) -> Iterator[Hit]:
    depart = ctx.trip["delegation"]["depart_on"]
    p = ctx.profile
    if depart is None:
        return
    if p.valid_from and depart < p.valid_from:
        yield Hit("before", "delegation.depart_on",
                  {"depart_on": dmy(depart), "profile": p.id, "valid_from": dmy(p.valid_from)})
    if p.valid_until and depart > p.valid_until:
        yield Hit("after", "delegation.depart_on",
                  {"depart_on": dmy(depart), "profile": p.id, "valid_until": dmy(p.valid_until),
                   "note": p.validity_note})


@check("P01", "no_number", "no_date")
def citation(ctx: Context) -> Iterator[Hit]:
    """Every document cites the regulation; a citation needs its number and day of signature."""
    p = ctx.profile
    params = {"regulation": p.regulation_name(), "profile": p.id}
    if not p.number:
        yield Hit("no_number", "policy", params)
    elif not p.signed_on:
        yield Hit("no_date", "policy", params)


@check("R01", "late")
def lead_time(ctx: Context) -> Iterator[Hit]:
    request, found = ctx.trip.get("request"), ctx.deadlines
    if not request or found is None or found.latest_request_date is None:
        return  # R02 reports a missing departure
    if request["date"] > found.latest_request_date:
        yield Hit("late", "request.date", {"request_date": dmy(request["date"]),
                                           "latest_date": dmy(found.latest_request_date),
                                           "days": found.request_working_days, "depart_on": dmy(found.depart_on)})


@check("R02", "missing")
def request_content(ctx: Context) -> Iterator[Hit]:
    d = ctx.trip["delegation"]
    missing = [
        ("delegation.purpose", "mục đích chuyến đi", not d["purpose"]),
        ("delegation.leader.name", "trưởng đoàn", not d["leader"]["name"]),
        ("delegation.members", "thành phần đoàn (danh sách thành viên)", not d["members"]),
        ("delegation.depart_on", "ngày đi", d["depart_on"] is None),
        ("delegation.return_on", "ngày về", d["return_on"] is None),
        ("delegation.stops", "điểm đến và thời gian tại từng nơi", not d["stops"]),
        ("delegation.funding.source", "nguồn kinh phí", not d["funding"]["source"]),
    ]
    for path, what, absent in missing:
        if absent:
            yield Hit("missing", path, {"what": what})
    for i, member in enumerate(d["members"]):
        if not member["name"]:
            yield Hit("missing", f"delegation.members[{i}].name", {"what": f"họ tên thành viên thứ {i + 1}"})
    for i, stop in enumerate(d["stops"]):
        if not stop["place"]:
            yield Hit("missing", f"delegation.stops[{i}].place", {"what": f"tên địa phương của điểm đến thứ {i + 1}"})
        if not stop["host"]:
            yield Hit("missing", f"delegation.stops[{i}].host", {"what": f"cơ quan làm việc tại điểm đến thứ {i + 1}"})


@check("R03", "over", history=True)
def delegations_per_year(ctx: Context) -> Iterator[Hit]:
    earlier = ctx.limits.earlier_this_year
    if earlier is None:
        return
    year = ctx.trip["delegation"]["depart_on"].year
    count, limit = len(earlier) + 1, ctx.limits.per_year
    if count > limit:
        names = ", ".join(f"{h.get('id', '?')} đi ngày {dmy(h['depart_on'])}" for h in earlier)
        depart = ctx.trip["delegation"]["depart_on"]
        # “đoàn thứ {count}” only when none of them leaves after it; a profile without over_booked says it anyway
        booked = any(h["depart_on"] > depart for h in earlier) and "over_booked" in ctx.profile.rules["R03"].messages
        yield Hit("over_booked" if booked else "over", "delegation.depart_on",
                  {"count": count, "year": year, "limit": limit, "earlier": names})


NAMED_DUPLICATES = 3  # the most recent earlier delegations a duplicate finding names (presentation, not a limit)


class History(list):
    """Earlier delegations as a register gives them for one trip: for the duplicate rule (R10) only the most
    recent few to each of its places (NAMED_DUPLICATES), with `counted` saying how many there are in all:
    place key -> (earlier delegations there on one of the trip's focus areas, the area keys they share)."""

    def __init__(self, rows=(), counted: dict[str, tuple[int, set[str]]] | None = None):
        super().__init__(rows)
        self.counted = counted or {}


@check("R10", "duplicate", "duplicates", history=True)
def no_duplicate(ctx: Context) -> Iterator[Hit]:
    """Earlier delegations (any unit, any year: the regulation gives no window) to the same province on the
    same focus area: one finding a place, saying how many and naming the most recent few."""
    d = ctx.trip["delegation"]
    if not ctx.history:
        return
    spelled = {focus_key(a): a for a in d["focus_areas"]}
    counted = getattr(ctx.history, "counted", None)
    seen = set()
    for i, stop in enumerate(d["stops"]):
        place = focus_key(stop["place"]) if stop["place"] else None
        if not place or place in seen:
            continue
        seen.add(place)
        found, shared = [], set()
        for h in ctx.history:
            same = spelled.keys() & {focus_key(a) for a in h.get("focus_areas", [])}
            if same and place in {focus_key(p) for p in h.get("places", [])}:
                found.append(h)
                shared |= same
        if counted is not None:
            count, shared = counted.get(place, (len(found), shared))
        else:
            count = len(found)
        if not count:
            continue
        found.sort(key=_latest_first, reverse=True)
        named = [f"đoàn {h.get('id', '?')} của {h['issuer']['name']} (ngày {dmy(h['depart_on'])})"
                 for h in found[:NAMED_DUPLICATES]]
        areas = ", ".join(f"“{spelled[a]}”" for a in spelled if a in shared)  # in the trip's order
        params = {"count": count, "place": stop["place"], "areas": areas, "recent": "; ".join(named)}
        if count == 1:
            params.update(earlier=found[0].get("id", "?"), unit=found[0]["issuer"]["name"],
                          depart_on=dmy(found[0]["depart_on"]))
        yield Hit("duplicate" if count == 1 else "duplicates", f"delegation.stops[{i}].place", params)


def _latest_first(h: dict) -> tuple:
    """The order a duplicate finding names earlier delegations in (reversed): by departure, then id (a register's
    ids are numbers; a caller's may be text)."""
    number = isinstance(h.get("id"), int)
    return h["depart_on"], number, h["id"] if number else str(h.get("id", ""))


@check("R04", "over")
def days_per_stop(ctx: Context) -> Iterator[Hit]:
    """The days at each destination, its stops there counted together (a day twice, once): one finding a place."""
    limit = ctx.profile["max_days_per_stop"]
    stops = ctx.trip["delegation"]["stops"]
    at: dict = {}  # place key -> the indexes of its stops; a stop without a place is a place of its own
    for i, stop in enumerate(stops):
        at.setdefault(focus_key(stop["place"]) if stop["place"] else i, []).append(i)
    for indexes in at.values():
        days = days_at(stops[i] for i in indexes)
        if days <= limit:
            continue
        i, stop = indexes[0], stops[indexes[0]]
        params = {"place": stop["place"] or f"thứ {i + 1}", "days": days, "limit": limit, "stops": len(indexes),
                  "start": dmy(min(stops[j]["start"] for j in indexes)),
                  "end": dmy(max(stops[j]["end"] for j in indexes)),
                  "periods": "; ".join(f"{dmy(stops[j]['start'])} – {dmy(stops[j]['end'])}" for j in indexes)}
        # a profile written before stops were counted together (no over_total) says it with its one message
        several = len(indexes) > 1 and "over_total" in ctx.profile.rules["R04"].messages
        yield Hit("over_total" if several else "over", f"delegation.stops[{i}]", params)
    if "overlap" in ctx.profile.rules["R04"].messages:  # a profile written before it does not say it
        for i, j in overlapping(stops):
            stop, other = stops[i], stops[j]
            yield Hit("overlap", f"delegation.stops[{i}]", {
                "place": stop["place"], "start": dmy(stop["start"]), "end": dmy(stop["end"]), "other": other["place"],
                "other_start": dmy(other["start"]), "other_end": dmy(other["end"]), "other_number": j + 1})


@check("R05", "over")
def key_leader_count(ctx: Context) -> Iterator[Hit]:
    names = key_leaders(ctx.trip["delegation"])
    limit = ctx.profile["max_key_leaders"]
    if len(names) > limit:
        yield Hit("over", "delegation.members", {"count": len(names), "names": ", ".join(names), "limit": limit})


@check("R06", "over", "over_approved")
def size(ctx: Context) -> Iterator[Hit]:
    n = delegation_size(ctx.trip["delegation"])
    limit, led_by, approval = ctx.limits.size, ctx.limits.led_by, ctx.limits.approval
    if n <= limit:
        return
    params = {"size": n, "limit": limit, "led_by": led_by, "escalation_to": ctx.profile["escalation_to"]}
    if approval:
        params.update(approval_number=approval["number"], approval_date=dmy(approval["date"]))
        yield Hit("over_approved", "delegation.members", params)
    else:
        yield Hit("over", "delegation.members", params)


@check("R13", "after_departure", "before_escalation", "after_request", "after_report")
def approval_dates(ctx: Context) -> Iterator[Hit]:
    """The Standing Committee's approval answers the escalation and comes before the delegation leaves; a
    document cites it only from the approval's day on (the request, the report: the documents that cite it)."""
    approval, d = ctx.trip.get("approval"), ctx.trip["delegation"]
    if not approval:
        return
    params = {"number": approval["number"], "date": dmy(approval["date"]),
              "escalation_to": ctx.profile["escalation_to"]}
    late = approved_after_departure(approval, d["depart_on"])
    if late:  # it lifts nothing, and no document cites it (policy.limits)
        yield Hit("after_departure", "approval.date", {**params, "depart_on": dmy(d["depart_on"])})
    escalation = ctx.trip.get("escalation")
    if escalation and approval["date"] < escalation["date"]:
        yield Hit("before_escalation", "approval.date", {**params, "escalation_date": dmy(escalation["date"])})
    document = ctx.trip.get(ctx.kind) if ctx.kind in ("request", "report") else None
    if document and not late and approval["date"] > document["date"]:
        yield Hit(f"after_{ctx.kind}", "approval.date", {**params, "document_date": dmy(document["date"])})


@check("R09", "no_weak_point", "no_focus", "unknown_focus", "no_model")
def focus(ctx: Context) -> Iterator[Hit]:
    d = ctx.trip["delegation"]
    choices = "; ".join(ctx.profile["focus_areas"])
    if not d["weak_point"]:
        yield Hit("no_weak_point", "delegation.weak_point", {})
    if not d["focus_areas"]:
        yield Hit("no_focus", "delegation.focus_areas", {"choices": choices})
    for i, area in enumerate(d["focus_areas"]):
        if ctx.profile.focus_area(area) is None:
            near = nearest_focus(ctx.profile, area)
            # a profile written before the suggestion (no near_focus message) still names the choices
            variant = "near_focus" if near and "near_focus" in ctx.profile.rules["R09"].messages else "unknown_focus"
            yield Hit(variant, f"delegation.focus_areas[{i}]", {"value": area, "choices": choices, "suggestion": near})
    for i, stop in enumerate(d["stops"]):
        if not stop["model"]:
            yield Hit("no_model", f"delegation.stops[{i}].model", {"place": stop["place"] or f"thứ {i + 1}"})


def nearest_focus(profile: Profile, typed: str) -> str | None:
    """The profile's focus area the user most likely meant (diacritics left out, a letter or two wrong)."""
    spelled = {without_diacritics(focus_key(a)): a for a in profile["focus_areas"]}
    found = difflib.get_close_matches(without_diacritics(focus_key(typed)), list(spelled), n=1, cutoff=0.8)
    return spelled[found[0]] if found else None


@check("R07", "late", "late_with_reason", "before_return", "no_return")
def report_deadline(ctx: Context) -> Iterator[Hit]:
    report, back = ctx.trip.get("report"), ctx.trip["delegation"]["return_on"]
    if not report:
        return
    if back is None:
        yield Hit("no_return", "delegation.return_on", {})
        return
    latest, days = ctx.deadlines.latest_report_date, ctx.deadlines.report_working_days
    params = {"report_date": dmy(report["date"]), "latest_date": dmy(latest), "days": days, "return_on": dmy(back)}
    if report["date"] < back:
        yield Hit("before_return", "report.date", params)
    elif report["date"] > latest:
        yield Hit("late_with_reason" if report["delay_reason"] else "late", "report.date", params)


@check("R08", "missing")
def report_content(ctx: Context) -> Iterator[Hit]:
    report = ctx.trip.get("report")
    if not report:
        return
    for key, what in (("results", "kết quả chuyến đi"), ("good_practices", "kinh nghiệm hay, cách làm hiệu quả"),
                      ("proposals", "đề xuất, kiến nghị")):
        if not report[key]:
            yield Hit("missing", f"report.{key}", {"what": what})


@check("R12", "not_needed", "no_extra", "too_few", "too_many", "unknown_member", "no_reason")
def escalation(ctx: Context) -> Iterator[Hit]:
    """The people named are exactly those above the limit, each with a reason (theirs or the letter's)."""
    esc, d = ctx.trip.get("escalation"), ctx.trip["delegation"]
    if not esc:
        return
    n = delegation_size(d)
    limit, led_by = ctx.limits.regulation_size, ctx.limits.led_by
    if n <= limit:
        yield Hit("not_needed", "escalation", {"size": n, "limit": limit, "led_by": led_by})
        return
    names = {focus_key(m["name"]) for m in d["members"]}
    extras = esc["extra_members"]
    for i, person in enumerate(extras):
        if focus_key(person["name"]) not in names:
            yield Hit("unknown_member", f"escalation.extra_members[{i}]", {"name": person["name"]})
    over = {"over": n - limit, "count": len(extras), "size": n, "limit": limit, "led_by": led_by}
    if not extras:
        yield Hit("no_extra", "escalation.extra_members", {})
    elif len(extras) < n - limit:
        yield Hit("too_few", "escalation.extra_members", over)
    elif len(extras) > n - limit:
        yield Hit("too_many", "escalation.extra_members", over)
    if not esc["reason"] and not (extras and all(p["reason"] for p in extras)):
        yield Hit("no_reason", "escalation.reason", {})


@check("R11", "other_year", "other_unit")
def annual_report(ctx: Context) -> Iterator[Hit]:
    """The yearly summary covers the unit's own delegations of that year, and only those."""
    for i, trip in enumerate(ctx.trip["delegations"]):
        depart = trip["delegation"]["depart_on"]
        if depart is None or depart.year != ctx.trip["year"]:
            yield Hit("other_year", f"delegations[{i}].delegation.depart_on",
                      {"depart_on": dmy(depart) if depart else "(chưa ghi)", "year": ctx.trip["year"]})
        if not same_unit(trip["issuer"], ctx.trip["issuer"]):
            yield Hit("other_unit", f"delegations[{i}].issuer",
                      {"unit": trip["issuer"]["name"], "issuer": ctx.trip["issuer"]["name"]})
