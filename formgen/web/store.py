"""The register of one formgen serve process: opened once (engine made, schema checked), shared by its requests.

The engine's connection pool is this process's own and holds nothing a request leaves for the next one;
every fact (users, sessions' key, delegations) is in the database, so workers and machines share it.
"""
from __future__ import annotations

import os
import weakref

from flask import Flask, current_app

from ..register import Register
from .status import NotFound

_KEY = "formgen.register"


def attach(app: Flask, location: str | None) -> Register | None:
    """Open the app's register (upgrading an older schema, refusing a newer one) for the app's lifetime."""
    if not location:
        app.extensions[_KEY] = None
        return None
    register = Register(location)
    app.extensions[_KEY] = (os.getpid(), register)
    weakref.finalize(app, register.close)
    return register


def opened() -> Register:
    """The register of the application serving this request; NotFound (404) when it was started without one."""
    held = current_app.extensions.get(_KEY)
    if held is None:
        raise NotFound("Máy chủ không có sổ theo dõi các đoàn (chạy formgen serve --register DB).")
    pid, register = held
    if pid != os.getpid():  # made before a fork (gunicorn --preload): this worker opens connections of its own
        register.engine.dispose(close=False)
        current_app.extensions[_KEY] = (os.getpid(), register)
    return register
