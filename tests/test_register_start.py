"""`formgen register list` and `overdue` as fresh processes import only what they use: not the batch runner,
the document, PDF or spreadsheet libraries, nor SQLAlchemy's PostgreSQL dialect on a SQLite register."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from formgen import load
from formgen.register import Register

ROOT = Path(__file__).parent.parent
UNUSED = ("formgen.batch", "sqlalchemy.dialects.postgresql", "docxtpl", "docx", "reportlab", "pypdf", "openpyxl")


def _modules_after(args: list[str], cwd: Path) -> tuple[int, str, set[str]]:
    """(exit status, output, every module in sys.modules) after `formgen ARGS` in a fresh interpreter."""
    code = ("import contextlib, io, json, sys\n"
            "from formgen.cli import main\n"
            "out, status = io.StringIO(), 0\n"
            "with contextlib.redirect_stdout(out):\n"
            "    try:\n"
            "        main(sys.argv[1:])\n"
            "    except SystemExit as exc:\n"
            "        status = exc.code\n"
            "print(json.dumps({'status': status, 'out': out.getvalue(), 'modules': sorted(sys.modules)}))\n")
    env = {k: v for k, v in os.environ.items() if k != "FORMGEN_REGISTER"}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    return result["status"], result["out"], set(result["modules"])


@pytest.mark.parametrize("command, says, exit_status", [
    (["register", "list"], "SNV      03/06/2024 07/06/2024", 0),
    (["register", "overdue", "--on", "2024-07-01"], "Đoàn 1 (SNV, trưởng đoàn Nguyễn Văn An", 1)],  # 1: a report is late
                         ids=["register list", "register overdue"])
def test_listing_the_register_imports_no_batch_runner_document_library_or_postgresql_dialect(command, says, exit_status,
                                                                                            tmp_path):
    db = tmp_path / "so.sqlite"
    with Register(db) as reg:
        reg.add(load(ROOT / "fixtures" / "request.yaml"))
    status, out, modules = _modules_after([*command, "--register", str(db)], tmp_path)
    assert status == exit_status and says in out, out
    assert {m for m in modules if m.split(".")[0] in {"docxtpl", "docx", "reportlab", "pypdf", "openpyxl"}
            or m in UNUSED} == set()
