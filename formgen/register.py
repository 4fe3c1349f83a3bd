"""The register of delegations: one SQLite file by default, one shared PostgreSQL database for a province.

Each delegation is one record, found again by its identity, as a văn thư tells delegations apart:
the record number the user names (record_id), else the unit and its request's number and year
(a Tờ trình is numbered once a year by the unit's outgoing register), else the unit, departure
date and leader's name. Adding the same delegation file again as it grows, or after its departure
date moved, updates its record, never a second one. A file says what it says: what the record
knew and the file does not say (a later stage's section, a document number, a date) is kept, so
the life cycle only moves forward, unless the caller asks for a replacement (replace=True).
A number that another delegation of the unit already carries (both its departure and its leader
differ) is refused: it is far more often a copied file than the same delegation.

The register answers the rules that need the past (policy.HISTORY_RULES: delegations per year,
no duplicate) and applies them when a delegation is recorded: an add that would break one of
them anew is refused, writing nothing, unless forced. It lists the reports that are late or
due soon, gives the annual report its delegations, and reads and writes the spreadsheet a
committee already keeps (CSV, XLSX).

Every write is one transaction that takes the writers' lock first (SQLite: BEGIN IMMEDIATE, with a
busy timeout; PostgreSQL: a transaction-scoped advisory lock), so two processes adding at once lose
nothing and a failed command leaves the register as it was. The schema is versioned: opening an
older register upgrades it (MIGRATIONS, in one transaction); a newer one is refused.

A SQLite register belongs on the disk of the machine that uses it (WAL needs shared memory, which a
network folder does not give); units that share one register across machines use PostgreSQL.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping

import sqlalchemy as sa

from . import tables
from .calendar import WorkCalendar
from .dates import parse_date
from .deadlines import compute_deadlines
from .documents import report_status
from .errors import EnvironmentFailed, InvalidInput, Problem, Refused
from .model import stored_trip, validate_annual, validate_trip
from .policy import DEFAULT_PROFILE, HISTORY_RULES, Profile, evaluate, load_profile
from .policy.profile import focus_key
from .policy.rules import delegation_size
from .files import refuse_existing, write_atomically
from .vn import dmy

ENV_REGISTER = "FORMGEN_REGISTER"
DEFAULT_FILE = "formgen-register.sqlite"
BUSY_TIMEOUT_SECONDS = 30           # how long a writer waits for another one before giving up
_PG_WRITERS_LOCK = 0x666F726D67656E  # "formgen": the advisory lock that serialises writers on PostgreSQL
_WRITE = "formgen_write"            # execution option marking a write transaction

# The life cycle, in order; the state of a record is the last step it has reached.
STATES: dict[str, str] = {
    "requested": "Đã trình",
    "escalated": "Đã trình bổ sung thành phần",
    "approved": "Đã được đồng ý bổ sung thành phần",
    "done": "Đã về, chưa báo cáo",
    "reported": "Đã báo cáo",
}

MESSAGES = {
    "newer": ("Sổ đăng ký “{where}” có lược đồ phiên bản {found}, mới hơn phiên bản {known} mà formgen "
              "{version} đọc được; hãy cập nhật formgen (không sửa sổ bằng phiên bản cũ)."),
    "foreign": "Tệp “{where}” không phải sổ đăng ký của formgen (đã có bảng khác: {tables}).",
    "not_database": "Tệp “{where}” không phải sổ đăng ký của formgen (không phải cơ sở dữ liệu SQLite).",
    "cannot_open": "Không mở được sổ đăng ký “{where}”: {reason}.",
    "busy": ("Sổ đăng ký “{where}” đang bận (một lệnh khác đang ghi quá {seconds} giây); chưa ghi gì, "
             "hãy chạy lại lệnh."),
    "failed": "Lỗi cơ sở dữ liệu của sổ đăng ký “{where}”: {reason}.",
    "backend": ("Sổ đăng ký không dùng được cơ sở dữ liệu “{backend}”: chỉ SQLite (một đường dẫn tệp) hoặc "
                "PostgreSQL (postgresql+psycopg://người-dùng:mật-khẩu@máy/tên-csdl)."),
    "driver": ("Sổ đăng ký trên {backend} cần trình điều khiển chưa cài ({reason}); với PostgreSQL: "
               "pip install 'formgen[postgres]'."),
    "not_recordable": "Chưa ghi được đoàn vào sổ đăng ký.",
    "needs": "Sổ đăng ký cần {what} để nhận ra đoàn.",
    "not_a_trip": "Tệp tổng hợp năm không ghi vào sổ đăng ký; hãy ghi từng tệp đoàn.",
    "no_record": "Sổ đăng ký không có đoàn số {id}.",
    "bad_id": "Số đăng ký “{id}” không hợp lệ: phải là số nguyên.",
    "bad_state": "Trạng thái “{value}” không có; chọn: {choices}.",
    "no_unit": "Sổ đăng ký chưa có đoàn nào của đơn vị “{unit}”.",
    "memory": ("Sổ đăng ký “{where}” không nằm trong tệp nào: sổ trong bộ nhớ (hoặc đường dẫn trống) mất hết "
               "khi lệnh kết thúc; hãy ghi đường dẫn tệp SQLite (ví dụ formgen-register.sqlite) hoặc URL "
               "PostgreSQL."),
    "no_location": ("Đường dẫn sổ đăng ký đang để trống (một sổ như vậy mất hết khi lệnh kết thúc); hãy ghi đường "
                    "dẫn tệp SQLite (ví dụ formgen-register.sqlite) hoặc URL PostgreSQL."),
    "refused": "Chưa ghi gì vào sổ đăng ký: đoàn vi phạm quy định.",
    "number_taken": ("Tờ trình số {number} năm {year} của đơn vị {unit} đã ghi cho đoàn số {id} (đi {depart}, trưởng "
                     "đoàn {leader}), khác cả ngày đi lẫn trưởng đoàn của tệp này; chưa ghi gì. Nếu đúng là đoàn "
                     "số {id}, hãy ghi lại và chỉ rõ số đăng ký {id}; nếu là đoàn khác, hãy sửa số tờ trình."),
    "numbered_twice": ("Tờ trình số {number} năm {year} của đơn vị {unit} đã ghi cho nhiều đoàn (số {ids}); chưa ghi "
                       "gì. Hãy chỉ rõ số đăng ký của đoàn mà tệp này cập nhật."),
    "two_records": ("Tệp này là đoàn số {first} nhưng cũng trùng đoàn số {second} (cùng ngày đi {depart}, trưởng "
                    "đoàn {leader}); chưa ghi gì. Hãy xóa đoàn ghi nhầm rồi ghi lại."),
    "other_unit": ("Đoàn số {id} là của đơn vị {unit}, tệp này của đơn vị {other}; không ghi tệp vào đoàn của đơn vị "
                   "khác."),
    "one_id": "Chỉ rõ số đăng ký được khi ghi đúng một tệp.",
    # tables
    "table_type": "Chỉ nhập, xuất được bảng .csv hoặc .xlsx, không nhận “{name}”.",
    "table_write": "Không ghi được bảng “{path}”: {reason}.",
    "bad_rows": "Bảng có {count} lỗi; chưa nhập dòng nào.",
    "missing_column": "Thiếu cột “{column}”.",
    "missing_size": "Thiếu cột “Số người” (hoặc cột “Thành viên” ghi tên từng người).",
    "blank": "Ô bắt buộc đang để trống.",
    "not_date": "“{value}” không phải là ngày; hãy ghi 03/06/2024, 2024-06-03 hoặc định dạng ô là ngày.",
    "not_count": tables.MESSAGES["not_count"],
    "return_before": "Ngày về {back} trước ngày đi {depart}.",
    "size_mismatch": tables.MESSAGES["size_mismatch"],
    "no_code": "Chưa có mã đơn vị, và sổ đăng ký chưa có đơn vị nào tên “{name}” để lấy mã.",
    "no_name": "Chưa có tên đơn vị, và sổ đăng ký chưa có đơn vị nào mã “{code}” để lấy tên.",
    "no_place": "Chưa có địa danh nơi ban hành văn bản của đơn vị (ví dụ “Hậu Giang”).",
    "twice_row": "Trùng với dòng {first}: cùng đơn vị, ngày đi và trưởng đoàn.",
    "from_file": ("Đoàn đã có trong sổ (số {id}, ghi từ tệp “{source}”) nhưng khác ở cột {columns}; đoàn ghi "
                  "từ tệp thì sửa tệp rồi ghi lại (formgen register add), không sửa qua bảng."),
}

# The documents of the life cycle as a delegation file's sections, in order, and how a văn thư names them.
SECTIONS: dict[str, str] = {
    "request": "tờ trình",
    "escalation": "tờ trình bổ sung thành phần",
    "approval": "văn bản đồng ý bổ sung thành phần",
    "report": "báo cáo kết quả",
}
STAGE_DATES = ("requested_on", "escalated_on", "approved_on", "reported_on")  # the record's columns for them

# The flat table a committee keeps, in the order export writes it: (key, header as written), the headers
# from the one vocabulary batch reads too (formgen.tables.COLUMNS, with its aliases and English keys).
TABLE_COLUMNS: tuple[tuple[str, str], ...] = tuple((key, tables.COLUMNS[key].header) for key in (
    "id", "unit_name", "unit_code", "unit_parent", "unit_place", "unit_style", "depart_on", "return_on", "size",
    "leader_name", "leader_position", "leader_rank", "members", "places", "focus_areas", "funding_source",
    "funding_amount", "requested_on", "escalated_on", "approved_on", "reported_on", "report_on_time", "state",
    "source",
))
HEADERS = dict(TABLE_COLUMNS)
COMPUTED_COLUMNS = frozenset({"id", "report_on_time", "state", "source"})  # written, ignored when read back
LIST_SEPARATORS = re.compile(r"\s*[;\n]\s*")
STYLE_WORDS = {"state": "nhà nước", "party": "đảng"}
RANK_WORDS = {"head": "người đứng đầu", "deputy": "cấp phó", "other": "khác"}
ON_TIME_WORDS = {True: "Đúng hạn", False: "Trễ hạn", None: ""}
PLACEHOLDER_MEMBER = "Thành viên {n}"


# --- the schema and its migrations ----------------------------------------------------------


def _schema_v1(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    """The tables as version 1 created them (a later change is a new migration, not an edit here)."""
    version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))
    delegations = sa.Table(
        "delegations", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.Text, nullable=False),       # issuer.abbreviation, as written
        sa.Column("unit_key", sa.Text, nullable=False),        # ... compared as a person would
        sa.Column("unit_name", sa.Text, nullable=False),
        sa.Column("depart_on", sa.Date, nullable=False),
        sa.Column("return_on", sa.Date),
        sa.Column("size", sa.Integer, nullable=False),         # the leader and the members
        sa.Column("leader_name", sa.Text, nullable=False),
        sa.Column("leader_key", sa.Text, nullable=False),
        sa.Column("leader_position", sa.Text, nullable=False),
        sa.Column("places", sa.JSON, nullable=False),          # the stops' provinces, in order
        sa.Column("focus_areas", sa.JSON, nullable=False),
        sa.Column("funding_source", sa.Text, nullable=False),
        sa.Column("funding_amount", sa.BigInteger),
        sa.Column("requested_on", sa.Date),
        sa.Column("escalated_on", sa.Date),
        sa.Column("approved_on", sa.Date),
        sa.Column("reported_on", sa.Date),
        sa.Column("report_on_time", sa.Boolean),               # computed when the report is recorded
        sa.Column("trip", sa.JSON, nullable=False),            # the validated trip, dates as ISO text
        sa.Column("origin", sa.Text, nullable=False),          # "file" (a delegation file) or "table" (a row)
        sa.Column("source", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),  # UTC
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("unit_key", "depart_on", "leader_key", name="delegations_natural_key"),
        sa.Index("delegations_depart_on", "depart_on"),        # a year's delegations, every unit
        sqlite_autoincrement=True,                             # a removed delegation's number is never reused
    )
    return version, delegations


def _create_v1(conn: sa.Connection) -> None:
    metadata = sa.MetaData()
    _schema_v1(metadata)
    metadata.create_all(conn)


# MIGRATIONS[n - 1] brings a register from version n - 1 to n; append, never edit a released one.
MIGRATIONS: list[Callable[[sa.Connection], None]] = [_create_v1]

_METADATA = sa.MetaData()
VERSION, DELEGATIONS = _schema_v1(_METADATA)  # the tables as the code reads them (the latest version)
D = DELEGATIONS.c


def schema_version() -> int:
    """The version this code writes: the number of migrations."""
    return len(MIGRATIONS)


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
    trip_data: dict = field(repr=False, compare=False)   # as stored: dates as ISO text

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    def trip(self) -> dict:
        """The delegation as formgen.load() would give it, validated again."""
        return validate_trip(stored_trip(self.trip_data), source=f"sổ đăng ký, đoàn số {self.id}")

    def as_dict(self, *, trip: bool = False) -> dict:
        """Plain JSON values (ISO dates), for `--json`; with trip=True the whole stored delegation."""
        out = {
            "id": self.id, "unit_code": self.unit_code, "unit_name": self.unit_name,
            "depart_on": _iso(self.depart_on), "return_on": _iso(self.return_on), "size": self.size,
            "leader_name": self.leader_name, "leader_position": self.leader_position,
            "places": self.places, "focus_areas": self.focus_areas,
            "funding_source": self.funding_source, "funding_amount": self.funding_amount,
            "state": self.state, "state_label": self.state_label,
            "requested_on": _iso(self.requested_on), "escalated_on": _iso(self.escalated_on),
            "approved_on": _iso(self.approved_on), "reported_on": _iso(self.reported_on),
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

    def as_dict(self) -> dict:
        return {"id": self.record.id, "unit_code": self.record.unit_code, "unit_name": self.record.unit_name,
                "leader_name": self.record.leader_name, "return_on": _iso(self.record.return_on),
                "deadline": self.deadline.isoformat(), "overdue": self.overdue,
                "working_days": self.working_days}


@dataclass(frozen=True)
class ImportResult:
    """What an import did, by record id."""

    added: list[int]
    updated: list[int]
    unchanged: list[int]
    notes: list[str] = field(default_factory=list)   # how the table was read (its encoding, its sheet)

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "notes": self.notes}


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
                "depart_before": _iso(self.depart_before), "findings": [f.as_dict() for f in self.findings]}


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


def default_location() -> str | Path:
    """Where the register is when no --register is given: $FORMGEN_REGISTER (a path or a database URL),
    else `formgen-register.sqlite` in the current folder (a committee keeps its register beside its files)."""
    return os.environ.get(ENV_REGISTER) or Path.cwd() / DEFAULT_FILE


# --- the register ----------------------------------------------------------------------------


class Register:
    """A register of delegations at a path (SQLite) or a database URL (postgresql+psycopg://...).

    Opening creates a missing SQLite file and upgrades an older schema; `close()` (or `with`) ends it.
    """

    def __init__(self, location: str | os.PathLike | None = None):
        location = default_location() if location is None else location
        self.url = _url(location)
        self.location = (str(location) if self.url.get_backend_name() == "sqlite"
                         else self.url.render_as_string(hide_password=True))
        self.engine = _engine(self.url, self.location)
        try:
            self._migrate()
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # writing ------------------------------------------------------------------------------

    def add(self, trip: dict, source: str | os.PathLike | None = None, *, profile: Profile | str | None = None,
            calendar: WorkCalendar | None = None, on: dt.date | None = None, force: bool = False,
            replace: bool = False, record_id: int | str | None = None) -> Record:
        """Record a validated delegation (formgen.load()), or update its record when it is already there.

        See add_all(); this is its one-file form, returning the record.
        """
        return self.add_all([(trip, source)], profile=profile, calendar=calendar, on=on, force=force,
                            replace=replace, record_id=record_id)[0].record

    def add_all(self, items, *, profile: Profile | str | None = None, calendar: WorkCalendar | None = None,
                on: dt.date | None = None, force: bool = False, replace: bool = False,
                record_id: int | str | None = None) -> list[Added]:
        """Record (trip, source) pairs in one transaction: every one of them, or (on any failure) none.

        Each delegation is found by its identity (the module's docstring); `record_id` names the record
        one file updates. An update keeps what the record knew and the file does not say, unless
        replace=True. A delegation that the register's rules (delegations per year...) refuse anew is
        Refused, nothing written, unless force=True. `profile` and `calendar` decide the rules and
        whether a recorded report was on time; without them, the trip's own policy and Vietnam's calendar.
        """
        items = [(trip, _text_or_none(source)) for trip, source in items]
        for trip, source in items:
            if "delegation" not in trip:
                raise InvalidInput(MESSAGES["not_a_trip"], source=source)
        if record_id is not None:
            if len(items) != 1:
                raise InvalidInput(MESSAGES["one_id"])
            record_id = _record_id(record_id)
        cal = calendar or WorkCalendar()
        with self._connect(write=True) as conn:
            return [_add(conn, trip, source, _profile(profile, trip), cal, on=on, force=force, replace=replace,
                         record_id=record_id) for trip, source in items]

    def remove(self, record_id: int | str) -> Record:
        """Take a delegation out of the register (entered by mistake); the removed record is returned."""
        record_id = _record_id(record_id)
        with self._connect(write=True) as conn:
            row = conn.execute(sa.select(DELEGATIONS).where(D.id == record_id)).first()
            if row is None:
                raise InvalidInput(MESSAGES["no_record"].format(id=record_id))
            conn.execute(sa.delete(DELEGATIONS).where(D.id == record_id))
        return _record(row, None)

    # reading ------------------------------------------------------------------------------

    def get(self, record_id: int | str, *, on: dt.date | None = None) -> Record:
        """One delegation by its number; InvalidInput when there is none."""
        record_id = _record_id(record_id)
        with self._connect() as conn:
            row = conn.execute(sa.select(DELEGATIONS).where(D.id == record_id)).first()
        if row is None:
            raise InvalidInput(MESSAGES["no_record"].format(id=record_id))
        return _record(row, on)

    def list(self, unit: str | None = None, year: int | None = None, state: str | None = None, *,
             on: dt.date | None = None) -> list[Record]:
        """Delegations by departure date, filtered by unit code, departure year, and state on `on` (today)."""
        wanted = _state(state) if state is not None else None
        query = sa.select(DELEGATIONS).order_by(D.depart_on, D.id)
        if unit is not None:
            query = query.where(D.unit_key == focus_key(unit))
        if year is not None:
            query = query.where(*_in_year(year))
        with self._connect() as conn:
            records = [_record(row, on) for row in conn.execute(query)]
        return [r for r in records if wanted is None or r.state == wanted]

    def history(self, trip: dict) -> list[dict]:
        """Every other delegation, in the shape the rules read (R03, R10): this trip's own record left out."""
        with self._connect() as conn:
            own = _match(conn, trip, strict=False) if _identifiable(trip) else None
            return _history(conn, own.id if own is not None else None)

    def overdue(self, on: dt.date, within: int = 0, *, profile: Profile | str | None = None,
                calendar: WorkCalendar | None = None) -> list[Due]:
        """Delegations back without a report whose deadline (WORKDAY(return, +report window)) is before
        `on` (overdue) or at most `within` working days after it (due soon), earliest deadline first."""
        cal = calendar or WorkCalendar()
        query = (sa.select(DELEGATIONS).where(D.reported_on.is_(None), D.return_on.is_not(None))
                 .order_by(D.return_on, D.id))
        with self._connect() as conn:
            records = [_record(row, on) for row in conn.execute(query)]
        due = []
        for record in records:
            deadline = report_deadline(record, profile=profile, calendar=cal)
            if deadline < on:
                due.append(Due(record, deadline, True, cal.working_days_between(deadline, on)))
            elif (left := cal.working_days_between(on, deadline)) <= within:
                due.append(Due(record, deadline, False, left))
        return sorted(due, key=lambda x: (x.deadline, x.record.id))

    def trips(self, unit: str, year: int) -> list[dict]:
        """The unit's delegations departing in `year`, as validated trips, for the annual report (R11)."""
        return [r.trip() for r in self.list(unit=unit, year=year)]

    def units(self, year: int) -> list[tuple[str, str]]:
        """(code, name) of every unit with a delegation departing in `year`, by code."""
        query = (sa.select(D.unit_key, D.unit_code, D.unit_name).where(*_in_year(year))
                 .order_by(D.updated_at, D.id))
        with self._connect() as conn:
            latest = {row.unit_key: (row.unit_code, row.unit_name) for row in conn.execute(query)}
        return sorted(latest.values(), key=lambda unit: focus_key(unit[0]))

    def issuer(self, unit: str) -> dict:
        """The unit as its most recent delegation names it (name, parent, place, style)."""
        query = (sa.select(D.trip).where(D.unit_key == focus_key(unit))
                 .order_by(D.depart_on.desc(), D.updated_at.desc()).limit(1))
        with self._connect() as conn:
            trip = conn.execute(query).scalar()
        if trip is None:
            raise InvalidInput(MESSAGES["no_unit"].format(unit=unit))
        return validate_trip(stored_trip(trip))["issuer"]

    def annual_input(self, unit: str, year: int, annual: dict, *, policy: str | None = None) -> dict:
        """The annual report's input (as loader.load() gives an annual file) for one unit and year.

        `annual` is the document's own section (number, date, signer, cc, summary); the issuer is the
        unit as its latest delegation names it, the delegations are the register's.
        """
        trips = self.trips(unit, year)
        issuer = trips[-1]["issuer"] if trips else self.issuer(unit)
        policy = policy or next((t["policy"] for t in reversed(trips) if t.get("policy")), None)
        data = validate_annual({"policy": policy, "issuer": issuer, "year": year, "annual": annual})
        data["delegations"] = trips
        return data

    # tables -------------------------------------------------------------------------------

    def export_table(self, path: str | os.PathLike, *, unit: str | None = None, year: int | None = None,
                     on: dt.date | None = None, overwrite: bool = False) -> int:
        """Write the register (or a unit's, a year's part) as .csv (UTF-8 with BOM) or .xlsx, Vietnamese
        headers, one row per delegation; the file is written whole or not at all, and an existing one is
        refused unless overwrite. Returns the row count."""
        path = Path(path)
        writer = _TABLE_WRITERS.get(path.suffix.lower())
        if writer is None:
            raise InvalidInput(MESSAGES["table_type"].format(name=path.name))
        if not path.parent.is_dir():
            raise InvalidInput(MESSAGES["table_write"].format(path=path, reason="thư mục không tồn tại"))
        if not overwrite:
            refuse_existing(path)
        rows = [_export_row(r) for r in self.list(unit=unit, year=year, on=on)]
        header = [HEADERS[key] for key, _ in TABLE_COLUMNS]
        table = [[row[key] for key, _ in TABLE_COLUMNS] for row in rows]
        write_atomically(path, lambda tmp: writer(Path(tmp), header, table), overwrite=overwrite)
        return len(rows)

    def import_table(self, path: str | os.PathLike, *, profile: Profile | str | None = None,
                     calendar: WorkCalendar | None = None, place: str | None = None,
                     sheet: str | None = None) -> ImportResult:
        """Add or update the delegations of a .csv or .xlsx table, all of them or (on any bad row) none.

        Headers in Vietnamese (as export_table writes them) or as English keys, case and accents
        ignored; dates as 03/06/2024, 2024-06-03 or Excel dates. A row needs the unit (its code, or a
        name the register already knows), the departure date, the leader and the size. It becomes a
        minimal delegation, enough for R03, R10 and the annual report: the leader's rank is “khác”
        unless the table says; with only a count, the members are placeholders “Thành viên 2” ... “n”;
        each place is a stop for the whole trip; the unit's place name comes from the table, else from
        the unit's earlier records, else from `place`. A delegation recorded from its own file is not
        changed from a table (a differing row is an error).
        """
        path = Path(path)
        if path.suffix.lower() not in _TABLE_WRITERS:
            raise InvalidInput(MESSAGES["table_type"].format(name=path.name))
        prof = _profile(profile, None)
        cal = calendar or WorkCalendar()
        columns, rows, notes = _read_table(path, sheet)
        with self._connect(write=True) as conn:
            known = _known_units(conn)
            problems, parsed = [], []
            seen: dict[tuple, int] = {}
            for number, cells in rows:
                facts, row_problems = _row_facts(number, cells, columns, known, place, prof, cal)
                problems += row_problems
                if facts is None:
                    continue
                key = _natural_key(facts)
                if key in seen:
                    problems.append(_cell(number, None, MESSAGES["twice_row"].format(first=seen[key])))
                    continue
                seen[key] = number
                parsed.append((number, facts))
            result = ImportResult([], [], [], notes)
            for number, facts in parsed:
                existing = conn.execute(sa.select(DELEGATIONS).where(*_same_delegation(*_natural_key(facts)))).first()
                if existing is not None:
                    facts = _keep(existing, facts["trip"], facts, prof, cal)[1]  # a blank cell erases nothing
                    before, after = _flat(existing._mapping), _flat(facts)
                    differ = [HEADERS[key] for key in columns.values()
                              if key not in COMPUTED_COLUMNS and before[key] != after[key]]
                    if not differ:
                        result.unchanged.append(existing.id)
                        continue
                    if existing.origin == "file":
                        problems.append(_cell(number, None, MESSAGES["from_file"].format(
                            id=existing.id, source=existing.source or "",
                            columns=", ".join(f"“{c}”" for c in differ))))
                        continue
                record_id, added = _upsert(conn, facts, origin="table", source=f"{path.name}, dòng {number}")
                (result.added if added else result.updated).append(record_id)
            if problems:
                raise InvalidInput(MESSAGES["bad_rows"].format(count=len(problems)), problems, source=str(path))
        return result

    # the machinery --------------------------------------------------------------------------

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sa.Connection]:
        """A connection in a transaction: committed when the block ends, rolled back on any error.

        A write transaction takes the writers' lock first, so a writer never reads a state that
        another one is about to change.
        """
        try:
            with self.engine.connect() as conn:
                if write:
                    conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    if write and self.url.get_backend_name() == "postgresql":
                        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_WRITERS_LOCK)))
                    yield conn
        except sa.exc.DBAPIError as exc:
            raise _database_error(exc, self.location) from None

    def _migrate(self) -> None:
        """Bring an older register (or an empty database) to the code's version, in one transaction."""
        with self._connect() as conn:
            found = self._known_version(conn)
        if found == schema_version():
            return
        with self._connect(write=True) as conn:
            found = self._known_version(conn)  # another process may have upgraded it meanwhile
            for number in range(found + 1, schema_version() + 1):
                MIGRATIONS[number - 1](conn)
            if found != schema_version():
                conn.execute(sa.delete(VERSION))
                conn.execute(sa.insert(VERSION).values(version=schema_version()))

    def _known_version(self, conn: sa.Connection) -> int:
        """The register's schema version; a register newer than this code is refused, never written."""
        found = _stored_version(conn, self.location)
        if found > schema_version():
            from . import __version__  # here: the package imports this module
            raise InvalidInput(MESSAGES["newer"].format(where=self.location, found=found, known=schema_version(),
                                                        version=__version__))
        return found


def report_deadline(record: Record, *, profile: Profile | str | None = None,
                    calendar: WorkCalendar | None = None) -> dt.date | None:
    """The latest report date (R07: WORKDAY(return, +report window)); None before a return date is known."""
    if record.return_on is None:
        return None
    prof = _profile(profile, record.trip_data)
    return compute_deadlines(record.depart_on, record.return_on, prof, calendar or WorkCalendar()).latest_report_date


# --- connecting ------------------------------------------------------------------------------


def _url(location: str | os.PathLike) -> sa.URL:
    text = os.fspath(location)
    if "://" in text:
        try:
            url = sa.make_url(text)
        except sa.exc.ArgumentError as exc:
            raise InvalidInput(MESSAGES["cannot_open"].format(where=text, reason=exc)) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise InvalidInput(MESSAGES["backend"].format(backend=url.get_backend_name()))
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")  # the driver the `postgres` extra installs
        if url.get_backend_name() == "sqlite" and _in_memory(url.database or "", url.query.get("mode")):
            raise InvalidInput(MESSAGES["memory"].format(where=text))
        return url
    if _in_memory(text, None):
        raise InvalidInput(MESSAGES["memory" if text.strip() else "no_location"].format(where=text))
    return sa.URL.create("sqlite", database=str(Path(text).expanduser().absolute()))


def _in_memory(database: str, mode) -> bool:
    """A SQLite database that lives only as long as its connection: none, :memory:, an URI's memory mode."""
    name = database.strip()
    return not name or name == ":memory:" or name.startswith("file::memory:") or "mode=memory" in name \
        or mode == "memory"


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # Vietnamese stays readable in the database


def _engine(url: sa.URL, where: str) -> sa.Engine:
    try:
        if url.get_backend_name() != "sqlite":
            return sa.create_engine(url, json_serializer=_json_text, pool_pre_ping=True)
        engine = sa.create_engine(url, json_serializer=_json_text,
                                  connect_args={"timeout": BUSY_TIMEOUT_SECONDS})  # sqlite3's busy timeout
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise EnvironmentFailed(MESSAGES["driver"].format(backend=url.get_backend_name(), reason=exc)) from None
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection, connection_record) -> None:
    # pysqlite's own transaction handling would begin late and commit before DDL; formgen issues BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # IMMEDIATE takes the write lock at once: two writers queue (busy timeout) instead of deadlocking.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def _database_error(exc: sa.exc.DBAPIError, where: str) -> Exception:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    lowered = reason.lower()
    if "database is locked" in lowered or "database is busy" in lowered:
        return EnvironmentFailed(MESSAGES["busy"].format(where=where, seconds=BUSY_TIMEOUT_SECONDS))
    if "file is not a database" in lowered:
        return InvalidInput(MESSAGES["not_database"].format(where=where))
    if "unable to open database file" in lowered:
        return InvalidInput(MESSAGES["cannot_open"].format(where=where, reason="thư mục không có hoặc không ghi được"))
    return EnvironmentFailed(MESSAGES["failed"].format(where=where, reason=reason))


def _stored_version(conn: sa.Connection, where: str) -> int:
    """The register's schema version: 0 for an empty database."""
    tables = set(sa.inspect(conn).get_table_names())
    if VERSION.name in tables:
        return conn.execute(sa.select(sa.func.max(VERSION.c.version))).scalar() or 0
    if DELEGATIONS.name in tables or (tables and conn.dialect.name == "sqlite"):
        raise InvalidInput(MESSAGES["foreign"].format(where=where, tables=", ".join(sorted(tables))))
    return 0


# --- from a trip to a record -------------------------------------------------------------------


def _profile(profile: Profile | str | None, trip: Mapping | None) -> Profile:
    if isinstance(profile, Profile):
        return profile
    return load_profile(profile or (trip or {}).get("policy") or DEFAULT_PROFILE)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _jsonable(value):
    """The trip as JSON values: dates as ISO text, so validate_trip() reads it back."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _text_or_none(value) -> str | None:
    return None if value is None else os.fspath(value)


def _record_id(value: int | str) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(str(value).strip().lstrip("#"))
    except ValueError:
        raise InvalidInput(MESSAGES["bad_id"].format(id=value)) from None


def _state(value: str) -> str:
    wanted = focus_key(value)
    for code, label in STATES.items():
        if wanted in (code, focus_key(label)):
            return code
    choices = ", ".join(f"{code} ({label})" for code, label in STATES.items())
    raise InvalidInput(MESSAGES["bad_state"].format(value=value, choices=choices))


def _in_year(year: int) -> tuple:
    return D.depart_on >= dt.date(year, 1, 1), D.depart_on < dt.date(year + 1, 1, 1)


def _natural_key(facts: Mapping) -> tuple:
    """What tells one delegation from another: its unit, departure date and leader, compared as a person would."""
    return facts["unit_key"], facts["depart_on"], facts["leader_key"]


def _same_delegation(unit_key: str, depart_on: dt.date, leader_key: str) -> tuple:
    return D.unit_key == unit_key, D.depart_on == depart_on, D.leader_key == leader_key


def _facts(trip: dict, profile: Profile, calendar: WorkCalendar) -> dict:
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
    return {
        "unit_code": issuer["abbreviation"],
        "unit_key": focus_key(issuer["abbreviation"]),
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
        "trip": _jsonable(trip),
    }


def _upsert(conn: sa.Connection, facts: dict, *, origin: str, source: str | None) -> tuple[int, bool]:
    """Insert the record, or update the one with the same natural key: (its id, whether it is new)."""
    existing = conn.execute(sa.select(D.id).where(*_same_delegation(*_natural_key(facts)))).scalar()
    return _write(conn, facts, existing, origin=origin, source=source), existing is None


def _write(conn: sa.Connection, facts: dict, existing: int | None, *, origin: str, source: str | None) -> int:
    """Update record `existing` with the facts, or insert them when it is None: the record's id."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    values = {**facts, "origin": origin, "source": source, "updated_at": now}
    if existing is not None:
        conn.execute(sa.update(DELEGATIONS).where(D.id == existing).values(**values))
        return existing
    return conn.execute(sa.insert(DELEGATIONS).values(**values, created_at=now)).inserted_primary_key[0]


# --- identity, and what an update keeps ---------------------------------------------------------


def _identifiable(trip: Mapping) -> bool:
    d = trip.get("delegation") or {}
    return bool(d.get("depart_on") and (d.get("leader") or {}).get("name") and trip.get("issuer"))


def _request_key(trip: Mapping) -> tuple[int, int] | None:
    """(year, number) of the trip's request, as stored or as loaded; None while it has no number."""
    request = trip.get("request") or {}
    if request.get("number") is None or not request.get("date"):
        return None
    day = request["date"]
    return (day if isinstance(day, dt.date) else dt.date.fromisoformat(day)).year, request["number"]


def _match(conn: sa.Connection, trip: Mapping, record_id: int | None = None, *, strict: bool = True,
           source: str | None = None):
    """The row of the delegation `trip` is, by its identity (the module's docstring), or None.

    strict: a request number another delegation carries, or a file that is two records at once, is
    refused (IdentityConflict, InvalidInput); otherwise only a sure match is returned.
    """
    unit = focus_key(trip["issuer"]["abbreviation"])
    d = trip["delegation"]
    depart, leader = d["depart_on"], focus_key(d["leader"]["name"])
    rows = conn.execute(sa.select(DELEGATIONS).where(D.unit_key == unit).order_by(D.id)).all()
    by_key = next((r for r in rows if r.depart_on == depart and r.leader_key == leader), None)
    if record_id is not None:
        named = conn.execute(sa.select(DELEGATIONS).where(D.id == record_id)).first()
        if named is None:
            raise InvalidInput(MESSAGES["no_record"].format(id=record_id), source=source)
        if named.unit_key != unit:
            raise InvalidInput(MESSAGES["other_unit"].format(id=record_id, unit=named.unit_code,
                                                             other=trip["issuer"]["abbreviation"]), source=source)
        if by_key is not None and by_key.id != named.id:
            raise InvalidInput(MESSAGES["two_records"].format(first=named.id, second=by_key.id, depart=dmy(depart),
                                                              leader=by_key.leader_name), source=source)
        return named
    request = _request_key(trip)
    numbered = [r for r in rows if request is not None and _request_key(r.trip) == request]
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


def _history(conn: sa.Connection, leave_out: int | None) -> list[dict]:
    """The register's delegations in the shape the rules read, one record left out (the trip's own)."""
    query = sa.select(D.id, D.unit_code, D.unit_name, D.depart_on, D.places, D.focus_areas)
    if leave_out is not None:
        query = query.where(D.id != leave_out)
    return [{"id": r.id, "issuer": {"name": r.unit_name, "abbreviation": r.unit_code},
             "depart_on": r.depart_on, "places": list(r.places), "focus_areas": list(r.focus_areas)}
            for r in conn.execute(query.order_by(D.depart_on, D.id))]


def _merged(stored: Mapping, trip: dict) -> tuple[dict, list[str]]:
    """The file's trip with what only the record knew put back: a later stage's section, a document number."""
    merged, kept = _jsonable(trip), []
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


def _keep(existing, trip: dict, facts: dict, profile: Profile, calendar: WorkCalendar) -> tuple[dict, dict, list[str]]:
    """The new trip and facts with what only the record knew put back: (trip, facts, what was kept)."""
    trip, kept = _merged(existing.trip, trip)
    if kept:
        given = {key: facts[key] for key in STAGE_DATES if facts[key] is not None}  # a table's own date columns
        facts = {**_facts(trip, profile, calendar), **given}
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
    return f"{HEADERS[key].lower()} {dmy(getattr(record, key))}"


def _add(conn: sa.Connection, trip: dict, source: str | None, profile: Profile, calendar: WorkCalendar, *,
         on: dt.date | None, force: bool, replace: bool, record_id: int | None) -> Added:
    """One delegation into the register, within the caller's write transaction."""
    try:
        facts = _facts(trip, profile, calendar)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, exc.problems, source=source) from None
    existing = _match(conn, trip, record_id, source=source)
    kept: list[str] = []
    if existing is not None and not replace:
        trip, facts, kept = _keep(existing, trip, facts, profile, calendar)
    history = _history(conn, existing.id if existing is not None else None)
    found = evaluate(trip, HISTORY_RULES, profile, calendar, history)
    if existing is not None and existing.depart_on.year == facts["depart_on"].year:
        # what the record already broke in its year (forced, or recorded before the rule) is not new
        known = {(f.code, f.path) for f in evaluate(validate_trip(existing.trip), HISTORY_RULES, profile, calendar,
                                                   history)}
        found = [f for f in found if (f.code, f.path) not in known]
    if not force and any(f.severity == "error" for f in found):
        raise Refused(MESSAGES["refused"], found, source=source)
    written = _write(conn, facts, existing.id if existing is not None else None, origin="file", source=source)
    row = conn.execute(sa.select(DELEGATIONS).where(D.id == written)).one()
    moved = existing is not None and existing.depart_on != facts["depart_on"]
    return Added(_record(row, on), existing is None, kept, existing.depart_on if moved else None, found)


def _record(row, on: dt.date | None) -> Record:
    m = row._mapping
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
        created_at=utc(m["created_at"]), updated_at=utc(m["updated_at"]), state=state, trip_data=m["trip"],
    )


# --- the flat table ----------------------------------------------------------------------------


def _flat(facts: Mapping) -> dict:
    """A record's (or a parsed row's) values under the table's keys, as Python values."""
    trip = facts["trip"]
    issuer, d = trip["issuer"], trip["delegation"]
    return {
        "unit_name": facts["unit_name"],
        "unit_code": facts["unit_code"],
        "unit_parent": issuer.get("parent") or "",
        "unit_place": issuer["place"],
        "unit_style": STYLE_WORDS[issuer["style"]],
        "depart_on": facts["depart_on"],
        "return_on": facts["return_on"],
        "size": facts["size"],
        "leader_name": facts["leader_name"],
        "leader_position": facts["leader_position"],
        "leader_rank": RANK_WORDS[d["leader"]["rank"]],
        "members": [m["name"] for m in d["members"]],
        "places": list(facts["places"]),
        "focus_areas": list(facts["focus_areas"]),
        "funding_source": facts["funding_source"],
        "funding_amount": facts["funding_amount"],
        "requested_on": facts["requested_on"],
        "escalated_on": facts["escalated_on"],
        "approved_on": facts["approved_on"],
        "reported_on": facts["reported_on"],
    }


def _export_row(record: Record) -> dict:
    return {**_flat(vars(record) | {"trip": record.trip_data}), "id": record.id,
            "report_on_time": ON_TIME_WORDS[record.report_on_time], "state": record.state_label,
            "source": record.source or ""}


def _cell_text(value) -> str:
    """A cell as CSV text: dates dd/mm/yyyy, lists joined by “; ”."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return dmy(value)
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:  # the BOM makes Excel read UTF-8
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([[_cell_text(v) for v in row] for row in rows])


def _write_xlsx(path: Path, header: list[str], rows: list[list]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Sổ đăng ký đoàn"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    amount_column = [key for key, _ in TABLE_COLUMNS].index("funding_amount")
    for row in rows:
        sheet.append([v if isinstance(v, (dt.date, int)) or v is None else _cell_text(v) for v in row])
        for i, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.cell(sheet.max_row, i + 1).number_format = "DD/MM/YYYY"
            elif i == amount_column and value is not None:
                sheet.cell(sheet.max_row, i + 1).number_format = "#,##0"
    sheet.freeze_panes = "A2"
    for i, title in enumerate(header, 1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(12, min(40, len(title) + 4))
    book.save(path)


_TABLE_WRITERS = {".csv": _write_csv, ".xlsx": _write_xlsx}


def _read_table(path: Path, sheet: str | None) -> tuple[dict[str, str], list[tuple[int, dict]], list[str]]:
    """(header as written -> key, [(row number, {header: cell})] for the rows below the header, notes on how the
    table was read), through the reader batch uses; the columns the register does not keep are left out."""
    problems = []
    with tables.open_table(path, sheet=sheet) as table:
        columns = {h.title: h.column.key for h in table.headings if h.column and h.column.key in HEADERS}
        present = set(columns.values())
        if not present & {"unit_code", "unit_name"}:
            problems.append(_cell(table.header_row, None, MESSAGES["missing_column"].format(column=HEADERS["unit_code"])))
        for key in ("depart_on", "leader_name"):
            if key not in present:
                problems.append(_cell(table.header_row, None, MESSAGES["missing_column"].format(column=HEADERS[key])))
        if not present & {"size", "members"}:
            problems.append(_cell(table.header_row, None, MESSAGES["missing_size"]))
        if problems:
            raise InvalidInput(MESSAGES["bad_rows"].format(count=len(problems)), problems, source=str(path))
        body = []
        for row in table:
            if row.error:
                problems.append(_cell(row.number, None, row.error))
            else:
                body.append((row.number, {title: row.values[title] for title in columns}))
    if problems:
        raise InvalidInput(MESSAGES["bad_rows"].format(count=len(problems)), problems, source=str(path))
    return columns, body, table.notes


def _cell(row: int, column: str | None, message: str) -> Problem:
    return Problem(f"dòng {row}" + (f", cột {column}" if column else ""), message)


# Where validate_trip's paths point in the table, for its messages.
_PATH_COLUMNS = (
    ("issuer.name", "unit_name"), ("issuer.abbreviation", "unit_code"), ("issuer.parent", "unit_parent"),
    ("issuer.place", "unit_place"), ("issuer.style", "unit_style"), ("delegation.leader.name", "leader_name"),
    ("delegation.leader.position", "leader_position"), ("delegation.leader.rank", "leader_rank"),
    ("delegation.members", "members"), ("delegation.stops", "places"), ("delegation.focus_areas", "focus_areas"),
    ("delegation.funding.source", "funding_source"), ("delegation.funding.amount", "funding_amount"),
    ("report", "reported_on"),
)


def _row_facts(number: int, cells: dict, columns: dict[str, str], known: dict, default_place: str | None,
               profile: Profile, calendar: WorkCalendar) -> tuple[dict | None, list[Problem]]:
    """One table row as record columns, or the problems of its cells."""
    title = {key: t for t, key in columns.items()}
    values = {key: cells[t] for t, key in columns.items()}
    problems: list[Problem] = []

    def where(key: str) -> str:
        return title.get(key, HEADERS.get(key, key))

    def text(key: str) -> str:
        value = values.get(key)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return unicodedata.normalize("NFC", str(value)).strip()

    def items(key: str) -> list[str]:
        return [part for part in LIST_SEPARATORS.split(text(key)) if part]

    def date(key: str) -> dt.date | None:
        value = values.get(key)
        if isinstance(value, (dt.date, dt.datetime)):
            return parse_date(value)
        if value is None or not text(key):
            return None
        if isinstance(value, (int, float)):
            problems.append(_cell(number, where(key), MESSAGES["not_date"].format(value=text(key))))
            return None
        try:
            return parse_date(text(key))
        except ValueError as exc:
            problems.append(_cell(number, where(key), str(exc)))
            return None

    def required(key: str) -> None:
        if not text(key):
            problems.append(_cell(number, where(key), MESSAGES["blank"]))

    depart, back = date("depart_on"), date("return_on")
    dates = {key: date(key) for key in ("requested_on", "escalated_on", "approved_on", "reported_on")}
    required("depart_on")
    required("leader_name")
    if depart and back and back < depart:
        problems.append(_cell(number, where("return_on"), MESSAGES["return_before"].format(back=dmy(back),
                                                                                           depart=dmy(depart))))
    # The unit: its code from the table or from the register by its name; the rest from its earlier records.
    name, code = text("unit_name"), text("unit_code")
    earlier = (code and known.get(focus_key(code))) or (name and known.get(("name", focus_key(name)))) or {}
    if not code and not name:
        required("unit_code" if "unit_code" in title else "unit_name")
    elif not code:
        if earlier:
            code = earlier["abbreviation"]
        else:
            problems.append(_cell(number, where("unit_code"), MESSAGES["no_code"].format(name=name)))
    elif not name and not earlier:
        problems.append(_cell(number, where("unit_name"), MESSAGES["no_name"].format(code=code)))
    place = text("unit_place") or earlier.get("place") or (default_place or "").strip()
    if not place and (code or name):
        problems.append(_cell(number, where("unit_place"), MESSAGES["no_place"]))
    # The people: the leader, then the members by name, or placeholders when only a count is known.
    members = [item.split("|")[0].strip() for item in items("members")]  # batch's “Họ tên | chức vụ | đơn vị”
    size = None
    if text("size"):
        size_text = text("size")
        if size_text.isdigit() and int(size_text) >= 1:
            size = int(size_text)
        else:
            problems.append(_cell(number, where("size"), MESSAGES["not_count"].format(value=size_text)))
    elif not members:
        required("size" if "size" in title else "members")
    if size is not None and members and size != 1 + len(members):
        problems.append(_cell(number, where("size"), MESSAGES["size_mismatch"].format(size=size,
                                                                                      members=len(members))))
    if size is not None and not members:
        members = [PLACEHOLDER_MEMBER.format(n=n) for n in range(2, size + 1)]
    if problems:
        return None, problems

    leader, position = text("leader_name"), text("leader_position")
    end = back or depart
    amount = values.get("funding_amount")
    if isinstance(amount, float) and amount.is_integer():
        amount = int(amount)
    trip = {
        "policy": profile.id,
        "issuer": {"name": name or earlier["name"], "abbreviation": code, "place": place,
                   "parent": text("unit_parent") or earlier.get("parent"),
                   "style": text("unit_style") or earlier.get("style") or "state"},
        "delegation": {
            "focus_areas": items("focus_areas"),
            "leader": {"name": leader, "position": position, "rank": text("leader_rank") or "other"},
            "members": [{"name": m} for m in members],
            "depart_on": depart, "return_on": back,
            "stops": [{"place": p, "start": depart, "end": end} for p in items("places")],
            "funding": {"source": text("funding_source"), "amount": amount if text("funding_amount") else None},
        },
    }
    if dates["reported_on"]:  # the leader sends the report (R07), so the leader signs it
        trip["report"] = {"date": dates["reported_on"], "signer": {"name": leader, "title": position or "Trưởng đoàn"}}
    try:
        trip = validate_trip(trip)
    except InvalidInput as exc:
        for p in exc.problems:
            key = next((k for prefix, k in _PATH_COLUMNS if p.path == prefix or p.path.startswith(prefix)), None)
            problems.append(_cell(number, where(key) if key else p.path, p.message))
        return None, problems
    facts = _facts(trip, profile, calendar)
    facts.update({key: day for key, day in dates.items() if key != "reported_on"})  # no section for them
    return facts, []


def _known_units(conn: sa.Connection) -> dict:
    """Each unit's issuer as its latest record names it: by code key, and by ("name", name key)."""
    known: dict = {}
    for trip in conn.execute(sa.select(D.trip).order_by(D.depart_on, D.updated_at)).scalars():
        issuer = trip["issuer"]
        known[focus_key(issuer["abbreviation"])] = issuer
        known[("name", focus_key(issuer["name"]))] = issuer
    return known
