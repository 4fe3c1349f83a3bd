"""A policy profile: the regulation's identity, numbers and words, loaded from YAML."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from ..errors import InvalidInput
from ..fields import Count, Date, Nested, Text, name_key
from ..model import Base, flatten_errors
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
class Value:
    """One value of a number of the regulation: what it is, the day it holds from (None: always) and where it is written."""

    value: int
    since: dt.date | None
    reference: str


@dataclass(frozen=True)
class Dated:
    """A number's values in the order they took effect, openfisca-style; each holds until the next one's date."""

    values: tuple[Value, ...]

    def on(self, day: dt.date | None) -> Value:
        """The value in force on day; the latest with day None; the earliest before its date (P00 warns)."""
        if day is None:
            return self.values[-1]
        held = [v for v in self.values if v.since is None or v.since <= day]
        return held[-1] if held else self.values[0]


def _in_force(tree, day: dt.date | None):
    """The parameters with each dated number replaced by its value in force on day."""
    if isinstance(tree, Dated):
        return tree.on(day).value
    if isinstance(tree, dict):
        return {key: _in_force(value, day) for key, value in tree.items()}
    return tree


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
    documents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> the rules that gate it
    dated: dict = field(default_factory=dict)   # parameters as written, each number a Dated
    in_force_on: dt.date | None = None          # the day `parameters` hold for (None: the latest values)
    # on(day) made once per day: a batch's rows ask for their departure's, most of them the same day
    _days: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getitem__(self, name: str):
        """A parameter by name, as in force on in_force_on: profile["max_key_leaders"]."""
        return self.parameters[name]

    def on(self, day: dt.date | None) -> Profile:
        """The same profile with the values in force on day (a trip's departure); day None leaves it as it is."""
        if day is None or day == self.in_force_on or not self.dated:
            return self
        if day not in self._days:
            if len(self._days) >= 1024:  # a table of many days keeps memory flat
                self._days.clear()
            self._days[day] = replace(self, parameters=_in_force(self.dated, day), in_force_on=day)
        return self._days[day]

    def value_of(self, *path: str) -> Value:
        """The value in force of one number, with its date and reference: value_of("size_limits", "otherwise")."""
        node = self.dated
        for key in path:
            node = node[key]
        return node.on(self.in_force_on)

    def gates(self, kind: str) -> tuple[str, ...]:
        """The rules that must pass before a document of this kind is written."""
        if kind not in self.documents:
            raise InvalidInput(f"Hồ sơ quy định “{self.id}” không nêu các quy tắc của loại văn bản “{kind}” "
                               f"(khóa documents).", source=self.file)
        return self.documents[kind]

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


@lru_cache(maxsize=8192)
def focus_key(text: str) -> str:
    """Compare focus areas as a person would: case, dashes and spacing do not matter. (Cached: the register's rows
    repeat a few places, areas and units, and the duplicate rule keys each earlier delegation's for every stop.)"""
    return name_key(re.sub(r"\s*[-‐‑‒–—]\s*", " - ", name_key(text)))


class _RuleSchema(Schema):
    class Meta:
        unknown = RAISE

    name = Text(required=True)
    severity = Text(required=True, validate=validate.OneOf(["error", "warning"]))
    citation = Text(required=True)
    messages = fields.Dict(keys=fields.String(), values=Text(), required=True)
    warnings = fields.List(fields.String(), load_default=list)


class _ValueSchema(Base):
    value = Count(required=True)
    reference = Text(required=True)


class _Dates(fields.Dict):
    default_error_messages = {"invalid": "Phải là một mục: ngày có hiệu lực (2024-05-01) với value và reference."}


class _DatedSchema(Base):
    values = _Dates(keys=Date(), values=Nested(_ValueSchema), required=True,
                    validate=validate.Length(min=1, error="Cần ít nhất một giá trị và ngày có hiệu lực của nó."))


class DatedCount(fields.Field):
    """A number of the regulation, dated (values: {2024-05-01: {value: 10, reference: ...}}) or, as older
    profiles write it, plain (10: in force always, no reference)."""

    def _deserialize(self, value, attr, data, **kwargs) -> Dated:
        if not isinstance(value, dict):
            return Dated((Value(Count().deserialize(value), None, ""),))
        loaded = _DatedSchema().load(value)
        days: dict[dt.date, str] = {}
        for written in value["values"]:  # 2025-01-01 and 01/01/2025 are one day: neither may win silently
            day = Date().deserialize(written)
            if day in days:
                raise ValidationError({"values": [f"Ngày có hiệu lực {dmy(day)} được ghi hai lần "
                                                  f"(“{days[day]}” và “{written}”)."]})
            days[day] = written
        return Dated(tuple(Value(v["value"], since, v["reference"]) for since, v in sorted(loaded["values"].items())))


class _SizeSchema(Schema):
    class Meta:
        unknown = RAISE

    by_leader_rank = fields.Dict(keys=fields.String(validate=validate.OneOf(["head", "deputy", "other"])),
                                 values=DatedCount(), load_default=dict)
    by_delegation_type = fields.Dict(keys=fields.String(), values=DatedCount(), load_default=dict)
    otherwise = DatedCount(required=True)


class _ParametersSchema(Schema):
    class Meta:
        unknown = RAISE

    request_lead_working_days = DatedCount(required=True)
    report_window_working_days = DatedCount(required=True)
    max_delegations_per_year = DatedCount(required=True)
    max_days_per_stop = DatedCount(required=True)
    max_key_leaders = DatedCount(required=True)
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
    documents = fields.Dict(keys=Text(), values=fields.List(fields.String(validate=validate.Regexp(r"^[A-Z]\d\d$"))),
                            load_default=None)   # kind -> the rules that gate it; absent: the built-in profile's
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
    documents = loaded.pop("documents")
    if documents is None:  # a profile written before the gating was data: the built-in profile's
        documents = _load_profile(DEFAULT_PROFILE, None).documents
    rules = {code: RuleText(code=code, **{**spec, "warnings": tuple(spec["warnings"])})
             for code, spec in loaded.pop("rules").items()}
    focus = {focus_key(a): a for a in loaded["parameters"]["focus_areas"]}
    dated = loaded.pop("parameters")
    return Profile(rules=rules, file=file, focus_keys=focus, documents={k: tuple(v) for k, v in documents.items()},
                   parameters=_in_force(dated, None), dated=dated, **loaded)
