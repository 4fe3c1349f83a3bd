"""The regulation as data (profiles) plus one check per rule; evaluate() runs them."""
from __future__ import annotations

from ..calendar import WorkCalendar
from ..errors import InvalidInput, Problem
from .profile import DEFAULT_PROFILE, Profile, RuleText, builtin_profiles
from .profile import load_profile as read_profile
from .rules import CHECKS, HISTORY_RULES, VARIANTS, Context

__all__ = ["DEFAULT_PROFILE", "HISTORY_RULES", "Profile", "RuleText", "builtin_profiles", "evaluate", "load_profile"]


def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Profile:
    """A built-in profile by id or a YAML file (profile.load_profile), refused unless formgen has a check,
    with every message it needs, for each of its rules (checked here: the profile module knows no check)."""
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
    return profile


def evaluate(trip: dict, codes, profile: Profile, calendar: WorkCalendar,
             history: list[dict] | None = None) -> list[Problem]:
    """Every finding of the given rules that the profile enables, in rule order."""
    ctx = Context(trip=trip, profile=profile, calendar=calendar, history=history)
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
