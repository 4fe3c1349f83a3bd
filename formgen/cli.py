"""The command line: parse, call the library, print; exit statuses are decided in main() alone."""
from __future__ import annotations

import json
import os
import sys

import click

from . import KINDS, __version__, check, deadlines, load, render
from .calendar import WorkCalendar
from .errors import FormgenError, InvalidInput
from .fields import Date
from .policy import load_profile

EXIT_INTERNAL = 70  # a bug in formgen itself, not the user's input


class DateParam(click.ParamType):
    """A date on the command line: 2024-06-03 or 03/06/2024."""

    name = "DATE"

    def convert(self, value, param, ctx):
        try:
            return Date().deserialize(value)
        except Exception as exc:  # marshmallow.ValidationError, with our Vietnamese message
            self.fail(" ".join(getattr(exc, "messages", [str(exc)])), param, ctx)


def _emit(as_json: bool, payload: dict, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for line in lines:
            click.echo(line)


def _calendar(notices: tuple[str, ...]) -> WorkCalendar:
    return WorkCalendar.from_files(notices) if notices else WorkCalendar()


policy_option = click.option("--policy", metavar="TÊN|TỆP",
                             help="Quy định áp dụng (mặc định: theo tệp, hoặc hau-giang-2024) / policy profile.")
notices_option = click.option("--notices", multiple=True, type=click.Path(dir_okay=False),
                              help="Tệp YAML thông báo nghỉ/làm bù bổ sung / extra official notice (YAML).")
json_option = click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON / print JSON.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="formgen", message="%(prog)s %(version)s")
def cli():
    """formgen: lập văn bản đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh, kiểm tra theo quy định.

    formgen: official documents for out-of-province study delegations, checked against the regulation.

    Mã thoát / exit status: 0 xong / done; 1 bị từ chối theo quy định / refused by the rules;
    2 dữ liệu hoặc lệnh sai / bad input or usage; 3 lỗi môi trường / environment failed.
    """


@cli.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--as", "kind", type=click.Choice(list(KINDS)), default="request", show_default=True,
              help="Loại văn bản cần kiểm tra / document kind.")
@policy_option
@notices_option
@json_option
def check_cmd(file, kind, policy, notices, as_json):
    """Kiểm tra tệp hồ sơ đoàn theo quy định / check a delegation file against the rules."""
    result = check(load(file), kind, profile=policy, calendar=_calendar(notices))
    lines = [f"{file}: {p.line()}" for p in result.findings]
    if result.deadlines:
        lines += result.deadlines.lines()
    lines.append("Đạt: không vi phạm quy định." if result.ok else f"Không đạt: {len(result.errors)} lỗi.")
    _emit(as_json, result.as_dict(), lines)
    sys.exit(0 if result.ok else 1)


@cli.command("render")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="Tệp .docx đầu ra / output .docx path.")
@click.option("--templates", type=click.Path(file_okay=False),
              help="Thư mục mẫu đã sửa / folder of edited templates.")
@policy_option
@notices_option
@json_option
def render_cmd(kind, file, out, templates, policy, notices, as_json):
    """Lập văn bản .docx (từ chối nếu vi phạm quy định) / render a document, refused if it breaks a rule."""
    result = render(kind, load(file), out, templates=templates, profile=policy, calendar=_calendar(notices))
    lines = [f"{file}: {w.line()}" for w in result.warnings]
    lines += [f"Đã tạo / written: {p}" for p in result.outputs]
    _emit(as_json, result.as_dict(), lines)


@cli.command("deadlines")
@click.option("--depart", "depart_on", required=True, type=DateParam(), help="Ngày đi / departure date.")
@click.option("--return", "return_on", type=DateParam(), help="Ngày về / return date.")
@policy_option
@notices_option
@json_option
def deadlines_cmd(depart_on, return_on, policy, notices, as_json):
    """Tính hạn chót gửi văn bản trình và báo cáo / compute the request and report deadlines."""
    if return_on and return_on < depart_on:
        raise InvalidInput("Ngày về (--return) trước ngày đi (--depart).")
    result = deadlines(depart_on, return_on, profile=load_profile(policy) if policy else None,
                       calendar=_calendar(notices))
    _emit(as_json, result.as_dict(), result.lines())


_USAGE_WORDS = {
    click.exceptions.MissingParameter: "Thiếu tham số",
    click.exceptions.NoSuchOption: "Không có tùy chọn",
    click.exceptions.BadParameter: "Giá trị không hợp lệ",
    click.exceptions.BadOptionUsage: "Dùng tùy chọn sai",
    click.exceptions.BadArgumentUsage: "Dùng tham số sai",
}


def _usage_line(exc: click.UsageError) -> str:
    word = next((w for cls, w in _USAGE_WORDS.items() if isinstance(exc, cls)), "Lệnh không hợp lệ")
    return f"formgen: {word}: {exc.format_message()} (xem formgen --help)"


def main(argv: list[str] | None = None) -> None:
    """Entry point: the only place that turns failures into messages and exit statuses."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        cli.main(args=args, prog_name="formgen", standalone_mode=False)
    except FormgenError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, **exc.as_dict()}, ensure_ascii=False, indent=2))
        else:
            for line in exc.lines():
                click.echo(line, err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("formgen: đã dừng / aborted.", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        click.echo(_usage_line(exc), err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"formgen: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: one line, the traceback only when asked for
        if os.environ.get("FORMGEN_DEBUG"):
            raise
        click.echo(f"formgen: lỗi nội bộ / internal error: {type(exc).__name__}: {exc} "
                   "(đặt FORMGEN_DEBUG=1 để xem chi tiết)", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(0)
