"""Modules loaded without the cyclic garbage collector, what they built then left out of its later rounds.

CPython's collector runs every few hundred objects made, and now and then goes through every object it tracks.
Loading click, marshmallow, PyYAML, docxtpl and formgen makes some hundred thousand objects (classes, functions,
tables), all kept for the life of the process: the collections while they load free nothing, and the later ones go
through them all again (together 50 ms of a one-letter run on a loaded machine, 73 collections). So the collector
is paused while they load, and what exists then is handed to gc.freeze(): the collector leaves it out from then on
(reference counting still frees it); it runs again, as before, for everything made afterwards.

Only when formgen is the process's program (its console script, `python -m formgen`): imported by another program,
whose heap (and its uncollected cycles) would be frozen with formgen's, the collector is left as that program set it.
"""
from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def without_collection(unless_loaded: str | None = None) -> Iterator[None]:
    """Load modules in the block: the collector paused, then what exists frozen, then running again if it ran.

    Only for a process's first load of modules (formgen's own, then a letter's rendering libraries): whatever
    exists at the end of the block is left out of later collections, and should live as long as the process.
    With unless_loaded, a module's name: once that module is loaded the block runs as it is (a server's later
    documents are collected as usual).
    """
    if not is_program() or unless_loaded is not None and unless_loaded in sys.modules:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def is_program() -> bool:
    """Whether formgen runs as this process's program: its console script, or `python -m formgen` (while -m finds the
    module, argv[0] is "-m"; then the path of formgen/__main__.py)."""
    first = sys.argv[0] if sys.argv else ""
    return (os.path.basename(first) in ("formgen", "formgen.exe") or first == "-m"
            or first.endswith(os.path.join("formgen", "__main__.py")))
