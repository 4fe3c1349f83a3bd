"""formgen serve: the secretary's form in the browser and the same operations over HTTP, on the library."""
from __future__ import annotations

import ipaddress
import os

from flask import Flask

from ..errors import InvalidInput

# A delegation file is a few kilobytes; a request many times larger is not one (413, nothing read).
MAX_REQUEST_BYTES = 1024 * 1024


def create_app(*, register: str | None = None, secret_key: str | bytes | None = None, behind_tls: bool = False,
               testing: bool = False, trust: list[str] | None = None) -> Flask:
    """The application: the API under /api (OpenAPI at /openapi.json), the form at /, the login at /login.

    register is the register's location (SQLite file or PostgreSQL URL), or None for none; it is
    kept as configuration only: every request opens it, so several workers share it, its users
    and the key that signs their sessions ($FORMGEN_SECRET_KEY, else made once and kept there).
    behind_tls: a reverse proxy terminates TLS (its X-Forwarded-Proto is trusted, cookies are Secure).
    testing turns CSRF tokens off, for tests that are not about them.
    trust: the root certificates uploaded signed PDFs must chain to (none: their integrity only).
    """
    from flask_wtf.csrf import CSRFProtect

    from ..verifying import trust_roots
    from . import api, auth, form

    trust_roots(trust)  # a root that cannot be read stops the start, not each upload later

    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        FORMGEN_REGISTER=register,
        FORMGEN_TRUST=list(trust or []),
        TESTING=testing,
        WTF_CSRF_ENABLED=not testing,
        SECRET_KEY=secret_key or os.environ.get(ENV_SECRET) or _shared_key(register),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=behind_tls,
    )
    app.json.ensure_ascii = False  # Vietnamese as it is written, not \u escapes
    if behind_tls:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    csrf = CSRFProtect(app)
    api.init_app(app)
    csrf.exempt(api.blp)  # JSON only (application/json needs a CORS preflight no other site gets): no form can post it
    auth.init_app(app)
    form.init_app(app)
    return app


ENV_SECRET = "FORMGEN_SECRET_KEY"


def _shared_key(register: str | None) -> str:
    """The session key every worker of one register shares; a key of this process alone without a register."""
    if not register:
        import secrets
        return secrets.token_hex(32)
    from .users import Users
    with Users(register) as users:
        return users.secret_key()


def is_loopback(host: str) -> bool:
    """Whether host only listens on this machine (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refuse_open_host(host: str, users: int = 0) -> None:
    """Listening beyond this machine needs users who log in; without them formgen serve does not start."""
    if not is_loopback(host) and not users:
        raise InvalidInput(f"Không mở máy chủ trên “{host}”: chưa có người dùng nào (formgen users add ... --register DB), "
                           "nên chỉ phục vụ trên máy này (--host 127.0.0.1).")


def serve(host: str = "127.0.0.1", port: int = 8000, register: str | None = None, behind_tls: bool = False,
          trust: list[str] | None = None) -> None:
    """Serve the application with waitress until interrupted."""
    import waitress

    refuse_open_host(host, user_count(register))
    app = create_app(register=register, behind_tls=behind_tls, trust=trust)
    try:
        waitress.serve(app, host=host, port=port, ident="formgen")
    finally:  # stopped (Ctrl+C, SIGTERM): the PDF pool's LibreOffice processes and profiles go too
        pool = app.extensions.get("formgen_pdf")
        if pool is not None:
            pool.close()


def user_count(register: str | None) -> int:
    if not register:
        return 0
    from .users import Users
    with Users(register) as users:
        return users.count()
