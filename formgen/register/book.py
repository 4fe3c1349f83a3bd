"""The Register: one object a program opens, over the storage, the records and the tables."""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Iterator

import sqlalchemy as sa

from ..calendar import WorkCalendar
from ..errors import InvalidInput
from ..deadlines import report_deadline
from ..model import Valid, stored_trip, validate_annual, validate_trip
from ..policy import Profile
from ..policy.limits import unit_key
from . import outgoing, tables
from .messages import MESSAGES
from .outgoing import Entry, Issue
from .records import (Added, Due, Record, add_trip, delete_record, history_of, identifiable, in_year, match,
                      profile_for, record_from_row, record_id_of, state_code, state_is, text_or_none, trip_of,
                      upgrade_trips)
from .storage import DELEGATIONS, D, Storage, add_stored_forms
from .tables import ImportResult


LISTED = tuple(c for c in DELEGATIONS.c if c.name != "trip")  # what a listing reads: all but the stored trip


@dataclass(frozen=True)
class Page:
    """One page of a listing: its records, and where it stands in the whole (pages count from 1)."""

    records: list[Record]
    total: int      # the records the filters select, on every page
    page: int
    limit: int | None

    @property
    def pages(self) -> int:
        return 1 if not self.limit else max(1, -(-self.total // self.limit))

    @property
    def first(self) -> int:
        """The number (from 1) of the page's first record in the whole listing; 0 for an empty page."""
        return (self.page - 1) * (self.limit or 0) + 1 if self.records else 0

    def as_dict(self) -> dict:
        return {"page": self.page, "pages": self.pages, "limit": self.limit, "total": self.total}


class Register(Storage):
    """A register of delegations at a path (SQLite) or a database URL (postgresql+psycopg://...).

    Opening creates a missing SQLite file and upgrades an older schema; `close()` (or `with`) ends it.
    """

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def after_migrations(self, conn: sa.Connection, ran: list) -> None:
        """A register from before the stored forms: every stored trip validated once more, stored in today's form."""
        if add_stored_forms in ran:
            upgrade_trips(conn)

    @cached_property
    def _calendar(self) -> WorkCalendar:
        """Vietnam's calendar, built once for the register: its years' working days are counted once, not per add."""
        return WorkCalendar()

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
        items = [(trip, text_or_none(source)) for trip, source in items]
        for trip, source in items:
            if "delegation" not in trip:
                raise InvalidInput(MESSAGES["not_a_trip"], source=source)
        if record_id is not None:
            if len(items) != 1:
                raise InvalidInput(MESSAGES["one_id"])
            record_id = record_id_of(record_id)
        cal = calendar or self._calendar
        with self.transaction(write=True) as conn:
            return [add_trip(conn, trip, source, profile_for(profile, trip), cal, on=on, force=force, replace=replace,
                             record_id=record_id) for trip, source in items]

    def remove(self, record_id: int | str) -> Record:
        """Take a delegation out of the register (entered by mistake); the removed record is returned."""
        record_id = record_id_of(record_id)
        with self.transaction(write=True) as conn:
            row = conn.execute(sa.select(DELEGATIONS).where(D.id == record_id)).first()
            if row is None:
                raise InvalidInput(MESSAGES["no_record"].format(id=record_id))
            delete_record(conn, record_id)
        return record_from_row(row, None)

    # reading ------------------------------------------------------------------------------

    def get(self, record_id: int | str, *, on: dt.date | None = None) -> Record:
        """One delegation by its number; InvalidInput when there is none."""
        record_id = record_id_of(record_id)
        with self.transaction() as conn:
            row = conn.execute(sa.select(DELEGATIONS).where(D.id == record_id)).first()
        if row is None:
            raise InvalidInput(MESSAGES["no_record"].format(id=record_id))
        return record_from_row(row, on)

    def list(self, unit: str | None = None, year: int | None = None, state: str | None = None, *,
             on: dt.date | None = None, overdue: bool = False, limit: int | None = None, offset: int = 0,
             trip: bool = True, profile: Profile | str | None = None,
             calendar: WorkCalendar | None = None) -> list[Record]:
        """Delegations by departure date, filtered by unit code, departure year, state on `on` (today), and
        (overdue=True) whose report is overdue on that day; `limit` of them after the first `offset`.

        With trip=False the records do not carry their stored trips (Record.trip() needs them): a listing
        to show reads much less (page() reads that way by default)."""
        return self.page(unit, year, state, on=on, overdue=overdue, limit=limit, offset=offset, trip=trip,
                         profile=profile, calendar=calendar, count=False).records

    def page(self, unit: str | None = None, year: int | None = None, state: str | None = None, *,
             on: dt.date | None = None, overdue: bool = False, page: int = 1, limit: int | None = None,
             offset: int | None = None, trip: bool = False, profile: Profile | str | None = None,
             calendar: WorkCalendar | None = None, count: bool = True, leave_out: frozenset[int] = frozenset()) -> Page:
        """Page `page` (from 1) of list(...), `limit` records a page (None: all), and how many the filters select.

        `profile` and `calendar` decide the deadlines of overdue=True (as in overdue()); count=False skips
        the count (total is then the page's own length); leave_out: record ids neither listed nor counted (e.g.
        the overdue ones a page shows first)."""
        if isinstance(page, bool) or not isinstance(page, int) or page < 1 or (
                limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1)):
            raise InvalidInput(MESSAGES["bad_page"].format(page=page, limit=limit))
        on = on or dt.date.today()
        wanted = state_code(state) if state is not None else None
        where = self._filters(unit, year)
        if leave_out:
            where.append(D.id.not_in(sorted(leave_out)))
        offset = offset if offset is not None else (page - 1) * limit if limit else 0
        with self.transaction() as conn:
            if overdue:  # few records, their deadlines computed: filtered and paged here
                late = sorted((d.record for d in self._due(conn, on, 0, profile, calendar, where, trip)
                               if d.overdue and wanted in (None, d.record.state)), key=lambda r: (r.depart_on, r.id))
                return Page(late[offset:offset + limit if limit is not None else None], len(late), page, limit)
            if wanted is not None:
                where.append(state_is(wanted, on))
            query = sa.select(*(DELEGATIONS.c if trip else LISTED)).order_by(D.depart_on, D.id)
            if limit is None and not offset:
                query = query.where(*where)
            else:  # the page's numbers first, by the listing's index; only then its rows (a skipped row is not read)
                numbers = sa.select(D.id).where(*where).order_by(D.depart_on, D.id).limit(limit).offset(offset or None)
                query = query.where(D.id.in_(numbers))
            records = [record_from_row(row, on) for row in conn.execute(query)]
            total = (conn.execute(sa.select(sa.func.count()).select_from(DELEGATIONS).where(*where)).scalar()
                     if count else len(records))
        return Page(records, total, page, limit)

    @staticmethod
    def _filters(unit: str | None, year: int | None) -> list:
        where = []
        if unit is not None:
            where.append(D.unit_key == unit_key(unit))
        if year is not None:
            where += in_year(year)
        return where

    def history(self, trip: dict) -> list[dict]:
        """The other delegations the register's rules can find for this trip, in the shape they read: its unit's
        in its departure year (R03) and those that went to one of its places on one of its focus areas (R10);
        this trip's own record left out. Data that is not one delegation gets every other one."""
        if "delegation" in trip and not isinstance(trip, Valid):  # e.g. a request's JSON, not read through the schema
            try:
                trip = validate_trip(trip)
            except InvalidInput:
                return self.history({})  # the check that follows reports the data; its rules read every delegation
        with self.transaction() as conn:
            own = match(conn, trip, strict=False) if identifiable(trip) else None
            return history_of(conn, own.id if own is not None else None, trip if "delegation" in trip else None)

    def overdue(self, on: dt.date, within: int = 0, *, profile: Profile | str | None = None,
                calendar: WorkCalendar | None = None, unit: str | None = None) -> list[Due]:
        """Delegations back without a report whose deadline (WORKDAY(return, +report window)) is before
        `on` (overdue) or at most `within` working days after it (due soon), earliest deadline first; with
        `unit`, that unit's only. The records are read without their trips (Record.trip_data is None), as a
        listing reads them."""
        with self.transaction() as conn:
            return self._due(conn, on, within, profile, calendar, self._filters(unit, None))

    def overdue_first(self, on: dt.date, *, unit: str | None = None, page: int = 1,
                      limit: int = 50) -> tuple[list[tuple[Record, Due | None]], int, int]:
        """Page `page` of the unit's records (every unit's without one) with the overdue reports first, earliest
        deadline first, then the others by departure, each once: ([(record, its Due if overdue)], how many
        records in all, how many of them overdue)."""
        late = [d for d in self.overdue(on, unit=unit) if d.overdue]
        start = (page - 1) * limit
        first = late[start:start + limit]
        rest = self.page(unit=unit, on=on, limit=max(1, limit - len(first)), offset=max(0, start - len(late)),
                         leave_out=frozenset(d.record.id for d in late))
        rows = [(d.record, d) for d in first] + [(r, None) for r in rest.records[:limit - len(first)]]
        return rows, len(late) + rest.total, len(late)

    @staticmethod
    def _due(conn: sa.Connection, on: dt.date, within: int, profile: Profile | str | None,
             calendar: WorkCalendar | None, where: list, trip: bool = False) -> list[Due]:
        """overdue(), among the records `where` selects."""
        cal = calendar or WorkCalendar()
        # a deadline is never before its return date, and one on or after the (within + 1)-th working day
        # after `on` is neither overdue nor due within `within` days: later returns need no deadline at all
        beyond = cal.add_working_days(on, within + 1)
        query = (sa.select(*(DELEGATIONS.c if trip else LISTED))
                 .where(D.reported_on.is_(None), D.return_on.is_not(None), D.return_on < beyond, *where)
                 .order_by(D.return_on, D.id))
        profiles: dict[str | None, Profile] = {}
        deadlines: dict[tuple, tuple[dt.date, tuple]] = {}
        due = []
        for row in conn.execute(query):
            record = record_from_row(row, on)
            if record.policy not in profiles:
                profiles[record.policy] = profile_for(profile, {"policy": record.policy})
            prof = profiles[record.policy]
            key = (prof.id, record.depart_on, record.return_on)
            if key not in deadlines:  # R07's deadline, as compute_deadlines() gives it, and what to check of it
                found = report_deadline(record.depart_on, record.return_on, prof, cal)
                deadlines[key] = found, cal.unchecked(record.return_on, found)
            deadline, unchecked = deadlines[key]
            if deadline < on:
                due.append(Due(record, deadline, True, cal.working_days_between(deadline, on), unchecked))
            elif (left := cal.working_days_between(on, deadline)) <= within:
                due.append(Due(record, deadline, False, left, unchecked))
        return sorted(due, key=lambda x: (x.deadline, x.record.id))

    def trips(self, unit: str, year: int) -> list[dict]:
        """The unit's delegations departing in `year`, as validated trips (stored so), for the annual report (R11)."""
        query = (sa.select(D.id, D.trip, D.trip_form).where(*self._filters(unit, year))
                 .order_by(D.depart_on, D.id))
        with self.transaction() as conn:
            return [trip_of(row.trip, row.trip_form, row.id) for row in conn.execute(query)]

    def units(self, year: int) -> list[tuple[str, str]]:
        """(code, name) of every unit with a delegation departing in `year`, by code."""
        query = (sa.select(D.unit_key, D.unit_code, D.unit_name).where(*in_year(year))
                 .order_by(D.updated_at, D.id))
        with self.transaction() as conn:
            latest = {row.unit_key: (row.unit_code, row.unit_name) for row in conn.execute(query)}
        return sorted(latest.values(), key=lambda unit: unit_key(unit[0]))

    def issuer(self, unit: str) -> dict:
        """The unit as its most recent delegation names it (name, parent, place, style)."""
        query = (sa.select(D.trip).where(D.unit_key == unit_key(unit))
                 .order_by(D.depart_on.desc(), D.updated_at.desc()).limit(1))
        with self.transaction() as conn:
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
        return Valid(data)  # the delegations were validated when stored: render() takes them as they are

    # outgoing documents (sổ đăng ký văn bản đi) ---------------------------------------------

    @contextmanager
    def issuing(self, kind: str, data: dict, *, source: str | os.PathLike | None = None) -> Iterator[Issue]:
        """The number of one outgoing document, held in a write transaction while the caller renders it.

        Yields an Issue whose `trip` carries the number (the document's own again, the one typed in the file
        once checked, or the sequence's next); the caller renders from it, calls issue.describe(context), and
        when the block ends the number is recorded and committed. Any failure inside rolls everything back:
        no number is used, nothing recorded. A typed number another document has is InvalidInput.
        """
        with self.transaction(write=True) as conn:
            issue = outgoing.prepare(conn, kind, data, text_or_none(source))
            yield issue
            outgoing.record(conn, issue)

    def cancel(self, *, reason: str, by: str, entry_id: int | str | None = None, unit: str | None = None,
               year: int | None = None, number: int | None = None, type_abbr: str | None = None) -> Entry:
        """Record an issued number as cancelled (withdrawn) by `by` for `reason`; found by its entry id, or by
        unit, year of its date and number (and type, where the format numbers each type)."""
        entry_id = record_id_of(entry_id) if entry_id is not None else None
        with self.transaction(write=True) as conn:
            return outgoing.cancel(conn, reason=reason, by=by, entry_id=entry_id, unit=unit, year=year,
                                   number=number, type_abbr=type_abbr)

    def outgoing(self, year: int, unit: str | None = None) -> list[Entry]:
        """The outgoing numbers of `year` (issued and cancelled), unit by unit, by sequence and number."""
        with self.transaction() as conn:
            return outgoing.entries(conn, year, unit)

    def write_book(self, path: str | os.PathLike, year: int, unit: str | None = None, *,
                   overwrite: bool = False) -> int:
        """Write the Sổ đăng ký văn bản đi of `year` (one unit, or each unit on its own sheet/pages) as .xlsx or
        .pdf (register.ledger); returns the number of rows."""
        from .ledger import write_book  # openpyxl and reportlab only when a book is written
        with self.transaction() as conn:
            entries = outgoing.entries(conn, year, unit)
            parents = outgoing.parents(conn, [e.unit_code for e in entries])
        return write_book(entries, path, year, unit=unit, parents=parents, overwrite=overwrite)

    # tables -------------------------------------------------------------------------------

    def export_table(self, path: str | os.PathLike, *, unit: str | None = None, year: int | None = None,
                     on: dt.date | None = None, overwrite: bool = False) -> int:
        """Write the register (or a unit's, a year's part) as .csv or .xlsx (register.tables.export_table)."""
        return tables.export_table(self, path, unit=unit, year=year, on=on, overwrite=overwrite)

    def import_table(self, path: str | os.PathLike, *, profile: Profile | str | None = None,
                     calendar: WorkCalendar | None = None, place: str | None = None,
                     sheet: str | None = None) -> ImportResult:
        """Add or update the delegations of a .csv or .xlsx table, all or none (register.tables.import_table)."""
        return tables.import_table(self, path, profile=profile, calendar=calendar, place=place, sheet=sheet)
