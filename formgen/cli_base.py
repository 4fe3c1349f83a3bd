"""The command line's shared parts: parameter types, the options several commands take, the one output."""
from __future__ import annotations

import importlib
import os
from contextlib import contextmanager
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Iterator

import click

from . import KINDS, load
from .calendar import WorkCalendar
from .deadlines import write_ics
from .envelope import dumps, envelope
from .errors import InvalidInput, Problem
from .fields import Date
from .environment import ENV_REGISTER

if TYPE_CHECKING:
    from .manifest import Manifest
    from .register import Register


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


def emit(as_json: bool, payload: dict, lines: list[str], *, exit_code: int = 0) -> None:
    """Print the command's result: its lines, or with --json the one envelope (formgen/envelope.py).

    payload holds the envelope's parts (kind, findings, outputs, deadlines, counts) and any extra key
    the command reports; a non-zero exit_code is a failure (ok false, error, message: the last line)
    and the process exits with it.
    """
    if as_json:
        ctx = click.get_current_context(silent=True)
        payload = {"kind": ctx.params.get("kind") if ctx else None, **payload}
        click.echo(dumps(envelope(command_name(ctx), payload, exit_code=exit_code,
                                  message=lines[-1] if exit_code and lines else None)))
    else:
        for line in lines:
            click.echo(line)
    if exit_code:
        sys.exit(exit_code)


def command_name(ctx: click.Context | None) -> str | None:
    """The command as typed after `formgen`: "check", "register add"; None for formgen itself."""
    path = ctx.command_path.split(" ", 1) if ctx else []
    return path[1] if len(path) > 1 else None


class Command(click.Command):
    """Remembers the context it parses: a failure raised later still names its command in --json."""

    def parse_args(self, ctx, args):
        INVOKED[:] = [ctx]
        return super().parse_args(ctx, args)


class Group(Command, click.Group):
    """A group whose heavier commands live in modules imported only when one of them is run or asked for help.

    lazy maps a command's name to ("module:attribute", its short help): `formgen --help` lists them from
    this table, so it loads neither their modules nor what those import (SQLAlchemy, pypdf, docxtpl).
    """

    command_class = Command
    group_class = type  # subgroups (register, templates) are Group too

    def __init__(self, *args, lazy: dict[str, tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx):
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx, name):
        if name in self.lazy and name not in self.commands:
            module, attribute = self.lazy[name][0].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        names = [n for n in self.list_commands(ctx) if n in self.lazy or not self.commands[n].hidden]
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = [(n, self.commands[n].get_short_help_str(limit) if n in self.commands
                 else click.Command(n, help=self.lazy[n][1]).get_short_help_str(limit)) for n in names]
        # (a command not loaded yet is shortened by click's public Command API: click.utils.make_default_short_help
        # is deprecated (click 8.5 warns) and goes in click 9)
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


INVOKED: list[click.Context] = []


def register_history(register_db: str | None, data: dict) -> list[dict] | None:
    """Earlier delegations from the register named by --register or $FORMGEN_REGISTER; None without one."""
    if "delegation" not in data:
        return None
    with register_of(register_db) as reg:
        return reg.history(data) if reg else None


@contextmanager
def register_of(register_db: str | None) -> Iterator[Register | None]:
    """The register named by --register or $FORMGEN_REGISTER, open for the command; None without one."""
    location = register_db if register_db is not None else os.environ.get(ENV_REGISTER)  # "" is refused, not ignored
    if location is None:
        yield None
        return
    from .register import Register  # SQLAlchemy is imported only when a register is named
    with Register(location) as reg:
        yield reg


def load_file(file: str, convert_legacy: bool) -> tuple[dict, list[Problem]]:
    """The validated file, and a warning per field converted from TCVN3/VNI (with --convert-legacy)."""
    data = load(file, convert_legacy=convert_legacy)
    return data, data.notes


def calendar_of(notices: tuple[str, ...]) -> WorkCalendar:
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
register_db_option = click.option("--register", "register_db", metavar="DB",
                                  help="Tệp SQLite hoặc URL PostgreSQL / SQLite file or PostgreSQL URL.")
json_option = click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON / print JSON.")
explain_option = click.option(
    "--explain", is_flag=True,
    help="Giải thích cách đếm từng ngày: ngày làm việc được tính, ngày nghỉ bỏ qua, ngày làm bù, kèm nguồn / "
         "show the count day by day, with the source of each day off and make-up day.")
ics_option = click.option(
    "--ics", "ics", type=OutputParam("doan.ics"), metavar="TỆP.ics",
    help="Ghi các hạn chót, ngày đi, ngày về ra tệp lịch .ics (Outlook, Google Calendar) / write the deadlines "
         "as an iCalendar file.")


def deadline_outputs(found, calendar: WorkCalendar, explain: bool, ics: str | None, overwrite: bool):
    """The deadlines with their count (--explain), and the .ics written (--ics): (deadlines, lines, outputs)."""
    if explain:
        found = found.explain(calendar)
    lines, outputs = found.explanation_lines(), []
    if ics:
        from . import __version__
        outputs.append(str(write_ics(found, ics, version=__version__, overwrite=overwrite)))
        lines.append(f"Đã tạo / written: {outputs[0]}")
    return found, lines, outputs


def manifest_payload(manifest: Manifest, files: list[str]) -> dict:
    """batch and annual --all: every row's result, the counts by status, the files written."""
    rows = [asdict(e) for e in sorted(manifest.entries, key=lambda e: e.row)]
    counts = {"rows": len(rows), **{s: manifest.count(s) for s in ("written", "refused", "invalid", "failed")}}
    return {"kind": manifest.kind, "rows": rows, "counts": counts, "manifest": files, "message": manifest.summary(),
            "outputs": [p for row in rows for p in row["outputs"]] + files}


def dmy_or_blank(day) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def number_line(n) -> str:
    """The outgoing number a register gave a document (register.outgoing.Issue), as render and annual print it."""
    how = "đã cấp trước đây" if n.reused else "ghi trong tệp" if n.typed else "sổ cấp"
    return f"Số văn bản / number: {n.notation} ({n.scope}, {how})"
