"""The secretary's form: every field of a delegation file, built from the schemas and checked as it is typed."""
from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from flask import Blueprint, Flask, current_app, render_template, request, send_file
from marshmallow import fields as mf
from werkzeug.datastructures import MultiDict

from .. import KINDS, check, render
from ..calendar import WorkCalendar
from ..dates import parse_date
from ..documents import infer_kind
from ..errors import FormgenError, InvalidInput, Problem
from ..fields import Amount, Choice, Count, Date, Flag
from ..loader import parse_json
from ..model import TripSchema
from ..policy import DEFAULT_PROFILE, load_profile
from ..policy.profile import builtin_profiles
from ..vn import dmy, group_thousands
from ..yamlio import literal_text, parse_yaml
from .auth import issuer_unit, require_unit, who
from .store import opened

# The documents a delegation file produces, in the order of its life (annual comes from the register).
DOCUMENTS = ("request", "escalation", "report")
MAX_ROWS = 200  # more rows than any delegation has: a form claiming more is not one of ours
PAGE_SIZE, MAX_PAGE_SIZE = 50, 500  # the register page's delegations a page: by default, at most


@dataclass
class Field:
    """One input of the form: its path in the data ("delegation.members[].name"), widget and words."""

    path: str
    name: str
    widget: str            # text, long, date, money, count, choice, flag, lines, focus
    label: str
    help: str = ""
    required: bool = False
    choices: dict = field(default_factory=dict)


@dataclass
class Group:
    """A section of the data (issuer, delegation.leader) or a list of rows (members, stops)."""

    path: str
    name: str
    label: str
    help: str
    children: list
    rows: bool = False


@lru_cache(maxsize=1)
def labels() -> dict:
    return yaml.safe_load((resources.files(__package__) / "labels.yaml").read_text(encoding="utf-8"))


def _words(kind: str, path: str) -> dict:
    """The label and help of a path: its own, or the one shared by every document ("*.signer.name")."""
    table = labels()[kind]
    generic = "*." + path.split(".", 1)[1] if "." in path else path
    return table.get(path) or table.get(generic) or {}


def _widget(path: str, f: mf.Field) -> str:
    if path == "delegation.focus_areas":
        return "focus"
    if isinstance(f, mf.List):
        return "lines"
    for cls, widget in ((Date, "date"), (Amount, "money"), (Count, "count"), (Choice, "choice"), (Flag, "flag")):
        if isinstance(f, cls):
            return widget
    return "long" if path in labels()["long"] else "text"


def _tree(schema, prefix: str = "") -> list:
    out = []
    for name, f in schema.fields.items():
        path = prefix + name
        if isinstance(f, mf.Nested) or isinstance(f, mf.List) and isinstance(f.inner, mf.Nested):
            rows = isinstance(f, mf.List)
            inner = (f.inner if rows else f).schema
            words = _words("sections", path) or {"label": name}
            out.append(Group(path, name, words["label"], words.get("help", ""),
                             _tree(inner, path + ("[]." if rows else ".")), rows))
        else:
            words = _words("fields", path)
            choices = _words("choices", path) if isinstance(f, Choice) else {}
            out.append(Field(path, name, _widget(path, f), words.get("label", name), words.get("help", ""),
                             f.required, choices))
    return out


@lru_cache(maxsize=1)
def form_tree() -> Group:
    """The whole form, one field per field of TripSchema (no field of the input is left out)."""
    return Group("", "", "", "", _tree(TripSchema()))


# --- values: what the form shows, nested as the data is, every scalar as the text in its box ----------


def values_from_form(form: MultiDict) -> dict:
    """The form's boxes as nested values; empty rows are kept (a row just added is empty)."""
    def collect(group: Group, prefix: str) -> dict:
        out: dict = {}
        for child in group.children:
            name = prefix + child.name
            if isinstance(child, Group) and child.rows:
                found = {int(m.group(1)) for key in form
                         if (m := re.fullmatch(re.escape(name) + r"\.(\d+)\..+", key))}
                if len(found) > MAX_ROWS:
                    raise InvalidInput(f"Quá {MAX_ROWS} dòng ở mục “{child.label}”.")
                out[child.name] = [collect(child, f"{name}.{i}.") for i in sorted(found)]
            elif isinstance(child, Group):
                out[child.name] = collect(child, name + ".")
            elif child.widget == "focus":
                out[child.name] = [v for v in form.getlist(name) if v.strip()]
            elif child.widget == "lines":
                out[child.name] = [line.strip() for line in form.get(name, "").splitlines() if line.strip()]
            elif child.widget == "flag":
                out[child.name] = name in form
            else:
                out[child.name] = form.get(name, "").replace("\r\n", "\n").strip()  # browsers send CRLF
        return out
    return collect(form_tree(), "")


def data_of(values: dict) -> dict:
    """The delegation file the values make: empty boxes, rows and sections left out (their defaults apply)."""
    def prune(value):
        if isinstance(value, dict):
            kept = {k: p for k, v in value.items() if (p := prune(v)) not in (None, "", [], {}, False)}
            return kept or None
        if isinstance(value, list):
            kept = [p for v in value if (p := prune(v)) not in (None, "", [], {})]
            return kept or None
        return value
    return prune(values) or {}


def values_from_data(data: dict) -> tuple[dict, list[str]]:
    """What the form shows for a delegation file as read (dates dd/mm/yyyy, money with dots), and the keys
    of the file the form has no box for (said, not silently dropped)."""
    unknown: list[str] = []

    def fill(group: Group, value, where: str) -> dict:
        value = value if isinstance(value, dict) else {}
        unknown.extend(f"{where}{k}" for k in value if k not in {c.name for c in group.children})
        out: dict = {}
        for child in group.children:
            v = value.get(child.name)
            if isinstance(child, Group) and child.rows:
                # a row written as one value (extra_members: a name) is the shorthand for its first box
                rows = [row if isinstance(row, dict) or row is None else {child.children[0].name: row} for row in v or []]
                out[child.name] = [fill(child, row, f"{where}{child.name}[{i}].") for i, row in enumerate(rows)]
            elif isinstance(child, Group):
                out[child.name] = fill(child, v, f"{where}{child.name}.")
            elif child.widget in ("focus", "lines"):
                out[child.name] = [_shown(x, "text") for x in (v if isinstance(v, list) else [v] if v else [])]
            elif child.widget == "flag":
                out[child.name] = _truth(v)
            else:
                out[child.name] = _shown(v, child.widget)
        return out
    return fill(form_tree(), data, ""), unknown


def _truth(value) -> bool:
    text = literal_text(value) or str(value)
    return value is True or text.strip().casefold() in {"true", "yes", "có", "x", "1", "on"}


def _shown(value, widget: str) -> str:
    """A value as the secretary types it in its box."""
    if value is None:
        return ""
    text = literal_text(value) or value
    if widget == "date":
        try:
            return dmy(parse_date(text))
        except ValueError:
            return str(text)
    if widget == "money" and isinstance(text, int) and not isinstance(text, bool):
        return group_thousands(text)
    return str(text).strip()  # as the schema reads it: Text strips


def to_yaml(values: dict) -> str:
    """The file the CLI reads, as the form holds it."""
    return yaml.dump(data_of(values), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


class _Dumper(yaml.SafeDumper):
    """Text of several lines as a block (|), as a person writes it in the file."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def read_upload(name: str, raw: bytes) -> dict:
    """A delegation file sent to the form (YAML or JSON), read as the CLI reads it; nothing is written."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"Không đọc được tệp “{name}”: không phải UTF-8; hãy lưu tệp với bảng mã UTF-8.") from None
    data = parse_json(text, f"tệp “{name}”") if name.lower().endswith(".json") else parse_yaml(text, name, literals=True)
    if not isinstance(data, dict):
        raise InvalidInput(f"Không đọc được tệp “{name}”: không phải hồ sơ một đoàn.")
    return data


# --- what the page shows besides the boxes ------------------------------------------------------------


@dataclass
class Report:
    """The findings, placed by the box they concern, the deadlines explained, and the documents available."""

    findings: dict = field(default_factory=dict)  # slot (a data path, "" for the whole file) -> [Problem]
    deadlines: list = field(default_factory=list)
    documents: list = field(default_factory=list)  # (kind, label, ok, number of errors)
    stage: str | None = None
    notes: list = field(default_factory=list)


def report_of(values: dict, notes: list[str] | None = None) -> Report:
    from .api import served_data

    data = data_of(values)
    out = Report(notes=list(notes or []))
    calendar = WorkCalendar()
    names = labels()["kinds"]
    found: list[Problem] = []
    try:
        served_data(data)  # a policy that names a file on the server is refused, never read
        kinds = [k for k in DOCUMENTS if data.get(KINDS[k].section)] or ["request"]
        results = {k: check(data, k, calendar=calendar) for k in kinds}
    except FormgenError as exc:  # not yet a valid file: the field errors, no documents yet
        found = exc.problems or [Problem("", exc.message)]
        results = {}
    for kind, result in results.items():
        found += [p for p in result.findings if p not in found]
        if data.get(KINDS[kind].section):
            out.documents.append((kind, names[kind], result.ok, len(result.errors)))
    if results:
        out.stage = infer_kind(data)
        dl = next(iter(results.values())).deadlines
        if dl:
            dl = dl.explain(calendar)
            out.deadlines = dl.lines() + dl.explanation_lines()
    slots = set(slot_paths())
    for problem in found:
        out.findings.setdefault(_slot(problem.path, slots, values), []).append(problem)
    return out


def slot_paths(group: Group | None = None) -> list[str]:
    """Every generic path a finding may be shown beside."""
    group = group or form_tree()
    out = [group.path] if group.path else []
    for child in group.children:
        out += slot_paths(child) if isinstance(child, Group) else [child.path]
    return out


def _slot(path: str, slots: set[str], values: dict) -> str:
    """The box (or section) a finding concerns: the longest path that holds it, rows by number."""
    parts = path.split(".") if path else []
    while parts:
        candidate = ".".join(parts)
        if re.sub(r"\[\d+\]", "[]", candidate) in slots:
            return candidate
        parts.pop()
    return ""


def box_name(path: str) -> str:
    """A data path as the form names its box: delegation.members[3].name -> delegation.members.3.name."""
    return re.sub(r"\[(\d+)\]", r".\1", path)


def slot_id(path: str) -> str:
    return "msg-" + (re.sub(r"[^a-z0-9]+", "-", box_name(path).lower()) or "top")


# --- routes -------------------------------------------------------------------------------------------

bp = Blueprint("form", __name__)


def _focus_choices(values: dict) -> list[str]:
    """The focus areas of the file's profile (a built-in one only: a request never names a file)."""
    policy = values.get("policy")
    return list(load_profile(policy if policy in builtin_profiles() else DEFAULT_PROFILE)["focus_areas"])


def page(values: dict, status: int = 200, notes: list[str] | None = None, error: FormgenError | None = None):
    report = report_of(values, notes)
    if error is not None:
        report.findings.setdefault("", []).insert(0, Problem("", error.message))
        for p in error.problems:
            report.findings.setdefault(_slot(p.path, set(slot_paths()), values), []).append(p)
    return render_template("form.html", tree=form_tree(), values=values, report=report,
                           focus=_focus_choices(values), slot_id=slot_id, box_name=box_name,
                           slots=_all_slots(values), implied=implied_flags(values)), status


def implied_flags(values: dict) -> dict[str, str]:
    """The boxes the data decides whatever is ticked (path -> why): the head of a unit is a key leader
    (TripSchema's leader); shown ticked and locked, and not sent, so the schema's default applies."""
    leader = (values.get("delegation") or {}).get("leader") or {}
    if leader.get("rank") == "head":
        return {"delegation.leader.key_leader": "Đã đánh dấu sẵn: trưởng đoàn là người đứng đầu."}
    return {}


def _all_slots(values: dict) -> list[str]:
    """Every concrete slot of the page (rows by number), to clear the ones no finding concerns any more."""
    out = [""]

    def walk(group: Group, value: dict, where: str):
        for child in group.children:
            path = where + child.name
            if isinstance(child, Group) and child.rows:
                out.append(path)
                for i, row in enumerate(value.get(child.name) or []):
                    walk(child, row, f"{path}[{i}].")
            elif isinstance(child, Group):
                out.append(path)
                walk(child, value.get(child.name) or {}, path + ".")
            else:
                out.append(path)
    walk(form_tree(), values, "")
    return out


def _empty_values() -> dict:
    """A new form: every box empty, one row to fill in each list (members, stops)."""
    values, _ = values_from_data({})
    for rows in ("delegation.members", "delegation.stops"):
        _rows(values, rows).append(_blank_row(rows))
    return values


@bp.get("/")
def new():
    return page(_empty_values())


@bp.post("/")
def submitted():
    """The form sent back: a row added or removed, or simply checked again (works without JavaScript)."""
    from .api import status_of

    values = values_from_form(request.form)
    action = request.form.get("action", "")
    try:
        if action.startswith("add:"):
            _rows(values, action[4:]).append(_blank_row(action[4:]))
        elif action.startswith("remove:"):
            where, _, index = action[7:].rpartition(".")
            rows = _rows(values, where)
            if index.isdigit() and int(index) < len(rows):
                del rows[int(index)]
    except FormgenError as exc:
        return page(values, status_of(exc), error=exc)
    return page(values)


def _rows(values: dict, path: str) -> list:
    target = values
    for part in path.split("."):
        if not isinstance(target, dict) or part not in target:
            raise InvalidInput(f"Mục “{path}” không có trong biểu mẫu.")
        target = target[part]
    if not isinstance(target, list):
        raise InvalidInput(f"Mục “{path}” không phải danh sách.")
    return target


def _blank_row(path: str) -> dict:
    data: dict = {}
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = [{}]
    values, _ = values_from_data(data)
    for part in parts:
        values = values[part]
    return values[0]


@bp.post("/check")
def live_check():
    """The findings, deadlines and documents for htmx: the panel, and each box's message out of band."""
    values = values_from_form(request.form)
    report = report_of(values)
    return render_template("results.html", report=report, slots=_all_slots(values), slot_id=slot_id, oob=True)


@bp.post("/open")
def open_file():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return page(_empty_values(), 422, error=InvalidInput("Chưa chọn tệp hồ sơ để mở."))
    name = re.sub(r"[^\w.\- ]", "_", upload.filename)[-100:]  # shown in messages only, never a path
    try:
        values, unknown = values_from_data(read_upload(name, upload.read()))
    except InvalidInput as exc:
        return page(_empty_values(), 422, error=exc)
    notes = [f"Khóa “{k}” trong tệp không có trong mẫu dữ liệu: sẽ không được lưu lại." for k in unknown]
    return page(values, notes=notes)


@bp.post("/download")
def download():
    """The file the button names: the YAML, the .ics, or a document as DOCX or PDF; else the page with why."""
    from .api import FORMATS, ics_file, rendered, served_data, status_of

    values = values_from_form(request.form)
    action = request.form.get("action", "")
    if action == "save":
        return send_file(io.BytesIO(to_yaml(values).encode("utf-8")), mimetype="application/yaml",
                         as_attachment=True, download_name="ho-so-doan.yaml")
    data = data_of(values)
    try:
        served_data(data)
        require_unit(issuer_unit(data))
        if action == "ics":
            found = check(data, "request").deadlines
            if not found:
                raise InvalidInput("Chưa có ngày đi (Ngày đi): không có hạn chót để ghi ra tệp lịch.")
            return ics_file(found)
        fmt, _, kind = action.partition(":")
        if fmt == "sign" and kind in DOCUMENTS:
            return send_file(io.BytesIO(_signable(kind, data)), mimetype="application/pdf", as_attachment=True,
                             download_name=f"{kind}-de-ky.pdf")
        if fmt not in FORMATS or kind not in DOCUMENTS:
            raise InvalidInput(f"Không có nút “{action}”.")
        body = rendered(kind, data, fmt, None)
    except FormgenError as exc:
        return page(values, status_of(exc), error=exc)
    mimetype, suffix = FORMATS[fmt]
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=f"{kind}{suffix}")


def _signable(kind: str, data: dict) -> bytes:
    """The document's PDF with its deadline stamp, ready to sign (formgen sign), in a folder gone afterwards."""
    from .api import served_register

    with tempfile.TemporaryDirectory(prefix="formgen-web-") as tmp:
        return render(kind, data, Path(tmp) / f"{kind}.docx", pdf=True, stamp=True,  # numbered as rendered()
                      register=served_register(),
                      source=f"web: {who()}").outputs[-1].read_bytes()


@bp.get("/register")
def register_page():
    return register_view()


def register_view(message: str | None = None, status: int = 200):
    """One page of the register's delegations the user may see: the overdue reports first (earliest deadline
    first), then the others by departure; each with its state and its signed PDFs; message (a refusal) above
    them; links to the pages before and after (?page=, ?limit=)."""
    from flask import g

    from .api import _positive, status_of
    from .signed import SignedFiles, trust_roots

    user = g.get("user")
    unit = request.args.get("unit") or None
    if user is not None and user.role == "unit":
        unit = unit or user.unit
    pager = {"unit": request.args.get("unit") or None, "limit": request.args.get("limit") or None}
    try:
        number, limit = _positive("page") or 1, _positive("limit") or PAGE_SIZE
        if limit > MAX_PAGE_SIZE:
            raise InvalidInput(f"Tham số limit “{limit}” quá lớn; mỗi trang tối đa {MAX_PAGE_SIZE} đoàn.")
        reg = opened()
        require_unit(unit) if unit or user is None or user.role == "unit" else None
        rows, total, late = reg.overdue_first(dt.date.today(), unit=unit, page=number, limit=limit)
        pages, start = max(1, -(-total // limit)), (number - 1) * limit
        if number > pages:
            message = message or f"Sổ có {pages} trang ({total} đoàn); trang {number} không có đoàn nào."
            status = 404 if status == 200 else status
        with SignedFiles(reg) as files:
            signed = files.of_records([r.id for r, _ in rows])
    except FormgenError as exc:
        return render_template("register.html", rows=[], message=message or exc.message, unit=unit,
                               signed={}, trusted=False), status_of(exc)
    return render_template("register.html", rows=rows, message=message, unit=unit, signed=signed,
                           trusted=bool(trust_roots()), kinds=labels()["kinds"], pager=pager, page=number,
                           pages=pages, total=total, late=late, first=start + 1, last=start + len(rows)), status


@bp.post("/register/signed")
def upload_signed():
    """A signed PDF of one delegation: verified, then kept; refused (nothing kept) without a good signature."""
    from flask import redirect, url_for

    from .api import status_of
    from .auth import who
    from .signed import MAX_SIGNED_BYTES, SignedFiles, trust_roots, verified_summary

    upload = request.files.get("file")
    record, kind = request.form.get("record", "").strip(), request.form.get("kind", "").strip()
    try:
        reg = opened()
        if upload is None or not upload.filename:
            raise InvalidInput("Chưa chọn tệp PDF đã ký để tải lên.")
        if kind not in DOCUMENTS:
            raise InvalidInput(f"Loại văn bản “{kind}” không có; chọn: {', '.join(DOCUMENTS)}.")
        name = re.sub(r"[^\w.\- ]", "_", upload.filename)[-100:]  # shown and offered back, never a path
        body = upload.read(MAX_SIGNED_BYTES + 1)
        if len(body) > MAX_SIGNED_BYTES:
            raise InvalidInput(f"Tệp “{name}” lớn quá {MAX_SIGNED_BYTES // 1024} KB: không lưu vào sổ.")
        found = reg.get(record)
        require_unit(found.unit_code)
        summary = verified_summary(name, body, trust_roots())
        with SignedFiles(reg) as files:
            files.add(found.id, kind, name, body, summary, who())
    except FormgenError as exc:
        return register_view(message=exc.message, status=status_of(exc))
    return redirect(url_for("form.register_page"))


@bp.get("/register/signed/<int:file_id>")
def signed_file(file_id: int):
    """A signed PDF kept in the register, as it was uploaded, to the users of its delegation's unit."""

    from .api import NotFound, status_of
    from .signed import SignedFiles

    try:
        reg = opened()
        with SignedFiles(reg) as files:
            row = files.get(file_id)
        if row is None:
            raise NotFound(f"Không có tệp đã ký số {file_id}.")
        require_unit(reg.get(row.record_id).unit_code)
    except FormgenError as exc:
        return register_view(message=exc.message, status=status_of(exc))
    return send_file(io.BytesIO(row.body), mimetype="application/pdf", as_attachment=True,
                     download_name=row.file_name)


ANNUAL_BOXES = ("number", "date", "recipient", "summary", "archive")
SIGNER_BOXES = ("name", "title", "authority", "on_behalf_of")


@bp.post("/register/annual")
def annual_report():
    """The annual report (R11) of one unit and year from the register, as DOCX (or PDF)."""

    from .api import FORMATS, pdf_pool, status_of

    unit, year, fmt = request.form.get("unit", "").strip(), request.form.get("year", "").strip(), \
        request.form.get("format", "docx")
    section = {k: v for k in ANNUAL_BOXES if (v := request.form.get(k, "").strip())}
    signer = {k: v for k in SIGNER_BOXES if (v := request.form.get(f"signer.{k}", "").strip())}
    if signer:
        section["signer"] = signer
    if lines := [x.strip() for x in request.form.get("cc", "").splitlines() if x.strip()]:
        section["cc"] = lines
    try:
        reg = opened()
        if not unit or not (year.isascii() and year.isdigit()) or fmt not in FORMATS:
            raise InvalidInput("Cần mã đơn vị, năm (ví dụ 2026) và định dạng (docx hoặc pdf) của báo cáo năm.")
        require_unit(unit)
        data = reg.annual_input(unit, int(year), section)
        with tempfile.TemporaryDirectory(prefix="formgen-web-") as tmp:
            out = Path(tmp) / "annual.docx"
            render("annual", data, out)
            body = (pdf_pool().convert(out) if fmt == "pdf" else out).read_bytes()
    except FormgenError as exc:
        return render_template("register.html", rows=[], message=" ".join(exc.lines()), unit=unit), status_of(exc)
    mimetype, suffix = FORMATS[fmt]
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True,
                     download_name=f"bao-cao-nam-{year}{suffix}")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["today"] = dt.date.today
