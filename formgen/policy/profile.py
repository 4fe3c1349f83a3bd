"""A policy profile: the regulation's identity, numbers and words, loaded from YAML."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from ..errors import InvalidInput
from ..fields import Count, Date, Text, name_key
from ..model import flatten_errors
from ..vn import dmy
from ..yamlio import load_yaml

BUILTIN_DIR = "profiles"
DEFAULT_PROFILE = "hau-giang-2024"


@dataclass(frozen=True)
class RuleText:
    """What a profile says of one rule: its name, severity, citation and messages."""

    code: str
    name: str
    severity: str
    citation: str
    messages: dict[str, str]
    warnings: tuple[str, ...] = ()   # variants that only warn, whatever the rule's severity

    def severity_of(self, variant: str) -> str:
        return "warning" if variant in self.warnings else self.severity


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    issued_by: str
    number: str | None
    signed: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    validity_note: str
    source: str
    parameters: dict
    rules: dict[str, RuleText]
    file: str | None = None
    focus_keys: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str):
        """A parameter by name: profile["max_key_leaders"]."""
        return self.parameters[name]

    def size_limit(self, rank: str, delegation_type: str | None) -> tuple[int, str]:
        """The size limit for a delegation and the words naming who leads it."""
        limits = self.parameters["size_limits"]
        by_type = {focus_key(k): v for k, v in (limits.get("by_delegation_type") or {}).items()}
        if delegation_type and focus_key(delegation_type) in by_type:
            return by_type[focus_key(delegation_type)], f"đoàn {delegation_type}"
        by_rank = limits.get("by_leader_rank") or {}
        if rank in by_rank:
            return by_rank[rank], LED_BY[rank]
        return limits["otherwise"], LED_BY["other"]

    def focus_area(self, text: str) -> str | None:
        """The profile's own spelling of a focus area, or None if it is not one."""
        return self.focus_keys.get(focus_key(text))

    @property
    def signed_on(self) -> dt.date | None:
        """The day of signature, when the profile gives one (signed: 2024-05-10; a month alone is None)."""
        return dt.date.fromisoformat(self.signed) if self.signed and len(self.signed) == 10 else None

    def regulation_name(self) -> str:
        """How documents cite the regulation, as NĐ 30 asks of a first citation: type, number, date, issuing
        body and subject — “Quy định số 05-QĐ/TU ngày 10/05/2024 của Tỉnh ủy Hậu Giang về việc ...”;
        what the profile does not know is left out (policy rule P01 warns), a month stands for a missing day.
        """
        doc_type, about, subject = self.title.partition(" về ")
        parts = [doc_type[0].upper() + doc_type[1:]]
        if self.number:
            parts.append(f"số {self.number}")
        if self.signed_on:
            parts.append(f"ngày {dmy(self.signed_on)}")
        parts.append(f"của {self.issued_by}")
        if about:
            parts.append(f"về {subject}")
        if self.signed and not self.signed_on and not self.number:
            parts.append(f"(ban hành tháng {_month_words(self.signed)})")
        return " ".join(parts)


LED_BY = {
    "head": "đoàn do người đứng đầu làm trưởng đoàn",
    "deputy": "đoàn do cấp phó của người đứng đầu làm trưởng đoàn",
    "other": "đoàn không do người đứng đầu hoặc cấp phó làm trưởng đoàn",
}


def _month_words(signed: str) -> str:
    year, _, month = str(signed).partition("-")
    return f"{int(month)}/{year}" if month else year


def focus_key(text: str) -> str:
    """Compare focus areas as a person would: case, dashes and spacing do not matter."""
    return name_key(re.sub(r"\s*[-‐‑‒–—]\s*", " - ", name_key(text)))


class _RuleSchema(Schema):
    class Meta:
        unknown = RAISE

    name = Text(required=True)
    severity = Text(required=True, validate=validate.OneOf(["error", "warning"]))
    citation = Text(required=True)
    messages = fields.Dict(keys=fields.String(), values=Text(), required=True)
    warnings = fields.List(fields.String(), load_default=list)


class _SizeSchema(Schema):
    class Meta:
        unknown = RAISE

    by_leader_rank = fields.Dict(keys=fields.String(validate=validate.OneOf(["head", "deputy", "other"])),
                                 values=Count(), load_default=dict)
    by_delegation_type = fields.Dict(keys=fields.String(), values=Count(), load_default=dict)
    otherwise = Count(required=True)


class _ParametersSchema(Schema):
    class Meta:
        unknown = RAISE

    request_lead_working_days = Count(required=True)
    report_window_working_days = Count(required=True)
    max_delegations_per_year = Count(required=True)
    max_days_per_stop = Count(required=True)
    max_key_leaders = Count(required=True)
    size_limits = fields.Nested(_SizeSchema, required=True)
    escalation_to = Text(required=True)
    annual_report_to = Text(required=True)
    focus_areas = fields.List(Text(), required=True, validate=validate.Length(min=1))


class _ProfileSchema(Schema):
    class Meta:
        unknown = RAISE

    id = Text(required=True)
    title = Text(required=True)
    issued_by = Text(required=True)
    number = Text(load_default=None, allow_none=True)
    signed = Text(load_default=None, allow_none=True,   # 2024-05-10, or the month alone: 2024-05
                  validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$",
                                           error="Ngày ban hành ghi năm-tháng-ngày (2024-05-10) hoặc năm-tháng (2024-05)."))
    valid_from = Date(load_default=None, allow_none=True)
    valid_until = Date(load_default=None, allow_none=True)
    validity_note = Text(load_default="")
    source = Text(load_default="")
    parameters = fields.Nested(_ParametersSchema, required=True)
    rules = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[A-Z]\d\d$")),
                        values=fields.Nested(_RuleSchema), required=True)

    @validates("signed")
    def _a_real_day(self, value, **kwargs):
        try:
            if value and len(value) == 10:
                dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(f"Ngày ban hành “{value}” không có trên lịch.") from None


def _deep_merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def builtin_profiles() -> list[str]:
    folder = resources.files(__package__) / BUILTIN_DIR
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _read(name_or_path: str, seen: tuple[str, ...] = ()) -> tuple[dict, str | None]:
    """Raw profile data, with `extends` resolved; returns (data, file or None for built-ins)."""
    if name_or_path in seen:
        raise InvalidInput(f"Hồ sơ quy định kế thừa vòng tròn: {' → '.join(seen + (name_or_path,))}.")
    builtin = resources.files(__package__) / BUILTIN_DIR / f"{name_or_path}.yaml"
    if "/" not in name_or_path and not name_or_path.endswith((".yaml", ".yml")) and builtin.is_file():
        with resources.as_file(builtin) as path:
            data, file = load_yaml(path, literals=True), None
    elif Path(name_or_path).is_file():
        data, file = load_yaml(name_or_path, literals=True), str(name_or_path)
    else:
        known = ", ".join(builtin_profiles())
        raise InvalidInput(f"Không tìm thấy hồ sơ quy định “{name_or_path}” (có sẵn: {known}; hoặc đường dẫn tệp YAML).")
    if not isinstance(data, dict):
        raise InvalidInput("Hồ sơ quy định phải là một mục (khóa: giá trị).", source=file)
    parent = data.pop("extends", None)
    if parent:
        base, _ = _read(str(parent), seen + (name_or_path,))
        data = _deep_merge(base, data)
    return data, file


def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Profile:
    """A built-in profile by id (“hau-giang-2024”) or a YAML file, validated; read once per process.

    A file is read again when it changes (its modification time is part of the cache key).
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise InvalidInput(f"Tham số profile phải là tên hoặc tệp hồ sơ quy định (str, Path) hay một Profile, "
                           f"không phải {type(name_or_path).__name__}.")
    path = Path(name_or_path)
    stamp = path.stat().st_mtime_ns if path.is_file() else None
    return _load_profile(str(name_or_path), stamp)


@lru_cache(maxsize=32)
def _load_profile(name_or_path: str, _mtime: int | None) -> Profile:
    data, file = _read(name_or_path)
    try:
        loaded = _ProfileSchema().load(data)
    except ValidationError as exc:
        raise InvalidInput("Hồ sơ quy định không hợp lệ.", flatten_errors(exc.messages), source=file) from None
    rules = {code: RuleText(code=code, **{**spec, "warnings": tuple(spec["warnings"])})
             for code, spec in loaded.pop("rules").items()}
    focus = {focus_key(a): a for a in loaded["parameters"]["focus_areas"]}
    return Profile(rules=rules, file=file, focus_keys=focus, **loaded)
