"""The input of SPEC §5 as marshmallow schemas, and validation of loaded data."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from marshmallow import RAISE, Schema, ValidationError, post_load, validates_schema

from .errors import InvalidInput, Problem
from .fields import (Amount, Choice, Count, Date, Entry, Flag, List, Nested, Text, check_positive,
                     invisible_character, name_key)
from .formats import authority_spellings
from .yamlio import literal_text
from .legacy import convert_legacy as _convert, find_legacy, texts_in

RANKS = {
    "head": "head", "người đứng đầu": "head", "trưởng": "head",
    "deputy": "deputy", "cấp phó": "deputy", "phó": "deputy",
    "other": "other", "khác": "other",
}
STYLES = {"state": "state", "nhà nước": "state", "party": "party", "đảng": "party"}
# Signing authority: the canonical code, whichever format's spelling the user typed (formats/*.yaml).
AUTHORITIES = authority_spellings()


class Base(Schema):
    """Unknown keys are refused; messages are Vietnamese."""

    error_messages = {
        "type": "Phải là một mục (khóa: giá trị).",
        "unknown": "Khóa không có trong mẫu dữ liệu (kiểm tra chính tả).",
    }

    class Meta:
        unknown = RAISE


class IssuerSchema(Base):
    name = Text(required=True)               # "Sở Nội vụ"
    parent = Text(load_default=None)         # "UBND tỉnh Hậu Giang"
    abbreviation = Text(required=True)       # "SNV"
    place = Text(required=True)              # "Hậu Giang"
    style = Choice(STYLES, load_default="state")
    # a Party committee's term (HD 36): the day after its congress closed; its documents are numbered per term
    term_start = Date(allow_none=True)  # absent stays absent: data stored before numbering read back unchanged


class LeaderSchema(Base):
    name = Text(load_default="")
    position = Text(load_default="")
    rank = Choice(RANKS, required=True)
    key_leader = Flag(load_default=None)     # the head of a unit is always one of its key leaders
    unit = Text(load_default=None)           # defaults to the issuer in documents

    @validates_schema
    def _head_is_key_leader(self, data, **kwargs):
        # Saying otherwise would lower the R05 count and print a letter that contradicts its own rank line.
        if data.get("rank") == "head" and data.get("key_leader") is False:
            raise ValidationError("Trưởng đoàn là người đứng đầu (rank: head) nên là lãnh đạo chủ chốt; hãy bỏ "
                                  "key_leader: false, hoặc sửa cấp trưởng đoàn (rank) nếu người này không phải "
                                  "người đứng đầu.", "key_leader")

    @post_load
    def _key_leader_by_rank(self, data, **kwargs):
        if data["key_leader"] is None:
            data["key_leader"] = data["rank"] == "head"
        return data


class MemberSchema(Base):
    name = Text(load_default="")
    position = Text(load_default="")
    unit = Text(load_default="")
    key_leader = Flag(load_default=False)


class StopSchema(Base):
    place = Text(load_default="")            # the province or city visited
    host = Text(load_default="")             # the body that receives the delegation
    model = Text(load_default="")            # the good practice or new model to learn
    start = Date(required=True)              # first day at the destination
    end = Date(required=True)                # last day at the destination

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError("Ngày kết thúc trước ngày bắt đầu.", "end")


class FundingSchema(Base):
    source = Text(load_default="")
    amount = Amount(load_default=None)


class DelegationSchema(Base):
    purpose = Text(load_default="")
    weak_point = Text(load_default="")
    focus_areas = List(Text(), load_default=list)
    type = Text(load_default=None)           # e.g. "liên ngành", for profiles that limit such delegations
    leader = Nested(LeaderSchema, required=True)
    members = List(Nested(MemberSchema), load_default=list)
    depart_on = Date(load_default=None)
    return_on = Date(load_default=None)
    stops = List(Nested(StopSchema), load_default=list)
    funding = Nested(FundingSchema, load_default=lambda: {"source": "", "amount": None})

    @validates_schema
    def _dates_consistent(self, data, **kwargs):
        depart, back = data.get("depart_on"), data.get("return_on")
        errors: dict = {}
        if depart and back and back < depart:
            errors["return_on"] = ["Ngày về trước ngày đi."]
        elif depart and back:  # with the trip's own dates reversed, every stop would be reported too
            for i, stop in enumerate(data.get("stops") or []):
                if stop["start"] < depart or stop["end"] > back:
                    errors.setdefault("stops", {})[i] = {
                        "_schema": ["Thời gian tại điểm đến nằm ngoài thời gian chuyến đi."]
                    }
        if errors:
            raise ValidationError(errors)


class SignerSchema(Base):
    name = Text(required=True)
    title = Text(required=True)              # the signer's own title: "Phó Giám đốc"
    authority = Choice(AUTHORITIES, load_default=None, allow_none=True)
    on_behalf_of = Text(load_default=None)   # after TM./KT./TL.: "Giám đốc", "Ban Thường vụ"

    @validates_schema
    def _behalf_named(self, data, **kwargs):
        if data.get("authority") in {"KT", "TL", "TUQ"} and not data.get("on_behalf_of"):
            raise ValidationError(
                "Ký thay, thừa lệnh, thừa ủy quyền phải ghi chức danh người đứng đầu (on_behalf_of), "
                "ví dụ “Giám đốc”.",
                "on_behalf_of",
            )


class _Outgoing(Base):
    """What every outgoing document carries: its number, date, signer and copies."""

    number = Count(load_default=None, allow_none=True, validate=check_positive)  # left blank for the văn thư
    date = Date(required=True)
    signer = Nested(SignerSchema, required=True)
    cc = List(Text(), load_default=list)
    archive = Text(load_default=None)        # the drafting unit after "Lưu: VT, ..."


class RequestSchema(_Outgoing):
    recipient = Text(required=True)


class ExtraMemberSchema(Base):
    name = Text(required=True)               # as in delegation.members
    reason = Text(load_default="")           # why this person is needed (printed with the general reason)


class ExtraMember(Nested):
    """A person added above the limit: a name, or {name, reason}; always read as the mapping."""

    default_error_messages = {"type": "Phải là họ tên, hoặc một mục {name: họ tên, reason: lý do}."}

    def __init__(self, **kwargs):
        super().__init__(ExtraMemberSchema, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) or literal_text(value) is not None:
            value = {"name": value}
        return super()._deserialize(value, attr, data, **kwargs)


class EscalationSchema(_Outgoing):
    recipient = Text(load_default=None)      # default: the profile's escalation body
    extra_members = List(ExtraMember(), load_default=list)
    reason = Text(load_default="")           # the reason for all of them; each may add its own

    @validates_schema
    def _extras_once(self, data, **kwargs):
        """A name written twice would count twice against the people over the limit (R12)."""
        first: dict[str, int] = {}
        errors = {}
        for i, person in enumerate(data.get("extra_members") or []):
            j = first.setdefault(name_key(person["name"]), i)
            if j != i:
                errors[i] = [_LISTED_AGAIN["extra"].format(name=person["name"],
                                                           first=f"escalation.extra_members[{j}]")]
        if errors:
            raise ValidationError({"extra_members": errors})


class ApprovalSchema(Base):
    number = Text(required=True)             # the Standing Committee's document, as written on it
    date = Date(required=True)
    approved_size = Count(required=True, validate=check_positive)


class ReportSchema(_Outgoing):
    recipient = Text(load_default=None)
    results = Text(load_default="")
    good_practices = Text(load_default="")
    proposals = Text(load_default="")
    delay_reason = Text(load_default="")
    # what actually happened, printed when given: who went (a count, or the names) and what was spent
    actual_size = Count(load_default=None, allow_none=True, validate=check_positive)
    actual_members = List(Text(required=True), load_default=list)   # leader and members who went
    actual_spending = Amount(load_default=None)


class TripSchema(Base):
    policy = Text(load_default=None)         # which regulation the unit follows
    issuer = Nested(IssuerSchema, required=True)
    delegation = Nested(DelegationSchema, required=True)
    request = Nested(RequestSchema, load_default=None)
    escalation = Nested(EscalationSchema, load_default=None)
    approval = Nested(ApprovalSchema, load_default=None)
    report = Nested(ReportSchema, load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def _people_once(self, data, **kwargs):
        """Each person once: the leader is not listed again among the members, no member twice."""
        d = data.get("delegation") or {}
        issuer = (data.get("issuer") or {}).get("name") or ""
        leader = d.get("leader") or {}
        seen: dict[str, list[tuple[str, dict]]] = {}
        if leader.get("name"):
            seen[name_key(leader["name"])] = [("delegation.leader.name", leader)]
        errors: dict = {}
        for i, member in enumerate(d.get("members") or []):
            if not member.get("name"):
                continue
            earlier = seen.setdefault(name_key(member["name"]), [])
            first = next((path for path, other in earlier if _same_person(other, member, issuer)), None)
            if first:
                errors[i] = {"name": [_LISTED_AGAIN["leader" if first == "delegation.leader.name" else "member"]
                                      .format(name=member["name"], first=first)]}
            else:
                earlier.append((f"delegation.members[{i}].name", member))
        if errors:
            raise ValidationError({"delegation": {"members": errors}})

    @validates_schema(skip_on_field_errors=True)
    def _went_as_listed(self, data, **kwargs):
        """Who actually went is someone of the delegation, once, and no more people than it had."""
        report, d = data.get("report"), data.get("delegation")
        if not report or not d:
            return
        listed = {name_key(p["name"]) for p in (d["leader"], *d["members"]) if p["name"]}
        planned = 1 + len(d["members"])
        errors: dict = {}
        first: dict[str, int] = {}
        for i, name in enumerate(report["actual_members"]):
            j = first.setdefault(name_key(name), i)
            if j != i:
                errors.setdefault("actual_members", {})[i] = [
                    _LISTED_AGAIN["member"].format(name=name, first=f"report.actual_members[{j}]")]
            elif name_key(name) not in listed:
                errors.setdefault("actual_members", {})[i] = [_ACTUAL["unknown"].format(name=name)]
        size, names = report["actual_size"], len(report["actual_members"])
        if size is not None and names and size != names:
            errors["actual_size"] = [_ACTUAL["disagree"].format(size=size, names=names)]
        elif size is not None and size > planned:
            errors["actual_size"] = [_ACTUAL["more"].format(size=size, planned=planned)]
        if errors:
            raise ValidationError({"report": errors})


_LISTED_AGAIN = {
    "leader": "“{name}” đã có trong đoàn (trưởng đoàn, {first}): mỗi người chỉ ghi một lần; danh sách thành viên "
              "(members) không ghi lại trưởng đoàn.",
    "member": "“{name}” đã có trong đoàn (thành viên, {first}): mỗi người chỉ ghi một lần.",
    "extra": "“{name}” đã có trong danh sách người bổ sung ({first}): mỗi người chỉ ghi một lần.",
}


_ACTUAL = {
    "unknown": "“{name}” không có trong đoàn (trưởng đoàn hoặc delegation.members): người đi thực tế phải là "
               "người của đoàn.",
    "disagree": "Số người đi thực tế {size} khác số người nêu tên trong report.actual_members ({names}).",
    "more": "Số người đi thực tế {size} nhiều hơn số người của đoàn ({planned}, kể cả trưởng đoàn): ghi người "
            "đi thêm vào danh sách đoàn.",
}


def _same_person(a: dict, b: dict, issuer: str) -> bool:
    """One name is one person, unless position and unit both differ (namesakes in two units)."""
    def unit(p: dict) -> str:
        return name_key(p.get("unit") or issuer)
    return name_key(a.get("position") or "") == name_key(b.get("position") or "") or unit(a) == unit(b)


class AnnualDocSchema(_Outgoing):
    recipient = Text(load_default=None)      # default: the profile's annual_report_to
    summary = Text(load_default="")          # the unit's own assessment of the year
    proposals = Text(load_default="")        # its proposals to the recipient


class AnnualSchema(Base):
    """The yearly summary (R11): one unit, one year, its delegations as files or inline."""

    policy = Text(load_default=None)
    issuer = Nested(IssuerSchema, required=True)
    year = Count(required=True, validate=check_positive)
    annual = Nested(AnnualDocSchema, required=True)
    delegations = List(Entry(), load_default=list)   # a path to a delegation file, or one inline


_TRIP = TripSchema()
_ANNUAL = AnnualSchema()


class Valid(dict):
    """Data that came out of the schema (validate_trip, loader.validate, load): check() and render()
    take it as it is, and validate any other dict first. A copy (dict(v), {**v}) is plain data again;
    a caller who changes a Valid in place vouches for the change (or validates a copy).

    `notes` are warning Problems on how the data was read: each field converted from TCVN3/VNI.
    """

    def __init__(self, data=(), notes=()):
        super().__init__(data)
        self.notes: list[Problem] = list(notes)


def validate_annual(data: object, source: str | None = None, *, convert_legacy: bool = False,
                    notes: list | None = None) -> dict:
    """Validate an annual file's own fields; its delegations are resolved by the loader. A field converted
    from TCVN3/VNI adds a warning to notes."""
    return _validate(_ANNUAL, data, source, convert_legacy, skip="delegations", notes=notes)  # the loader checks each one


def stored_trip(data: dict) -> dict:
    """A delegation as formgen itself stored it (the register), read under today's rules.

    Before the head of a unit counted as a key leader by rank, `key_leader: false` was the default and
    was stored with every head-led delegation; it is the default speaking, not the user, so it reads as true.
    """
    leader = (data.get("delegation") or {}).get("leader") or {}
    if leader.get("rank") == "head" and leader.get("key_leader") is False:
        return {**data, "delegation": {**data["delegation"], "leader": {**leader, "key_leader": True}}}
    return data


# The version of the validated trip's stored form (jsonable: validate_trip()'s output, dates as ISO text). Raise
# it when validate_trip() gives another shape (a new default, a field read differently), with a register
# migration after which Register.after_migrations validates the stored trips again (records.upgrade_trips):
# a trip stored in an older form is validated again when read, never revived as if it were the new one.
TRIP_FORM = 1


def revive_trip(data: dict) -> Valid:
    """A trip stored in its validated form (TRIP_FORM) as validate_trip() gave it, without validating it
    again: only the schema's dates are read back from their ISO text."""
    return Valid(_revive(_TRIP, data))


def _revive(schema: Schema, data: dict) -> dict:
    out = dict(data)
    for name, spec in _dated_fields(type(schema)):
        if out.get(name) is not None:
            out[name] = _revived(spec, out[name])
    return out


def _revived(spec, value):
    if value is None:
        return None
    if isinstance(spec, Date):
        return dt.date.fromisoformat(value)
    if isinstance(spec, Nested):
        return [_revive(spec.schema, v) for v in value] if spec.many else _revive(spec.schema, value)
    return [_revived(spec.inner, v) for v in value]  # a List


@lru_cache(maxsize=None)
def _dated_fields(schema_class: type) -> tuple:
    """The fields of a schema that hold a date, themselves or deeper down: the only ones a revival reads."""
    return tuple((name, spec) for name, spec in schema_class().fields.items() if _holds_dates(spec))


def _holds_dates(spec) -> bool:
    if isinstance(spec, Date):
        return True
    if isinstance(spec, Nested):
        return bool(_dated_fields(type(spec.schema)))
    return isinstance(spec, List) and _holds_dates(spec.inner)


def validate_trip(data: object, source: str | None = None, *, convert_legacy: bool = False) -> dict:
    """Validate loaded data; return it normalised, or raise InvalidInput listing every error.

    Text in the old TCVN3 or VNI encodings is refused, naming the field and the encoding; with
    convert_legacy=True it is converted to Unicode instead, with a warning per field in the result's
    `notes` (the CLI prints them).
    """
    notes: list[Problem] = []
    return Valid(_validate(_TRIP, data, source, convert_legacy, notes=notes), notes)


def _validate(schema: Schema, data: object, source: str | None, convert_legacy: bool, skip: str = "",
              notes: list | None = None) -> dict:
    unreadable = unreadable_text(data)
    if unreadable:  # nothing else is worth saying of a file that cannot even be printed
        raise InvalidInput("Dữ liệu không hợp lệ.", problems=unreadable, source=source)
    legacy = find_legacy({k: v for k, v in data.items() if k != skip} if isinstance(data, dict) else data)
    if legacy and convert_legacy:
        if notes is not None:
            notes += [Problem(found.path, found.note(), severity="warning") for found in legacy]
        data, legacy = _convert(data, legacy), []
    problems = [Problem(found.path, found.refusal()) for found in legacy]
    try:
        result = schema.load(data)
    except ValidationError as exc:
        legacy_paths = {p.path for p in problems}  # TCVN3's "ư" is a soft hyphen to Unicode: one line is enough
        problems = [p for p in flatten_errors(exc.messages) if p.path not in legacy_paths] + problems
    if problems:
        raise InvalidInput("Dữ liệu không hợp lệ.", problems=problems, source=source) from None
    return result


_SURROGATE = "nửa cặp UTF-16 (surrogate) đứng một mình"


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(text: str) -> str | None:
    if text.isascii():
        return None
    found = _LONE_SURROGATE.search(text)
    return found.group() if found else None


def unreadable_text(data: object) -> list[Problem]:
    """Lone surrogates anywhere (keys and values), and invisible characters in keys, with their paths.

    A JSON "\\ud800" decodes to a string no file, terminal or document can hold; an invisible character
    in a key makes “delegation” unknown while looking right. Containers are visited once, without recursion.
    """
    keys, values = texts_in(data)
    if not any(map(_lone_surrogate, values)) and all(isinstance(k, str) and k.isascii() for k in keys):
        return []  # most data: nothing to name
    found: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if lone := _lone_surrogate(value):
                found.append(Problem(where, Text.default_error_messages["forbidden"].format(
                    what=_SURROGATE, code=ord(lone))))
        elif isinstance(value, (dict, list)) and id(value) not in seen:
            seen.add(id(value))
            if isinstance(value, list):
                stack.extend(reversed([(f"{where}[{i}]", v) for i, v in enumerate(value)]))
                continue
            children = []
            for key, child in value.items():
                key = str(key)
                lone = _lone_surrogate(key)
                # the key as it can be printed (a lone surrogate as \uXXXX); most keys print as they are
                name = "".join(f"\\u{ord(c):04x}" if _lone_surrogate(c) else c for c in key) if lone else key
                path = f"{where}.{name}" if where else name
                if lone:
                    found.append(Problem(path, f"Khóa chứa {_SURROGATE} (mã U+{ord(lone):04X})."))
                elif invisible := invisible_character(key):
                    found.append(Problem(path, "Khóa " + invisible[1][0].lower() + invisible[1][1:]))
                else:
                    children.append((path, child))
            stack.extend(reversed(children))
    return found


def flatten_errors(messages, path: str = "") -> list[Problem]:
    """Turn marshmallow's nested messages into problems with paths like delegation.members[3].name."""
    if isinstance(messages, str):
        return [Problem(path, messages)]
    if isinstance(messages, list):
        return [p for m in messages for p in flatten_errors(m, path)]
    problems = []
    for key, value in messages.items():
        if key == "_schema":
            sub = path
        elif isinstance(key, int):
            sub = f"{path}[{key}]"
        else:
            sub = f"{path}.{key}" if path else str(key)
        problems.extend(flatten_errors(value, sub))
    return problems
