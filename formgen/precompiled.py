"""The regular expressions a letter compiles as it starts, compiled ahead: re's cache filled from a shipped table.

A fresh `formgen render` compiled ~130 patterns before it wrote anything, 40 ms of a 280 ms letter on the quiet
machine (marshmallow's e-mail domain pattern alone, case-insensitive over ¡-\\uffff, 24 ms; PyYAML's, Jinja's and
click's own). tools/build_compiled_patterns.py writes what Python's regular-expression compiler makes of each
(its code, groups and flags) into PATTERNS_FILE, with the exact Python build that wrote it; when this very build
runs, seed() hands each to _sre.compile, as re._compiler.compile does, and puts it in re's cache, where re.compile
finds it. Another build, or a table that does not read, and nothing is seeded: every pattern compiles as before.
tests/test_precompiled.py checks each pattern against a fresh compile of it.
"""
from __future__ import annotations

import json
import os
import re
import sys

import _sre

PATTERNS_FILE = "compiled_patterns.json"
ENV_OFF = "FORMGEN_NO_PRECOMPILED"  # set (to anything): nothing is seeded (tools/build_compiled_patterns.py sets it)
SEEDED: int | None = None  # how many patterns seed() put in re's cache; None before it ran


def build_key() -> dict:
    """What the compiled code depends on: the Python build (its re compiler, its Unicode tables) and _sre's format."""
    return {"python": sys.version, "implementation": sys.implementation.cache_tag, "sre_magic": _sre.MAGIC}


def compiled_entry(pattern: str, flags: int) -> list:
    """[pattern, flags, the flags compiled, code, groups, groupindex]: re._compiler.compile's steps, kept."""
    parsed = re._parser.parse(pattern, flags)
    code = re._compiler._code(parsed, flags)
    return [pattern, flags, flags | parsed.state.flags, list(code), parsed.state.groups, dict(parsed.state.groupdict)]


def pattern_of(entry: list) -> re.Pattern:
    """The compiled pattern of an entry, as re._compiler.compile builds it from the same parts."""
    pattern, _, compiled_flags, code, groups, groupindex = entry
    indexgroup = [None] * groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return _sre.compile(pattern, compiled_flags, code, groups - 1, groupindex, tuple(indexgroup))


# A program that runs `formgen ARGS` and prints, as its last line, the patterns (pattern, flags) reaching re's compiler
# (not found in its cache) once the seeding ran, how many were seeded, and the top-level packages whose code compiled
# them: tools/build_compiled_patterns.py records the table with it (and those packages' distributions and versions),
# tests/test_precompiled.py checks that a letter compiles none when those versions are installed (another click may
# compile another pattern, which then compiles as before). Bytes, locale-dependent and debug patterns are left out
# (their code depends on more than the build).
RECORDER = """
import json, re, sys
compile_, seen, sources = re._compiler.compile, [], set()
def recording(p, flags=0):
    seeding_done = getattr(sys.modules.get("formgen.precompiled"), "SEEDED", None) is not None
    if seeding_done and isinstance(p, str) and not flags & (re.LOCALE | re.DEBUG):
        seen.append((p, int(flags)))
        frame = sys._getframe(1)
        while frame and frame.f_globals.get("__name__", "").partition(".")[0] in ("re", "functools", "sre_compile"):
            frame = frame.f_back
        sources.add((frame.f_globals.get("__name__", "") if frame else "").partition(".")[0])
    return compile_(p, flags)
re._compiler.compile = recording
from formgen.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps({"compiled": seen, "seeded": sys.modules["formgen.precompiled"].SEEDED, "sources": sorted(sources)}))
"""


def table() -> dict | None:
    """The shipped table, None when it is not there or does not read."""
    path = os.path.join(os.path.dirname(__file__), PATTERNS_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            found = json.load(f)
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def seed() -> int:
    """Put the table's patterns into re's cache when this Python build wrote it; how many were put there."""
    global SEEDED
    SEEDED = _seeded()
    return SEEDED


def _seeded() -> int:
    found = None if os.environ.get(ENV_OFF) else table()
    if not found or found.get("build") != build_key() or not isinstance(getattr(re, "_cache", None), dict):
        return 0
    cache, room = re._cache, max(0, re._MAXCACHE - len(re._cache))
    seeded = 0
    for entry in found.get("patterns", [])[:room]:
        try:
            key = (str, entry[0], entry[1])
            if key not in cache:
                cache[key] = pattern_of(entry)
                seeded += 1
        except (TypeError, ValueError, IndexError, RuntimeError):
            continue  # an entry this build cannot take: that pattern compiles when asked for, as before
    return seeded
