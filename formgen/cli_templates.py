"""The template commands (templates export, templates check), loaded when one of them runs: docxtpl comes with them."""
from __future__ import annotations

import click

from . import KINDS
from .cli_base import Group, KindParam, emit, json_option
from .templates import check_template, export_templates, template_kind, template_refusal


@click.group("templates", cls=Group)
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
    emit(as_json, {"outputs": paths}, [f"Đã chép / exported: {path}" for path in paths])


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
    emit(as_json, {"template": file, "kind": kind},
         [f"{file}: Mẫu dùng được (loại “{kind}”): không có lỗi."])
