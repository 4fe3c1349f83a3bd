"""Shared test helpers: the fixture delegation as data, files built from it, and the CLI as a user runs it."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from formgen.cli import main

ROOT = Path(__file__).parent.parent
FIXTURE_FILE = ROOT / "fixtures" / "request.yaml"
_FIXTURE = yaml.safe_load(FIXTURE_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def trip_data() -> dict:
    """A fresh deep copy of fixtures/request.yaml (a compliant request), to modify freely."""
    return copy.deepcopy(_FIXTURE)


def _write_trip(tmp_path: Path, data: object, name: str = "trip.yaml") -> Path:
    """Write data as a delegation file in tmp_path: JSON when name ends with .json, YAML otherwise."""
    path = Path(tmp_path) / name
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def write_trip():
    """The helper write_trip(tmp_path, data, name="trip.yaml") -> Path."""
    return _write_trip


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.splitlines()


@pytest.fixture
def run_formgen(capsys):
    """Run `formgen ARGS...` through formgen.cli.main, the real entry point (exit statuses decided there).

    CliRunner.invoke(cli, ...) would bypass main(), where errors become messages and exit codes.
    """

    def run(*args) -> CliResult:
        capsys.readouterr()  # drop anything printed before
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
        else:  # main() always exits; returning normally is itself a bug
            code = "main() returned without exiting"
        out, err = capsys.readouterr()
        if code is None:
            code = 0
        return CliResult(code, out, err)

    return run


SLOW_SECONDS = 4.0  # a test that takes longer carries @pytest.mark.slow (pyproject: markers)
_UNMARKED_SLOW: list[tuple[str, float]] = []


def pytest_runtest_logreport(report):
    if report.when == "call" and report.duration > SLOW_SECONDS and "slow" not in report.keywords:
        _UNMARKED_SLOW.append((report.nodeid, report.duration))


def pytest_terminal_summary(terminalreporter):
    """Name the tests that took over SLOW_SECONDS without the slow marker, so the quick set stays quick."""
    if _UNMARKED_SLOW:
        terminalreporter.section(f"over {SLOW_SECONDS:g} s without @pytest.mark.slow")
        for nodeid, seconds in _UNMARKED_SLOW:
            terminalreporter.write_line(f"{seconds:5.1f} s  {nodeid}")
