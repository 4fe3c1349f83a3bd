"""The secretary's form: every field of a delegation file, checked as it is typed."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
