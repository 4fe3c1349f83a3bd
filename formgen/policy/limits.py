"""What the regulation allows one trip, as plain values that the rules and the documents both read."""
from __future__ import annotations

from dataclasses import dataclass

from .profile import Profile, focus_key


def stop_days(stop: dict) -> int:
    """Days spent at a destination, both ends included (travel days are outside start..end)."""
    return (stop["end"] - stop["start"]).days + 1


def days_at(stops) -> int:
    """The days spent at one place over its stops, both ends included, a day in two of them counted once."""
    days, last = 0, None  # last: the latest day counted so far
    for start, end in sorted((s["start"], s["end"]) for s in stops):
        if last is None or start > last:
            days += stop_days({"start": start, "end": end})
        elif end > last:
            days += (end - last).days  # the days after those already counted
        else:
            continue
        last = end
    return days


def overlapping(stops: list[dict]) -> list[tuple[int, int]]:
    """(i, j): stop i is at another place than stop j during j's stay, beyond a day they share to move from one to
    the other (one's last day, the other's first); stops at one place may share days (two hosts). In order of
    arrival, each against the stop that stays latest before it (one overlap a stop is enough to correct)."""
    found, latest = [], None
    for i in sorted(range(len(stops)), key=lambda k: (stops[k]["start"], stops[k]["end"])):
        stop = stops[i]
        if latest is not None:
            other = stops[latest]
            if (stop["place"] and other["place"] and focus_key(stop["place"]) != focus_key(other["place"])
                    and stop["start"] < other["end"] and other["start"] < stop["end"]):
                found.append((i, latest))
        if latest is None or stop["end"] > stops[latest]["end"]:
            latest = i
    return found


def approved_after_departure(approval: dict, depart_on) -> bool:
    """An approval dated after the delegation leaves: it cannot have allowed its members."""
    return depart_on is not None and approval["date"] > depart_on


def delegation_size(delegation: dict) -> int:
    """Everyone who goes: the leader and the members."""
    return 1 + len(delegation["members"])


def key_leaders(delegation: dict) -> list[str]:
    people = [delegation["leader"], *delegation["members"]]
    return [p["name"] or "(chưa ghi tên)" for p in people if p["key_leader"]]


def unit_key(code: str) -> str:
    """A unit as the register identifies it: by its code (abbreviation), compared as a person would (case,
    spacing); its name is how it signs and may be typed longer or shorter (“Sở Nội vụ tỉnh Hậu Giang”)."""
    return focus_key(code)


def same_unit(a: dict, b: dict) -> bool:
    """Two issuers are the same unit (R03's count, R11's summary, the register's listings): the same code."""
    return unit_key(a["abbreviation"]) == unit_key(b["abbreviation"])


@dataclass(frozen=True)
class Limits:
    """One trip's limits, from the values in force on its departure; computed once per trip (trip_limits)."""

    size: int                  # the limit that applies: an approval's size, else the regulation's
    regulation_size: int       # the regulation's own limit for who leads (what an escalation asks to exceed)
    led_by: str                # who leads, in the regulation's words
    approval: dict | None      # the approval that lifted the limit, if any
    per_year: int              # delegations a unit may send in a year
    earlier_this_year: tuple[dict, ...] | None  # the unit's delegations of that year in the register; None: no register


def trip_limits(trip: dict, profile: Profile, history: list[dict] | None = None) -> Limits | None:
    """The limits of a delegation; None for a yearly summary (it has no single delegation)."""
    d = trip.get("delegation")
    if not d:
        return None
    profile = profile.on(d["depart_on"])
    limit, led_by = profile.size_limit(d["leader"]["rank"], d.get("type"))
    approval = trip.get("approval")
    if approval and approved_after_departure(approval, d["depart_on"]):
        approval = None  # it lifts nothing (R13 says so)
    earlier = None
    if history is not None and d["depart_on"] is not None:
        earlier = tuple(h for h in history
                        if same_unit(h["issuer"], trip["issuer"]) and h["depart_on"].year == d["depart_on"].year)
    return Limits(size=approval["approved_size"] if approval else limit, regulation_size=limit,
                  led_by=led_by, approval=approval or None,
                  per_year=profile["max_delegations_per_year"], earlier_this_year=earlier)
