"""The outgoing documents' numbers (sổ đăng ký văn bản đi): the sequence a document belongs to, its next
number, a typed number checked, a number cancelled; all inside the register's write transactions.

The sequence's scope is the format's (formats/*.yaml, `numbering`): a state body numbers every document of a
year from 01 on 1 January (NĐ 30/2020, Điều 15); a Party committee numbers each type of document from 01 in
each committee term (HD 36-HD/VPTW, II.1.3.1.a). The next number is the sequence's highest plus one, taken
under the writers' lock in the transaction that records the document, so two writers never share a number
and a failed render leaves no trace. A cancelled number stays in the register with who, when and why.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..documents import KINDS
from ..errors import InvalidInput, Problem
from ..formats import load_format, notation
from ..model import Valid
from ..policy.limits import unit_key
from ..policy.profile import focus_key
from ..vn import dmy
from .messages import MESSAGES
from .storage import OUT, OUTGOING, D

ISSUED, CANCELLED = "issued", "cancelled"


@dataclass(frozen=True)
class Entry:
    """One number of the outgoing register, as the book prints it."""

    id: int
    unit_code: str
    unit_name: str
    sequence: str
    number: int
    notation: str
    kind: str
    issued_on: dt.date
    title: str
    signer: str
    recipients: list[str]
    keeper: str
    copies: int
    typed: bool
    source: str | None
    status: str
    cancelled_at: dt.datetime | None
    cancelled_by: str | None
    cancel_reason: str | None

    @property
    def note(self) -> str:
        """The book's “Ghi chú”: a cancelled number says so, with who, when and why."""
        if self.status != CANCELLED:
            return ""
        return MESSAGES["cancelled_note"].format(on=dmy(self.cancelled_at.date()), by=self.cancelled_by,
                                                 reason=self.cancel_reason)

    def as_dict(self) -> dict:
        return {"id": self.id, "unit_code": self.unit_code, "unit_name": self.unit_name, "sequence": self.sequence,
                "number": self.number, "notation": self.notation, "kind": self.kind,
                "issued_on": self.issued_on.isoformat(), "title": self.title, "signer": self.signer,
                "recipients": self.recipients, "keeper": self.keeper, "copies": self.copies, "typed": self.typed,
                "source": self.source, "status": self.status,
                "cancelled_at": self.cancelled_at.isoformat() if self.cancelled_at else None,
                "cancelled_by": self.cancelled_by, "cancel_reason": self.cancel_reason}


@dataclass
class Issue:
    """A number being given to one document, inside the write transaction that will record it."""

    trip: dict             # the data with the number in the document's section: what the renderer reads
    kind: str
    number: int
    notation: str
    sequence: str
    scope: str             # the sequence as a văn thư says it: “năm 2024”
    reused: bool           # the document had this number already (rendered again)
    typed: bool            # the number was written in the file
    warnings: list[Problem]
    existing: int | None   # the row of the document's earlier rendering
    source: str | None
    book: dict | None = None

    def describe(self, context: dict) -> None:
        """The book's columns, from the rendered document's context: what it says is what is recorded."""
        title = f"{context['type_title'].capitalize()} {context['subject'][:1].lower()}{context['subject'][1:]}"
        items = [re.sub(r"^-\s*", "", line).rstrip(";.").strip() for line in context["cc"]]
        keeper = re.sub(r"^Lưu:?\s*", "", items[-1]) if items else ""
        others = [item for item in items[:-1] if focus_key(item) != focus_key("Như trên")]
        recipients = [context["recipient"]] if context.get("recipient") else []
        recipients += others
        holders = [h for h in re.split(r"\s*,\s*", keeper) if h]
        self.book = {"title": title, "signer": context["signer_name"], "recipients": recipients, "keeper": keeper,
                     "copies": len(recipients) + max(1, len(holders))}

    def as_dict(self) -> dict:
        return {"number": self.number, "notation": self.notation, "sequence": self.sequence, "scope": self.scope,
                "reused": self.reused, "typed": self.typed}


def document_key(kind: str, data: dict) -> str:
    """Which document this is, whatever its number: its kind and its delegation (or, for the annual, its year)."""
    if kind == "annual":
        return f"annual|{data['year']}"
    d = data["delegation"]
    if d["depart_on"] is None or not d["leader"]["name"]:
        raise InvalidInput(MESSAGES["not_numberable"],
                           [Problem("delegation.depart_on" if d["depart_on"] is None else "delegation.leader.name",
                                    MESSAGES["needs"].format(what="ngày đi và họ tên trưởng đoàn"))])
    return f"{kind}|{d['depart_on'].isoformat()}|{focus_key(d['leader']['name'])}"


def sequence_of(fmt: dict, issuer: dict, day: dt.date, type_abbr: str, type_title: str) -> tuple[str, str]:
    """(the sequence's key, its words) for a document of `type_abbr` dated `day`, as the format scopes it."""
    numbering = fmt["numbering"]
    if numbering["period"] == "year":
        key, words = str(day.year), f"năm {day.year}"
    elif numbering["period"] == "term":
        start = issuer.get("term_start")
        if start is None:
            _refuse("issuer.term_start", MESSAGES["no_term"].format(basis=fmt["basis"]))
        if day < start:
            _refuse("issuer.term_start", MESSAGES["before_term"].format(day=dmy(day), start=dmy(start)))
        key, words = f"nk-{start.isoformat()}", f"nhiệm kỳ từ {dmy(start)}"
    else:
        raise InvalidInput(MESSAGES["bad_period"].format(style=fmt["id"], period=numbering["period"]))
    if numbering["per_type"]:
        key, words = f"{key}|{type_abbr}", f"{words}, {type_title.lower()}"
    return key, words


def _refuse(path: str, message: str, source: str | None = None):
    """Bad input about one field: the whole sentence is the field's problem, as the command line prints it."""
    raise InvalidInput(message, [Problem(path, message)], source=source)


def _next_number(conn: sa.Connection, unit: str, sequence: str) -> int:
    highest = conn.execute(sa.select(sa.func.max(OUT.number))
                           .where(OUT.unit_key == unit, OUT.sequence == sequence)).scalar()
    return (highest or 0) + 1


def prepare(conn: sa.Connection, kind: str, data: dict, source: str | None) -> Issue:
    """The number of the document of `kind` in `data`: its own again, the one typed in the file (checked), or
    the sequence's next. Call within a write transaction; record() writes it in the same one."""
    k = KINDS[kind]
    issuer, doc = data["issuer"], data[k.section]
    fmt = load_format(issuer["style"])
    try:
        sequence, scope = sequence_of(fmt, issuer, doc["date"], k.type_abbr, k.type_title)
        key = document_key(kind, data)
    except InvalidInput as exc:
        exc.source = exc.source or source  # the file whose data cannot be numbered
        raise
    unit = unit_key(issuer["abbreviation"])
    mine = conn.execute(sa.select(OUTGOING).where(OUT.unit_key == unit, OUT.document_key == key,
                                                  OUT.status == ISSUED).order_by(OUT.id.desc())).first()
    if mine is not None and mine.sequence != sequence:
        raise InvalidInput(MESSAGES["other_sequence"].format(notation=mine.notation, day=dmy(mine.issued_on),
                                                             scope=scope, id=mine.id), source=source)
    typed, following = doc["number"], _next_number(conn, unit, sequence)
    warnings = []
    if typed is None:
        number = mine.number if mine is not None else following
    else:
        if mine is not None and mine.number != typed:
            _refuse(f"{k.section}.number", MESSAGES["renumbered"].format(notation=mine.notation, typed=typed,
                                                                        id=mine.id), source)
        taken = conn.execute(sa.select(OUTGOING).where(OUT.unit_key == unit, OUT.sequence == sequence,
                                                       OUT.number == typed)).first()
        if taken is not None and (mine is None or taken.id != mine.id):
            template = "typed_cancelled" if taken.status == CANCELLED else "typed_taken"
            _refuse(f"{k.section}.number", MESSAGES[template].format(
                number=taken.notation, scope=scope, id=taken.id, title=taken.title, day=dmy(taken.issued_on),
                source=taken.source or "không rõ tệp"), source)
        number = typed
        if mine is None and typed > following:
            warnings.append(Problem(f"{k.section}.number", MESSAGES["typed_ahead"].format(
                typed=typed, scope=scope, following=following), severity="warning"))
    numbered = Valid({**data, k.section: {**doc, "number": number}}, getattr(data, "notes", ()))
    return Issue(trip=numbered, kind=kind, number=number, sequence=sequence, scope=scope,
                 notation=notation(fmt, number, k.type_abbr, issuer["abbreviation"]),
                 reused=mine is not None, typed=typed is not None, warnings=warnings,
                 existing=mine.id if mine is not None else None, source=source)


def record(conn: sa.Connection, issue: Issue) -> int:
    """Write the issued number (a new row, or the document's row again): its id."""
    if issue.book is None:
        raise ValueError("Issue.describe() was not called")  # a bug in the caller, not bad input
    data, k = issue.trip, KINDS[issue.kind]
    issuer, doc = data["issuer"], data[k.section]
    now = _now()
    values = {"unit_key": unit_key(issuer["abbreviation"]), "unit_code": issuer["abbreviation"],
              "unit_name": issuer["name"], "sequence": issue.sequence, "number": issue.number,
              "notation": issue.notation, "kind": issue.kind, "type_abbr": k.type_abbr,
              "document_key": document_key(issue.kind, data), "issued_on": doc["date"], "year": doc["date"].year,
              **issue.book, "typed": issue.typed, "source": issue.source, "status": ISSUED, "updated_at": now}
    if issue.existing is not None:
        if issue.source is None:
            del values["source"]  # rendered again from data without a file: the file it came from stays named
        conn.execute(sa.update(OUTGOING).where(OUT.id == issue.existing).values(**values))
        return issue.existing
    return conn.execute(sa.insert(OUTGOING).values(**values, created_at=now)).inserted_primary_key[0]


def cancel(conn: sa.Connection, *, reason: str, by: str, entry_id: int | None = None, unit: str | None = None,
           year: int | None = None, number: int | None = None, type_abbr: str | None = None) -> Entry:
    """Mark one issued number cancelled (withdrawn), with who and why; it stays in the book, never reused."""
    if not (reason or "").strip():
        raise InvalidInput(MESSAGES["no_reason"])
    if not (by or "").strip():
        raise InvalidInput(MESSAGES["no_by"])
    if entry_id is not None:
        rows = conn.execute(sa.select(OUTGOING).where(OUT.id == entry_id)).all()
        wanted = f"số đăng ký {entry_id}"
    else:
        if unit is None or year is None or number is None:
            raise InvalidInput(MESSAGES["cancel_which"])
        query = sa.select(OUTGOING).where(OUT.unit_key == unit_key(unit), OUT.year == year, OUT.number == number)
        if type_abbr:
            query = query.where(sa.func.lower(OUT.type_abbr) == type_abbr.lower())
        rows = conn.execute(query.order_by(OUT.id)).all()
        wanted = f"số {number} năm {year} của đơn vị {unit}" + (f" (loại {type_abbr})" if type_abbr else "")
    if not rows:
        raise InvalidInput(MESSAGES["no_number"].format(wanted=wanted))
    if len(rows) > 1:
        choices = "; ".join(f"{r.notation} ngày {dmy(r.issued_on)} (--id {r.id})" for r in rows)
        raise InvalidInput(MESSAGES["ambiguous_number"].format(wanted=wanted, choices=choices))
    row = rows[0]
    if row.status == CANCELLED:
        raise InvalidInput(MESSAGES["already_cancelled"].format(
            notation=row.notation, on=dmy(row.cancelled_at.date()), by=row.cancelled_by, reason=row.cancel_reason))
    now = _now()
    conn.execute(sa.update(OUTGOING).where(OUT.id == row.id).values(
        status=CANCELLED, cancelled_at=now, cancelled_by=by.strip(), cancel_reason=reason.strip(), updated_at=now))
    return entry_of(conn.execute(sa.select(OUTGOING).where(OUT.id == row.id)).one())


def entries(conn: sa.Connection, year: int, unit: str | None = None) -> list[Entry]:
    """The numbers given in `year` (by the documents' dates), unit by unit, in each sequence by number."""
    query = sa.select(OUTGOING).where(OUT.year == year)
    if unit is not None:
        query = query.where(OUT.unit_key == unit_key(unit))
    rows = conn.execute(query.order_by(OUT.unit_key, OUT.sequence, OUT.number)).all()
    return [entry_of(row) for row in rows]


def parents(conn: sa.Connection, codes: list[str]) -> dict[str, str]:
    """Each unit's cơ quan chủ quản trực tiếp (issuer.parent) as its latest delegation file names it, by unit
    code; a unit without one (or whose files name none) is left out. The book's cover prints it (Phụ lục IV)."""
    found = {}
    for code in dict.fromkeys(codes):
        trip = conn.execute(sa.select(D.trip).where(D.unit_key == unit_key(code))
                            .order_by(D.depart_on.desc(), D.id.desc()).limit(1)).scalar()
        parent = ((trip or {}).get("issuer") or {}).get("parent")
        if parent:
            found[code] = parent
    return found


def entry_of(row) -> Entry:
    m = row._mapping
    utc = (lambda t: t.replace(tzinfo=dt.timezone.utc) if t is not None else None)  # noqa: E731  stored naive, UTC
    return Entry(id=m["id"], unit_code=m["unit_code"], unit_name=m["unit_name"], sequence=m["sequence"],
                 number=m["number"], notation=m["notation"], kind=m["kind"], issued_on=m["issued_on"],
                 title=m["title"], signer=m["signer"], recipients=list(m["recipients"]), keeper=m["keeper"],
                 copies=m["copies"], typed=m["typed"], source=m["source"], status=m["status"],
                 cancelled_at=utc(m["cancelled_at"]), cancelled_by=m["cancelled_by"],
                 cancel_reason=m["cancel_reason"])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
