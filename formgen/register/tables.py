"""The register as the flat table a committee keeps: export to .csv/.xlsx, import through the one table
reader (formgen.tables), each row a minimal delegation."""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import sqlalchemy as sa

from .. import tables
from ..calendar import WorkCalendar
from ..dates import parse_date
from ..errors import InvalidInput, Problem
from ..files import refuse_existing, write_atomically
from ..model import validate_trip
from ..policy import Profile
from ..policy.limits import unit_key
from ..policy.profile import focus_key
from ..vn import dmy
from .messages import MESSAGES
from .records import Record, facts_of, keep_known, natural_key, profile_for, same_delegation, upsert
from .storage import DELEGATIONS, D, Storage

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


@dataclass(frozen=True)
class ImportResult:
    """What an import did, by record id."""

    added: list[int]
    updated: list[int]
    unchanged: list[int]
    notes: list[str] = field(default_factory=list)   # how the table was read (its encoding, its sheet)

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "notes": self.notes}



def export_table(register, path: str | os.PathLike, *, unit: str | None = None, year: int | None = None,
                 on: dt.date | None = None, overwrite: bool = False) -> int:
    """Write the register (or a unit's, a year's part) as .csv (UTF-8 with BOM) or .xlsx, Vietnamese
    headers, one row per delegation; the file is written whole or not at all, and an existing one is
    refused unless overwrite. Returns the row count."""
    path = Path(path)
    writer = writer_for(path, _TABLE_WRITERS, MESSAGES["table_type"], overwrite)
    rows = [_export_row(r) for r in register.list(unit=unit, year=year, on=on)]
    header = [HEADERS[key] for key, _ in TABLE_COLUMNS]
    table = [[row[key] for key, _ in TABLE_COLUMNS] for row in rows]
    write_atomically(path, lambda tmp: writer(Path(tmp), header, table), overwrite=overwrite)
    return len(rows)


def writer_for(path: Path, writers: dict, wrong_type: str, overwrite: bool):
    """The writer for the file's suffix, once its folder exists and (without overwrite) its name is free."""
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise InvalidInput(wrong_type.format(name=path.name))
    if not path.parent.is_dir():
        raise InvalidInput(MESSAGES["table_write"].format(path=path, reason="thư mục không tồn tại"))
    if not overwrite:
        refuse_existing(path)
    return writer


def import_table(store: Storage, path: str | os.PathLike, *, profile: Profile | str | None = None,
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
    prof = profile_for(profile, None)
    cal = calendar or WorkCalendar()
    columns, rows, notes = _read_table(path, sheet)
    with store.transaction(write=True) as conn:
        known = _known_units(conn)
        problems, parsed = [], []
        seen: dict[tuple, int] = {}
        for number, cells in rows:
            facts, row_problems = _row_facts(number, cells, columns, known, place, prof, cal)
            problems += row_problems
            if facts is None:
                continue
            key = natural_key(facts)
            if key in seen:
                problems.append(_cell(number, None, MESSAGES["twice_row"].format(first=seen[key])))
                continue
            seen[key] = number
            parsed.append((number, facts))
        result = ImportResult([], [], [], notes)
        for number, facts in parsed:
            existing = conn.execute(sa.select(DELEGATIONS).where(*same_delegation(*natural_key(facts)))).first()
            if existing is not None:
                facts = keep_known(existing, facts["trip"], facts, prof, cal)[1]  # a blank cell erases nothing
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
            record_id, added = upsert(conn, facts, origin="table", source=f"{path.name}, dòng {number}")
            (result.added if added else result.updated).append(record_id)
        if problems:
            raise InvalidInput(MESSAGES["bad_rows"].format(count=len(problems)), problems, source=str(path))
    return result

# the machinery --------------------------------------------------------------------------


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
    earlier = (code and known.get(unit_key(code))) or (name and known.get(("name", focus_key(name)))) or {}
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
    facts = facts_of(trip, profile, calendar)
    facts.update({key: day for key, day in dates.items() if key != "reported_on"})  # no section for them
    return facts, []


def _known_units(conn: sa.Connection) -> dict:
    """Each unit's issuer as its latest record names it: by code key, and by ("name", name key)."""
    known: dict = {}
    for trip in conn.execute(sa.select(D.trip).order_by(D.depart_on, D.updated_at)).scalars():
        issuer = trip["issuer"]
        known[unit_key(issuer["abbreviation"])] = issuer
        known[("name", focus_key(issuer["name"]))] = issuer
    return known
