"""Logging in to formgen serve, and what a logged-in user may see: only their unit's delegations."""
from __future__ import annotations

from flask import (Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for)

from ..errors import InvalidInput
from .status import status_of
from .store import opened
from .users import User, Users


class Unauthorized(InvalidInput):
    """No user, or the wrong password: 401."""

    status = 401
    kind = "unauthorized"


class Forbidden(InvalidInput):
    """A user asks for another unit's delegations: 403."""

    status = 403
    kind = "forbidden"


class TooManyAttempts(InvalidInput):
    """Too many failed logins of one name lately: 429, with the seconds to wait."""

    status = 429
    kind = "rate_limited"

    def __init__(self, seconds: int):
        super().__init__(f"Đăng nhập sai quá nhiều lần; thử lại sau {seconds} giây.")
        self.retry_after = seconds


bp = Blueprint("auth", __name__)
OPEN_ENDPOINTS = {"auth.login", "static", "api-docs.openapi_json"}


def _location() -> str | None:
    return current_app.config.get("FORMGEN_REGISTER")


def identify() -> None:
    """Before every request: who asks (g.user), from the session or HTTP Basic; without users, nobody need log in.

    A session holds the user's name and session token: a new password or the user's removal ends it.
    """
    g.user = None
    if not _location() or request.endpoint in OPEN_ENDPOINTS:
        return None
    users = Users(opened())
    if not users.count():
        return None  # no users: serve only refuses to listen beyond this machine
    name = session.get("user")
    g.user = users.get(name) if name else None
    if g.user is not None and session.get("token") != g.user.token:
        g.user = None
        session.clear()
    if g.user is None and request.authorization and request.authorization.type == "basic":
        g.user = attempt(users, request.authorization.username or "", request.authorization.password or "")
    if g.user is not None:
        return None
    if request.path.startswith("/api/"):
        raise Unauthorized("Cần đăng nhập (HTTP Basic, hoặc đăng nhập trên trang /login).")
    return redirect(url_for("auth.login"))


def attempt(users: Users, name: str, password: str) -> User:
    """A login: refused while the name or the client's address has failed too often lately.

    The address is the client's as the trusted proxies say (create_app(proxies=N)); with none
    configured, X-Forwarded-For is ignored, so a client cannot name itself another one.
    """
    wait = users.wait(name, request.remote_addr)
    if wait:
        raise TooManyAttempts(wait)
    user = users.login(name, password, request.remote_addr)
    if user is None:
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.")
    return user


def require_unit(unit: object) -> None:
    """A unit's user works on that unit's delegations only (the issuer's abbreviation)."""
    user: User | None = g.get("user")
    if user is not None and not user.may_see(unit if isinstance(unit, str) else None):
        raise Forbidden(f"Người dùng “{user.name}” thuộc đơn vị {user.unit}: chỉ xem và sửa các đoàn của đơn vị mình "
                        f"(không phải “{unit}”).")


def issuer_unit(data: object) -> object:
    issuer = data.get("issuer") if isinstance(data, dict) else None
    return issuer.get("abbreviation") if isinstance(issuer, dict) else None


def who() -> str:
    """The name the register's changes are recorded under ("local": no users, on this machine only)."""
    user: User | None = g.get("user")
    return user.name if user else "local"


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", message=None)
    if not _location():
        return redirect(url_for("form.new"))
    try:
        user = attempt(Users(opened()), request.form.get("name", "").strip(), request.form.get("password", ""))
    except (Unauthorized, TooManyAttempts) as exc:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
        return render_template("login.html", message=exc.message), status_of(exc), headers
    session.clear()  # a new session for the user: nothing carried over from before the login
    session["user"], session["token"] = user.name, user.token
    return redirect(url_for("form.new"))


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(identify)
