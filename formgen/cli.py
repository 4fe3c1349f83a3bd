"""The command line: parse, call the library, print; exit statuses are decided in main() alone."""
from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import asdict, replace
from pathlib import Path

import click

from . import KINDS, __version__, check, deadlines, load, render, stamp
from .calendar import WorkCalendar
from .deadlines import write_ics
from .batch import Entry, Manifest, run_batch, safe_name
from .envelope import dumps, envelope
from .errors import EnvironmentFailed, FormgenError, InvalidInput, Problem, Refused
from .fields import Date
from .files import output_folder
from .interrupts import interruption, signals_raise
from .legacy import converted_fields
from .pdf import ENV_SOFFICE
from .loader import read_data
from .policy import load_profile
from .register import ENV_REGISTER, IdentityConflict, Register
from .templates import check_template, export_templates, template_kind, template_refusal

EXIT_INTERNAL = 70  # a bug in formgen itself, not the user's input


class DateParam(click.ParamType):
    """A date on the command line: 2024-06-03 or 03/06/2024."""

    name = "DATE"

    def convert(self, value, param, ctx):
        try:
            return Date().deserialize(value)
        except Exception as exc:  # marshmallow.ValidationError, with our Vietnamese message
            self.fail(" ".join(getattr(exc, "messages", [str(exc)])), param, ctx)


class KindParam(click.ParamType):
    """A document kind, refused in Vietnamese when unknown."""

    name = "KIND"

    def convert(self, value, param, ctx):
        if value in KINDS:
            return value
        self.fail(f"loại văn bản “{value}” không có; chọn: {', '.join(KINDS)}.", param, ctx)


class OutputParam(click.ParamType):
    """The path of a file to write; a folder is refused before anything is done."""

    name = "PATH"

    def __init__(self, example: str = "to-trinh.docx"):
        self.example = example

    def convert(self, value, param, ctx):
        if os.path.isdir(value):
            self.fail(f"“{value}” là thư mục; hãy ghi đường dẫn tệp, ví dụ {os.path.join(value, self.example)}.",
                      param, ctx)
        return value


class YearParam(click.ParamType):
    """A calendar year, refused in Vietnamese when it is not one."""

    name = "NĂM"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if text.isascii() and text.isdigit() and 1 <= int(text) <= 9999:
            return int(text)
        self.fail(f"năm “{value}” không hợp lệ; ghi năm bằng số, ví dụ 2026.", param, ctx)


def _emit(as_json: bool, payload: dict, lines: list[str], *, exit_code: int = 0) -> None:
    """Print the command's result: its lines, or with --json the one envelope (formgen/envelope.py).

    payload holds the envelope's parts (kind, findings, outputs, deadlines, counts) and any extra key
    the command reports; a non-zero exit_code is a failure (ok false, error, message: the last line)
    and the process exits with it.
    """
    if as_json:
        ctx = click.get_current_context(silent=True)
        payload = {"kind": ctx.params.get("kind") if ctx else None, **payload}
        click.echo(dumps(envelope(_command(ctx), payload, exit_code=exit_code,
                                  message=lines[-1] if exit_code and lines else None)))
    else:
        for line in lines:
            click.echo(line)
    if exit_code:
        sys.exit(exit_code)


def _command(ctx: click.Context | None) -> str | None:
    """The command as typed after `formgen`: "check", "register add"; None for formgen itself."""
    path = ctx.command_path.split(" ", 1) if ctx else []
    return path[1] if len(path) > 1 else None


class _Command(click.Command):
    """Remembers the context it parses: a failure raised later still names its command in --json."""

    def parse_args(self, ctx, args):
        _INVOKED[:] = [ctx]
        return super().parse_args(ctx, args)


class _Group(_Command, click.Group):
    command_class = _Command
    group_class = type  # subgroups (register, templates) are _Group too


_INVOKED: list[click.Context] = []


def _history(register_db: str | None, data: dict) -> list[dict] | None:
    """Earlier delegations from the register named by --register or $FORMGEN_REGISTER; None without one."""
    location = register_db if register_db is not None else os.environ.get(ENV_REGISTER)  # "" is refused, not ignored
    if location is None or "delegation" not in data:
        return None
    with Register(location) as reg:
        return reg.history(data)


def _load(file: str, convert_legacy: bool) -> tuple[dict, list[Problem]]:
    """The validated file, and a warning per field converted from TCVN3/VNI (with --convert-legacy)."""
    with converted_fields() as notes:
        data = load(file, convert_legacy=convert_legacy)
    return data, notes


def _calendar(notices: tuple[str, ...]) -> WorkCalendar:
    return WorkCalendar.from_files(notices) if notices else WorkCalendar()


policy_option = click.option("--policy", metavar="TÊN|TỆP",
                             help="Quy định áp dụng (mặc định: theo tệp, hoặc hau-giang-2024) / policy profile.")
notices_option = click.option("--notices", multiple=True, type=click.Path(dir_okay=False),
                              help="Tệp YAML thông báo nghỉ/làm bù bổ sung / extra official notice (YAML).")
font_option = click.option("--font", type=click.Path(dir_okay=False),
                           help="Phông TrueType có tiếng Việt cho dấu / TrueType font with Vietnamese for the stamp.")
register_option = click.option(
    "--register", "register_db", metavar="DB",
    help="Sổ theo dõi các đoàn (tệp SQLite hoặc URL PostgreSQL; mặc định: $FORMGEN_REGISTER) để đếm số đoàn "
         "trong năm (R03) và tìm đoàn trùng (R10) / the register of delegations, for R03 and R10.")
convert_legacy_option = click.option(
    "--convert-legacy", is_flag=True,
    help="Tự chuyển chữ TCVN3 (ABC), VNI dán từ văn bản cũ sang Unicode (mặc định: từ chối) / convert text in "
         "the old TCVN3 or VNI encodings to Unicode instead of refusing it.")
overwrite_option = click.option(
    "--overwrite", is_flag=True,
    help="Ghi đè tệp đầu ra đã có (mặc định: từ chối, không ghi gì) / replace an existing output file "
         "(default: refuse and write nothing).")
json_option = click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON / print JSON.")
explain_option = click.option(
    "--explain", is_flag=True,
    help="Giải thích cách đếm từng ngày: ngày làm việc được tính, ngày nghỉ bỏ qua, ngày làm bù, kèm nguồn / "
         "show the count day by day, with the source of each day off and make-up day.")
ics_option = click.option(
    "--ics", "ics", type=OutputParam("doan.ics"), metavar="TỆP.ics",
    help="Ghi các hạn chót, ngày đi, ngày về ra tệp lịch .ics (Outlook, Google Calendar) / write the deadlines "
         "as an iCalendar file.")


def _deadline_outputs(found, calendar: WorkCalendar, explain: bool, ics: str | None, overwrite: bool):
    """The deadlines with their count (--explain), and the .ics written (--ics): (deadlines, lines, outputs)."""
    if explain:
        found = found.explain(calendar)
    lines, outputs = found.explanation_lines(), []
    if ics:
        outputs.append(str(write_ics(found, ics, version=__version__, overwrite=overwrite)))
        lines.append(f"Đã tạo / written: {outputs[0]}")
    return found, lines, outputs


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="formgen", message="%(prog)s %(version)s")
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
    data, converted = _load(file, convert_legacy)
    calendar = _calendar(notices)
    result = check(data, kind, profile=policy, calendar=calendar, history=_history(register_db, data))
    result.findings[:0] = converted
    if ics and not result.deadlines:
        raise InvalidInput("Tệp không có ngày đi (delegation.depart_on): không có hạn chót để ghi ra --ics.",
                           source=file)
    lines = [f"{file}: {p.line()}" for p in result.findings]
    outputs: list[str] = []
    if result.deadlines:
        result.deadlines, more, outputs = _deadline_outputs(result.deadlines, calendar, explain, ics, overwrite)
        lines += result.deadlines.lines() + more
    lines.append("Đạt: không vi phạm quy định." if result.ok else f"Không đạt: {len(result.errors)} lỗi.")
    payload = result.as_dict()
    if outputs:
        payload["outputs"] = outputs
    _emit(as_json, payload, lines, exit_code=0 if result.ok else Refused.exit_code)


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
@font_option
@register_option
@policy_option
@notices_option
@convert_legacy_option
@overwrite_option
@json_option
def render_cmd(kind, file, out, templates, as_pdf, with_stamp, soffice, font, register_db, policy, notices,
               convert_legacy, overwrite, as_json):
    """Lập văn bản .docx (từ chối nếu vi phạm quy định) / render a document, refused if it breaks a rule."""
    trip, converted = _load(file, convert_legacy)
    try:
        result = render(kind, trip, out, templates=templates, profile=policy, calendar=_calendar(notices),
                        pdf=as_pdf, stamp=with_stamp, soffice=soffice, font=font,
                        history=_history(register_db, trip), overwrite=overwrite)
    except Refused as exc:
        exc.source = exc.source or file  # name the file, as check does
        raise
    result.warnings[:0] = converted
    lines = [f"{file}: {w.line()}" for w in result.warnings]
    lines += [f"Đã tạo / written: {p}" for p in result.outputs]
    _emit(as_json, result.as_dict(), lines)


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
    calendar = _calendar(notices)
    result = deadlines(depart_on, return_on, profile=load_profile(policy) if policy else None, calendar=calendar)
    result, more, outputs = _deadline_outputs(result, calendar, explain, ics, overwrite)
    _emit(as_json, {"deadlines": result, "outputs": outputs}, result.lines() + more)


@cli.command("calendar")
@click.argument("year", type=YearParam(), metavar="NĂM")
@notices_option
@json_option
def calendar_cmd(year, notices, as_json):
    """Ngày nghỉ lễ, nghỉ hoán đổi, làm bù của một năm và nguồn / a year's days off and make-up days, with sources.

    Đúng lịch formgen dùng để tính hạn chót (holidays, thông báo chính thức đi kèm, rồi --notices) / exactly
    the calendar formgen counts deadlines with.
    """
    cal = _calendar(notices)
    _emit(as_json, {"calendar": cal.year_summary(year)}, cal.year_lines(year))


@cli.command("stamp")
@click.argument("src", type=click.Path(), metavar="IN.pdf")
@click.option("-o", "--output", "out", required=True, type=OutputParam(), help="PDF đầu ra / output PDF.")
@click.option("--trip", type=click.Path(), help="Tệp hồ sơ đoàn / the delegation file.")
@click.option("--depart", "depart_on", type=DateParam(), help="Ngày đi / departure date.")
@click.option("--return", "return_on", type=DateParam(), help="Ngày về / return date.")
@click.option("--all-pages", is_flag=True, help="Đóng dấu mọi trang (mặc định: trang đầu) / every page.")
@click.option("--rule-codes", is_flag=True,
              help="Ghi cả mã quy tắc (R01, R07) trên dấu / print the rule codes on the stamp too.")
@font_option
@policy_option
@notices_option
@overwrite_option
@json_option
def stamp_cmd(src, out, trip, depart_on, return_on, all_pages, rule_codes, font, policy, notices, overwrite,
              as_json):
    """Đóng dấu hạn chót lên một PDF bất kỳ / stamp any PDF with the regulation's deadlines."""
    if bool(trip) == bool(depart_on):
        raise InvalidInput("Cần đúng một trong hai: --trip TỆP hoặc --depart NGÀY.")
    if return_on and depart_on and return_on < depart_on:
        raise InvalidInput("Ngày về (--return) trước ngày đi (--depart).")
    path = stamp(src, out, trip=load(trip) if trip else None, depart_on=depart_on, return_on=return_on,
                 profile=policy, calendar=_calendar(notices), font=font, all_pages=all_pages, rule_codes=rule_codes,
                 overwrite=overwrite)
    _emit(as_json, {"outputs": [path]}, [f"Đã đóng dấu / stamped: {path}"])


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
@json_option
def batch_cmd(kind, table, folder, as_pdf, with_stamp, font, jobs, templates, soffice, policy, notices,
              convert_legacy, sheet, as_json):
    """Lập văn bản hàng loạt từ bảng CSV, XLSX, JSON Lines / one document per table row, with a manifest.

    Không bao giờ ghi đè: tệp trùng tên được thêm hậu tố -2, -3... / never overwrites: a name already
    taken gets a suffix -2, -3...

    Mã thoát / exit: 0 mọi dòng đã tạo / all rows written; 1 có dòng bị từ chối hoặc lỗi dữ liệu /
    some rows refused or invalid; 2 không đọc được bảng / the table could not be read; 3 lỗi môi trường.
    """
    counter = _Progress() if sys.stderr.isatty() and not as_json else None
    manifest = run_batch(kind, table, folder, jobs=jobs, pdf=as_pdf, stamp=with_stamp, font=font, policy=policy,
                         notices=notices, templates=templates, soffice=soffice, progress=counter,
                         convert_legacy=convert_legacy, sheet=sheet)
    if counter:
        counter.done()
    files = [str(Path(folder) / "manifest.json"), str(Path(folder) / "manifest.csv")]
    lines = [f"Ghi chú: {note}" for note in manifest.notes]
    lines += [f"{table}, dòng {e.row}: {m}" for e in sorted(manifest.entries, key=lambda e: e.row)
              if e.status != "written" for m in e.messages[:1]]
    lines += [manifest.summary(), f"Danh sách / manifest: {files[0]}"]
    _emit(as_json, {**_manifest_payload(manifest, files), "notes": manifest.notes}, lines,
          exit_code=manifest.exit_code)


def _manifest_payload(manifest: Manifest, files: list[str]) -> dict:
    """batch and annual --all: every row's result, the counts by status, the files written."""
    rows = [asdict(e) for e in sorted(manifest.entries, key=lambda e: e.row)]
    counts = {"rows": len(rows), **{s: manifest.count(s) for s in ("written", "refused", "invalid", "failed")}}
    return {"kind": manifest.kind, "rows": rows, "counts": counts, "manifest": files, "message": manifest.summary(),
            "outputs": [p for row in rows for p in row["outputs"]] + files}


class _Progress:
    """A one-line counter on a terminal (none when output goes to a file or a pipe)."""

    def __init__(self):
        self.n = 0

    def __call__(self, rows: int) -> None:
        self.n += rows
        click.echo(f"\rĐã xử lý / processed: {self.n} dòng", nl=False, err=True)

    def done(self) -> None:
        click.echo("", err=True)


@cli.group("register")
def register_group():
    """Sổ theo dõi các đoàn: ghi, xem, tìm báo cáo quá hạn, nhập/xuất bảng / the register of delegations.

    Sổ / register: --register DB, hoặc $FORMGEN_REGISTER, hoặc formgen-register.sqlite trong thư mục hiện tại.
    """


register_db_option = click.option("--register", "register_db", metavar="DB",
                                  help="Tệp SQLite hoặc URL PostgreSQL / SQLite file or PostgreSQL URL.")


ADD_REFUSED_HINT = "Chưa ghi gì vào sổ. Nếu cấp có thẩm quyền đã cho phép đoàn này, ghi lại với --force."


@register_group.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(), metavar="FILE...")
@click.option("--id", "record_id", metavar="ID",
              help="Số đăng ký của đoàn mà tệp cập nhật (mặc định: nhận ra theo số tờ trình, hoặc ngày đi và trưởng "
                   "đoàn) / the record this file updates.")
@click.option("--replace", is_flag=True,
              help="Thay cả hồ sơ đã ghi bằng nội dung tệp (mặc định: giữ phần sổ đã biết mà tệp không ghi, như ngày "
                   "báo cáo) / replace the record by the file, forgetting what the file does not say.")
@click.option("--force", is_flag=True,
              help="Vẫn ghi đoàn vi phạm quy định cần sổ (quá số đoàn trong năm) / record a delegation the register's "
                   "rules refuse.")
@register_db_option
@policy_option
@notices_option
@json_option
def register_add_cmd(files, record_id, replace, force, register_db, policy, notices, as_json):
    """Ghi (hoặc cập nhật) đoàn vào sổ / record or update delegations from their files.

    Ghi tất cả các tệp hoặc không tệp nào; đoàn vượt số đoàn trong năm bị từ chối (mã thoát 1) trừ khi --force.
    All files or none; a delegation over the yearly quota is refused (exit 1) unless --force.
    """
    if record_id is not None and len(files) != 1:
        raise click.UsageError("--id chỉ dùng khi ghi đúng một tệp.")
    trips = [(f, load(f)) for f in files]  # every file is read before anything is written
    try:
        with Register(register_db) as reg:
            added = reg.add_all([(trip, f) for f, trip in trips], profile=policy, calendar=_calendar(notices),
                                force=force, replace=replace, record_id=record_id)
    except IdentityConflict as exc:
        hint = f" Dòng lệnh: formgen register add --id {exc.record_id} {exc.source}" if exc.record_id else ""
        raise InvalidInput(exc.message + hint, source=exc.source) from None
    except Refused as exc:
        raise Refused(exc.message, [*exc.problems, Problem("", ADD_REFUSED_HINT)], source=exc.source) from None
    lines = []
    for (f, _), a in zip(trips, added):
        r = a.record
        lines.append(f"{'Đã ghi' if a.new else 'Đã cập nhật'} đoàn {r.id}: {r.unit_code}, đi {_dmy(r.depart_on)}, "
                     f"{r.state_label} ({f})")
        lines += [f"  {note}" for note in a.notes()]
    _emit(as_json, {"records": [a.as_dict() for a in added], "counts": {"records": len(added)},
                    "findings": [p for a in added for p in a.findings]}, lines)


@register_group.command("list")
@click.option("--unit", metavar="MÃ", help="Mã đơn vị / unit code (issuer abbreviation).")
@click.option("--year", type=int, help="Năm đi / departure year.")
@click.option("--state", help="Trạng thái / state: requested, escalated, approved, done, reported.")
@register_db_option
@json_option
def register_list_cmd(unit, year, state, register_db, as_json):
    """Liệt kê các đoàn / list the delegations."""
    with Register(register_db) as reg:
        records = reg.list(unit=unit, year=year, state=state)
    lines = [f"{'ID':>4}  {'Đơn vị':<8} {'Ngày đi':<10} {'Ngày về':<10} {'Người':>5}  {'Trạng thái':<14} Địa phương"]
    lines += [f"{r.id:>4}  {r.unit_code:<8} {_dmy(r.depart_on):<10} {_dmy(r.return_on):<10} {r.size:>5}  "
              f"{r.state_label:<14} {', '.join(r.places)}" for r in records]
    _emit(as_json, {"records": [r.as_dict() for r in records], "counts": {"records": len(records)}},
          lines + [f"{len(records)} đoàn."])


@register_group.command("show")
@click.argument("record_id", metavar="ID")
@register_db_option
@json_option
def register_show_cmd(record_id, register_db, as_json):
    """Xem một đoàn / show one delegation."""
    with Register(register_db) as reg:
        record = reg.get(record_id)
    facts = record.as_dict()
    _emit(as_json, {"record": record.as_dict(trip=True)},
          [f"{key}: {value}" for key, value in facts.items() if value not in (None, [], "")])


@register_group.command("overdue")
@click.option("--on", "on", type=DateParam(), help="Tính đến ngày (mặc định: hôm nay) / as of this day.")
@click.option("--within", type=click.IntRange(0, 60), default=5, show_default=True,
              help="Cả các báo cáo đến hạn trong N ngày làm việc / also those due within N working days.")
@register_db_option
@policy_option
@notices_option
@json_option
def register_overdue_cmd(on, within, register_db, policy, notices, as_json):
    """Báo cáo kết quả quá hạn hoặc sắp đến hạn / reports overdue or due soon."""
    on = on or dt.date.today()
    with Register(register_db) as reg:
        due = reg.overdue(on, within, profile=policy, calendar=_calendar(notices))
    lines = [(f"Đoàn {d.record.id} ({d.record.unit_code}, trưởng đoàn {d.record.leader_name}, về "
              f"{_dmy(d.record.return_on)}): hạn báo cáo {_dmy(d.deadline)}, "
              + (f"quá hạn {d.working_days} ngày làm việc" if d.overdue else f"còn {d.working_days} ngày làm việc"))
             for d in due]
    overdue = sum(d.overdue for d in due)
    _emit(as_json, {"on": on.isoformat(), "within": within, "due": [d.as_dict() for d in due],
                    "counts": {"due": len(due), "overdue": overdue}, **({"error": "overdue"} if overdue else {})},
          lines or [f"Không có báo cáo quá hạn hay đến hạn trong {within} ngày làm việc tính từ {_dmy(on)}."],
          exit_code=Refused.exit_code if overdue else 0)  # so that a script can alert on a report past its deadline


@register_group.command("remove")
@click.argument("record_id", metavar="ID")
@register_db_option
@json_option
def register_remove_cmd(record_id, register_db, as_json):
    """Xóa một đoàn ghi nhầm khỏi sổ, theo số đăng ký (số không dùng lại) / remove one delegation by its number."""
    with Register(register_db) as reg:
        r = reg.remove(record_id)
    _emit(as_json, {"record": r.as_dict(trip=True), "counts": {"removed": 1}},
          [f"Đã xóa đoàn {r.id}: {r.unit_code}, đi {_dmy(r.depart_on)}, trưởng đoàn {r.leader_name}, "
           f"{r.state_label}" + (f" ({r.source})" if r.source else "") + "."])


@register_group.command("import")
@click.argument("table", type=click.Path(), metavar="TABLE.csv|TABLE.xlsx")
@register_db_option
@policy_option
@notices_option
@click.option("--sheet", metavar="NAME", help="Trang tính cần đọc (mặc định: trang đang mở) / XLSX sheet to read.")
@json_option
def register_import_cmd(table, register_db, policy, notices, sheet, as_json):
    """Nhập bảng các đoàn (CSV, XLSX; tiêu đề tiếng Việt) / import delegations from a table."""
    with Register(register_db) as reg:
        result = reg.import_table(table, profile=policy, calendar=_calendar(notices), sheet=sheet)
    found = result.as_dict()
    _emit(as_json, {**found, "counts": {k: len(v) for k, v in found.items() if k != "notes"}},
          [f"Ghi chú: {note}" for note in result.notes]
          + [f"Đã nhập: {len(result.added)} mới, {len(result.updated)} cập nhật, {len(result.unchanged)} không đổi."])


@register_group.command("export")
@click.argument("table", type=OutputParam(), metavar="TABLE.csv|TABLE.xlsx")
@click.option("--unit", metavar="MÃ", help="Mã đơn vị / unit code.")
@click.option("--year", type=int, help="Năm đi / departure year.")
@register_db_option
@overwrite_option
@json_option
def register_export_cmd(table, unit, year, register_db, overwrite, as_json):
    """Xuất sổ ra bảng CSV hoặc XLSX / export the register to a table."""
    with Register(register_db) as reg:
        count = reg.export_table(table, unit=unit, year=year, overwrite=overwrite)
    _emit(as_json, {"outputs": [table], "counts": {"rows": count}}, [f"Đã xuất {count} đoàn: {table}"])


@cli.command("annual")
@click.option("--year", type=int, required=True, help="Năm báo cáo / the year.")
@click.option("--unit", metavar="MÃ", help="Mã đơn vị / one unit's code.")
@click.option("--all", "all_units", is_flag=True, help="Mọi đơn vị có đoàn trong năm / every unit.")
@click.option("--meta", type=click.Path(), required=True,
              help="YAML phần “annual:” (số, ngày, người ký, nơi nhận) / the document's own section.")
@click.option("-o", "--output", "out", required=True, type=click.Path(),
              help="Tệp .docx (--unit) hoặc thư mục (--all) / output file or folder.")
@click.option("--pdf", "as_pdf", is_flag=True, help="Thêm bản PDF / also write PDFs.")
@click.option("--templates", type=click.Path(), help="Thư mục mẫu đã sửa / folder of edited templates.")
@register_db_option
@policy_option
@notices_option
@overwrite_option
@json_option
def annual_cmd(year, unit, all_units, meta, out, as_pdf, templates, register_db, policy, notices, overwrite,
               as_json):
    """Báo cáo tổng hợp năm từ sổ (R11) / the annual report of one unit, or of every unit, from the register."""
    if bool(unit) == all_units:
        raise InvalidInput("Cần đúng một trong hai: --unit MÃ hoặc --all.")
    section = read_data(meta)
    section = section.get("annual", section) if isinstance(section, dict) else section
    calendar = _calendar(notices)
    with Register(register_db) as reg:
        if unit:
            data = reg.annual_input(unit, year, section, policy=policy)
            result = render("annual", data, out, templates=templates, profile=policy, calendar=calendar, pdf=as_pdf,
                            overwrite=overwrite)
            _emit(as_json, result.as_dict(), [f"Đã tạo / written: {p}" for p in result.outputs])
            return
        folder = output_folder(out)
        manifest = Manifest("annual", f"register {reg.location}, {year}")
        for number, (code, _) in enumerate(reg.units(year), 1):
            try:
                data = reg.annual_input(code, year, section, policy=policy)
                result = render("annual", data, folder / f"annual-{safe_name(code)}-{year}.docx", templates=templates,
                                profile=policy, calendar=calendar, pdf=as_pdf, overwrite=overwrite)
                manifest.entries.append(Entry(number, "written", [str(p) for p in result.outputs],
                                              messages=[f"{code}"]))
            except FormgenError as exc:
                manifest.entries.append(Entry(number, {1: "refused", 2: "invalid"}.get(exc.exit_code, "failed"),
                                              messages=[f"{code}: {line}" for line in exc.lines()]))
    files = [str(p) for p in manifest.write(folder)]
    _emit(as_json, _manifest_payload(manifest, files), [manifest.summary()], exit_code=manifest.exit_code)


def _dmy(day) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


@cli.group("templates")
def templates_group():
    """Xuất và kiểm tra mẫu văn bản .docx / export and check the .docx templates."""


@templates_group.command("export")
@click.argument("folder", type=click.Path(), metavar="DIR")
@click.option("--overwrite", is_flag=True, help="Ghi đè tệp đã có / overwrite files already there.")
@json_option
def templates_export_cmd(folder, overwrite, as_json):
    """Chép các mẫu có sẵn ra thư mục / copy the built-in templates into DIR.

    Sửa bản chép bằng Word hoặc LibreOffice rồi dùng: formgen render ... --templates DIR.
    Edit the copies in Word or LibreOffice, then use them with: formgen render ... --templates DIR.
    """
    paths = export_templates(folder, overwrite=overwrite)
    _emit(as_json, {"outputs": paths}, [f"Đã chép / exported: {path}" for path in paths])


@templates_group.command("check")
@click.argument("file", type=click.Path(), metavar="FILE.docx")
@click.option("--as", "kind", type=KindParam(), default=None,
              help=f"Loại văn bản của mẫu / document kind: {', '.join(KINDS)} (mặc định: theo tên tệp "
                   "<loại>_<kiểu>.docx / default: from the file name).")
@json_option
def templates_check_cmd(file, kind, as_json):
    """Kiểm tra mẫu .docx đã sửa / check an edited .docx template.

    Tìm thẻ bị Word làm hỏng, biến không có trong dữ liệu, nội dung bắt buộc bị thiếu; có lỗi: mã thoát 2.
    Finds tags Word broke, variables the data lacks, required content missing; exit status 2 if any.
    """
    problems = check_template(file, kind)
    if problems:
        raise template_refusal(file, problems)
    kind = template_kind(file, kind)
    _emit(as_json, {"template": file, "kind": kind},
          [f"{file}: Mẫu dùng được (loại “{kind}”): không có lỗi."])


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Địa chỉ lắng nghe; ngoài máy này cần có người dùng / address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Cổng / port.")
@click.option("--behind-tls", is_flag=True,
              help="Sau một reverse proxy có TLS: cookie Secure, tin X-Forwarded-Proto / behind a TLS reverse proxy.")
@register_option
def serve_cmd(host, port, behind_tls, register_db):
    """Mở biểu mẫu trên trình duyệt và API HTTP / serve the form in the browser and the HTTP API.

    Mở http://127.0.0.1:8000/ trên trình duyệt / open http://127.0.0.1:8000/ in a browser.
    """
    try:
        from .web import refuse_open_host, serve, user_count
    except ImportError as exc:
        raise EnvironmentFailed(f"Thiếu gói cho máy chủ web ({exc.name}): pip install \"formgen[web]\".") from None
    register_db = register_db if register_db is not None else os.environ.get(ENV_REGISTER)
    refuse_open_host(host, user_count(register_db))
    click.echo(f"formgen: mở http://{host}:{port}/ trên trình duyệt (Ctrl+C để dừng).", err=True)
    serve(host, port, register=register_db, behind_tls=behind_tls)


@cli.group("users")
def users_group():
    """Người dùng của formgen serve (lưu trong sổ) / the users of formgen serve, kept in the register."""


@users_group.command("add")
@click.argument("name", metavar="TÊN")
@click.option("--unit", metavar="MÃ", help="Mã đơn vị (chữ viết tắt của cơ quan) / the user's unit code.")
@click.option("--province", is_flag=True, help="Ban Tổ chức: xem mọi đơn vị / sees every unit.")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ stdin / read the password from stdin.")
@register_db_option
def users_add_cmd(name, unit, province, password_stdin, register_db):
    """Thêm người dùng (mật khẩu băm argon2) / add a user (password hashed with argon2)."""
    from .web.users import Users

    if province == bool(unit):
        raise InvalidInput("Cần đúng một trong hai: --unit MÃ hoặc --province.")
    password = (sys.stdin.readline().rstrip("\n") if password_stdin
                else click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu"))
    with Users(register_db) as users:  # the register's own default: --register, $FORMGEN_REGISTER, or the file here
        user = users.add(name, password, unit=unit, role="province" if province else "unit")
    click.echo(f"Đã thêm người dùng {user.name} ({user.unit or 'Ban Tổ chức'}).")


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
        ctx = ctx or (_INVOKED[0] if _INVOKED else None)
        kind = ctx.params.get("kind") if ctx and isinstance(ctx.params.get("kind"), str) else None
        click.echo(dumps(envelope(_command(ctx), {"kind": kind}, exit_code=exit_code, message=" ".join(lines),
                                  error=error)))
    else:
        for line in lines:
            click.echo(line, err=True)
    sys.exit(exit_code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: the only place that turns failures into messages and exit statuses."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    _INVOKED.clear()
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
        _fail(as_json, ["formgen: đã dừng / aborted."], 130, error="aborted")
    except click.UsageError as exc:
        if isinstance(exc, getattr(click.exceptions, "NoArgsIsHelpError", ())) and not as_json:
            click.echo(exc.format_message(), err=True)  # `formgen` alone: the help, as click would show it
            sys.exit(2)
        _fail(as_json, [_usage_line(exc)], 2, error="usage", ctx=exc.ctx)
    except click.ClickException as exc:
        _fail(as_json, [f"formgen: {exc.format_message()}"], exc.exit_code, error="usage")
    except Exception as exc:  # a bug: one line, the traceback only when asked for
        if os.environ.get("FORMGEN_DEBUG"):
            raise
        _fail(as_json, [f"formgen: lỗi nội bộ / internal error: {type(exc).__name__}: {exc} "
                        "(đặt FORMGEN_DEBUG=1 để xem chi tiết)"], EXIT_INTERNAL, error="internal")
    sys.exit(status if isinstance(status, int) else 0)
