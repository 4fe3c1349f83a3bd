"""formgen serve: the secretary's form in the browser and the same operations over HTTP, on the library."""
from __future__ import annotations

import ipaddress

from flask import Flask

from ..errors import InvalidInput

# A delegation file is a few kilobytes; a request many times larger is not one (413, nothing read).
MAX_REQUEST_BYTES = 1024 * 1024


def create_app(*, register: str | None = None, secret_key: str | bytes | None = None,
               testing: bool = False) -> Flask:
    """The application: the API under /api (OpenAPI at /openapi.json) and the form at /.

    register is the register's location (SQLite file or PostgreSQL URL), or None for none; it is
    kept as configuration only: every request opens it, so several workers share it.
    """
    from . import api, form

    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        FORMGEN_REGISTER=register,
        TESTING=testing,
        SECRET_KEY=secret_key or _random_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.json.ensure_ascii = False  # Vietnamese as it is written, not \u escapes
    api.init_app(app)
    form.init_app(app)
    return app


def _random_key() -> bytes:
    import secrets
    return secrets.token_bytes(32)


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
        raise InvalidInput(f"Không mở máy chủ trên “{host}”: chưa có người dùng nào được cấu hình, nên chỉ phục vụ "
                           "trên máy này (--host 127.0.0.1).")


def serve(host: str = "127.0.0.1", port: int = 8000, register: str | None = None) -> None:
    """Serve the application with waitress until interrupted."""
    import waitress

    refuse_open_host(host)
    waitress.serve(create_app(register=register), host=host, port=port, ident="formgen")
