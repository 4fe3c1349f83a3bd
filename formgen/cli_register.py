"""The register's commands (register add, list, show, overdue, remove, import, export, cancel, book) and annual."""
from __future__ import annotations

import datetime as dt
import getpass

import click

from . import load
from .annual import annual_report, annual_reports
from .errors import InvalidInput, Problem, Refused
from .loader import read_data
from .register import IdentityConflict, Register
from .cli_base import (Command, DateParam, Group, OutputParam, calendar_of, dmy_or_blank, emit, json_option,
                       manifest_payload, notices_option, number_line, overwrite_option, policy_option,
                       register_db_option)


@click.group("register", cls=Group)
def register_group():
    """Sổ theo dõi các đoàn: ghi, xem, tìm báo cáo quá hạn, nhập/xuất bảng / the register of delegations.

    Sổ / register: --register DB, hoặc $FORMGEN_REGISTER, hoặc formgen-register.sqlite trong thư mục hiện tại.
    """


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
            added = reg.add_all([(trip, f) for f, trip in trips], profile=policy, calendar=calendar_of(notices),
                                force=force, replace=replace, record_id=record_id)
    except IdentityConflict as exc:
        hint = f" Dòng lệnh: formgen register add --id {exc.record_id} {exc.source}" if exc.record_id else ""
        raise InvalidInput(exc.message + hint, source=exc.source) from None
    except Refused as exc:
        raise Refused(exc.message, [*exc.problems, Problem("", ADD_REFUSED_HINT)], source=exc.source) from None
    lines = []
    for (f, _), a in zip(trips, added):
        r = a.record
        lines.append(f"{'Đã ghi' if a.new else 'Đã cập nhật'} đoàn {r.id}: {r.unit_code}, đi {dmy_or_blank(r.depart_on)}, "
                     f"{r.state_label} ({f})")
        lines += [f"  {note}" for note in a.notes()]
    emit(as_json, {"records": [a.as_dict() for a in added], "counts": {"records": len(added)},
                   "findings": [p for a in added for p in a.findings]}, lines)


PAGE_SIZE = 50  # records a page of `register list` shows unless --limit says otherwise


@register_group.command("list")
@click.option("--unit", metavar="MÃ", help="Mã đơn vị / unit code (issuer abbreviation).")
@click.option("--year", type=int, help="Năm đi / departure year.")
@click.option("--state", help="Trạng thái / state: requested, escalated, approved, done, reported.")
@click.option("--overdue", is_flag=True, help="Chỉ các đoàn quá hạn báo cáo hôm nay / only reports overdue today.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True,
              help="Trang cần xem / the page to show.")
@click.option("--limit", type=click.IntRange(min=1), default=PAGE_SIZE, show_default=True,
              help="Số đoàn mỗi trang / delegations a page.")
@click.option("--all", "everything", is_flag=True,
              help="Cả danh sách, không chia trang (xuất bảng: register export) / the whole list, unpaged.")
@register_db_option
@policy_option
@notices_option
@json_option
def register_list_cmd(unit, year, state, overdue, page, limit, everything, register_db, policy, notices, as_json):
    """Liệt kê các đoàn theo ngày đi, từng trang / list the delegations by departure date, a page at a time."""
    with Register(register_db) as reg:
        found = reg.page(unit=unit, year=year, state=state, overdue=overdue, page=1 if everything else page,
                         limit=None if everything else limit, profile=policy,
                         calendar=calendar_of(notices) if overdue else None)
    records = found.records
    lines = [f"{'ID':>4}  {'Đơn vị':<8} {'Ngày đi':<10} {'Ngày về':<10} {'Người':>5}  {'Trạng thái':<14} Địa phương"]
    lines += [f"{r.id:>4}  {r.unit_code:<8} {dmy_or_blank(r.depart_on):<10} {dmy_or_blank(r.return_on):<10} {r.size:>5}  "
              f"{r.state_label:<14} {', '.join(r.places)}" for r in records]
    emit(as_json, {"records": [r.as_dict() for r in records], "counts": {"records": len(records), "total": found.total},
                   "page": found.as_dict()},
         lines + [_page_line(found)])


def _page_line(found) -> str:
    """How much of the listing the page shows, and how to see the next one, as a clerk reads it."""
    if found.limit is None or (found.page == 1 and found.total <= len(found.records)):
        return f"{found.total} đoàn."
    if not found.records:
        return f"Trang {found.page} không có đoàn nào: {found.total} đoàn, {found.pages} trang."
    shown = f"đoàn {found.first}–{found.first + len(found.records) - 1}"
    after = f" Trang sau: --page {found.page + 1}; cả danh sách: --all." if found.page < found.pages else ""
    return f"Trang {found.page}/{found.pages}: {shown} trong {found.total} đoàn.{after}"


@register_group.command("show")
@click.argument("record_id", metavar="ID")
@register_db_option
@json_option
def register_show_cmd(record_id, register_db, as_json):
    """Xem một đoàn / show one delegation."""
    with Register(register_db) as reg:
        record = reg.get(record_id)
    facts = record.as_dict()
    emit(as_json, {"record": record.as_dict(trip=True)},
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
        calendar = calendar_of(notices)
        due = reg.overdue(on, within, profile=policy, calendar=calendar)
    lines = [(f"Đoàn {d.record.id} ({d.record.unit_code}, trưởng đoàn {d.record.leader_name}, về "
              f"{dmy_or_blank(d.record.return_on)}): hạn báo cáo {dmy_or_blank(d.deadline)}, "
              + (f"quá hạn {d.working_days} ngày làm việc" if d.overdue else f"còn {d.working_days} ngày làm việc"))
             for d in due]
    lines += unchecked_lines(due, calendar.checked_through)
    overdue = sum(d.overdue for d in due)
    emit(as_json, {"on": on.isoformat(), "within": within, "due": [d.as_dict() for d in due],
                   "counts": {"due": len(due), "overdue": overdue}, **({"error": "overdue"} if overdue else {})},
         lines or [f"Không có báo cáo quá hạn hay đến hạn trong {within} ngày làm việc tính từ {dmy_or_blank(on)}."],
         exit_code=Refused.exit_code if overdue else 0)  # so that a script can alert on a report past its deadline


def unchecked_lines(due: list, through: dt.date | None) -> list[str]:
    """One warning per holiday near some deadlines' count whose official notice formgen has not checked (through
    the day the calendar's notices were checked to), naming the delegations whose deadlines it concerns."""
    from .deadlines import unchecked_words
    concerned: dict = {}
    for d in due:
        for occasion in d.unchecked:
            concerned.setdefault(occasion, []).append(str(d.record.id))
    return [Problem("", unchecked_words(f"Hạn báo cáo của đoàn {', '.join(ids)}", occasion, through),
                    severity="warning").line() for occasion, ids in concerned.items()]


@register_group.command("remove")
@click.argument("record_id", metavar="ID")
@register_db_option
@json_option
def register_remove_cmd(record_id, register_db, as_json):
    """Xóa một đoàn ghi nhầm khỏi sổ, theo số đăng ký (số không dùng lại) / remove one delegation by its number."""
    with Register(register_db) as reg:
        r = reg.remove(record_id)
    emit(as_json, {"record": r.as_dict(trip=True), "counts": {"removed": 1}},
         [f"Đã xóa đoàn {r.id}: {r.unit_code}, đi {dmy_or_blank(r.depart_on)}, trưởng đoàn {r.leader_name}, "
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
        result = reg.import_table(table, profile=policy, calendar=calendar_of(notices), sheet=sheet)
    found = result.as_dict()
    emit(as_json, {**found, "counts": {k: len(v) for k, v in found.items() if k != "notes"}},
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
    emit(as_json, {"outputs": [table], "counts": {"rows": count}}, [f"Đã xuất {count} đoàn: {table}"])


@register_group.command("cancel")
@click.option("--id", "entry_id", metavar="ID", help="Số đăng ký của văn bản trong sổ văn bản đi / the entry's id.")
@click.option("--unit", metavar="MÃ", help="Mã đơn vị / unit code.")
@click.option("--year", type=int, help="Năm của văn bản / the document's year.")
@click.option("--number", type=click.IntRange(1), help="Số văn bản / the document's number.")
@click.option("--type", "type_abbr", metavar="LOẠI", help="Tên loại viết tắt (TTr, BC) khi đánh số theo loại / type.")
@click.option("--reason", required=True, help="Lý do hủy, thu hồi / why the number is cancelled.")
@click.option("--by", "by", help="Người hủy (mặc định: người dùng máy) / who cancels it (default: the login name).")
@register_db_option
@json_option
def register_cancel_cmd(entry_id, unit, year, number, type_abbr, reason, by, register_db, as_json):
    """Hủy (thu hồi) một số văn bản đi: số vẫn ở trong sổ với ghi chú, không cấp lại / cancel an issued number.

    Chỉ rõ số: --id, hoặc --unit MÃ --year NĂM --number SỐ (thêm --type nếu đánh số theo loại văn bản).
    """
    with Register(register_db) as reg:
        entry = reg.cancel(reason=reason, by=by or _login_name(), entry_id=entry_id, unit=unit, year=year,
                           number=number, type_abbr=type_abbr)
    emit(as_json, {"entry": entry.as_dict(), "counts": {"cancelled": 1}},
         [f"Số {entry.notation} (văn bản ngày {dmy_or_blank(entry.issued_on)}, {entry.unit_code}) — {entry.note}"])


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's user without a name: --by says who
        return ""


@register_group.command("book")
@click.option("--year", type=int, required=True, help="Năm / the year.")
@click.option("--unit", metavar="MÃ", help="Mã đơn vị (mặc định: mọi đơn vị, mỗi đơn vị một trang tính) / unit code.")
@click.option("-o", "--output", "out", required=True, type=OutputParam(), metavar="TỆP.xlsx|TỆP.pdf",
              help="Tệp .xlsx hoặc .pdf / output file.")
@register_db_option
@overwrite_option
@json_option
def register_book_cmd(year, unit, out, register_db, overwrite, as_json):
    """Sổ đăng ký văn bản đi (NĐ 30/2020, Phụ lục IV), in được / the outgoing-document book, printable.

    Khổ A4 ngang; số đã hủy vẫn có dòng với ghi chú / A4 landscape; cancelled numbers keep their row.
    """
    with Register(register_db) as reg:
        count = reg.write_book(out, year, unit, overwrite=overwrite)
    emit(as_json, {"outputs": [out], "counts": {"rows": count}}, [f"Đã ghi sổ văn bản đi ({count} số): {out}"])


@click.command("annual", cls=Command)
@click.option("--year", type=int, required=True, help="Năm báo cáo / the year.")
@click.option("--unit", metavar="MÃ", help="Mã đơn vị / one unit's code.")
@click.option("--all", "all_units", is_flag=True, help="Mọi đơn vị có đoàn trong năm / every unit.")
@click.option("--meta", type=click.Path(), required=True,
              help="YAML phần “annual:” (số, ngày, người ký, nơi nhận; term_start cho đơn vị đảng khi --number) / "
                   "the document's own section.")
@click.option("-o", "--output", "out", required=True, type=click.Path(),
              help="Tệp .docx (--unit) hoặc thư mục (--all) / output file or folder.")
@click.option("--number", "numbered", is_flag=True,
              help="Cấp số văn bản đi từ sổ (để trống số: số tiếp theo của đơn vị; số ghi sẵn được kiểm tra trùng) "
                   "và ghi vào sổ văn bản đi / number each report from the register's outgoing book.")
@click.option("--pdf", "as_pdf", is_flag=True, help="Thêm bản PDF / also write PDFs.")
@click.option("--metadata", type=click.Choice(["xml", "json"]), default=None,
              help="Ghi siêu dữ liệu (NĐ 30/2020, Phụ lục VI) cạnh mỗi báo cáo, cùng tên / each report's metadata "
                   "beside it, with its name.")
@click.option("--templates", type=click.Path(), help="Thư mục mẫu đã sửa / folder of edited templates.")
@register_db_option
@policy_option
@notices_option
@overwrite_option
@json_option
def annual_cmd(year, unit, all_units, meta, out, numbered, as_pdf, metadata, templates, register_db, policy, notices,
               overwrite, as_json):
    """Báo cáo tổng hợp năm từ sổ (R11) / the annual report of one unit, or of every unit, from the register.

    Với --number, mỗi báo cáo được cấp số (đơn vị đảng: theo nhiệm kỳ, ngày đầu nhiệm kỳ lấy từ issuer.term_start
    của đoàn hoặc term_start trong phần annual) / with --number, each report is numbered and recorded.
    """
    if bool(unit) == all_units:
        raise InvalidInput("Cần đúng một trong hai: --unit MÃ hoặc --all.")
    section = read_data(meta)
    section = section.get("annual", section) if isinstance(section, dict) else section
    calendar = calendar_of(notices)
    with Register(register_db) as reg:
        if unit:
            result = annual_report(reg, unit, year, section, out, templates=templates, profile=policy,
                                   calendar=calendar, pdf=as_pdf, overwrite=overwrite, number=numbered, source=meta,
                                   metadata=metadata)
            lines = [number_line(result.number)] if result.number is not None else []
            emit(as_json, result.as_dict(), lines + [f"Đã tạo / written: {p}" for p in result.outputs])
            return
        manifest, files = annual_reports(reg, year, section, out, templates=templates, profile=policy,
                                         calendar=calendar, pdf=as_pdf, overwrite=overwrite, number=numbered,
                                         source=meta, metadata=metadata)
    emit(as_json, manifest_payload(manifest, [str(p) for p in files]), [manifest.summary()],
         exit_code=manifest.exit_code)
