"""formgen serve: the secretary's form in the browser and the same operations over HTTP, on the library."""
from __future__ import annotations

import ipaddress
import os

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from ..errors import InvalidInput

# A delegation file is a few kilobytes; a request many times larger is not one (413, nothing read).
MAX_REQUEST_BYTES = 1024 * 1024


def create_app(*, register: str | None = None, secret_key: str | bytes | None = None, behind_tls: bool = False,
               proxies: int = 0, testing: bool = False, trust: list[str] | None = None) -> Flask:
    """The application: the API under /api (OpenAPI at /openapi.json), the form at /, the login at /login.

    register is the register's location (SQLite file or PostgreSQL URL), or None for none. The app opens
    it once (one engine, its schema checked and upgraded once) and keeps nothing else between requests:
    its users, the key that signs their sessions ($FORMGEN_SECRET_KEY, else made once and kept
    there) and the delegations are in the database, so several workers and machines share it.
    proxies: how many reverse proxies in front are trusted for X-Forwarded-For/-Proto/-Host/-Port/-Prefix
    (0: the headers are ignored, a client cannot name itself another address or https).
    behind_tls: TLS ends at the proxy for every request (at least one proxy; cookies always Secure).
    A request that arrived over https (as the trusted proxy says) gets Secure cookies in any case.
    testing turns CSRF tokens off, for tests that are not about them.
    trust: the root certificates uploaded signed PDFs must chain to (none: their integrity only).
    """
    from flask_wtf.csrf import CSRFProtect

    from ..verifying import trust_roots
    from . import api, auth, form, store

    trust_roots(trust)  # a root that cannot be read stops the start, not each upload later
    proxies = max(_proxy_count(proxies), 1 if behind_tls else 0)

    app = Flask(__name__)
    opened = store.attach(app, register)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        FORMGEN_REGISTER=register,
        FORMGEN_TRUST=list(trust or []),
        FORMGEN_PROXIES=proxies,
        TESTING=testing,
        WTF_CSRF_ENABLED=not testing,
        SECRET_KEY=secret_key or os.environ.get(ENV_SECRET) or _shared_key(opened),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=behind_tls,
    )
    app.session_interface = _SessionInterface()
    app.json.ensure_ascii = False  # Vietnamese as it is written, not \u escapes
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
                                x_prefix=proxies)
    csrf = CSRFProtect(app)
    api.init_app(app)
    csrf.exempt(api.blp)  # JSON only (application/json needs a CORS preflight no other site gets): no form can post it
    auth.init_app(app)
    form.init_app(app)
    return app


ENV_SECRET = "FORMGEN_SECRET_KEY"
ENV_PROXIES = "FORMGEN_PROXIES"


def _proxy_count(value: object) -> int:
    """A number of trusted proxies, from a parameter or the environment; anything else is one line."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 10:
        raise InvalidInput(f"Số reverse proxy tin cậy “{value}” không hợp lệ ({ENV_PROXIES} hoặc --proxies): "
                           "ghi một số từ 0 đến 10 (0: không có proxy).")
    return int(text)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, Secure also when this request came over https (through a trusted proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or request.is_secure


def _shared_key(register) -> str:
    """The session key every worker of one register shares; a key of this process alone without a register."""
    if register is None:
        import secrets
        return secrets.token_hex(32)
    from .users import Users
    return Users(register).secret_key()


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
          trust: list[str] | None = None, proxies: int = 0) -> None:
    """Serve the application with waitress until interrupted."""
    import waitress

    refuse_open_host(host, user_count(register))
    app = create_app(register=register, behind_tls=behind_tls, proxies=proxies, trust=trust)
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
