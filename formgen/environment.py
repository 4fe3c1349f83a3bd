"""Environment variables the command line reads before it knows whether it needs the module behind them."""
from __future__ import annotations

ENV_REGISTER = "FORMGEN_REGISTER"  # the register (formgen.register): a SQLite file or a PostgreSQL URL
ENV_SOFFICE = "FORMGEN_SOFFICE"  # the LibreOffice program (formgen.pdf)
