"""The annual report (R11) from the register: one unit's document, or every unit's with a manifest."""
from __future__ import annotations

import os
from pathlib import Path

from . import render
from .calendar import WorkCalendar
from .errors import FormgenError
from .files import output_folder
from .manifest import Entry, Manifest, safe_name
from .policy import Profile
from .register import Register


def annual_report(register: Register, unit: str, year: int, section: dict, out: str | os.PathLike, *,
                  templates: str | os.PathLike | None = None, profile: Profile | str | None = None,
                  calendar: WorkCalendar | None = None, pdf: bool = False, overwrite: bool = False):
    """One unit's annual report from its delegations in the register; as formgen.render("annual", ...)."""
    data = register.annual_input(unit, year, section, policy=profile.id if isinstance(profile, Profile) else profile)
    return render("annual", data, out, templates=templates, profile=profile, calendar=calendar, pdf=pdf,
                  overwrite=overwrite)


def annual_reports(register: Register, year: int, section: dict, folder: str | os.PathLike, *,
                   templates: str | os.PathLike | None = None, profile: Profile | str | None = None,
                   calendar: WorkCalendar | None = None, pdf: bool = False,
                   overwrite: bool = False) -> tuple[Manifest, list[Path]]:
    """Every unit with a delegation departing in `year`: its annual report as annual-<unit>-<year>.docx in
    folder, and a manifest (written there) with a row per unit, refused or invalid units included.

    Returns the manifest and the manifest's files.
    """
    folder = output_folder(folder)
    calendar = calendar or WorkCalendar()  # one calendar: each year's working days are computed once, not per unit
    manifest = Manifest("annual", f"register {register.location}, {year}")
    for number, (code, _) in enumerate(register.units(year), 1):
        try:
            result = annual_report(register, code, year, section, folder / f"annual-{safe_name(code)}-{year}.docx",
                                   templates=templates, profile=profile, calendar=calendar, pdf=pdf,
                                   overwrite=overwrite)
            manifest.entries.append(Entry(number, "written", [str(p) for p in result.outputs], messages=[code]))
        except FormgenError as exc:
            manifest.entries.append(Entry(number, exc.row_status, messages=[f"{code}: {line}" for line in exc.lines()]))
    return manifest, list(manifest.write(folder))
