"""The regular expressions compiled ahead (formgen/precompiled.py): each is what re compiles of it, a letter compiles
none of them again, and a table from another Python build is not used."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from formgen import precompiled

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"


def _table_unfit() -> str | None:
    """Why the shipped table is not this Python build's (formgen then compiles every pattern itself: right, slower)."""
    found = precompiled.table()
    if found is None:
        return f"{precompiled.PATTERNS_FILE} is missing: run python tools/build_compiled_patterns.py"
    if found["build"] != precompiled.build_key():
        return (f"{precompiled.PATTERNS_FILE} was written by Python {found['build']['python']}, this is {sys.version}: "
                "run python tools/build_compiled_patterns.py")
    return None


@pytest.fixture
def shipped() -> dict:
    if _table_unfit():
        pytest.skip(_table_unfit())
    return precompiled.table()


@pytest.fixture
def shipped_for_these_libraries(shipped) -> dict:
    """The table, when the libraries whose code compiled its patterns are the versions installed (another click,
    another PyYAML may compile another pattern: formgen compiles it as before, right and a little slower)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None
    other = {name: (was, installed(name)) for name, was in shipped["libraries"].items() if installed(name) != was}
    if other:
        pytest.skip(f"{precompiled.PATTERNS_FILE} was recorded with " + ", ".join(
            f"{name} {was} (installed: {now or 'none'})" for name, (was, now) in other.items())
            + ": run python tools/build_compiled_patterns.py")
    return shipped


def test_every_shipped_pattern_is_what_re_compiles_of_it_code_flags_and_groups(shipped):
    assert len(shipped["patterns"]) > 50
    for entry in shipped["patterns"]:
        pattern, flags = entry[0], entry[1]
        ahead, fresh = precompiled.pattern_of(entry), re._compiler.compile(pattern, flags)
        assert ahead == fresh, pattern  # a Pattern equals another of the same pattern, flags and compiled code
        assert (ahead.groups, ahead.groupindex, ahead.flags) == (fresh.groups, fresh.groupindex, fresh.flags), pattern


def test_a_seeded_pattern_matches_as_the_pattern_compiled_by_re_does(shipped):
    # marshmallow's e-mail domain pattern, the slowest of a letter's (case-insensitive over ¡-\uffff)
    domain = next(e for e in shipped["patterns"] if e[0].startswith("(?:[A-Z0-9\u00a1-\uffff]"))
    ahead, fresh = precompiled.pattern_of(domain), re._compiler.compile(domain[0], domain[1])
    for text in ("sonoivu.haugiang.gov.vn", "SỞ-NỘI-VỤ.VN", "xn--hu-giang.vn", "-bad-.vn", "a..b", "localhost", ""):
        assert bool(ahead.fullmatch(text)) == bool(fresh.fullmatch(text)), text


def _letter(tmp_path: Path, **env: str) -> dict:
    """What a fresh `formgen render request` compiled once the patterns were seeded, and how many were seeded."""
    import os
    done = subprocess.run([sys.executable, "-c", precompiled.RECORDER, "render", "request", str(FIX / "request.yaml"),
                           "-o", str(tmp_path / "to-trinh.docx")], cwd=tmp_path, capture_output=True, text=True,
                          env={**{k: v for k, v in os.environ.items() if k != "FORMGEN_REGISTER"},
                               "PYTHONPATH": str(ROOT), **env}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "to-trinh.docx").is_file()
    return json.loads(done.stdout.splitlines()[-1])


def test_one_letter_compiles_none_of_its_regular_expressions_as_it_starts(shipped_for_these_libraries, tmp_path):
    run = _letter(tmp_path)
    assert run["seeded"] == len(shipped_for_these_libraries["patterns"])
    assert run["compiled"] == []


def test_without_the_table_the_letter_compiles_its_regular_expressions_itself(shipped_for_these_libraries, tmp_path):
    run = _letter(tmp_path, **{precompiled.ENV_OFF: "1"})
    assert run["seeded"] == 0
    compiled = {tuple(p) for p in run["compiled"]}
    assert compiled <= {(e[0], e[1]) for e in shipped_for_these_libraries["patterns"]}, \
        "run python tools/build_compiled_patterns.py"
    assert any(p.startswith("(?:[A-Z0-9\u00a1-\uffff]") for p, _ in compiled)  # marshmallow's e-mail domain


def test_a_table_written_by_another_python_build_seeds_nothing(monkeypatch):
    found = precompiled.table() or {"patterns": []}
    monkeypatch.setattr(precompiled, "table", lambda: {**found, "build": {**precompiled.build_key(),
                                                                          "python": "3.11.0 (another build)"}})
    monkeypatch.setattr(re, "_cache", {})
    assert precompiled.seed() == 0
    assert re._cache == {}


def test_a_table_that_does_not_read_seeds_nothing(monkeypatch, tmp_path):
    (tmp_path / precompiled.PATTERNS_FILE).write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(precompiled, "__file__", str(tmp_path / "precompiled.py"))
    monkeypatch.setattr(re, "_cache", {})
    assert precompiled.table() is None and precompiled.seed() == 0
    assert re._cache == {}
