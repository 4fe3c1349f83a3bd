"""The regulation as data (profiles) plus one check per rule; evaluate() runs them."""
from __future__ import annotations

from ..calendar import WorkCalendar
from ..deadlines import Deadlines, trip_deadlines
from ..errors import InvalidInput, Problem
from .limits import Limits, trip_limits
from .profile import DEFAULT_PROFILE, Profile, RuleText, builtin_profiles
from .profile import load_profile as read_profile
from .rules import CHECKS, HISTORY_RULES, VARIANTS, Context

__all__ = ["DEFAULT_PROFILE", "HISTORY_RULES", "Limits", "Profile", "RuleText", "builtin_profiles", "evaluate",
           "load_profile", "trip_limits"]


def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Profile:
    """A built-in profile by id or a YAML file (profile.load_profile), refused unless formgen has a check,
    with every message it needs, for each of its rules and each rule its documents are gated by (checked
    here: the profile module knows no check)."""
    profile = read_profile(name_or_path)
    unknown = sorted(set(profile.rules) - set(CHECKS))
    if unknown:
        raise InvalidInput(f"Hồ sơ quy định nêu quy tắc chưa có cách kiểm tra: {', '.join(unknown)}.",
                           source=profile.file)
    for code, text in profile.rules.items():
        lacking = [v for v in VARIANTS[code] if v not in text.messages]
        if lacking:
            raise InvalidInput(f"Hồ sơ quy định, quy tắc {code}: thiếu lời nhắn {', '.join(lacking)}.",
                               source=profile.file)
    unknown = sorted({code for codes in profile.documents.values() for code in codes} - set(CHECKS))
    if unknown:
        raise InvalidInput(f"Hồ sơ quy định, khóa documents: quy tắc chưa có cách kiểm tra: {', '.join(unknown)}.",
                           source=profile.file)
    return profile


def evaluate(trip: dict, codes, profile: Profile, calendar: WorkCalendar, history: list[dict] | None = None, *,
             deadlines: Deadlines | None = None, limits: Limits | None = None,
             kind: str | None = None) -> list[Problem]:
    """Every finding of the given rules that the profile enables, in rule order.

    deadlines and limits are the trip's, computed once by the caller (formgen.check); computed here when absent.
    kind is the document the rules gate (R13 reads its date), None when no document is written (the register).
    """
    d = trip.get("delegation") or {}
    profile = profile.on(d.get("depart_on"))
    ctx = Context(trip=trip, profile=profile, calendar=calendar, history=history,
                  deadlines=deadlines or trip_deadlines(trip, profile, calendar),
                  limits=limits or trip_limits(trip, profile, history), kind=kind)
    findings = []
    for code in codes:
        text = profile.rules.get(code)
        if text is None:
            continue  # this regulation has no such rule
        for hit in CHECKS[code](ctx):
            findings.append(Problem(path=hit.path, message=_message(profile, text, hit.variant, hit.params),
                                    code=code, severity=text.severity_of(hit.variant), citation=text.citation))
    return findings


def _message(profile: Profile, text: RuleText, variant: str, params: dict) -> str:
    try:
        return " ".join(text.messages[variant].format(**params).split())
    except KeyError as exc:
        raise InvalidInput(
            f"Hồ sơ quy định “{profile.id}”, quy tắc {text.code}: lời nhắn “{variant}” thiếu hoặc dùng "
            f"biến không có: {exc}.", source=profile.file) from None
