"""The register's records: a delegation's columns from its validated trip, its life cycle, its identity
(which record a file is), and what an update keeps."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

import sqlalchemy as sa

from .. import tables
from ..calendar import Occasion, WorkCalendar
from ..deadlines import compute_deadlines
from ..documents import report_status
from ..errors import InvalidInput, Problem, Refused
from ..model import TRIP_FORM, revive_trip, stored_trip, validate_trip
from ..policy import DEFAULT_PROFILE, HISTORY_RULES, Profile, evaluate, load_profile
from ..policy.profile import focus_key
from ..policy.limits import unit_key
from ..policy.rules import History, delegation_size
from ..vn import dmy
from .messages import MESSAGES
from .storage import DELEGATIONS, TOPICS, D, count_topic_sets
from .topics import TOPIC_COLUMNS, count_set, duplicates, latest, topics_of

# The life cycle, in order; the state of a record is the last step it has reached.
STATES: dict[str, str] = {
    "requested": "Đã trình",
    "escalated": "Đã trình bổ sung thành phần",
    "approved": "Đã được đồng ý bổ sung thành phần",
    "done": "Đã về, chưa báo cáo",
    "reported": "Đã báo cáo",
}

# The documents of the life cycle as a delegation file's sections, in order, and how a văn thư names them.
SECTIONS: dict[str, str] = {
    "request": "tờ trình",
    "escalation": "tờ trình bổ sung thành phần",
    "approval": "văn bản đồng ý bổ sung thành phần",
    "report": "báo cáo kết quả",
}
STAGE_DATES = ("requested_on", "escalated_on", "approved_on", "reported_on")  # the record's columns for them


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One delegation as the register holds it; `state` is computed against a day when read."""

    id: int
    unit_code: str
    unit_name: str
    depart_on: dt.date
    return_on: dt.date | None
    size: int
    leader_name: str
    leader_position: str
    places: list[str]
    focus_areas: list[str]
    funding_source: str
    funding_amount: int | None
    requested_on: dt.date | None
    escalated_on: dt.date | None
    approved_on: dt.date | None
    reported_on: dt.date | None
    report_on_time: bool | None
    origin: str
    source: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    state: str
    trip_data: dict | None = field(repr=False, compare=False)  # as stored (dates as ISO text); None: not read
    policy: str | None = field(default=None, repr=False, compare=False)     # the trip's policy profile
    trip_form: int | None = field(default=None, repr=False, compare=False)  # model.TRIP_FORM it is stored in

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    def trip(self) -> dict:
        """The delegation as formgen.load() would give it (from a record read with its trip)."""
        if self.trip_data is None:
            raise ValueError(f"record {self.id} was read without its trip (Register.list(trip=True) reads it)")
        return trip_of(self.trip_data, self.trip_form, self.id)

    def as_dict(self, *, trip: bool = False) -> dict:
        """Plain JSON values (ISO dates), for `--json`; with trip=True the whole stored delegation."""
        out = {
            "id": self.id, "unit_code": self.unit_code, "unit_name": self.unit_name,
            "depart_on": iso(self.depart_on), "return_on": iso(self.return_on), "size": self.size,
            "leader_name": self.leader_name, "leader_position": self.leader_position,
            "places": self.places, "focus_areas": self.focus_areas,
            "funding_source": self.funding_source, "funding_amount": self.funding_amount,
            "state": self.state, "state_label": self.state_label,
            "requested_on": iso(self.requested_on), "escalated_on": iso(self.escalated_on),
            "approved_on": iso(self.approved_on), "reported_on": iso(self.reported_on),
            "report_on_time": self.report_on_time, "origin": self.origin, "source": self.source,
            "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
        }
        if trip:
            out["trip"] = self.trip_data
        return out


@dataclass(frozen=True)
class Due:
    """A delegation whose report is missing: its deadline, and the working days late (or left)."""

    record: Record
    deadline: dt.date
    overdue: bool
    working_days: int   # overdue: working days past the deadline; else: working days left until it
    unchecked: tuple[Occasion, ...] = ()  # holidays near the deadline's count whose notice nobody checked

    def as_dict(self) -> dict:
        return {"id": self.record.id, "unit_code": self.record.unit_code, "unit_name": self.record.unit_name,
                "leader_name": self.record.leader_name, "return_on": iso(self.record.return_on),
                "deadline": self.deadline.isoformat(), "overdue": self.overdue,
                "working_days": self.working_days,
                "unchecked": [{"first": o.first.isoformat(), "last": o.last.isoformat(), "names": list(o.names)}
                              for o in self.unchecked]}


@dataclass(frozen=True)
class Added:
    """What recording one delegation file did: the record, and what the register kept or found."""

    record: Record
    new: bool                       # a new record; else an update of record.id
    kept: list[str]                 # what the record knew and the file did not say: "report", "request.number"...
    depart_before: dt.date | None   # when the update moved the departure date: the date it had
    findings: list[Problem]         # the register's rules' new findings: warnings, or errors forced through

    def notes(self) -> list[str]:
        """What a user should know beyond “recorded”, one Vietnamese line each."""
        lines = []
        if self.depart_before is not None:
            lines.append(f"Ngày đi đổi từ {dmy(self.depart_before)} thành {dmy(self.record.depart_on)}.")
        if self.kept:
            lines.append(f"Giữ {', '.join(_kept_words(k, self.record) for k in self.kept)} đã có trong sổ "
                         "(tệp không ghi).")
        return lines + [f.line() for f in self.findings]

    def as_dict(self) -> dict:
        return {**self.record.as_dict(), "new": self.new, "kept": self.kept,
                "depart_before": iso(self.depart_before), "findings": [f.as_dict() for f in self.findings]}


class IdentityConflict(InvalidInput):
    """The file's request number already belongs to another record (`record_id`, when one): nothing written."""

    def __init__(self, message: str, record_id: int | None, source: str | None = None):
        super().__init__(message, source=source)
        self.record_id = record_id


def life_cycle_state(reported_on, return_on, approved_on, escalated_on, on: dt.date) -> str:
    """The last step reached by `on`: reported, done (returned before that day), approved, escalated, requested."""
    if reported_on is not None:
        return "reported"
    if return_on is not None and return_on < on:
        return "done"
    if approved_on is not None:
        return "approved"
    if escalated_on is not None:
        return "escalated"
    return "requested"


def report_deadline(record: Record, *, profile: Profile | str | None = None,
                    calendar: WorkCalendar | None = None) -> dt.date | None:
    """The latest report date (R07: WORKDAY(return, +report window)); None before a return date is known."""
    if record.return_on is None:
        return None
    prof = profile_for(profile, {"policy": record.policy})
    return compute_deadlines(record.depart_on, record.return_on, prof, calendar or WorkCalendar()).latest_report_date


def profile_for(profile: Profile | str | None, trip: Mapping | None) -> Profile:
    if isinstance(profile, Profile):
        return profile
    return load_profile(profile or (trip or {}).get("policy") or DEFAULT_PROFILE)


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def jsonable(value):
    """The trip as JSON values: dates as ISO text, so validate_trip() reads it back."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def text_or_none(value) -> str | None:
    return None if value is None else os.fspath(value)


def record_id_of(value: int | str) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(str(value).strip().lstrip("#"))
    except ValueError:
        raise InvalidInput(MESSAGES["bad_id"].format(id=value)) from None


def state_code(value: str) -> str:
    wanted = focus_key(value)
    for code, label in STATES.items():
        if wanted in (code, focus_key(label)):
            return code
    choices = ", ".join(f"{code} ({label})" for code, label in STATES.items())
    raise InvalidInput(MESSAGES["bad_state"].format(value=value, choices=choices))


def trip_of(stored: dict, form: int | None, record_id: int) -> dict:
    """A stored trip as validate_trip() gave it: revived when it is in today's form, else validated again
    (a trip stored in an older form is never read as if it were today's)."""
    if form == TRIP_FORM:
        return revive_trip(stored)
    return validate_trip(stored_trip(stored), source=f"sổ đăng ký, đoàn số {record_id}")


def state_is(wanted: str, on: dt.date):
    """The SQL condition of life_cycle_state(...) == wanted on day `on`."""
    unreported, away = D.reported_on.is_(None), sa.or_(D.return_on.is_(None), D.return_on >= on)
    return {
        "reported": D.reported_on.is_not(None),
        "done": sa.and_(unreported, D.return_on < on),
        "approved": sa.and_(unreported, away, D.approved_on.is_not(None)),
        "escalated": sa.and_(unreported, away, D.approved_on.is_(None), D.escalated_on.is_not(None)),
        "requested": sa.and_(unreported, away, D.approved_on.is_(None), D.escalated_on.is_(None)),
    }[wanted]


def in_year(year: int) -> tuple:
    return D.depart_on >= dt.date(year, 1, 1), D.depart_on < dt.date(year + 1, 1, 1)


def natural_key(facts: Mapping) -> tuple:
    """What tells one delegation from another: its unit, departure date and leader, compared as a person would."""
    return facts["unit_key"], facts["depart_on"], facts["leader_key"]


def same_delegation(unit_key: str, depart_on: dt.date, leader_key: str) -> tuple:
    return D.unit_key == unit_key, D.depart_on == depart_on, D.leader_key == leader_key


def facts_of(trip: dict, profile: Profile, calendar: WorkCalendar) -> dict:
    """The record's columns, from a validated trip."""
    d, issuer = trip["delegation"], trip["issuer"]
    problems = []
    if d["depart_on"] is None:
        problems.append(Problem("delegation.depart_on", MESSAGES["needs"].format(what="ngày đi")))
    if not d["leader"]["name"]:
        problems.append(Problem("delegation.leader.name", MESSAGES["needs"].format(what="họ tên trưởng đoàn")))
    if problems:
        raise InvalidInput(MESSAGES["not_recordable"], problems)
    status, _ = report_status(trip, profile, calendar)
    section_date = lambda name: (trip.get(name) or {}).get("date")  # noqa: E731
    request = _request_key(trip)
    return {
        "unit_code": issuer["abbreviation"],
        "unit_key": unit_key(issuer["abbreviation"]),
        "unit_name": issuer["name"],
        "depart_on": d["depart_on"],
        "return_on": d["return_on"],
        "size": delegation_size(d),
        "leader_name": d["leader"]["name"],
        "leader_key": focus_key(d["leader"]["name"]),
        "leader_position": d["leader"]["position"],
        "places": list(dict.fromkeys(s["place"] for s in d["stops"] if s["place"])),
        "focus_areas": [profile.focus_area(a) or a for a in d["focus_areas"]],
        "funding_source": d["funding"]["source"],
        "funding_amount": d["funding"]["amount"],
        "requested_on": section_date("request"),
        "escalated_on": section_date("escalation"),
        "approved_on": section_date("approval"),
        "reported_on": section_date("report"),
        "report_on_time": {"on_time": True, "late": False}.get(status),
        "trip": jsonable(trip),
        "trip_form": TRIP_FORM,
        "policy": trip.get("policy"),
        "request_year": request[0] if request else None,
        "request_number": request[1] if request else None,
    }


def upsert(conn: sa.Connection, facts: dict, *, origin: str, source: str | None) -> tuple[int, bool]:
    """Insert the record, or update the one with the same natural key: (its id, whether it is new)."""
    existing = conn.execute(sa.select(D.id).where(*same_delegation(*natural_key(facts)))).scalar()
    return write_record(conn, facts, existing, origin=origin, source=source)["id"], existing is None


def write_record(conn: sa.Connection, facts: dict, existing: int | None, *, origin: str, source: str | None) -> dict:
    """Update record `existing` with the facts, or insert them when it is None: the record's columns as written."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    values = {**facts, "origin": origin, "source": source, "updated_at": now}
    if existing is not None:
        written = conn.execute(_UPDATE, {**values, "record": existing}).one()
        before = conn.execute(_TOPICS_OF, {"record": existing}).all()
    else:
        written = conn.execute(_INSERT, {**values, "created_at": now}).one()
        before = []
    row = {**values, "id": written.id, "created_at": written.created_at}  # the rest as written: not read back
    topics = topics_of(row["id"], facts["places"], facts["focus_areas"], facts["depart_on"])
    if sorted(map(tuple, before)) != sorted(tuple(t[c.name] for c in TOPIC_COLUMNS) for t in topics):
        if before:  # the same topics on the same day (the same file again) are left as they are
            conn.execute(_DELETE_TOPICS, {"record": existing})
            count_set(conn, before, -1)
        if topics:
            conn.execute(_INSERT_TOPICS, topics)
            count_set(conn, topics, +1)
    return row


_INSERT = sa.insert(DELEGATIONS).returning(D.id, D.created_at)
_UPDATE = sa.update(DELEGATIONS).where(D.id == sa.bindparam("record")).returning(D.id, D.created_at)
_TOPICS_OF = sa.select(*TOPIC_COLUMNS).where(TOPICS.c.delegation_id == sa.bindparam("record"))
_DELETE_TOPICS = sa.delete(TOPICS).where(TOPICS.c.delegation_id == sa.bindparam("record"))
_INSERT_TOPICS = sa.insert(TOPICS)


def delete_record(conn: sa.Connection, record_id: int) -> None:
    before = conn.execute(_TOPICS_OF, {"record": record_id}).all()
    conn.execute(_DELETE_TOPICS, {"record": record_id})
    count_set(conn, before, -1)
    conn.execute(sa.delete(DELEGATIONS).where(D.id == record_id))


def upgrade_trips(conn: sa.Connection, chunk: int = 1000) -> None:
    """Every stored trip not in today's form (model.TRIP_FORM) validated once more and stored in it, with the
    columns read from it; one that no longer validates keeps its form (validated again, and refused, when
    read). The duplicate rule's keys of every record are written anew. All of it in the caller's transaction
    (an interrupted upgrade leaves the register as it was). In this process: forking validators while the
    transaction's connection is open (and, in a server, while its threads run) was measured no faster."""
    conn.execute(sa.delete(TOPICS))
    last = 0
    while True:
        rows = conn.execute(sa.select(D.id, D.trip, D.trip_form, D.places, D.focus_areas, D.depart_on)
                            .where(D.id > last).order_by(D.id).limit(chunk)).all()
        if not rows:
            break
        topics = [t for row in rows for t in topics_of(row.id, row.places, row.focus_areas, row.depart_on)]
        by_columns: dict[tuple, list[dict]] = {}  # one statement for the rows that change the same columns
        for row in rows:
            if row.trip_form != TRIP_FORM:
                values = upgraded_columns(row.trip)
                by_columns.setdefault(tuple(values), []).append({"row_id": row.id, **values})
        for changes in by_columns.values():
            conn.execute(sa.update(DELEGATIONS).where(D.id == sa.bindparam("row_id")), changes)
        if topics:
            conn.execute(sa.insert(TOPICS), topics)
        last = rows[-1].id
    count_topic_sets(conn)


def upgraded_columns(stored: dict) -> dict:
    """One stored trip's columns once it is validated again: the trip in today's form (unless it no longer
    validates), its policy and request number."""
    values = {}
    try:
        trip = validate_trip(stored_trip(stored))
        values = {"trip": jsonable(trip), "trip_form": TRIP_FORM}
    except InvalidInput:
        trip = stored
    try:
        request = _request_key(trip)
    except (TypeError, ValueError, AttributeError):  # a trip that no longer validates says what it says
        request = None
    return {**values, "policy": trip.get("policy"), "request_year": request[0] if request else None,
            "request_number": request[1] if request else None}


# --- identity, and what an update keeps ---------------------------------------------------------


def identifiable(trip: Mapping) -> bool:
    d = trip.get("delegation") or {}
    return bool(d.get("depart_on") and (d.get("leader") or {}).get("name") and trip.get("issuer"))


def _request_key(trip: Mapping) -> tuple[int, int] | None:
    """(year, number) of the trip's request, as stored or as loaded; None while it has no number."""
    request = trip.get("request") or {}
    if request.get("number") is None or not request.get("date"):
        return None
    day = request["date"]
    return (day if isinstance(day, dt.date) else dt.date.fromisoformat(day)).year, request["number"]


# The statements every add runs, built once with named parameters: building one costs SQLAlchemy ~0.15 ms of
# Python each time, several times what it then takes to run it prebuilt (its compiled form and cache key kept).
_BY_KEY = sa.and_(D.depart_on == sa.bindparam("depart"), D.leader_key == sa.bindparam("leader"))
_CANDIDATES = {  # whether the trip's request has a number
    False: sa.select(DELEGATIONS).where(D.unit_key == sa.bindparam("unit"), _BY_KEY).order_by(D.id),
    True: sa.select(DELEGATIONS).where(D.unit_key == sa.bindparam("unit"), sa.or_(
        _BY_KEY, sa.and_(D.request_year == sa.bindparam("year"), D.request_number == sa.bindparam("number"))))
    .order_by(D.id),
}
_RECORD = sa.select(DELEGATIONS).where(D.id == sa.bindparam("id"))


def match(conn: sa.Connection, trip: Mapping, record_id: int | None = None, *, strict: bool = True,
          source: str | None = None):
    """The row of the delegation `trip` is, by its identity (the module's docstring), or None.

    strict: a request number another delegation carries, or a file that is two records at once, is
    refused (IdentityConflict, InvalidInput); otherwise only a sure match is returned.
    """
    unit = unit_key(trip["issuer"]["abbreviation"])
    d = trip["delegation"]
    depart, leader = d["depart_on"], focus_key(d["leader"]["name"])
    request = _request_key(trip)
    asked = {"unit": unit, "depart": depart, "leader": leader}
    if request is not None:
        asked.update(year=request[0], number=request[1])
    # the few candidates read whole at once: the one returned needs no second round trip
    rows = conn.execute(_CANDIDATES[request is not None], asked).all()
    by_key = next((r for r in rows if r.depart_on == depart and r.leader_key == leader), None)
    if record_id is not None:
        named = conn.execute(_RECORD, {"id": record_id}).first()
        if named is None:
            raise InvalidInput(MESSAGES["no_record"].format(id=record_id), source=source)
        if named.unit_key != unit:
            raise InvalidInput(MESSAGES["other_unit"].format(id=record_id, unit=named.unit_code,
                                                             other=trip["issuer"]["abbreviation"]), source=source)
        if by_key is not None and by_key.id != named.id:
            raise InvalidInput(MESSAGES["two_records"].format(first=named.id, second=by_key.id, depart=dmy(depart),
                                                              leader=by_key.leader_name), source=source)
        return named
    numbered = [r for r in rows if request is not None and (r.request_year, r.request_number) == request]
    if not numbered or (by_key is not None and by_key.id in {r.id for r in numbered}):
        return by_key
    same = [r for r in numbered if r.depart_on == depart or r.leader_key == leader]
    if len(same) == 1 and by_key is None:
        return same[0]
    if not strict:
        return by_key
    year, number = request
    words = {"number": number, "year": year, "unit": trip["issuer"]["abbreviation"]}
    if len(same) == 1:
        raise InvalidInput(MESSAGES["two_records"].format(first=same[0].id, second=by_key.id, depart=dmy(depart),
                                                          leader=by_key.leader_name), source=source)
    if len(same) > 1:
        raise IdentityConflict(MESSAGES["numbered_twice"].format(ids=", ".join(str(r.id) for r in same), **words),
                               None, source=source)
    taken = numbered[0]
    raise IdentityConflict(MESSAGES["number_taken"].format(id=taken.id, depart=dmy(taken.depart_on),
                                                           leader=taken.leader_name, **words), taken.id, source=source)


def history_of(conn: sa.Connection, leave_out: int | None, trip: Mapping | None = None) -> list[dict]:
    """The register's delegations in the shape the rules read, one record left out (the trip's own); with a
    trip, only those its rules can find (policy.HISTORY_RULES): its unit's in its year (R03), and, of those
    that went to one of its places on one of its focus areas (R10, by delegation_topics), the most recent few
    a place, with how many there are in all (a policy.rules.History)."""
    counted, shape, asked, in_unit_year = None, None, {"own": leave_out}, False  # the whole register, without a trip
    if trip is not None:
        d = trip["delegation"]
        places = {focus_key(s["place"]) for s in d["stops"] if s["place"]}
        areas = {focus_key(a) for a in d["focus_areas"]}
        counted, shape, latest_asked = duplicates(conn, places, areas, leave_out)
        asked.update(latest_asked)
        in_unit_year = d["depart_on"] is not None
        if in_unit_year:
            year = d["depart_on"].year
            asked.update(unit=unit_key(trip["issuer"]["abbreviation"]), start=dt.date(year, 1, 1),
                         end=dt.date(year + 1, 1, 1))
        if not shape and not in_unit_year:
            return History([], counted)
    rows = [{"id": r.id, "issuer": {"name": r.unit_name, "abbreviation": r.unit_code},
             "depart_on": r.depart_on, "places": list(r.places), "focus_areas": list(r.focus_areas)}
            for r in conn.execute(_history(shape, in_unit_year, leave_out is not None), asked)]
    return rows if counted is None else History(rows, counted)


@lru_cache(maxsize=256)
def _history(shape: tuple[int, ...] | None, in_unit_year: bool, leave_out: bool):
    """history_of's statement, in one round trip: the delegations topics.latest(shape) finds, and those of unit
    `unit` departing in [start, end); without either (shape None, no year) all of them; `own` left out. Built once
    for each of its shapes."""
    query = sa.select(D.id, D.unit_code, D.unit_name, D.depart_on, D.places, D.focus_areas)
    found = [latest(shape, leave_out)] if shape else []
    if in_unit_year:
        found.append(sa.select(D.id).where(D.unit_key == sa.bindparam("unit"), D.depart_on >= sa.bindparam("start"),
                                           D.depart_on < sa.bindparam("end")))
    if found:  # a union: each part by its index (an OR scans the table)
        query = query.where(D.id.in_(sa.union(*found) if len(found) > 1 else found[0]))
    if leave_out:
        query = query.where(D.id != sa.bindparam("own"))
    return query.order_by(D.depart_on, D.id)


def _merged(stored: Mapping, trip: dict) -> tuple[dict, list[str]]:
    """The file's trip with what only the record knew put back: a later stage's section, a document number."""
    merged, kept = jsonable(trip), []
    for name in SECTIONS:
        before, now = stored.get(name), merged.get(name)
        if not before:
            continue
        if not now:
            merged[name] = before
            kept.append(name)
        elif now.get("number") is None and before.get("number") is not None:
            merged[name] = {**now, "number": before["number"]}
            kept.append(f"{name}.number")
    return (validate_trip(merged) if kept else trip), kept


def keep_known(existing, trip: dict, facts: dict, profile: Profile, calendar: WorkCalendar) -> tuple[dict, dict, list[str]]:
    """The new trip and facts with what only the record knew put back: (trip, facts, what was kept)."""
    trip, kept = _merged(existing.trip, trip)
    if kept:
        given = {key: facts[key] for key in STAGE_DATES if facts[key] is not None}  # a table's own date columns
        facts = {**facts_of(trip, profile, calendar), **given}
    for key in STAGE_DATES:  # a row from a table knows its dates without the documents' sections
        if facts[key] is None and existing._mapping[key] is not None:
            facts = {**facts, key: existing._mapping[key]}
            kept.append(key)
    return trip, facts, kept


def _kept_words(key: str, record: Record) -> str:
    """What was kept, as a văn thư says it: “báo cáo kết quả ngày 18/06/2024”, “số tờ trình (5)”."""
    name, _, part = key.partition(".")
    if name in SECTIONS:
        section = record.trip_data.get(name) or {}
        if part:
            return f"số {SECTIONS[name]} ({section.get('number')})"
        return SECTIONS[name] + (f" ngày {dmy(dt.date.fromisoformat(section['date']))}" if section.get("date") else "")
    return f"{tables.COLUMNS[key].header.lower()} {dmy(getattr(record, key))}"


def add_trip(conn: sa.Connection, trip: dict, source: str | None, profile: Profile, calendar: WorkCalendar, *,
             on: dt.date | None, force: bool, replace: bool, record_id: int | None) -> Added:
    """One delegation into the register, within the caller's write transaction."""
    try:
        facts = facts_of(trip, profile, calendar)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, exc.problems, source=source) from None
    existing = match(conn, trip, record_id, source=source)
    kept: list[str] = []
    if existing is not None and not replace:
        trip, facts, kept = keep_known(existing, trip, facts, profile, calendar)
    if existing is not None and existing.trip_form == TRIP_FORM and existing.trip == facts["trip"]:
        found = []  # the trip the record holds: what its rules find in its year is what they found before
    else:
        history = history_of(conn, existing.id if existing is not None else None, trip)
        found = evaluate(trip, HISTORY_RULES, profile, calendar, history)
    if found and existing is not None and existing.depart_on.year == facts["depart_on"].year:
        # what the record already broke in its year (forced, or recorded before the rule) is not new
        before = trip_of(existing.trip, existing.trip_form, existing.id)
        known = {(f.code, f.path) for f in evaluate(before, HISTORY_RULES, profile, calendar,
                                                   history_of(conn, existing.id, before))}
        found = [f for f in found if (f.code, f.path) not in known]
    if not force and any(f.severity == "error" for f in found):
        raise Refused(MESSAGES["refused"], found, source=source)
    row = write_record(conn, facts, existing.id if existing is not None else None, origin="file", source=source)
    moved = existing is not None and existing.depart_on != facts["depart_on"]
    return Added(record_from(row, on), existing is None, kept, existing.depart_on if moved else None, found)


def record_from_row(row, on: dt.date | None) -> Record:
    return record_from(row._mapping, on)


def record_from(m: Mapping, on: dt.date | None) -> Record:
    """The record of a delegations row's columns (by name); its state on day `on` (today when None)."""
    state = life_cycle_state(m["reported_on"], m["return_on"], m["approved_on"], m["escalated_on"],
                             on or dt.date.today())
    utc = lambda t: t.replace(tzinfo=dt.timezone.utc)  # noqa: E731  stored naive, in UTC
    return Record(
        id=m["id"], unit_code=m["unit_code"], unit_name=m["unit_name"], depart_on=m["depart_on"],
        return_on=m["return_on"], size=m["size"], leader_name=m["leader_name"],
        leader_position=m["leader_position"], places=list(m["places"]), focus_areas=list(m["focus_areas"]),
        funding_source=m["funding_source"], funding_amount=m["funding_amount"], requested_on=m["requested_on"],
        escalated_on=m["escalated_on"], approved_on=m["approved_on"], reported_on=m["reported_on"],
        report_on_time=m["report_on_time"], origin=m["origin"], source=m["source"],
        created_at=utc(m["created_at"]), updated_at=utc(m["updated_at"]), state=state, trip_data=m["trip"] if "trip" in m else None,
        policy=m["policy"], trip_form=m["trip_form"],
    )
