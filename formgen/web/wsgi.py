"""The application for a WSGI server (gunicorn formgen.web.wsgi:app), configured from the environment.

FORMGEN_REGISTER names the register (a PostgreSQL URL for several workers and machines), FORMGEN_PROXIES the
number of reverse proxies in front whose X-Forwarded-* headers are trusted (0 or unset: none),
FORMGEN_BEHIND_TLS=1 says TLS ends at the proxy for every request (cookies always Secure), FORMGEN_TRUST lists
the root certificates uploaded signed PDFs must chain to (separated by the path separator; none: their
integrity only). Served this way the address is the WSGI server's, so users are required, as
`formgen serve --host 0.0.0.0` requires them.
"""
from __future__ import annotations

import os

from ..errors import FormgenError, InvalidInput
from ..register import ENV_REGISTER
from . import ENV_PROXIES, create_app, user_count


def _app():
    register = os.environ.get(ENV_REGISTER)
    try:
        if not register or not user_count(register):
            raise InvalidInput(f"formgen.web.wsgi: cần {ENV_REGISTER} (sổ có người dùng: formgen users add ...) "
                               "trước khi phục vụ qua máy chủ WSGI.")
        return create_app(register=register, behind_tls=os.environ.get("FORMGEN_BEHIND_TLS") == "1",
                          proxies=os.environ.get(ENV_PROXIES) or 0,
                          trust=[p for p in os.environ.get("FORMGEN_TRUST", "").split(os.pathsep) if p])
    except FormgenError as exc:
        raise SystemExit(exc.message) from None


app = _app()
