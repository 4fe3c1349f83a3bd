"""The HTTP API: check, render, deadlines and the register, answered in the envelope of the CLI's --json."""
from __future__ import annotations

import atexit
import io
import tempfile
import threading
from pathlib import Path

from flask import Flask, current_app, g, jsonify, request, send_file
from flask_smorest import Api, Blueprint
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from .. import KINDS, __version__, check, deadlines, render, validate
from ..calendar import WorkCalendar
from ..deadlines import write_ics
from ..envelope import envelope, schema as envelope_schema
from ..errors import FormgenError, InvalidInput, Problem, Refused
from ..fields import Date, Flag
from ..loader import is_annual, parse_json
from ..model import Base, TripSchema, flatten_errors
from ..policy.profile import builtin_profiles
from .auth import issuer_unit, require_unit, who
from .status import BadRequest, NotFound, status_of  # noqa: F401 (NotFound: form.py takes it from here)
from .store import opened

FORMATS = {"docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
           "pdf": ("application/pdf", ".pdf")}


blp = Blueprint("api", __name__, url_prefix="/api",
                description="Các thao tác của formgen qua HTTP / formgen's operations over HTTP.")


def _json_body() -> object:
    """The request's JSON, read as formgen reads a .json file (numbers as written, a key twice refused)."""
    if request.mimetype != "application/json":
        raise BadRequest("Nội dung yêu cầu phải là JSON (Content-Type: application/json).")
    try:
        text = request.get_data(cache=True).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("Nội dung yêu cầu không phải UTF-8.") from None
    try:
        data = parse_json(text, "nội dung yêu cầu")
    except InvalidInput as exc:
        raise BadRequest(exc.message) from None
    if data is None:
        raise BadRequest("Nội dung yêu cầu rỗng: cần dữ liệu JSON.")
    return data


def served_data(data: object) -> object:
    """Data from a request, refused where it would name a file on this machine (profile, annual delegations)."""
    if not isinstance(data, dict):
        return data  # the schema says what is wrong
    policy = data.get("policy")
    if policy is not None and policy not in builtin_profiles():
        raise InvalidInput("Dữ liệu không hợp lệ.", [Problem(
            "policy", f"Trên máy chủ chỉ dùng quy định có sẵn: {', '.join(builtin_profiles())}.")])
    if is_annual(data):
        files = [Problem(f"delegations[{i}]", "Trên máy chủ, mỗi đoàn ghi trực tiếp trong dữ liệu, không ghi tên tệp.")
                 for i, entry in enumerate(data.get("delegations") or []) if not isinstance(entry, dict)]
        if files:
            raise InvalidInput("Dữ liệu không hợp lệ.", files)
    return data


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"Loại văn bản “{kind}” không có; chọn: {', '.join(KINDS)}.")
    return kind


def history(data: dict) -> list[dict] | None:
    """Earlier delegations from the configured register (R03, R10); None without one."""
    if not current_app.config.get("FORMGEN_REGISTER") or not isinstance(data, dict) or "delegation" not in data:
        return None
    return opened().history(data)


def reply(command: str, payload: dict, status: int = 200, *, exit_code: int = 0, message: str | None = None):
    return jsonify(envelope(command, payload, exit_code=exit_code, message=message)), status


TRIP_BODY = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Trip"}}}}


def _answers(*statuses: int, ok: str = "Kết quả trong phong bì JSON / the result in the envelope") -> dict:
    words = {200: ok, 400: "Nội dung không đọc được / unreadable body", 404: "Không có / not found",
             409: "Bị từ chối theo quy định / refused by the rules", 413: "Nội dung quá lớn / body too large",
             422: "Dữ liệu không hợp lệ / invalid data", 503: "Lỗi môi trường (LibreOffice) / environment failed"}
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}
    return {"responses": {str(s): {"description": words[s], "content": body} for s in statuses}}


@blp.route("/check/<kind>", methods=["POST"])
@blp.doc(summary="Kiểm tra hồ sơ theo quy định / check a delegation against the rules",
         description="Mọi phát hiện (mã, đường dẫn, lời nhắn, căn cứ) và các hạn chót. Hồ sơ vi phạm: 200 với "
                     "ok=false, error=refused (việc kiểm tra đã làm xong). ?explain=1: cách đếm từng ngày.",
         requestBody=TRIP_BODY, **_answers(200, 400, 404, 413, 422))
def check_kind(kind):
    kind = _kind(kind)
    data = served_data(_json_body())
    require_unit(issuer_unit(data))
    calendar = WorkCalendar()
    result = check(data, kind, calendar=calendar, history=history(data))
    if result.deadlines and request.args.get("explain"):
        result.deadlines = result.deadlines.explain(calendar)
    return reply("check", result.as_dict(), exit_code=0 if result.ok else Refused.exit_code,
                 message=None if result.ok else f"Không đạt: {len(result.errors)} lỗi.")


@blp.route("/render/<kind>", methods=["POST"])
@blp.doc(summary="Lập văn bản / render a document",
         description="Trả về tệp .docx (hoặc ?format=pdf: bản PDF); bị từ chối: 409 với các phát hiện.",
         requestBody=TRIP_BODY,
         parameters=[{"in": "query", "name": "format", "schema": {"type": "string", "enum": list(FORMATS)}}],
         responses={"200": {"description": "Văn bản / the document",
                            "content": {m: {"schema": {"type": "string", "format": "binary"}}
                                        for m, _ in FORMATS.values()}},
                    **_answers(400, 404, 409, 413, 422, 503)["responses"]})
def render_kind(kind):
    kind = _kind(kind)
    fmt = request.args.get("format", "docx")
    if fmt not in FORMATS:
        raise InvalidInput(f"Định dạng “{fmt}” không có; chọn: {', '.join(FORMATS)}.")
    data = served_data(_json_body())
    require_unit(issuer_unit(data))
    body = rendered(kind, data, fmt, history(data))
    mimetype, suffix = FORMATS[fmt]
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=f"{kind}{suffix}")


def rendered(kind: str, data: dict, fmt: str, earlier: list[dict] | None) -> bytes:
    """The document's bytes, written in a folder of formgen's own that is gone afterwards; its PDF from
    the application's pool of LibreOffice converters. With the server's register, the document is numbered
    and recorded in its outgoing register (a document downloaded again keeps its number)."""
    with tempfile.TemporaryDirectory(prefix="formgen-web-") as tmp:
        out = Path(tmp) / f"{kind}.docx"
        result = render(kind, data, out, history=earlier, register=served_register(), source=f"web: {who()}")
        return (pdf_pool().convert(out) if fmt == "pdf" else result.outputs[-1]).read_bytes()


def served_register():
    """The process's register when the server has one (store.opened), else None: the document is not numbered."""
    return opened() if current_app.config.get("FORMGEN_REGISTER") else None


def pdf_pool():
    """The process's converters (made on the first PDF asked for; one per core unless configured)."""
    from .pool import PdfPool

    with _POOL_LOCK:
        pool = current_app.extensions.get("formgen_pdf")
        if pool is None:
            pool = current_app.extensions["formgen_pdf"] = PdfPool(current_app.config.get("FORMGEN_PDF_WORKERS"))
            atexit.register(pool.close)  # a WSGI server's worker that exits leaves no LibreOffice behind
    return pool


_POOL_LOCK = threading.Lock()


class DeadlinesQuery(Base):
    depart_on = Date(required=True)
    return_on = Date(load_default=None)
    explain = Flag(load_default=False)


@blp.route("/deadlines", methods=["POST"])
@blp.doc(summary="Tính hạn chót / compute the deadlines",
         description="Hạn gửi văn bản trình (R01) và báo cáo kết quả (R07); explain=true: cách đếm từng ngày. "
                     "?format=ics: tệp lịch .ics.",
         requestBody={"required": True, "content": {"application/json": {
             "schema": {"$ref": "#/components/schemas/DeadlinesQuery"}}}},
         **_answers(200, 400, 413, 422))
def deadlines_post():
    try:
        query = DeadlinesQuery().load(_json_body())
    except ValidationError as exc:
        raise InvalidInput("Dữ liệu không hợp lệ.", flatten_errors(exc.messages)) from None
    calendar = WorkCalendar()
    found = deadlines(query["depart_on"], query["return_on"], calendar=calendar)
    if query["explain"]:
        found = found.explain(calendar)
    if request.args.get("format") == "ics":
        return ics_file(found)
    return reply("deadlines", {"deadlines": found})


def ics_file(found):
    with tempfile.TemporaryDirectory(prefix="formgen-web-") as tmp:
        body = write_ics(found, Path(tmp) / "han-chot.ics", version=__version__).read_bytes()
    return send_file(io.BytesIO(body), mimetype="text/calendar", as_attachment=True, download_name="han-chot.ics")


@blp.route("/register", methods=["GET"])
@blp.doc(summary="Các đoàn trong sổ / the register's delegations",
         parameters=[{"in": "query", "name": n, "schema": {"type": t}}
                     for n, t in (("unit", "string"), ("year", "integer"), ("state", "string"),
                                  ("page", "integer"), ("limit", "integer"))],
         **_answers(200, 404, 422))
def register_list():
    reg = opened()
    year = request.args.get("year")
    if year is not None and not (year.isascii() and year.isdigit()):
        raise InvalidInput(f"Năm “{year}” không hợp lệ; ghi năm bằng số, ví dụ 2026.")
    page, limit = (_positive(name) for name in ("page", "limit"))
    unit = request.args.get("unit")
    user = g.get("user")
    if user is not None and user.role == "unit":
        unit = unit or user.unit
        require_unit(unit)
    found = reg.page(unit=unit, year=int(year) if year else None, state=request.args.get("state"),
                     page=page or 1, limit=limit)  # every record unless a limit a page is asked for
    return reply("register list", {"records": [r.as_dict() for r in found.records],
                                   "counts": {"records": len(found.records), "total": found.total},
                                   "page": found.as_dict()})


def _positive(name: str) -> int | None:
    """A query parameter that must be a whole number from 1, or None when it is not given."""
    value = request.args.get(name)
    if value is not None and not (value.isascii() and value.isdigit() and int(value) >= 1):
        raise InvalidInput(f"Tham số {name} “{value}” không hợp lệ; ghi một số từ 1, ví dụ {name}=2.")
    return int(value) if value is not None else None


@blp.route("/register", methods=["POST"])
@blp.doc(summary="Ghi (hoặc cập nhật) một đoàn vào sổ / record or update a delegation",
         description="Như formgen register add; mỗi thay đổi ghi lại ai và lúc nào.",
         requestBody=TRIP_BODY, **_answers(200, 400, 404, 409, 413, 422))
def register_add():
    from .users import Users

    reg = opened()
    data = served_data(_json_body())
    require_unit(issuer_unit(data))
    added = reg.add_all([(validate(data), None)])[0]
    with Users(reg) as users:
        users.record_change(added.record.id, "add" if added.new else "update", who())
    return reply("register add", {"records": [added.as_dict()], "counts": {"records": 1},
                                  "findings": added.findings})


# The command each endpoint answers for, named as the CLI's envelope names it.
COMMANDS = {"api.check_kind": "check", "api.render_kind": "render", "api.deadlines_post": "deadlines",
            "api.register_list": "register list", "api.register_add": "register add"}


def _failure(exc: FormgenError):
    kind = (request.view_args or {}).get("kind")
    headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else {}
    if getattr(exc, "status", None) == 401:
        headers["WWW-Authenticate"] = 'Basic realm="formgen", charset="UTF-8"'
    return (jsonify(envelope(COMMANDS.get(request.endpoint), {"kind": kind if kind in KINDS else None}, error=exc)),
            status_of(exc), headers)


def _http_failure(exc: HTTPException):
    words = {404: "Không có địa chỉ này.", 405: "Phương thức không được hỗ trợ ở địa chỉ này.",
             413: f"Nội dung yêu cầu quá lớn (tối đa {current_app.config['MAX_CONTENT_LENGTH'] // 1024} KB)."}
    message = words.get(exc.code, f"Yêu cầu không hợp lệ ({exc.code}).")
    if not request.path.startswith("/api/"):
        return message, exc.code, {"Content-Type": "text/plain; charset=utf-8"}
    return jsonify(envelope(None, error="invalid_input", exit_code=2, message=message)), exc.code


def _internal(exc: Exception):
    """A bug: one line (in the envelope under /api), never a traceback or a 500 page."""
    current_app.logger.exception("formgen: internal error")
    message = f"Lỗi nội bộ của formgen: {type(exc).__name__}."
    if not request.path.startswith("/api/"):
        return message, 500, {"Content-Type": "text/plain; charset=utf-8"}
    return jsonify(envelope(None, error="internal", exit_code=70, message=message)), 500


def _csrf_failure(exc: HTTPException):
    return ("Biểu mẫu đã hết hạn hoặc không gửi từ trang của formgen (thiếu mã CSRF); hãy tải lại trang rồi gửi lại.",
            400, {"Content-Type": "text/plain; charset=utf-8"})


def init_app(app: Flask) -> None:
    app.config.update(API_TITLE="formgen", API_VERSION=__version__, OPENAPI_VERSION="3.1.0",
                      OPENAPI_URL_PREFIX="/", OPENAPI_JSON_PATH="openapi.json")
    api = Api(app)
    api.register_field(Date, "string", "date")
    api.spec.components.schema("Trip", schema=TripSchema)
    api.spec.components.schema("DeadlinesQuery", schema=DeadlinesQuery)
    for name, component in _openapi_envelope().items():
        api.spec.components.schema(name, component=component)
    api.register_blueprint(blp)
    app.register_error_handler(FormgenError, _failure)
    app.register_error_handler(HTTPException, _http_failure)
    app.register_error_handler(Exception, _internal)
    from flask_wtf.csrf import CSRFError
    app.register_error_handler(CSRFError, _csrf_failure)


def _openapi_envelope() -> dict[str, dict]:
    """The envelope's JSON Schema as OpenAPI 3.1 components: Envelope, and its $defs beside it."""
    import json

    def moved(part: dict) -> dict:
        return json.loads(json.dumps(part).replace('"#/$defs/', '"#/components/schemas/Envelope_'))

    whole = envelope_schema()
    parts = {"Envelope": moved({k: v for k, v in whole.items() if k not in ("$schema", "$id", "$defs")})}
    parts.update({f"Envelope_{name}": moved(d) for name, d in whole.get("$defs", {}).items()})
    return parts
