"""formgen: official documents for out-of-province study delegations, checked against the regulation.

The pipeline, one module a step: load (loader, model) → check (policy) → build context
(documents) → render (rendering). This module is the public API another program calls.
"""
from __future__ import annotations

from . import precompiled
from .loading import without_collection

precompiled.seed()  # first: the patterns the modules below compile as they load are in re's cache already

with without_collection():  # formgen/loading.py: the collector would find nothing to free in what they build
    import datetime as dt
    import os
    from dataclasses import dataclass, field
    from pathlib import Path

    from .calendar import WorkCalendar
    from .deadlines import Deadlines, compute_deadlines, trip_deadlines
    from .documents import KINDS, Inputs, identity, infer_kind, require_section, template_name
    from .errors import EnvironmentFailed, FormgenError, InvalidInput, Problem, Refused
    from .dates import parse_date
    from .loader import load, validate
    from .model import Valid
    from .policy import DEFAULT_PROFILE, Limits, Profile, evaluate, load_profile, trip_limits
    from .files import refuse_existing, require_suffix
    from .formats.rules import check_format
    from .metadata import of as metadata_of, page_count, require_target as require_metadata_target, with_pages
    from .metadata import write as write_metadata

# The steps that make files (rendering: docxtpl, reportlab's metrics; stamping: pypdf) are imported by the
# functions that run them, as sign and verify are: `import formgen`, `formgen check` and `--help` start without.



def __getattr__(name: str):
    """formgen.__version__, read from the installed metadata when first asked for (importlib.metadata and the
    email package it imports cost a one-letter run 10 ms)."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version
    try:
        found = version("formgen")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found

__all__ = [
    "CheckResult", "Deadlines", "EnvironmentFailed", "FormgenError", "InvalidInput", "KINDS", "Problem",
    "Refused", "RenderResult", "Valid", "WorkCalendar", "check", "deadlines", "load", "load_profile", "render",
    "sign", "stamp", "validate", "verify",
]


@dataclass
class CheckResult:
    """What the rules say of one document: every finding at once, the deadlines and the limits (plain values
    the document step reads; the limits stay out of as_dict)."""

    kind: str
    profile: str
    findings: list[Problem]
    deadlines: Deadlines | None
    limits: Limits | None = None

    @property
    def errors(self) -> list[Problem]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [f for f in self.findings if f.severity != "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {"ok": self.ok, "kind": self.kind, "profile": self.profile,
                "findings": [f.as_dict() for f in self.findings],
                "deadlines": self.deadlines.as_dict() if self.deadlines else None}


@dataclass
class RenderResult:
    kind: str
    outputs: list[Path]
    warnings: list[Problem] = field(default_factory=list)
    deadlines: Deadlines | None = None
    metadata: dict | None = None  # the NĐ 30 Phụ lục VI fields written with metadata= (formgen.metadata)
    number: object | None = None        # register.outgoing.Issue: the number the register gave (with a register)
    data: dict | None = field(default=None, repr=False)  # the data as rendered, number included

    def as_dict(self) -> dict:
        return {"ok": True, "kind": self.kind, "outputs": [str(p) for p in self.outputs],
                "findings": [w.as_dict() for w in self.warnings],
                "deadlines": self.deadlines.as_dict() if self.deadlines else None,
                **({"metadata": self.metadata} if self.metadata is not None else {}),
                **({"number": self.number.as_dict()} if self.number is not None else {})}


def _profile(trip: dict | None, profile: Profile | str | os.PathLike | None) -> Profile:
    if isinstance(profile, Profile):
        return profile
    return load_profile(profile or (trip or {}).get("policy") or DEFAULT_PROFILE)


def _kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise InvalidInput(f"Loại văn bản “{kind}” không có (tham số kind); chọn: {', '.join(KINDS)}.")
    return kind


def _wrong_type(name: str, value: object, wanted: str) -> InvalidInput:
    return InvalidInput(f"Tham số {name} phải là {wanted}, không phải {type(value).__name__}.")


def _valid(data: object, name: str = "trip") -> Valid:
    """Data from load()/validate() as it is; anything else through the schema first (every error at once)."""
    if isinstance(data, Valid):
        return data
    if not isinstance(data, dict):
        raise _wrong_type(name, data, "dữ liệu đoàn (dict, từ formgen.load hoặc formgen.validate)")
    return validate(data)


def _path(name: str, value: object, optional: bool = False) -> Path | None:
    if value is None and optional:
        return None
    if not isinstance(value, (str, os.PathLike)) or not str(value):
        raise _wrong_type(name, value, "đường dẫn tệp (str hoặc Path)")
    return Path(value)


def _date(name: str, value: object, optional: bool = False) -> dt.date | None:
    """A date as a program has it: datetime.date, ISO text (2024-06-03) or dd/mm/yyyy."""
    if value is None and optional:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise InvalidInput(f"Tham số {name}: {exc}") from None


def _calendar(calendar: object) -> WorkCalendar:
    if calendar is None:
        return WorkCalendar()
    if not isinstance(calendar, WorkCalendar):
        raise _wrong_type("calendar", calendar, "một formgen.WorkCalendar")
    return calendar


def _history(history: object) -> list[dict] | None:
    """Earlier delegations as Register.history() gives them; a malformed entry is named, not a KeyError."""
    if history is None:
        return None
    if not isinstance(history, (list, tuple)):
        raise _wrong_type("history", history, "danh sách các đoàn trước (Register.history)")
    for i, entry in enumerate(history):
        issuer = entry.get("issuer") if isinstance(entry, dict) else None
        if not (isinstance(issuer, dict) and isinstance(issuer.get("name"), str)
                and isinstance(issuer.get("abbreviation"), str) and isinstance(entry.get("depart_on"), dt.date)):
            raise InvalidInput(f"Tham số history[{i}] phải là một đoàn như Register.history() trả về "
                               "(issuer: name, abbreviation; depart_on: ngày).")
    return history if isinstance(history, list) else list(history)  # a register's History keeps its counts


def stamp(src: str | os.PathLike, out: str | os.PathLike, *, trip: dict | None = None,
          depart_on: dt.date | str | None = None, return_on: dt.date | str | None = None,
          profile: Profile | str | None = None, calendar: WorkCalendar | None = None, font: str | None = None,
          all_pages: bool = False, rule_codes: bool = False, overwrite: bool = False) -> Path:
    """Stamp any PDF with the deadlines of a trip (and its latest document's identity) or of given dates;
    rule_codes=True prints the rule codes (R01, R07) beside them.

    trip may be a plain dict: it is validated first. Dates as in deadlines(). An existing out is
    refused (InvalidInput, nothing written) unless overwrite=True, and so is an out whose name does
    not end in .pdf.
    """
    from .stamping import stamp_lines, stamp_pdf
    src, out = _path("src", src), _path("out", out)
    font = _path("font", font, optional=True)
    require_suffix(out, ".pdf", "bản PDF")
    if not overwrite:
        refuse_existing(out)
    name = None
    if trip is not None:
        trip = _valid(trip)
        d = trip.get("delegation")
        if d is None:
            raise InvalidInput("Dữ liệu của tham số trip là báo cáo năm: dấu hạn chót cần hồ sơ của một đoàn.")
        depart_on, return_on = d["depart_on"], d["return_on"]
        kind = infer_kind(trip)
        name = identity(kind, trip) if trip.get(KINDS[kind].section) else None
    if depart_on is None:
        raise InvalidInput("Cần ngày đi (delegation.depart_on của tham số trip, hoặc tham số depart_on=) để tính hạn chót cho dấu.")
    found = deadlines(depart_on, return_on, profile=_profile(trip, profile), calendar=calendar)
    return stamp_pdf(src, out, stamp_lines(found, name, codes=rule_codes), font=font,
                     pages="all" if all_pages else "first")


def sign(src: str | os.PathLike, out: str | os.PathLike, *, p12: str | os.PathLike | None = None,
         pkcs11_lib: str | os.PathLike | None = None, token_label: str | None = None, key_label: str | None = None,
         password: str | None = None, role: str = "person", image: str | os.PathLike | None = None,
         timestamp: str | None = None, number: str | None = None, font: str | None = None,
         overwrite: bool = False, when: dt.datetime | None = None):
    """Sign a PDF formgen wrote, where NĐ 30/2020 puts the signature (formgen.signing): role "person"
    between the signer's title and name, "agency" with the seal after the person, "attachment" top right.

    The key: p12 (a PKCS#12 file; password its password) or pkcs11_lib with token_label and key_label
    (password is the PIN). Returns formgen.signing.Signed. InvalidInput (exit 2): not a PDF, wrong
    password, no key; EnvironmentFailed (exit 3): token or library missing. Nothing is written then.
    """
    from .signing import sign_pdf
    return sign_pdf(_path("src", src), _path("out", out), p12=_path("p12", p12, optional=True),
                    pkcs11_lib=_path("pkcs11_lib", pkcs11_lib, optional=True), token_label=token_label,
                    key_label=key_label, password=password, role=role, image=_path("image", image, optional=True),
                    timestamp=timestamp, number=number, font=_path("font", font, optional=True), overwrite=overwrite,
                    when=when)


def verify(src: str | os.PathLike, *, trust: list[str | os.PathLike] | None = None):
    """Check every signature of a PDF (formgen.verifying.Verification: .ok, .exit_code, .signatures);
    trust lists the root certificates (PEM or DER) the chains must reach. InvalidInput when src is not
    a PDF or has no signature."""
    from .verifying import verify_pdf
    return verify_pdf(_path("src", src), trust=[_path("trust", t) for t in trust or ()])


def deadlines(depart_on: dt.date | str, return_on: dt.date | str | None = None, *,
              profile: Profile | str | None = None, calendar: WorkCalendar | None = None) -> Deadlines:
    """The latest request date (R01) and latest report date (R07) for a trip's dates.

    Each date is a datetime.date, ISO text (2024-06-03) or dd/mm/yyyy (03/06/2024).
    """
    depart_on, return_on = _date("depart_on", depart_on), _date("return_on", return_on, optional=True)
    if return_on and return_on < depart_on:
        raise InvalidInput(f"Ngày về (return_on) {return_on:%d/%m/%Y} trước ngày đi (depart_on) {depart_on:%d/%m/%Y}.")
    return compute_deadlines(depart_on, return_on, _profile(None, profile), _calendar(calendar))


def check(trip: dict, kind: str | None = None, *, profile: Profile | str | None = None,
          calendar: WorkCalendar | None = None, history: list[dict] | None = None) -> CheckResult:
    """Run the rules that gate `kind`; never raises for a violation.

    trip is what load() or validate() returned, or a plain dict, validated first (InvalidInput
    lists every field error). Without a kind, the document the file has reached in its life cycle
    (documents.infer_kind).
    """
    trip = _valid(trip)
    kind = _kind(kind or infer_kind(trip))
    k = KINDS[kind]
    require_section(k, trip)
    prof = _in_force(trip, _profile(trip, profile))
    cal, past = _calendar(calendar), _history(history)
    found_deadlines, limits = trip_deadlines(trip, prof, cal), trip_limits(trip, prof, past)  # once per trip
    gates = prof.gates(kind)
    found = evaluate(trip, gates, prof, cal, past, deadlines=found_deadlines, limits=limits, kind=kind)
    if found_deadlines:  # a deadline the document is held to, counted near a holiday whose notice is unchecked
        found += [Problem(path, message, severity="warning") for path, message in found_deadlines.caveats(gates)]
    found += check_format(trip, k.section)
    d = trip.get("delegation") or {}  # an annual summary has no single delegation
    return CheckResult(kind=kind, profile=prof.id, findings=found,
                       deadlines=found_deadlines if d.get("depart_on") else None, limits=limits)


def _in_force(trip: dict, profile: Profile) -> Profile:
    """The profile with the values in force on the trip's departure."""
    return profile.on((trip.get("delegation") or {}).get("depart_on"))


def render(kind: str, trip: dict, out: str | os.PathLike, *, templates: str | os.PathLike | None = None,
           profile: Profile | str | None = None, calendar: WorkCalendar | None = None,
           history: list[dict] | None = None, pdf: bool = False, stamp: bool = False,
           soffice: str | os.PathLike | None = None, font: str | None = None,
           metadata: str | os.PathLike | None = None, overwrite: bool = False, register=None,
           source: str | os.PathLike | None = None) -> RenderResult:
    """Check, then write the .docx (and with pdf=True its PDF beside it, from LibreOffice;
    with stamp=True that PDF carries the deadline stamp). trip as in check().

    metadata names a .xml or .json file for the document's metadata (NĐ 30/2020, Phụ lục VI; formgen.metadata),
    written last, with the PDF's page count when there is a PDF.

    With a register (a formgen.register.Register, or its location), the document is numbered and
    recorded in its outgoing register (register.outgoing): a blank number gets the next one of its
    sequence, a typed one is checked, a document rendered again keeps its number; the .docx is written
    inside the transaction that records the number, so a failure leaves neither. `source` names the
    file in the register. The result's `number` and `data` say what was printed (the metadata too).

    Raises Refused (nothing written) when a rule forbids it, InvalidInput (nothing written) when
    an output exists and overwrite is False, EnvironmentFailed when LibreOffice fails (the .docx
    stays: it is complete and usable). Each file is written whole or not at all. out must end in
    .docx: the PDF is written beside it, with the same name and .pdf.
    """
    from .layout import prefetch_fonts
    prefetch_fonts()  # fontconfig answers while docxtpl loads and the rules run
    with without_collection(unless_loaded=f"{__name__}.rendering"):  # the first document: docxtpl, Jinja load
        from .rendering import render_docx
        from .templates import find_template
    kind, trip = _kind(kind), _valid(trip)
    out = _path("out", out)
    templates, soffice = _path("templates", templates, optional=True), _path("soffice", soffice, optional=True)
    font, meta = _path("font", font, optional=True), _path("metadata", metadata, optional=True)
    require_suffix(out, ".docx", "văn bản Word .docx", pdf_flag=True)
    if meta:
        require_metadata_target(meta)
    prof = _in_force(trip, _profile(trip, profile))
    cal = _calendar(calendar)
    result = check(trip, kind, profile=prof, calendar=cal, history=history)
    if not result.ok:
        raise Refused("Văn bản bị từ chối theo quy định.", result.findings)
    k = KINDS[kind]
    def build(data: dict) -> dict:
        return k.context(Inputs(trip=data, profile=prof, calendar=cal, deadlines=result.deadlines, limits=result.limits))

    context = build(trip)  # a document that cannot be built is refused before a number is taken
    fields = metadata_of(kind, trip, context) if meta else None  # a value too long for Phụ lục VI: nothing written
    template = find_template(template_name(kind, trip["issuer"]["style"]), templates)
    if not overwrite:
        refuse_existing(out, *([out.with_suffix(".pdf")] if pdf or stamp else []), *([meta] if meta else []))
    converter = None
    if pdf or stamp:
        from .pdf import Converter  # here: logging and LibreOffice's machinery, for the PDF only
        converter = Converter(soffice)  # find LibreOffice before writing anything
    numbered = None
    try:
        if register is None:
            outputs = [render_docx(template, context, out, overwrite=overwrite)]
        else:
            outputs, numbered = _render_numbered(register, kind, trip, source, out, overwrite, build, template)
            trip = numbered.trip  # from here on the document's data carry its number
        if converter:
            outputs += converter.convert(outputs)  # after the commit: the .docx is the document, the PDF its copy
    finally:
        if converter:
            converter.close()
    if stamp and result.deadlines:
        from .stamping import stamp_lines, stamp_pdf
        stamp_pdf(outputs[-1], outputs[-1], stamp_lines(result.deadlines, identity(kind, trip)),
                  font=font)
    if meta:
        if numbered:
            fields = metadata_of(kind, trip, build(trip))  # the number as printed
        if converter:
            fields = with_pages(fields, page_count(outputs[-1]))
        outputs.append(write_metadata(meta, fields, overwrite=overwrite))
    warnings = result.warnings + (numbered.warnings if numbered else [])
    return RenderResult(kind=kind, outputs=outputs, warnings=warnings, deadlines=result.deadlines,
                        metadata=fields, number=numbered, data=trip)


def _render_numbered(register, kind: str, trip: dict, source, out: Path, overwrite: bool, build, template):
    """Number the document and write its .docx in the one transaction that records the number."""
    from .register import Register  # here: the register imports the package's modules
    from .rendering import render_docx
    reg = register if isinstance(register, Register) else Register(register)
    written = None
    try:
        with reg.issuing(kind, trip, source=source) as issue:
            context = build(issue.trip)
            written = render_docx(template, context, out, overwrite=overwrite)
            issue.describe(context)
    except BaseException:
        if written is not None:  # rendered, then the record failed: no document without its number recorded
            written.unlink(missing_ok=True)
        raise
    finally:
        if reg is not register:
            reg.close()
    return [written], issue
