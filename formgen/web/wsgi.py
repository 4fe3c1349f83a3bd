"""The application for a WSGI server (gunicorn formgen.web.wsgi:app), configured from the environment.

FORMGEN_REGISTER names the register (a PostgreSQL URL for several workers and machines), FORMGEN_BEHIND_TLS=1
says a reverse proxy terminates TLS, FORMGEN_TRUST lists the root certificates uploaded signed PDFs must
chain to (separated by the path separator; none: their integrity only). Served this way the address is the WSGI server's, so users are
required, as `formgen serve --host 0.0.0.0` requires them.
"""
from __future__ import annotations

import os

from ..errors import InvalidInput
from ..register import ENV_REGISTER
from . import create_app, user_count

_register = os.environ.get(ENV_REGISTER)
if not _register or not user_count(_register):
    raise SystemExit(InvalidInput(f"formgen.web.wsgi: cần {ENV_REGISTER} (sổ có người dùng: formgen users add ...) "
                                  "trước khi phục vụ qua máy chủ WSGI.").message)
app = create_app(register=_register, behind_tls=os.environ.get("FORMGEN_BEHIND_TLS") == "1",
                 trust=[p for p in os.environ.get("FORMGEN_TRUST", "").split(os.pathsep) if p])
