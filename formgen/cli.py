"""The command line: parse, call the library, print; exit statuses are decided in main() alone."""
from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from . import KINDS, check, deadlines, render
from .envelope import dumps, envelope
from .environment import ENV_REGISTER, ENV_SOFFICE
from .errors import EXIT_ABORTED, EXIT_INTERNAL, EnvironmentFailed, FormgenError, InvalidInput, Problem, Refused
from .interrupts import interruption, signals_raise
from .policy import load_profile
from .cli_base import (DateParam, Group, INVOKED, KindParam, OutputParam, YearParam, calendar_of, command_name,
                       convert_legacy_option, deadline_outputs, emit, explain_option, font_option, ics_option,
                       json_option, load_file, manifest_payload, notices_option, number_line, overwrite_option, policy_option,
                       register_db_option, register_history, register_of, register_option)
from .files import refuse_input_as_output

# Commands whose modules import what the others do not need (pypdf, reportlab, docxtpl, SQLAlchemy), loaded
# when run or asked for --help; their short help is listed here so that `formgen --help` loads none of them.
LAZY_COMMANDS = {
    "annual": ("formgen.cli_register:annual_cmd",
               "Báo cáo tổng hợp năm từ sổ (R11) / the annual report of one unit, or of every unit, from the register."),
    "register": ("formgen.cli_register:register_group",
                 "Sổ theo dõi các đoàn: ghi, xem, tìm báo cáo quá hạn, nhập/xuất bảng / the register of delegations."),
    "sign": ("formgen.cli_pdf:sign_cmd",
             "Ký số PDF đúng vị trí NĐ 30/2020 / sign a PDF where NĐ 30/2020 puts the signature."),
    "stamp": ("formgen.cli_pdf:stamp_cmd",
              "Đóng dấu hạn chót lên một PDF bất kỳ / stamp any PDF with the regulation's deadlines."),
    "templates": ("formgen.cli_templates:templates_group",
                  "Xuất và kiểm tra mẫu văn bản .docx / export and check the .docx templates."),
    "users": ("formgen.cli_users:users_group",
              "Người dùng của formgen serve (lưu trong sổ) / the users of formgen serve, kept in the register."),
    "verify": ("formgen.cli_pdf:verify_cmd", "Kiểm tra chữ ký số của PDF / check a PDF's signatures."),
}


def _show_version(ctx: click.Context, _param, value: bool) -> None:
    """--version, as click's version_option prints it; the version is looked up only when asked for."""
    if value and not ctx.resilient_parsing:
        from . import __version__
        click.echo(f"formgen {__version__}")
        ctx.exit()


@click.group(cls=Group, lazy=LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and exit.")
def cli():
    """formgen: lập văn bản đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh, kiểm tra theo quy định.

    formgen: official documents for out-of-province study delegations, checked against the regulation.

    Mã thoát / exit status: 0 xong / done; 1 bị từ chối theo quy định / refused by the rules;
    2 dữ liệu hoặc lệnh sai / bad input or usage; 3 lỗi môi trường / environment failed.
    """


@cli.command("check")
@click.argument("file", type=click.Path())
@click.option("--as", "kind", type=KindParam(), default=None,
              help=f"Loại văn bản cần kiểm tra / document kind: {', '.join(KINDS)} (mặc định: theo giai đoạn "
                   "của tệp / default: the file's stage in its life cycle).")
@register_option
@policy_option
@notices_option
@convert_legacy_option
@explain_option
@ics_option
@overwrite_option
@json_option
def check_cmd(file, kind, register_db, policy, notices, convert_legacy, explain, ics, overwrite, as_json):
    """Kiểm tra tệp hồ sơ đoàn theo quy định / check a delegation file against the rules.

    Với --ics, tệp lịch được ghi cả khi hồ sơ không đạt (các hạn chót vẫn đúng) / with --ics the calendar
    file is written even when the file breaks a rule (the deadlines still hold).
    """
    data, converted = load_file(file, convert_legacy)
    calendar = calendar_of(notices)
    result = check(data, kind, profile=policy, calendar=calendar, history=register_history(register_db, data))
    result.findings[:0] = converted
    if ics and not result.deadlines:
        raise InvalidInput("Tệp không có ngày đi (delegation.depart_on): không có hạn chót để ghi ra --ics.",
                           source=file)
    lines = [f"{file}: {p.line()}" for p in result.findings]
    outputs: list[str] = []
    if result.deadlines:
        result.deadlines, more, outputs = deadline_outputs(result.deadlines, calendar, explain, ics, overwrite)
        lines += result.deadlines.lines(codes=True) + more
    lines.append("Đạt: không vi phạm quy định." if result.ok else f"Không đạt: {len(result.errors)} lỗi.")
    payload = result.as_dict()
    if outputs:
        payload["outputs"] = outputs
    emit(as_json, payload, lines, exit_code=0 if result.ok else Refused.exit_code)


@cli.command("render")
@click.argument("kind", type=KindParam(), metavar=f"[{'|'.join(KINDS)}]")
@click.argument("file", type=click.Path())
@click.option("-o", "--output", "out", required=True, type=OutputParam(),
              help="Tệp .docx đầu ra / output .docx path.")
@click.option("--templates", type=click.Path(),
              help="Thư mục mẫu đã sửa / folder of edited templates.")
@click.option("--pdf", "as_pdf", is_flag=True,
              help="Thêm bản PDF (LibreOffice) cạnh tệp .docx / also write a PDF beside the .docx.")
@click.option("--stamp", "with_stamp", is_flag=True,
              help="Đóng dấu hạn chót lên bản PDF (kéo theo --pdf) / stamp the deadlines on the PDF (implies --pdf).")
@click.option("--soffice", metavar="PATH", help=f"Chương trình LibreOffice / LibreOffice program (or ${ENV_SOFFICE}).")
@click.option("--metadata", "metadata", type=OutputParam("sieu-du-lieu.xml"), metavar="TỆP.xml|TỆP.json",
              help="Ghi siêu dữ liệu văn bản đi theo NĐ 30/2020, Phụ lục VI (XML hoặc JSON, theo đuôi tệp) / write "
                   "the document's metadata (NĐ 30/2020, Phụ lục VI) as XML or JSON.")
@font_option
@register_option
@policy_option
@notices_option
@convert_legacy_option
@overwrite_option
@json_option
def render_cmd(kind, file, out, templates, as_pdf, with_stamp, soffice, metadata, font, register_db, policy, notices,
               convert_legacy, overwrite, as_json):
    """Lập văn bản .docx (từ chối nếu vi phạm quy định) / render a document, refused if it breaks a rule.

    Với sổ đăng ký (--register), văn bản được cấp số văn bản đi nếu để trống số, số ghi trong tệp được kiểm tra
    trùng, và được ghi vào sổ / with a register, the document is numbered (or its typed number checked) and recorded.
    """
    if metadata:
        refuse_input_as_output(metadata, file, policy, *notices)
    trip, converted = load_file(file, convert_legacy)
    with register_of(register_db) as reg:
        try:
            result = render(kind, trip, out, templates=templates, profile=policy, calendar=calendar_of(notices),
                            pdf=as_pdf, stamp=with_stamp, soffice=soffice, font=font, metadata=metadata,
                            history=reg.history(trip) if reg and "delegation" in trip else None,
                            overwrite=overwrite, register=reg, source=file)
        except Refused as exc:
            exc.source = exc.source or file  # name the file, as check does
            raise
    result.warnings[:0] = converted
    lines = [f"{file}: {w.line()}" for w in result.warnings]
    if result.number is not None:
        lines.append(number_line(result.number))
    lines += [f"Đã tạo / written: {p}" for p in result.outputs]
    emit(as_json, result.as_dict(), lines)


@cli.command("deadlines")
@click.option("--depart", "depart_on", required=True, type=DateParam(), help="Ngày đi / departure date.")
@click.option("--return", "return_on", type=DateParam(), help="Ngày về / return date.")
@policy_option
@notices_option
@explain_option
@ics_option
@overwrite_option
@json_option
def deadlines_cmd(depart_on, return_on, policy, notices, explain, ics, overwrite, as_json):
    """Tính hạn chót gửi văn bản trình và báo cáo / compute the request and report deadlines."""
    if return_on and return_on < depart_on:
        raise InvalidInput("Ngày về (--return) trước ngày đi (--depart).")
    calendar = calendar_of(notices)
    result = deadlines(depart_on, return_on, profile=load_profile(policy) if policy else None, calendar=calendar)
    result, more, outputs = deadline_outputs(result, calendar, explain, ics, overwrite)
    caveats = [Problem("", message, severity="warning").line() for _, message in result.caveats()]
    emit(as_json, {"deadlines": result, "outputs": outputs}, result.lines(codes=True) + caveats + more)


@cli.command("calendar")
@click.argument("year", type=YearParam(), metavar="NĂM")
@notices_option
@json_option
def calendar_cmd(year, notices, as_json):
    """Ngày nghỉ lễ, nghỉ hoán đổi, làm bù của một năm và nguồn / a year's days off and make-up days, with sources.

    Đúng lịch formgen dùng để tính hạn chót (holidays, thông báo chính thức đi kèm, rồi --notices) / exactly
    the calendar formgen counts deadlines with.
    """
    cal = calendar_of(notices)
    emit(as_json, {"calendar": cal.year_summary(year)}, cal.year_lines(year))


@cli.command("batch")
@click.argument("kind", type=KindParam(), metavar="[request|escalation|report]")
@click.argument("table", type=click.Path(), metavar="TABLE")
@click.option("-o", "--output", "folder", required=True, type=click.Path(file_okay=False),
              help="Thư mục đầu ra / output folder (documents and manifest.json, manifest.csv).")
@click.option("--pdf", "as_pdf", is_flag=True, help="Thêm bản PDF / also write PDFs.")
@click.option("--stamp", "with_stamp", is_flag=True, help="Đóng dấu hạn chót lên PDF / stamp the PDFs (implies --pdf).")
@font_option
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Số tiến trình (mặc định: số nhân CPU) / worker processes (default: CPU cores).")
@click.option("--templates", type=click.Path(), help="Thư mục mẫu đã sửa / folder of edited templates.")
@click.option("--soffice", metavar="PATH", help="Chương trình LibreOffice / LibreOffice program.")
@policy_option
@notices_option
@convert_legacy_option
@click.option("--sheet", metavar="NAME", help="Trang tính cần đọc (mặc định: trang đang mở) / XLSX sheet to read.")
@click.option("--metadata", type=click.Choice(["xml", "json"]), default=None,
              help="Ghi siêu dữ liệu (NĐ 30/2020, Phụ lục VI) cạnh mỗi văn bản / each document's metadata beside it.")
@click.option("--register", "register_db", metavar="DB",
              help="Sổ đăng ký: cấp số và ghi từng văn bản vào sổ văn bản đi / number and record every document.")
@json_option
def batch_cmd(kind, table, folder, as_pdf, with_stamp, font, jobs, templates, soffice, policy, notices,
              convert_legacy, sheet, metadata, register_db, as_json):
    """Lập văn bản hàng loạt từ bảng CSV, XLSX, JSON Lines / one document per table row, with a manifest.

    Không bao giờ ghi đè: tệp trùng tên được thêm hậu tố -2, -3... / never overwrites: a name already
    taken gets a suffix -2, -3...

    Mã thoát / exit: 0 mọi dòng đã tạo / all rows written; 1 có dòng bị từ chối hoặc lỗi dữ liệu /
    some rows refused or invalid; 2 không đọc được bảng / the table could not be read; 3 lỗi môi trường.
    """
    counter = _Progress() if sys.stderr.isatty() and not as_json else None
    from .batch import run_batch  # here: the batch machinery (manifest, tables, pools) is this command's alone
    manifest = run_batch(kind, table, folder, jobs=jobs, pdf=as_pdf, stamp=with_stamp, font=font, policy=policy,
                         notices=notices, templates=templates, soffice=soffice, progress=counter,
                         convert_legacy=convert_legacy, sheet=sheet, metadata=metadata, register=register_db)
    if counter:
        counter.done()
    files = [str(Path(folder) / "manifest.json"), str(Path(folder) / "manifest.csv")]
    lines = [f"Ghi chú: {note}" for note in manifest.notes]
    lines += [f"{table}, dòng {e.row}: {m}" for e in sorted(manifest.entries, key=lambda e: e.row)
              if e.status != "written" for m in e.messages[:1]]
    lines += [manifest.summary(), f"Danh sách / manifest: {files[0]}"]
    emit(as_json, {**manifest_payload(manifest, files), "notes": manifest.notes}, lines,
         exit_code=manifest.exit_code)


class _Progress:
    """A one-line counter on a terminal (none when output goes to a file or a pipe)."""

    def __init__(self):
        self.n = 0

    def __call__(self, rows: int) -> None:
        self.n += rows
        click.echo(f"\rĐã xử lý / processed: {self.n} dòng", nl=False, err=True)

    def done(self) -> None:
        click.echo("", err=True)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Địa chỉ lắng nghe; ngoài máy này cần có người dùng / address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Cổng / port.")
@click.option("--behind-tls", is_flag=True,
              help="Sau một reverse proxy có TLS: cookie Secure, tin X-Forwarded-Proto / behind a TLS reverse proxy.")
@click.option("--proxies", type=click.IntRange(0, 10), default=None, metavar="N",
              help="Số reverse proxy phía trước được tin X-Forwarded-* (mặc định $FORMGEN_PROXIES, không có: 0) / "
                   "trusted reverse proxies.")
@click.option("--trust", multiple=True, type=click.Path(dir_okay=False), metavar="CA.pem",
              help="Chứng thư gốc cho bản PDF đã ký tải lên (thiếu: chỉ kiểm tra toàn vẹn) / trusted roots for uploads.")
@register_option
def serve_cmd(host, port, behind_tls, proxies, trust, register_db):
    """Mở biểu mẫu trên trình duyệt và API HTTP / serve the form in the browser and the HTTP API.

    Mở http://127.0.0.1:8000/ trên trình duyệt / open http://127.0.0.1:8000/ in a browser.
    """
    try:
        from .web import ENV_PROXIES, refuse_open_host, serve, user_count
    except ImportError as exc:
        raise EnvironmentFailed(f"Thiếu gói cho máy chủ web ({exc.name}): pip install \"formgen[web]\".") from None
    register_db = register_db if register_db is not None else os.environ.get(ENV_REGISTER)
    refuse_open_host(host, user_count(register_db))
    click.echo(f"formgen: mở http://{host}:{port}/ trên trình duyệt (Ctrl+C để dừng).", err=True)
    proxies = proxies if proxies is not None else os.environ.get(ENV_PROXIES) or 0
    serve(host, port, register=register_db, behind_tls=behind_tls, trust=list(trust), proxies=proxies)



# click's own messages are English: the usage errors a user meets most are worded here (first match wins).
_USAGE_WORDS = {
    click.exceptions.NoSuchOption: "Không có tùy chọn {option}",
    click.exceptions.MissingParameter: "Thiếu {what}{hint}",
    click.exceptions.BadParameter: "Giá trị không hợp lệ{for_hint}: {detail}",
    click.exceptions.BadOptionUsage: "Dùng tùy chọn sai: {message}",
    click.exceptions.BadArgumentUsage: "Dùng tham số sai: {message}",
}
_PARAM_WORDS = {"option": "tùy chọn", "argument": "tham số"}


def _usage_line(exc: click.UsageError) -> str:
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or (param.get_error_hint(exc.ctx) if param else "")
    hint = hint if isinstance(hint, str) else " / ".join(hint)
    template = next((w for cls, w in _USAGE_WORDS.items() if isinstance(exc, cls)), "Lệnh không hợp lệ: {message}")
    text = template.format(
        option=getattr(exc, "option_name", ""), hint=f" {hint}" if hint else "",
        for_hint=f" cho {hint}" if hint else "",
        what=_PARAM_WORDS.get(getattr(param, "param_type_name", ""), "tham số"),
        detail=getattr(exc, "message", ""), message=exc.format_message(),
    )
    return f"formgen: {text} (xem formgen --help)"


# Library messages name parameters (overwrite=True); on the command line the user meets the flag instead.
_CLI_WORDS = {
    "đặt overwrite=True": "thêm --overwrite",
    "đặt convert_legacy=True": "chạy lại với --convert-legacy",
    "tham số font=": "--font",
    "tham số soffice=": "--soffice",
    "tham số kind=": "--as",
    "tham số depart_on=": "--depart",
    "tham số trip": "--trip",
    "đặt out=": "dùng -o ",
    " và pdf=True": " --pdf",
    "tham số p12=": "--p12",
    "tham số pkcs11_lib=": "--pkcs11-lib",
    "tham số token_label=": "--token-label",
    "tham số key_label=": "--key-label",
    "tham số number=": "--number",
    'với vai trò role="person"': "--as person",
}


def _cli_words(text: str) -> str:
    for library, flag in _CLI_WORDS.items():
        text = text.replace(library, flag)
    return text


def _reworded(exc: FormgenError) -> FormgenError:
    exc.message = _cli_words(exc.message)
    exc.problems = [replace(p, message=_cli_words(p.message)) for p in exc.problems]
    return exc


def _fail(as_json: bool, lines: list[str], exit_code: int, *, error: str | FormgenError,
          ctx: click.Context | None = None) -> None:
    """The one way out on failure: the lines on stderr, or with --json the envelope on stdout."""
    if as_json:
        ctx = ctx or (INVOKED[0] if INVOKED else None)
        kind = ctx.params.get("kind") if ctx and isinstance(ctx.params.get("kind"), str) else None
        click.echo(dumps(envelope(command_name(ctx), {"kind": kind}, exit_code=exit_code, message=" ".join(lines),
                                  error=error)))
    else:
        for line in lines:
            click.echo(line, err=True)
    sys.exit(exit_code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: the only place that turns failures into messages and exit statuses."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    INVOKED.clear()
    try:
        with signals_raise():  # SIGTERM and SIGHUP stop formgen as Ctrl+C does: LibreOffice and temporary files go too
            status = cli.main(args=args, prog_name="formgen", standalone_mode=False)  # a command's ctx.exit(N): N
    except FormgenError as exc:
        _fail(as_json, _reworded(exc).lines(), exc.exit_code, error=exc)
    except click.exceptions.Abort as exc:
        stopped = interruption(exc)
        if stopped:
            _fail(as_json, [f"formgen: đã dừng theo tín hiệu {stopped.name} / stopped by {stopped.name}."],
                  stopped.exit_code, error="aborted")
        _fail(as_json, ["formgen: đã dừng / aborted."], EXIT_ABORTED, error="aborted")
    except click.UsageError as exc:
        if isinstance(exc, getattr(click.exceptions, "NoArgsIsHelpError", ())) and not as_json:
            click.echo(exc.format_message(), err=True)  # `formgen` alone: the help, as click would show it
            sys.exit(InvalidInput.exit_code)
        _fail(as_json, [_usage_line(exc)], InvalidInput.exit_code, error="usage", ctx=exc.ctx)
    except click.ClickException as exc:
        _fail(as_json, [f"formgen: {exc.format_message()}"], exc.exit_code, error="usage")
    except Exception as exc:  # a bug: one line, the traceback only when asked for
        if os.environ.get("FORMGEN_DEBUG"):
            raise
        _fail(as_json, [f"formgen: lỗi nội bộ / internal error: {type(exc).__name__}: {exc} "
                        "(đặt FORMGEN_DEBUG=1 để xem chi tiết)"], EXIT_INTERNAL, error="internal")
    sys.exit(status if isinstance(status, int) else 0)
