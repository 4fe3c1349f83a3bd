"""The annual report (R11) from the register: one unit's document, or every unit's with a manifest."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from . import render
from .calendar import WorkCalendar
from .dates import parse_date
from .errors import FormgenError, InvalidInput, Problem
from .files import output_folder, refuse_input_as_output
from .formats import load_format
from .metadata import beside
from .manifest import Entry, Manifest, safe_name
from .model import Valid
from .policy import Profile
from .policy.profile import focus_key
from .register import Register
from .vn import dmy

TERM_KEY = "term_start"  # in the annual section: the committee terms' first days, for numbering Party units
MESSAGES = {
    "no_term": ("Đơn vị {unit} đánh số văn bản theo nhiệm kỳ cấp ủy ({basis}) mà sổ chưa biết ngày đầu nhiệm kỳ: "
                "ghi ngày đó (ngày liền kề sau ngày bế mạc đại hội) vào phần annual của {where}, dạng "
                "“term_start: {{{unit}: 2020-10-16}}”; chưa cấp số, chưa lập báo cáo của đơn vị này."),
    "conflict": ("Đơn vị {unit}: đoàn ghi gần nhất trong sổ ghi ngày đầu nhiệm kỳ {stored} (issuer.term_start), phần "
                 "annual của {where} ghi term_start {given}: hai ngày khác nhau, hãy sửa cho đúng một ngày; chưa cấp "
                 "số, chưa lập báo cáo của đơn vị này."),
    "bad_term": ("annual.term_start phải là một ngày (cho mọi đơn vị đảng) hoặc từng mã đơn vị với ngày của nó, ví "
                 "dụ “term_start: {BTGTU: 2020-10-16}”."),
}


class TermStarts:
    """The committee terms' first days the annual section supplies (`term_start:`): one date for every Party
    unit, or a date per unit code. A unit's stored issuer.term_start is the register's fact: the same date
    is fine, another one is refused (the annual report would start a sequence its delegations' letters are not in)."""

    def __init__(self, value, source: str | os.PathLike | None = None):
        self.source = os.fspath(source) if source is not None else None
        self.where = f"tệp “{self.source}”" if self.source else "tệp --meta"
        self.every: dt.date | None = None
        self.units: dict[str, dt.date] = {}
        if value is None:
            return
        try:
            if isinstance(value, dict):
                self.units = {focus_key(str(code)): parse_date(day) for code, day in value.items()}
            else:
                self.every = parse_date(value)
        except ValueError as exc:
            raise InvalidInput(MESSAGES["bad_term"], [Problem(f"annual.{TERM_KEY}", f"{MESSAGES['bad_term']} {exc}")],
                               source=self.source) from None

    @classmethod
    def split(cls, section: dict, source: str | os.PathLike | None = None) -> tuple[dict, TermStarts]:
        """The annual section (of the file `source`) without its `term_start`, and the term starts it gave."""
        if not isinstance(section, dict) or TERM_KEY not in section:
            return section, cls(None, source)
        rest = {k: v for k, v in section.items() if k != TERM_KEY}
        return rest, cls(section[TERM_KEY], source)

    def given(self, unit: str) -> dt.date | None:
        return self.units.get(focus_key(unit), self.every)

    def numbered(self, data: dict) -> dict:
        """The annual input whose issuer carries its committee term when its format numbers by term; a Party unit
        whose term is known nowhere is InvalidInput, one line saying what to add."""
        issuer = data["issuer"]
        fmt = load_format(issuer["style"])
        if fmt["numbering"]["period"] != "term":
            return data
        unit, stored, given = issuer["abbreviation"], issuer.get("term_start"), self.given(issuer["abbreviation"])
        if stored is not None and given is not None and stored != given:
            raise InvalidInput(MESSAGES["conflict"].format(unit=unit, stored=dmy(stored), given=dmy(given),
                                                           where=self.where))
        if stored is None and given is None:
            raise InvalidInput(MESSAGES["no_term"].format(unit=unit, basis=fmt["basis"], where=self.where))
        if stored is not None:
            return data
        return Valid({**data, "issuer": {**issuer, TERM_KEY: given}}, getattr(data, "notes", ()))


def annual_report(register: Register, unit: str, year: int, section: dict, out: str | os.PathLike, *,
                  templates: str | os.PathLike | None = None, profile: Profile | str | None = None,
                  calendar: WorkCalendar | None = None, pdf: bool = False, overwrite: bool = False,
                  number: bool = False, source: str | os.PathLike | None = None, metadata: str | None = None):
    """One unit's annual report from its delegations in the register; as formgen.render("annual", ...).
    metadata "xml" or "json": its metadata (NĐ 30/2020, Phụ lục VI) beside it, out's name with that suffix.

    number=True numbers it in the unit's outgoing register as render(register=...) does (a blank number is the
    sequence's next, a typed one checked, the same year's report again keeps its number); a Party unit's
    committee term comes from its delegations' issuer.term_start or the section's `term_start` (TermStarts).
    `source` names the section's file in the register.
    """
    meta = beside(out, metadata)  # another format: refused before anything is written
    if meta is not None:
        refuse_input_as_output(meta, source)  # bao-cao.json beside bao-cao.docx, the section read from it
    section, terms = TermStarts.split(section, source)
    data = register.annual_input(unit, year, section, policy=profile.id if isinstance(profile, Profile) else profile)
    if number:
        data = terms.numbered(data)
    return render("annual", data, out, templates=templates, profile=profile, calendar=calendar, pdf=pdf,
                  overwrite=overwrite, register=register if number else None,
                  source=os.fspath(source) if source is not None else None,
                  metadata=meta)


def annual_reports(register: Register, year: int, section: dict, folder: str | os.PathLike, *,
                   templates: str | os.PathLike | None = None, profile: Profile | str | None = None,
                   calendar: WorkCalendar | None = None, pdf: bool = False,
                   overwrite: bool = False, number: bool = False,
                   source: str | os.PathLike | None = None, metadata: str | None = None) -> tuple[Manifest, list[Path]]:
    """Every unit with a delegation departing in `year`: its annual report as annual-<unit>-<year>.docx in
    folder, and a manifest (written there) with a row per unit, refused or invalid units included. With
    number=True each is numbered as annual_report() numbers it, each unit on its own: a unit that cannot be
    numbered (a Party unit whose committee term is unknown) is its row's error, the others are written. metadata
    "xml" or "json": each report's metadata beside it, listed with it.

    Returns the manifest and the manifest's files.
    """
    beside(folder, metadata)  # another format, a bad term_start: refused before anything is written
    TermStarts.split(section, source)
    folder = output_folder(folder)
    calendar = calendar or WorkCalendar()  # one calendar: each year's working days are computed once, not per unit
    manifest = Manifest("annual", f"register {register.location}, {year}")
    for row, (code, _) in enumerate(register.units(year), 1):
        try:
            result = annual_report(register, code, year, section, folder / f"annual-{safe_name(code)}-{year}.docx",
                                   templates=templates, profile=profile, calendar=calendar, pdf=pdf,
                                   overwrite=overwrite, number=number, source=source, metadata=metadata)
            said = [f"{code}: số {result.number.notation} ({result.number.scope})"] if result.number else [code]
            manifest.entries.append(Entry(row, "written", [str(p) for p in result.outputs], messages=said))
        except FormgenError as exc:
            manifest.entries.append(Entry(row, exc.row_status, messages=[f"{code}: {line}" for line in exc.lines()]))
    return manifest, list(manifest.write(folder))
