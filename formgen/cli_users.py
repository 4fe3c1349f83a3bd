"""The users of formgen serve (users add, list, remove, password, role), kept in the register with who changed them."""
from __future__ import annotations

import getpass
import sys

import click

from .cli_base import Group, emit, json_option, register_db_option
from .errors import InvalidInput

password_stdin_option = click.option("--password-stdin", is_flag=True,
                                     help="Đọc mật khẩu từ stdin (không ghi trên dòng lệnh) / read it from stdin.")
unit_option = click.option("--unit", metavar="MÃ", help="Mã đơn vị (chữ viết tắt của cơ quan) / the user's unit code.")
province_option = click.option("--province", is_flag=True, help="Ban Tổ chức: xem mọi đơn vị / sees every unit.")


@click.group("users", cls=Group)
def users_group():
    """Người dùng của formgen serve (lưu trong sổ) / the users of formgen serve, kept in the register.

    Sổ / register: --register DB, hoặc $FORMGEN_REGISTER, hoặc formgen-register.sqlite trong thư mục hiện tại.
    Mỗi thay đổi ghi lại ai (tài khoản máy chạy lệnh) và lúc nào / every change records who and when.
    """


def _users(register_db):
    from .web.users import Users
    return Users(register_db)  # the register's own default: --register, $FORMGEN_REGISTER, or the file here


def _who() -> str:
    """Who runs the command, as the change log records it: the account on this machine."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu", err=True)


def _role(unit: str | None, province: bool) -> dict:
    if province == bool(unit):
        raise InvalidInput("Cần đúng một trong hai: --unit MÃ hoặc --province.")
    return {"unit": unit, "role": "province" if province else "unit"}


def _label(user) -> str:
    return user.unit if user.role == "unit" else "Ban Tổ chức"


@users_group.command("add")
@click.argument("name", metavar="TÊN")
@unit_option
@province_option
@password_stdin_option
@register_db_option
@json_option
def users_add_cmd(name, unit, province, password_stdin, register_db, as_json):
    """Thêm người dùng (mật khẩu băm argon2) / add a user (password hashed with argon2)."""
    role = _role(unit, province)
    password = _password(password_stdin)
    with _users(register_db) as users:
        user = users.add(name, password, by=_who(), **role)
    emit(as_json, {"user": user.as_dict()}, [f"Đã thêm người dùng {user.name} ({_label(user)})."])


@users_group.command("list")
@register_db_option
@json_option
def users_list_cmd(register_db, as_json):
    """Liệt kê người dùng và đơn vị của họ / list the users and their units."""
    with _users(register_db) as users:
        found = users.list()
    lines = [f"{u.name}\t{_label(u)}" for u in found] or ["Chưa có người dùng nào (formgen users add ...)."]
    emit(as_json, {"users": [u.as_dict() for u in found], "counts": {"users": len(found)}}, lines)


@users_group.command("remove")
@click.argument("name", metavar="TÊN")
@register_db_option
@json_option
def users_remove_cmd(name, register_db, as_json):
    """Xóa người dùng; các phiên đăng nhập của họ kết thúc / remove a user, ending their sessions."""
    with _users(register_db) as users:
        user = users.remove(name, by=_who())
    emit(as_json, {"user": user.as_dict()},
         [f"Đã xóa người dùng {user.name} ({_label(user)}); các phiên đăng nhập của người này đã kết thúc."])


@users_group.command("password")
@click.argument("name", metavar="TÊN")
@password_stdin_option
@register_db_option
@json_option
def users_password_cmd(name, password_stdin, register_db, as_json):
    """Đổi mật khẩu; các phiên đăng nhập cũ kết thúc / change a password, ending the user's sessions.

    Mật khẩu hỏi khi chạy hoặc đọc từ stdin, không bao giờ trên dòng lệnh / asked for, or read from stdin.
    """
    with _users(register_db) as users:
        users.require(name)  # an unknown name is said before the password is asked for
        user = users.set_password(name, _password(password_stdin), by=_who())
    emit(as_json, {"user": user.as_dict()},
         [f"Đã đổi mật khẩu của {user.name}; các phiên đăng nhập cũ của người này đã kết thúc."])


@users_group.command("role")
@click.argument("name", metavar="TÊN")
@unit_option
@province_option
@register_db_option
@json_option
def users_role_cmd(name, unit, province, register_db, as_json):
    """Chuyển người dùng sang đơn vị khác hoặc Ban Tổ chức / move a user to another unit or the province role."""
    role = _role(unit, province)
    with _users(register_db) as users:
        user = users.set_role(name, by=_who(), **role)
    emit(as_json, {"user": user.as_dict()}, [f"Người dùng {user.name} nay thuộc {_label(user)}."])
